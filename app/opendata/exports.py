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
from flask_babel import LazyString

from app.accountability import services as figures_services
from app.accountability.scope import Scope, default_period
from app.core.clock import local_today
from app.core.db import utcnow
from app.extensions import db
from app.observations.models import Observation
from app.observations.queries import ListFilters
from app.opendata import records as r
from app.opendata.catalogue_schemas import INSTITUTIONS, MILESTONES, PLANS, PROGRAMS
from app.opendata.figure_schemas import FIGURES, FigureRow
from app.opendata.observation_schemas import ANSWERS, EVENTS, OBSERVATIONS
from app.opendata.schema import LICENCE, LICENCE_URL, Schema

Rows = Callable[[ListFilters], Iterator[dict[str, Any]]]


@dataclass(frozen=True)
class Dataset:
    """A download: its schema (name, title, columns) and its rows."""

    schema: Schema[Any]
    rows: Rows
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


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(OBSERVATIONS, _observations, filterable=True),
        Dataset(EVENTS, _events, filterable=True),
        Dataset(ANSWERS, _answers, filterable=True),
        Dataset(INSTITUTIONS, _simple(r.institutions_query, INSTITUTIONS)),
        Dataset(PLANS, _simple(r.plans_query, PLANS)),
        Dataset(PROGRAMS, _simple(r.programs_query, PROGRAMS)),
        Dataset(MILESTONES, _simple(r.milestones_query, MILESTONES)),
        Dataset(FIGURES, _default_figures),
    )
}


def _licence_line() -> str:
    site = current_app.config["SITE_NAME"]
    base = current_app.config["BASE_URL"]
    return f"Licence: {LICENCE} ({LICENCE_URL}). Source: {site} {base}."


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


def filename(name: str, extension: str, today: date | None = None) -> str:
    return f"qhawaq-{name}-{(today or local_today()).isoformat()}.{extension}"


def rollback_after() -> None:
    """Streaming reads happen after the view returned; end their transaction cleanly."""
    db.session.rollback()
