"""The downloadable datasets and their CSV/JSON writers, streamed row by row.

CSV files start with the header row (nothing before it, so every reader opens them as they are);
the licence is stated in the data dictionary, the catalogue and a ``Link: <…>; rel="license"``
header. The spreadsheet variant (``?excel=1``) starts with a UTF-8 byte order mark, separates
cells with ``;`` and writes decimal numbers with a decimal comma, which is what a spreadsheet set
to Spanish (Bolivia) opens correctly by double-click. JSON files carry ``licence`` and
``licence_url`` fields.

Each dataset also carries what the catalogue (``catalogue.py``) describes it with: a
description, keywords, how often it changes and the period its rows cover."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from app.accountability import services as figures_services
from app.accountability.scope import Scope, default_period
from app.core.clock import local_today
from app.core.db import utcnow
from app.extensions import db
from app.observations.models import Observation
from app.observations.queries import ListFilters
from app.opendata import periods
from app.opendata import records as r
from app.opendata.catalogue_schemas import INSTITUTIONS, MILESTONES, PLANS, PROGRAMS
from app.opendata.figure_schemas import FIGURES, FigureRow
from app.opendata.observation_schemas import ANSWERS, EVENTS, OBSERVATIONS
from app.opendata.schema import LICENCE, LICENCE_URL, Schema
from app.opendata.session_schemas import SESSIONS, SessionRow

Rows = Callable[[ListFilters], Iterator[dict[str, Any]]]


#: How often a dataset changes: codes of the EU frequency vocabulary
#: (http://publications.europa.eu/resource/authority/frequency/…). The files are built from the
#: live data at each request: CONT for what changes whenever someone acts, IRREG for what admins
#: edit now and then, DAILY for figures whose period moves with the date.
Frequency = Literal["CONT", "IRREG", "DAILY"]


@dataclass(frozen=True)
class Dataset:
    """A download: its schema (name, title, columns), its rows, and its catalogue entry."""

    schema: Schema[Any]
    rows: Rows
    description: LazyString
    keywords: tuple[LazyString, ...]
    frequency: Frequency
    #: The first and last date its rows cover (one query).
    period: Callable[[], periods.Period]
    #: Whether the public observation list's filters narrow it (``?institution=…&state=…``).
    filterable: bool = False

    @property
    def name(self) -> str:
        return self.schema.name

    @property
    def title(self) -> LazyString | None:
        return self.schema.title

    @property
    def fields(self) -> tuple[str, ...]:
        return self.schema.fields

    @property
    def decimals(self) -> frozenset[str]:
        """The columns holding decimal numbers (written with a comma in the Excel variant)."""
        return frozenset(c.name for c in self.schema.columns if c.is_decimal)


def _observations(filters: ListFilters) -> Iterator[dict[str, Any]]:
    today = local_today()
    query = r.observations_query(filters).order_by(Observation.id)
    for batch in r.batches(query):
        for observation, figures, filer_name, group_name in batch:
            yield r.observation_record(observation, figures, filer_name, group_name, today)


def _events(filters: ListFilters) -> Iterator[dict[str, Any]]:
    for batch in r.batches(r.events_query(filters)):
        for event, code in batch:
            yield r.event_record(event, code)


def _answers(filters: ListFilters) -> Iterator[dict[str, Any]]:
    for batch in r.batches(r.answers_query(filters)):
        documents = r.answer_documents([event.id for event, _code in batch])
        for event, code in batch:
            yield r.answer_record(event, code, documents.get(event.id, []))


def _simple(query_of: Callable[[], Any], schema: Schema[Any]) -> Rows:
    def rows(_filters: ListFilters) -> Iterator[dict[str, Any]]:
        for batch in r.batches(query_of()):
            for (item,) in batch:
                yield schema.record(item)

    return rows


def _sessions(_filters: ListFilters) -> Iterator[dict[str, Any]]:
    for batch in r.batches(r.sessions_query()):
        codes = r.session_codes([session.id for (session,) in batch])
        for (session,) in batch:
            yield SESSIONS.record(SessionRow(session, tuple(codes.get(session.id, ()))))


def figure_rows(scope: Scope) -> Iterator[dict[str, Any]]:
    """The accountability figures per institution (all of them, ranked or not) for ``scope``."""
    by_institution = figures_services.figures_by_institution(scope)
    for row in sorted(
        figures_services.institution_table(by_institution, minimum=0),
        key=lambda row: row.institution.id,
    ):
        yield FIGURES.record(FigureRow(row, scope))


def _default_figures(_filters: ListFilters) -> Iterator[dict[str, Any]]:
    start, end = default_period()
    return figure_rows(Scope(start=start, end=end))


_OBSERVATIONS = _l("observations")
_ACCOUNTABILITY = _l("accountability")
_SOCIAL_CONTROL = _l("social control")
_PLANNING = _l("planning")

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            OBSERVATIONS,
            _observations,
            _l(
                "Social-control observations citizens and organisations filed with public "
                "institutions, once accepted by moderation: what was asked, of whom, where, its "
                "state, due date and answer figures. Filers who asked not to be named are not."
            ),
            (_OBSERVATIONS, _SOCIAL_CONTROL, _l("Law 341")),
            "CONT",
            periods.observations,
            filterable=True,
        ),
        Dataset(
            EVENTS,
            _events,
            _l("The public timeline of every public observation: each step and when it happened."),
            (_OBSERVATIONS, _SOCIAL_CONTROL, _l("timeline")),
            "CONT",
            periods.events,
            filterable=True,
        ),
        Dataset(
            ANSWERS,
            _answers,
            _l("The institutions' answers to public observations, with their public documents."),
            (_OBSERVATIONS, _ACCOUNTABILITY, _l("answers")),
            "CONT",
            periods.answers,
            filterable=True,
        ),
        Dataset(
            INSTITUTIONS,
            _simple(r.institutions_query, INSTITUTIONS),
            _l("The public institutions that receive observations, with their territory."),
            (_l("institutions"), _ACCOUNTABILITY),
            "IRREG",
            periods.institutions,
        ),
        Dataset(
            PLANS,
            _simple(r.plans_query, PLANS),
            _l("Development and institutional plans (PDES, PTDI, PEI, POA) and their periods."),
            (_PLANNING, _l("plans")),
            "IRREG",
            periods.plans,
        ),
        Dataset(
            PROGRAMS,
            _simple(r.programs_query, PROGRAMS),
            _l(
                "Programs and projects of the plans: budget, dates, status, progress and what "
                "citizens said about them."
            ),
            (_PLANNING, _l("programs"), _l("budget")),
            "IRREG",
            periods.programs,
        ),
        Dataset(
            MILESTONES,
            _simple(r.milestones_query, MILESTONES),
            _l("The dated milestones of the programs."),
            (_PLANNING, _l("milestones")),
            "IRREG",
            periods.milestones,
        ),
        Dataset(
            FIGURES,
            _default_figures,
            _l(
                "Accountability figures per institution over the last twelve months: "
                "observations received, answered, answered on time, working days to answer."
            ),
            (_ACCOUNTABILITY, _l("statistics")),
            "DAILY",
            periods.figures,
        ),
        Dataset(
            SESSIONS,
            _sessions,
            _l(
                "Public accountability sessions (rendición pública de cuentas) the institutions "
                "held, with their reports and the observations raised at them."
            ),
            (_ACCOUNTABILITY, _SOCIAL_CONTROL, _l("Law 341")),
            "CONT",
            periods.sessions,
        ),
    )
}


def _licence_line() -> str:
    site = current_app.config["SITE_NAME"]
    base = current_app.config["BASE_URL"]
    return f"Licence: {LICENCE} ({LICENCE_URL}). Source: {site} {base}."


#: A text cell starting with one of these is a formula to a spreadsheet (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: What a spreadsheet set to Spanish (Bolivia) opens by double-click: a byte order mark so it
#: reads UTF-8, ``;`` between cells since ``,`` is its decimal separator.
EXCEL_BOM = "\ufeff"
EXCEL_DELIMITER = ";"


def _cell(value: Any, decimal_comma: bool = False) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if decimal_comma:
        # Only decimal columns come here: 0.25 → "0,25" (never a text to guard).
        return str(value).replace(".", ",")
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        # Citizens write titles and places; a spreadsheet opening the file must show them as
        # text, never run them (OWASP "CSV injection"): a leading apostrophe does that.
        return "'" + value
    return value


def csv_stream(
    fields: tuple[str, ...],
    rows: Iterable[dict[str, Any]],
    *,
    excel: bool = False,
    decimals: frozenset[str] = frozenset(),
) -> Iterator[str]:
    """The header row, then the rows. ``excel``: the spreadsheet variant (BOM, ``;``, decimal
    commas in the ``decimals`` columns)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=EXCEL_DELIMITER if excel else ",")
    commas = tuple(excel and name in decimals for name in fields)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    if excel:
        buffer.write(EXCEL_BOM)
    writer.writerow(fields)
    yield flush()
    for count, row in enumerate(rows, start=1):
        writer.writerow(
            [_cell(row.get(name), comma) for name, comma in zip(fields, commas, strict=True)]
        )
        if count % 200 == 0:
            yield flush()
    yield flush()


def json_stream(
    name: str, fields: tuple[str, ...], rows: Iterable[dict[str, Any]]
) -> Iterator[str]:
    head = {
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
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


def filename(name: str, extension: str, today: date | None = None, excel: bool = False) -> str:
    variant = "-excel" if excel else ""
    return f"qhawaq-{name}-{(today or local_today()).isoformat()}{variant}.{extension}"


def rollback_after() -> None:
    """Streaming reads happen after the view returned; end their transaction cleanly."""
    db.session.rollback()
