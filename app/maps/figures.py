"""The numbers a department map shows, from the same rows and the same definitions as the page
it sits on: per department in an accountability scope (``scope.conditions``, the definitions the
figures and their lists share) or among the observations a list page shows (the page's own
filtered query), and the newest public observations with coordinates, as points."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select

from app.accountability import tally_sums
from app.accountability.figures import Share
from app.accountability.models import ObservationFigures, ObservationTally
from app.accountability.scope import Scope, conditions, scope_where
from app.core.clock import local_today
from app.extensions import db
from app.observations.models import Observation
from app.observations.queries import ListFilters, publicly_visible
from app.territory.models import Department

#: What a map can show (``?map=``): its figure names, the first the default.
FIGURES = ("observations", "answered", "on_time", "overdue")
#: The counts each department needs, by their names in ``scope.conditions``.
COUNTED = ("accepted", "answered", "due", "answered_on_time", "overdue")
#: Points drawn on a map at most (the newest): keeps the SVG under 30 KB.
MAX_POINTS = 200


def chosen(value: str | None) -> str:
    return value if value in FIGURES else FIGURES[0]


@dataclass
class Tally:
    accepted: int = 0
    answered: int = 0
    due: int = 0
    answered_on_time: int = 0
    overdue: int = 0

    def value(self, figure: str) -> int | Share:
        """The figure as the accountability pages define it: a count, or a share with its
        counts (answered of accepted; answered on time of those put to the test)."""
        if figure == "answered":
            return Share(self.answered, self.accepted)
        if figure == "on_time":
            return Share(self.answered_on_time, self.due)
        if figure == "overdue":
            return self.overdue
        return self.accepted


@dataclass(frozen=True)
class Point:
    code: str
    latitude: float
    longitude: float


def _counts(today: date) -> list[ColumnElement[Any]]:
    where = conditions(today)
    return [func.count(case((where[name], 1))).label(name) for name in COUNTED]


def _tallies(statement: Select[Any]) -> dict[int | None, Tally]:
    return {
        row.department_id: Tally(*(int(getattr(row, name)) for name in COUNTED))
        for row in db.session.execute(statement)
    }


def in_scope(scope: Scope, today: date | None = None) -> dict[int | None, Tally]:
    """Per department (key None: no department given) the counts of an accountability scope
    whatever its own department or municipality: the map is the territory dimension. Each equals
    that department's territory page in the same scope. Summed from the accountability tallies
    split by department when they keep the scope (two queries), else counted (one query)."""
    today = today or local_today()
    everywhere = replace(scope, department_id=None, municipality_id=None)
    summed = tally_sums.by_department(everywhere, today)
    if summed is not None:
        # Departments with a public observation only, as the count below gives them.
        return {
            department: Tally(*(getattr(counts, name) for name in COUNTED))
            for department, counts in summed.items()
            if counts.accepted
        }
    return counted_in_scope(everywhere, today)


def everything(today: date | None = None) -> Scope:
    """The scope of every observation ever filed: from the first month the tallies hold to this
    one (the unfiltered /observations list)."""
    today = today or local_today()
    first = db.session.scalar(select(func.min(ObservationTally.month)))
    this_month = today.replace(day=1)
    start = date(first // 100, first % 100, 1) if first else this_month
    return Scope(min(start, this_month), this_month)


def in_filtered(filters: ListFilters, today: date | None = None) -> dict[int | None, Tally] | None:
    """``in_list`` of a public list with no filter or narrowed by category, institution or
    department only, summed from the tallies (three queries, instead of counting every public
    observation of it): every public observation was filed in a month of ``everything()``, and a
    department's list is its part of the map. None for
    the lists the tallies do not answer (a state, a program, a municipality, search words,
    Open311's filters): those are counted."""
    kept = replace(filters, category=None, institution=None, department="")
    if kept != ListFilters():
        return None
    today = today or local_today()
    scope = replace(
        everything(today), category_id=filters.category, institution_id=filters.institution
    )
    counted = in_scope(scope, today)
    if not filters.department:
        return counted
    department = db.session.scalar(
        select(Department.id).where(Department.iso_code == filters.department)
    )
    return {key: tally for key, tally in counted.items() if key is not None and key == department}


def counted_in_scope(everywhere: Scope, today: date) -> dict[int | None, Tally]:
    """``in_scope`` counted from the observations (one query)."""
    return _tallies(
        select(Observation.department_id, *_counts(today))
        .outerjoin(ObservationFigures, ObservationFigures.observation_id == Observation.id)
        .where(*scope_where(everywhere), publicly_visible())
        .group_by(Observation.department_id)
    )


def _columns(listed: Select[Any], *columns: Any) -> Select[Any]:
    """The list page's own query (its FROM, filters, search and visibility rules; its order and
    eager loads dropped) selecting ``columns`` instead: no ``IN (…)`` around it, so the database
    plans it as the page's own query (a search's found rows first)."""
    return listed.with_only_columns(*columns).order_by(None)


def in_list(
    listed: Select[Any], today: date | None = None, figure: str | None = None
) -> dict[int | None, Tally]:
    """Per department the counts among the public observations of a list page
    (``queries.public_list``, one query): the observations count sums to the page's total.
    With ``figure``, the counts that figure shows: for "observations" only that count, which
    asks nothing but that an observation be public, as every listed one is (no per-row
    conditions, no figures joined: a search's map counted its thousand rows in half the
    time)."""
    if figure == FIGURES[0]:
        rows = db.session.execute(
            _columns(listed, Observation.department_id, func.count()).group_by(
                Observation.department_id
            )
        )
        return {department: Tally(accepted=int(n)) for department, n in rows}
    today = today or local_today()
    return _tallies(
        _columns(listed, Observation.department_id, *_counts(today))
        .outerjoin(ObservationFigures, ObservationFigures.observation_id == Observation.id)
        .group_by(Observation.department_id)
    )


def _points(base: Select[*tuple[Any, ...]], limit: int) -> list[Point]:
    """The newest public observations with coordinates among ``base`` (a select of code,
    latitude and longitude from observations)."""
    rows = db.session.execute(
        base.where(
            # Whatever the caller's query: a point is an observation's public page, and only
            # public observations have one (their coordinates are public there and in the data).
            publicly_visible(),
            Observation.latitude.is_not(None),
            Observation.longitude.is_not(None),
            Observation.code.is_not(None),
        )
        # Newest by id (observations get their id when first saved, in filing order): the
        # primary key walked backwards, where submitted_at has no index to sort a million by.
        .order_by(Observation.id.desc())
        .limit(limit)
    )
    return [Point(str(code), float(lat or 0), float(lon or 0)) for code, lat, lon in rows]


def points_in_scope(scope: Scope, limit: int = MAX_POINTS) -> list[Point]:
    """The newest public observations with coordinates in an accountability scope (one query)."""
    columns = (Observation.code, Observation.latitude, Observation.longitude)
    return _points(select(*columns).where(*scope_where(scope)), limit)


def points_in_list(listed: Select[Any], limit: int = MAX_POINTS) -> list[Point]:
    """The newest observations with coordinates among those a list page shows (one query)."""
    columns = (Observation.code, Observation.latitude, Observation.longitude)
    return _points(_columns(listed, *columns), limit)
