"""The downloadable datasets and their CSV/JSON writers, streamed row by row.

CSV files start with one comment line (``# Licence: CC BY 4.0 …``) before the header row: the
licence travels inside the file, and CSV readers skip it with ``comment="#"`` (pandas) or by
dropping the first line. JSON files carry ``licence`` and ``licence_url`` fields."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.accountability import services as figures_services
from app.core.clock import local_today
from app.core.db import utcnow
from app.extensions import db
from app.opendata import records as r


@dataclass(frozen=True)
class Dataset:
    name: str
    title: object
    fields: tuple[str, ...]
    rows: Callable[[], Iterator[dict[str, Any]]]


def _observations() -> Iterator[dict[str, Any]]:
    today = local_today()
    query = r.observations_query().order_by(r.Observation.id)
    for batch in r.batches(query):
        for observation, figures, filer_name in batch:
            yield r.observation_record(observation, figures, filer_name, today)


def _events() -> Iterator[dict[str, Any]]:
    for batch in r.batches(r.events_query()):
        for event, code in batch:
            yield r.event_record(event, code)


def _answers() -> Iterator[dict[str, Any]]:
    for batch in r.batches(r.answers_query()):
        documents = r.answer_documents([event.id for event, _code in batch])
        for event, code in batch:
            yield r.answer_record(event, code, documents.get(event.id, []))


def _simple(query_of: Callable, record: Callable) -> Callable[[], Iterator[dict[str, Any]]]:  # type: ignore[type-arg]
    def rows() -> Iterator[dict[str, Any]]:
        for batch in r.batches(query_of()):
            for (item,) in batch:
                yield record(item)

    return rows


FIGURE_FIELDS = (
    "institution_id",
    "institution",
    "period_start",
    "period_end",
    "received",
    "accepted",
    "answered",
    "answered_share",
    "due",
    "answered_on_time",
    "on_time_share",
    "on_time_low",
    "on_time_high",
    "open",
    "overdue",
    "median_working_days",
    "p90_working_days",
    "accepted_by_filer",
    "filer_share",
    "satisfaction",
    "satisfaction_count",
)


def figure_rows(scope: figures_services.Scope) -> Iterator[dict[str, Any]]:
    """The accountability figures per institution (all of them, ranked or not) for ``scope``."""
    by_institution = figures_services.figures_by_institution(scope)
    for row in sorted(
        figures_services.institution_table(by_institution, minimum=0),
        key=lambda row: row.institution.id,
    ):
        f, c = row.figures, row.figures.counts
        yield {
            "institution_id": row.institution.id,
            "institution": r._es(row.institution.names),
            "period_start": scope.start.isoformat(),
            "period_end": scope.end.isoformat(),
            "received": c.received,
            "accepted": c.accepted,
            "answered": c.answered,
            "answered_share": _round(f.answered_share.value),
            "due": c.due,
            "answered_on_time": c.answered_on_time,
            "on_time_share": _round(f.on_time_share.value),
            "on_time_low": _round(f.on_time_share.low),
            "on_time_high": _round(f.on_time_share.high),
            "open": c.open,
            "overdue": c.overdue,
            "median_working_days": f.median_days,
            "p90_working_days": f.p90_days,
            "accepted_by_filer": c.accepted_by_filer,
            "filer_share": _round(f.filer_share.value),
            "satisfaction": _round(f.satisfaction),
            "satisfaction_count": c.rated,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _default_figures() -> Iterator[dict[str, Any]]:
    start, end = figures_services.default_period()
    return figure_rows(figures_services.Scope(start=start, end=end))


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset("observations", _l("Observations"), r.OBSERVATION_FIELDS, _observations),
        Dataset("events", _l("Observation timelines (events)"), r.EVENT_FIELDS, _events),
        Dataset("answers", _l("Institutions' answers"), r.ANSWER_FIELDS, _answers),
        Dataset(
            "institutions",
            _l("Institutions"),
            r.INSTITUTION_FIELDS,
            _simple(r.institutions_query, r.institution_record),
        ),
        Dataset("plans", _l("Plans"), r.PLAN_FIELDS, _simple(r.plans_query, r.plan_record)),
        Dataset(
            "programs",
            _l("Programs"),
            r.PROGRAM_FIELDS,
            _simple(r.programs_query, r.program_record),
        ),
        Dataset(
            "milestones",
            _l("Program milestones"),
            r.MILESTONE_FIELDS,
            _simple(r.milestones_query, r.milestone_record),
        ),
        Dataset(
            "figures",
            _l("Accountability figures per institution (last 12 months)"),
            FIGURE_FIELDS,
            _default_figures,
        ),
    )
}


def _licence_line() -> str:
    site = current_app.config["SITE_NAME"]
    base = current_app.config["BASE_URL"]
    return f"Licence: {r.LICENCE} ({r.LICENCE_URL}). Source: {site} {base}."


#: A text cell starting with one of these is a formula to a spreadsheet (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        # Citizens write titles and places; a spreadsheet opening the file must show them as
        # text, never run them (OWASP "CSV injection"): a leading apostrophe does that.
        return "'" + value
    return value


def csv_stream(fields: tuple[str, ...], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow([f"# {_licence_line()}"])
    writer.writerow(fields)
    yield flush()
    for count, row in enumerate(rows, start=1):
        writer.writerow([_cell(row.get(name)) for name in fields])
        if count % 200 == 0:
            yield flush()
    yield flush()


def json_stream(
    name: str, fields: tuple[str, ...], rows: Iterable[dict[str, Any]]
) -> Iterator[str]:
    head = {
        "licence": r.LICENCE,
        "licence_url": r.LICENCE_URL,
        "attribution": _licence_line(),
        "dataset": name,
        "generated_at": utcnow().isoformat(),
        "fields": list(fields),
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "items": ['
    first = True
    for row in rows:
        yield ("" if first else ",\n") + json.dumps(row, ensure_ascii=False)
        first = False
    yield "]}\n"


def filename(name: str, extension: str, today: date | None = None) -> str:
    return f"qhawaq-{name}-{(today or local_today()).isoformat()}.{extension}"


def rollback_after() -> None:
    """Streaming reads happen after the view returned; end their transaction cleanly."""
    db.session.rollback()
