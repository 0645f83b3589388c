"""The columns of the accountability figures: per institution (the ``figures`` dataset) and for
one scope (the API's statistics), declared once: see ``schema.py``. The statistics reuse the
per-institution descriptions where a column means the same."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from app.accountability.figures import Share
from app.accountability.filer_kinds import FilerKind, as_record
from app.accountability.results import Counts, Figures, InstitutionRow
from app.accountability.scope import EXPLANATIONS, Scope
from app.opendata.schema import LICENCE, Column, Schema, es_name


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dataclass(frozen=True, slots=True)
class FigureRow:
    """One institution's figures for ``scope``."""

    row: InstitutionRow
    scope: Scope

    @property
    def figures(self) -> Figures:
        return self.row.figures

    @property
    def counts(self) -> Counts:
        return self.row.figures.counts


_F = Column[FigureRow]

FIGURES = Schema[FigureRow](
    "figures",
    _l("Accountability figures per institution (last 12 months)"),
    (
        _F(
            "institution_id",
            "integer",
            lambda r: r.row.institution.id,
            _l("Institution identifier."),
        ),
        _F(
            "institution",
            "string",
            lambda r: es_name(r.row.institution.names),
            _l("Name in Spanish."),
        ),
        _F(
            "period_start",
            "string",
            lambda r: r.scope.start.isoformat(),
            _l("First month of filing counted."),
        ),
        _F(
            "period_end",
            "string",
            lambda r: r.scope.end.isoformat(),
            _l("Last month of filing counted (the whole month)."),
        ),
        _F(
            "received",
            "integer",
            lambda r: r.counts.received,
            _l("Observations filed, whatever moderation decided."),
        ),
        _F(
            "accepted",
            "integer",
            lambda r: r.counts.accepted,
            _l("Observations accepted and public."),
        ),
        _F(
            "answered",
            "integer",
            lambda r: r.counts.answered,
            _l("Accepted observations with at least one answer."),
        ),
        _F(
            "answered_share",
            "number",
            lambda r: rounded(r.figures.answered_share.value),
            _l("answered / accepted."),
            nullable=True,
        ),
        _F(
            "due",
            "integer",
            lambda r: r.counts.due,
            _l("Accepted observations answered, past their due date, or closed."),
        ),
        _F(
            "answered_on_time",
            "integer",
            lambda r: r.counts.answered_on_time,
            _l("First answer on or before the due date then in force."),
        ),
        _F(
            "on_time_share",
            "number",
            lambda r: rounded(r.figures.on_time_share.value),
            _l("answered_on_time / due."),
            nullable=True,
        ),
        _F(
            "on_time_low",
            "number",
            lambda r: rounded(r.figures.on_time_share.low),
            _l("Lower end of the 95% Wilson interval of on_time_share."),
            nullable=True,
        ),
        _F(
            "on_time_high",
            "number",
            lambda r: rounded(r.figures.on_time_share.high),
            _l("Upper end of the 95% Wilson interval of on_time_share."),
            nullable=True,
        ),
        _F(
            "open",
            "integer",
            lambda r: r.counts.open,
            _l("Accepted observations still open today."),
        ),
        _F(
            "overdue",
            "integer",
            lambda r: r.counts.overdue,
            _l("Observations waiting for the institution past their due date today."),
        ),
        _F(
            "median_working_days",
            "number",
            lambda r: r.figures.median_days,
            _l("Median working days to the first answer."),
            nullable=True,
        ),
        _F(
            "p90_working_days",
            "integer",
            lambda r: r.figures.p90_days,
            _l("90th percentile (nearest rank) of working days to the first answer."),
            nullable=True,
        ),
        _F(
            "accepted_by_filer",
            "integer",
            lambda r: r.counts.accepted_by_filer,
            _l("Answered observations whose filer accepted the answer."),
        ),
        _F(
            "filer_share",
            "number",
            lambda r: rounded(r.figures.filer_share.value),
            _l("accepted_by_filer / answered."),
            nullable=True,
        ),
        _F(
            "satisfaction",
            "number",
            lambda r: rounded(r.figures.satisfaction),
            _l("Average satisfaction score, 1 to 5."),
            nullable=True,
        ),
        _F("satisfaction_count", "integer", lambda r: r.counts.rated, _l("Scores given.")),
    ),
)


# --- the API's statistics for one scope ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatisticsRow:
    scope: Scope
    figures: Figures
    #: Accepted observations per filer kind and actor type (``accountability.filer_kinds``).
    filer_kinds: tuple[FilerKind, ...] = ()


def share(s: Share) -> dict[str, Any]:
    return {"count": s.count, "total": s.total, "value": s.value, "low": s.low, "high": s.high}


_NULLABLE_NUMBER = {"type": ["number", "null"]}
#: A share with its 95 % Wilson interval.
SHARE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "count": {"type": "integer"},
        "total": {"type": "integer"},
        "value": _NULLABLE_NUMBER,
        "low": _NULLABLE_NUMBER,
        "high": _NULLABLE_NUMBER,
    },
    "required": ["count", "total", "value", "low", "high"],
}
MONTHS: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
            "received": {"type": "integer"},
            "accepted": {"type": "integer"},
            "answered": {"type": "integer"},
        },
        "required": ["month", "received", "accepted", "answered"],
    },
}
DEFINITIONS: dict[str, Any] = {"type": "object", "additionalProperties": {"type": "string"}}
FILER_KINDS: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "kind": {"type": "string", "enum": ["group", "individual", "organisation"]},
            "actor_type": {"type": ["string", "null"]},
            "count": {"type": "integer"},
        },
        "required": ["kind", "actor_type", "count"],
    },
}

_S = Column[StatisticsRow]
_SAME = FIGURES.dictionary()


def _count(name: str, attribute: str | None = None) -> Column[StatisticsRow]:
    """A count column meaning what the per-institution one of the same name means."""
    key = attribute or name
    return _S(name, "integer", lambda r: getattr(r.figures.counts, key), _SAME[name])


def _share(name: str, attribute: str) -> Column[StatisticsRow]:
    return _S(
        name, "object", lambda r: share(getattr(r.figures, attribute)), _SAME[name], schema=SHARE
    )


STATISTICS = Schema[StatisticsRow](
    "statistics",
    None,
    (
        _S("period_start", "string", lambda r: r.scope.start.isoformat(), _SAME["period_start"]),
        _S("period_end", "string", lambda r: r.scope.end.isoformat(), _SAME["period_end"]),
        _count("received"),
        _count("accepted"),
        _count("answered"),
        _count("due"),
        _count("answered_on_time"),
        _count("open"),
        _count("overdue"),
        _count("accepted_by_filer"),
        _share("answered_share", "answered_share"),
        _share("on_time_share", "on_time_share"),
        _share("filer_share", "filer_share"),
        _S(
            "median_working_days",
            "number",
            lambda r: r.figures.median_days,
            _SAME["median_working_days"],
            nullable=True,
        ),
        _S(
            "p90_working_days",
            "integer",
            lambda r: r.figures.p90_days,
            _SAME["p90_working_days"],
            nullable=True,
        ),
        _S(
            "satisfaction",
            "number",
            lambda r: r.figures.satisfaction,
            _SAME["satisfaction"],
            nullable=True,
        ),
        _count("satisfaction_count", "rated"),
        _S(
            "months",
            "array",
            lambda r: [
                {
                    "month": m.start.strftime("%Y-%m"),
                    "received": m.counts.received,
                    "accepted": m.counts.accepted,
                    "answered": m.counts.answered,
                }
                for m in r.figures.months
            ],
            schema=MONTHS,
        ),
        _S(
            "filer_kinds",
            "array",
            lambda r: as_record(list(r.filer_kinds)),
            _l(
                "Accepted observations per kind of filer (individual, organisation or group) "
                "and type of social-control actor (key, null when none was given): counted, "
                "never naming a person or a group."
            ),
            schema=FILER_KINDS,
        ),
        _S(
            "definitions",
            "object",
            lambda r: {k: str(v) for k, v in EXPLANATIONS.items()},
            schema=DEFINITIONS,
        ),
        _S("licence", "string", lambda r: LICENCE),
    ),
)
