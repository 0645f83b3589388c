"""Accountability figures summed from the live tallies (app/accountability/tallies.py keeps
them exact on every flush), so a scope costs three small queries whatever the history:

- scopes of period and institution (or kind) only: the per (month, institution, state, hidden)
  counts (``ObservationTally``) and the working-days histogram (``AnswerDaysTally``);
- a department, a municipality, a category (with or without a department) or a program: the
  same figures split by that dimension (``ScopeTally``, ``ScopeAnswerDays``; scope_tallies.py),
  one row per month, institution and value, its counts already classified.

Other combinations count the observations (counting.py). The same figures as counting.py, by
the same rules; only lateness depends on today, and it is counted live (``waiting_not_late``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Row,
    bindparam,
    case,
    func,
    literal_column,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute

from app.accountability import tallies
from app.accountability.counting import (
    CLOCK_STATE_VALUES,
    CLOSED_STATE_VALUES,
    FILTERS,
    OPEN_STATE_VALUES,
    PUBLIC_STATE_VALUES,
    month_of,
    params,
)
from app.accountability.models import (
    WAITING,
    AnswerDaysTally,
    ObservationTally,
    ScopeAnswerDays,
    ScopeTally,
)
from app.accountability.results import ByInstitution, Counts, Figures
from app.accountability.scope import Scope
from app.accountability.scope_tallies import COUNT_COLUMNS
from app.extensions import db
from app.institutions.models import Institution
from app.observations.models import Observation
from app.observations.models import ObservationState as S

#: The scope attributes the split tallies stand for.
SPLIT_FILTERS = ("department_id", "municipality_id", "category_id", "program_id")

Split = tuple[str, dict[str, int]]


def split_of(scope: Scope) -> Split | None:
    """The split tallies that answer the scope's territory, category and program filters:
    (dimension, {column: value}). None for a scope without any of them (the per-state tallies
    answer it) and for combinations the split tallies do not keep."""
    given = {name: getattr(scope, name) for name in SPLIT_FILTERS if getattr(scope, name)}
    match sorted(given):
        case ["department_id"]:
            return "department", {"value": given["department_id"]}
        case ["municipality_id"]:
            return "municipality", {"value": given["municipality_id"]}
        case ["category_id"]:
            return "category", {"value": given["category_id"]}
        case ["category_id", "department_id"]:
            return "category", {
                "value": given["category_id"],
                "within": given["department_id"],
            }
        case ["program_id"]:
            return "program", {"value": given["program_id"]}
    return None


def tallies_cover(scope: Scope) -> bool:
    """Whether the tallies answer this scope (else the observations are counted)."""
    return split_of(scope) is not None or not any(getattr(scope, n) for n in SPLIT_FILTERS)


def institution_is(
    scope: Scope, column: InstrumentedAttribute[int | None]
) -> list[ColumnElement[bool]]:
    if scope.institution_id:
        return [column == scope.institution_id]
    if scope.kind:
        return [column.in_(select(Institution.id).where(Institution.kind == scope.kind))]
    return []


def split_where(
    table: type[ScopeTally] | type[ScopeAnswerDays], split: Split, scope: Scope
) -> list[ColumnElement[bool]]:
    """The rows of ``table`` in the scope: its dimension and values, months and institution.

    A whole dimension (the department map, the filer kinds) is read by its index on SQLite:
    ``+ 0`` keeps the months from the month index, which SQLite, with no histogram, would rather
    range over, reading every dimension's rows of the period (821,000 at 1,000,000 observations
    with programs and municipalities: 86 ms, against 3 ms for the department rows alone)."""
    dimension, values = split
    month: Any = table.month
    if not values and db.session.get_bind().dialect.name == "sqlite":
        month = table.month + 0
    return [
        table.dimension == dimension,
        *(getattr(table, column) == value for column, value in values.items()),
        month >= tallies.month_key(scope.start),
        month <= tallies.month_key(scope.end),
        *institution_is(scope, table.institution_id),
    ]


def _state_sums() -> list[ColumnElement[Any]]:
    """Per (month, institution): the per-state rows' contributions to each of ``COUNT_COLUMNS``,
    classified by state in SQL (the rules of ``counting._counts_of``)."""
    T = ObservationTally
    public = T.state.in_(PUBLIC_STATE_VALUES) & T.hidden.is_(False)

    def total(
        column: InstrumentedAttribute[int], when: ColumnElement[bool] | None = None
    ) -> ColumnElement[int]:
        condition = public if when is None else public & when
        return func.coalesce(func.sum(case((condition, column), else_=0)), 0)

    clock = T.state.in_(sorted(CLOCK_STATE_VALUES))
    closed = T.state.in_(sorted(CLOSED_STATE_VALUES))
    return [
        func.sum(T.observations).label("received"),
        total(T.observations).label("accepted"),
        total(T.answered).label("answered"),
        total(T.answered_on_time).label("answered_on_time"),
        total(T.rated).label("rated"),
        total(T.satisfaction_sum).label("satisfaction_sum"),
        total(T.observations, closed).label("due_closed"),
        total(T.answered, ~closed & ~clock).label("due_answered"),
        total(T.observations, clock).label("clock"),
        total(T.observations, T.state.in_(sorted(OPEN_STATE_VALUES))).label("open"),
        total(T.observations, T.state == S.RESOLVED.value).label("accepted_by_filer"),
    ]


def split_sums() -> list[ColumnElement[Any]]:
    return [func.sum(getattr(ScopeTally, name)).label(name) for name in COUNT_COLUMNS]


def counts_of(row: Row[Any], waiting: int, waiting_answered: int) -> Counts:
    """The figures of summed tally rows (``COUNT_COLUMNS``), given how many of their public
    waiting observations are not late today (and how many of those were answered)."""
    return Counts(
        received=int(row.received),
        accepted=int(row.accepted),
        answered=int(row.answered),
        due=int(row.due_closed)
        + int(row.due_answered)
        + int(row.clock)
        - (waiting - waiting_answered),
        answered_on_time=int(row.answered_on_time),
        open=int(row.open),
        overdue=int(row.clock) - waiting,
        accepted_by_filer=int(row.accepted_by_filer),
        rated=int(row.rated),
        satisfaction_sum=int(row.satisfaction_sum),
    )


def _past_other_indexes(scope: Scope) -> list[ColumnElement[bool]]:
    """``counting.bound_filters`` on ``column + 0``, an expression no index answers: SQLite,
    without statistics, would otherwise seek the department's (or category's) index and visit
    every observation of it rather than the few waiting ones of ``ix_observations_waiting``,
    which holds those columns too."""
    where: list[ColumnElement[bool]] = [
        (column + 0) == bindparam(name) for name, column in FILTERS if getattr(scope, name)
    ]
    if scope.kind:
        where.append(
            (Observation.institution_id + 0).in_(
                select(Institution.id).where(Institution.kind == bindparam("kind"))
            )
        )
    return where


def waiting_not_late(
    scope: Scope, today: date, by: Sequence[Any]
) -> dict[tuple[Any, ...], tuple[int, int]]:
    """Per ``by``: the public observations of the scope waiting for an answer whose due date has
    not passed (or that have none), and how many of them were answered. Counted live: they are
    the recent ones, few whatever the history; every other waiting one is late. Two arms (due
    from today on; no due date), each read from the partial index ``ix_observations_waiting``
    alone (an OR of the two would make PostgreSQL visit the table)."""
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    if sqlite and not by and not _past_other_indexes(scope):
        return {(): _not_late_in_all_sqlite(scope, today)}
    arms = []
    for number, not_late in enumerate(
        (Observation.due_date >= bindparam("today", type_=Date), Observation.due_date.is_(None))
    ):
        where: list[Any] = [
            text(WAITING),
            not_late,
            Observation.submitted_at >= bindparam("m0"),
            Observation.submitted_at < bindparam(f"m{len(scope.months)}"),
            *_past_other_indexes(scope),
        ]
        if not sqlite:
            arms.append(
                select(*by, func.count().label("n"), func.count(Observation.first_answer_at))
                .where(*where)
                .group_by(*by)
            )
            continue
        # SQLite, once it has statistics (migration 0022), lets the GROUP BY choose its index
        # (the department's), or skip-scans the institution's over the filing months, and so
        # reads every waiting observation of the period. Here the rows are found first, by the
        # due date's range (the few not late yet: ``+`` keeps the months from any index), then
        # grouped.
        filed = literal_column("+observations.submitted_at", Observation.submitted_at.type)
        where[2:4] = [filed >= bindparam("m0"), filed < bindparam(f"m{len(scope.months)}")]
        keys = [column.label(f"k{i}") for i, column in enumerate(by)]
        found_rows = (
            select(*keys, Observation.first_answer_at.label("answered_at"))
            .where(*where)
            .cte(f"waiting_{number}")
            .prefix_with("MATERIALIZED")
        )
        grouped = [found_rows.c[f"k{i}"] for i in range(len(by))]
        arms.append(
            select(
                *grouped, func.count().label("n"), func.count(found_rows.c.answered_at)
            ).group_by(*grouped)
        )
    found: dict[tuple[Any, ...], tuple[int, int]] = {}
    for row in db.session.execute(union_all(*arms), params(scope, today)):
        *key, n, answered = row
        before = found.get(tuple(key), (0, 0))
        found[tuple(key)] = (before[0] + int(n), before[1] + int(answered))
    return found


def _not_late_in_all_sqlite(scope: Scope, today: date) -> tuple[int, int]:
    """SQLite, a whole period (the home page): the waiting observations not late yet and how
    many were answered, read from ``ix_observations_waiting`` alone. Named (``INDEXED BY``):
    with its statistics, which hold no histogram, SQLite would rather read the state index and
    the table (38 ms at 1,000,000 observations) or skip-scan the institution index (50 ms).
    Those due from today on are found by their due dates alone (``+``: with the filing time as
    an index term SQLite skip-scanned every due date, 24 ms; by the range, 1.2 ms); those with
    none by the filing time within the NULL due date."""
    arms = [  # built from constants: WAITING and the conditions below
        "SELECT count(*) AS n, count(first_answer_at) AS answered FROM observations "  # noqa: S608
        f"INDEXED BY ix_observations_waiting WHERE {WAITING} AND {not_late} "
        f"AND {filed} >= :start AND {filed} < :end"
        for not_late, filed in (
            ("due_date >= :today", "+submitted_at"),
            ("due_date IS NULL", "submitted_at"),
        )
    ]
    statement = text(" UNION ALL ".join(arms)).bindparams(
        bindparam("today", type_=Date),
        bindparam("start", type_=Observation.submitted_at.type),
        bindparam("end", type_=Observation.submitted_at.type),
    )
    bounds = params(scope, today)
    rows = db.session.execute(
        statement,
        {"today": today, "start": bounds["m0"], "end": bounds[f"m{len(scope.months)}"]},
    ).all()
    return sum(int(n) for n, _ in rows), sum(int(a) for _, a in rows)


def figures_from_tallies(scope: Scope, today: date) -> dict[int | None, Figures]:
    """The same figures as ``counting.figures_from_observations``, summed from the tallies
    (``tallies_cover(scope)`` must hold). Three queries."""
    first = tallies.month_key(scope.start)
    result = ByInstitution(scope.months)

    def index(key: int) -> int:
        return (key // 100 - scope.start.year) * 12 + key % 100 - scope.start.month

    not_late = waiting_not_late(scope, today, [month_of(scope), Observation.institution_id])
    split = split_of(scope)
    if split is None:
        T = ObservationTally
        sums = select(T.month, T.institution_id, *_state_sums()).where(
            T.month >= first,
            T.month <= tallies.month_key(scope.end),
            *institution_is(scope, T.institution_id),
        )
        D: Any = AnswerDaysTally
        days_where = [
            D.month >= first,
            D.month <= tallies.month_key(scope.end),
            *institution_is(scope, D.institution_id),
        ]
    else:
        T = ScopeTally  # type: ignore[assignment]
        sums = select(T.month, T.institution_id, *split_sums()).where(
            *split_where(ScopeTally, split, scope)
        )
        D = ScopeAnswerDays
        days_where = split_where(ScopeAnswerDays, split, scope)
    for row in db.session.execute(sums.group_by(T.month, T.institution_id)):
        month = index(row.month)
        waiting, answered = not_late.get((month, row.institution_id), (0, 0))
        # One row per (month, institution): the month's counts are this row.
        result.of(row.institution_id).months[month].counts = counts_of(row, waiting, answered)
    histograms: dict[int | None, list[tuple[int, int]]] = defaultdict(list)
    for institution_id, days, count in db.session.execute(
        select(D.institution_id, D.working_days, func.sum(D.observations))
        .where(*days_where)
        .group_by(D.institution_id, D.working_days)
    ):
        histograms[institution_id].append((int(days), int(count)))
    return result.finish(histograms)


def totals_from_tallies(scope: Scope, today: date) -> Counts:
    """The scope's counts in all (the home page's figures): the tallies summed into one row and
    the waiting observations not late yet counted once, ungrouped (two queries). The same
    numbers as ``figures_from_tallies`` added up, since ``counts_of`` is linear in both; it
    spares the count grouped by month and institution (``tallies_cover(scope)``, no split)."""
    T = ObservationTally
    row = db.session.execute(
        select(*_state_sums()).where(
            T.month >= tallies.month_key(scope.start),
            T.month <= tallies.month_key(scope.end),
            *institution_is(scope, T.institution_id),
        )
    ).one()
    if row.received is None:  # no tally row: nothing filed in the scope
        return Counts()
    waiting, answered = waiting_not_late(scope, today, []).get((), (0, 0))
    return counts_of(row, waiting, answered)


def by_department(scope: Scope, today: date) -> dict[int | None, Counts] | None:
    """Per department (key None: none given) the figures of ``scope`` whatever its own place
    (the department map), from the split tallies; None when they do not answer it (a program,
    or a category with anything but an institution or kind). Two queries."""
    scope = replace(scope, department_id=None, municipality_id=None)
    if scope.program_id:
        return None
    if scope.category_id:
        split: Split = ("category", {"value": scope.category_id})
        department: Any = ScopeTally.within
    else:
        split, department = ("department", {}), ScopeTally.value
    not_late = waiting_not_late(scope, today, [Observation.department_id])
    found: dict[int | None, Counts] = {}
    for row in db.session.execute(
        select(department.label("department"), *split_sums())
        .where(*split_where(ScopeTally, split, scope))
        .group_by(department)
    ):
        waiting, answered = not_late.get((row.department,), (0, 0))
        found[row.department] = counts_of(row, waiting, answered)
    return found
