"""Accountability figures counted from the observations themselves, in SQL.

Two grouped queries do all the counting for a whole page: counts per (institution, month of
filing, state) and a histogram per (institution, working days to the first answer); totals,
the monthly trend, the per-institution table and the percentiles are sums over those few rows
(app/accountability/results.py). Both follow the figures' definitions in ``scope.conditions``.
Scopes the tallies cover are summed from them instead (tally_sums.py)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Date,
    Integer,
    Row,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)

from app.accountability.models import ObservationFigures
from app.accountability.results import ByInstitution, Counts, Figures
from app.accountability.scope import Scope
from app.core.clock import local_midnight, local_today, next_month
from app.extensions import db
from app.institutions.models import Institution
from app.observations import states
from app.observations.models import Observation
from app.observations.models import ObservationState as S

#: States an observation can be counted in once filed (every state but the draft one), so that
#: the counting queries can seek the covering index per (institution, state).
FILED_STATES = tuple(sorted(s.value for s in S if s != S.DRAFT))
PUBLIC_STATE_VALUES = tuple(sorted(s.value for s in states.PUBLIC_STATES))
CLOCK_STATE_VALUES = frozenset(s.value for s in states.CLOCK_STATES)
CLOSED_STATE_VALUES = frozenset(s.value for s in states.CLOSED_STATES)
OPEN_STATE_VALUES = frozenset(s.value for s in states.OPEN_STATES)

#: Scope filters other than the period: (scope attribute, column).
FILTERS = (
    ("department_id", Observation.department_id),
    ("municipality_id", Observation.municipality_id),
    ("institution_id", Observation.institution_id),
    ("category_id", Observation.category_id),
    ("program_id", Observation.program_id),
)


def _shape(scope: Scope) -> tuple[Any, ...]:
    """What the counting statements' text depends on (not the values they are run with)."""
    return (
        db.engine.dialect.name,
        len(scope.months),
        scope.kind != "",
        *(bool(getattr(scope, n)) for n, _c in FILTERS),
    )


def _month_arms(shape: tuple[Any, ...], scope: Scope) -> list[tuple[ColumnElement[int], int, int]]:
    """(month column, first month, last month) of each arm. SQLite: one arm per month, so the
    month is a constant and the index seek yields rows already grouped (SQLite groups by
    sorting). PostgreSQL: one arm for the whole period with the month CASE, since its hash
    aggregation needs no order and every extra arm is another scan (and join)."""
    last = len(scope.months) - 1
    if shape[0] == "postgresql":
        return [(month_of(scope), 0, last)]
    return [(literal(month), month, month) for month in range(last + 1)]


def params(scope: Scope, today: date) -> dict[str, object]:
    bounds = [*scope.months, next_month(scope.end)]
    params: dict[str, object] = {f"m{i}": local_midnight(day) for i, day in enumerate(bounds)}
    params["today"] = today
    params["kind"] = scope.kind
    for name, _column in FILTERS:
        params[name] = getattr(scope, name)
    return params


def bound_filters(scope: Scope) -> list[ColumnElement[bool]]:
    """``scope_where`` without the period, with bound parameters (``params``)."""
    where: list[ColumnElement[bool]] = [
        column == bindparam(name) for name, column in FILTERS if getattr(scope, name)
    ]
    if scope.kind:
        where.append(
            Observation.institution_id.in_(
                select(Institution.id).where(Institution.kind == bindparam("kind"))
            )
        )
    return where


def _arms(
    scope: Scope, month: int, states_in: tuple[str, ...], last: int | None = None
) -> list[list[ColumnElement[bool]]]:
    """The WHERE clauses of one month's arms: equality on ``institution_id`` and ``state`` (IN
    lists) plus a range on ``submitted_at``, i.e. a seek on the covering index
    ``ix_observations_institution_state_filed`` whose rows come out grouped by institution and
    state: no sort, no per-row month expression. Without an institution or kind filter, one arm
    for the observations with an institution and one for those without. ``last``: up to the end
    of that month instead (several months in one arm)."""
    common = [
        *bound_filters(scope),
        Observation.submitted_at >= bindparam(f"m{month}"),
        Observation.submitted_at < bindparam(f"m{(month if last is None else last) + 1}"),
        Observation.state.in_(states_in),
    ]
    if scope.institution_id or scope.kind:
        return [common]
    return [
        [*common, Observation.institution_id.in_(select(Institution.id))],
        [*common, Observation.institution_id.is_(None)],
    ]


def _aggregates() -> list[ColumnElement[Any]]:
    late = Observation.due_date < bindparam("today", type_=Date)
    return [
        func.count().label("n"),
        func.count(Observation.first_answer_at).label("answered"),
        func.count(case((late, 1))).label("late"),
        func.count(case((Observation.first_answer_at.is_not(None) | late, 1))).label(
            "answered_or_late"
        ),
        func.count(Observation.satisfaction).label("rated"),
        func.coalesce(func.sum(Observation.satisfaction), 0).label("satisfaction"),
    ]


def month_of(scope: Scope) -> ColumnElement[int]:
    """The month index of the filing time as a per-row CASE: for the few hidden rows, and on
    PostgreSQL, which aggregates by hashing (cheap per row) where SQLite sorts."""
    count = len(scope.months)
    whens = [(Observation.submitted_at < bindparam(f"m{i + 1}"), i) for i in range(count - 1)]
    if not whens:
        return literal(0)
    return case(*whens, else_=count - 1)


@lru_cache(maxsize=64)
def _count_statement(shape: tuple[Any, ...], scope: Scope) -> CompoundSelect[Any]:
    """Per (month, institution, state): the few counts every figure is a sum of, over all filed
    observations (``part`` 0), and the same over the hidden ones only (``part`` 1, few rows) to
    subtract from the public figures. Observations only, no join: one UNION ALL, each month an
    arm of its own. Built once per ``shape`` (``scope`` only gives the shape; values are bound)."""
    selects = []
    for month_column, first, last in _month_arms(shape, scope):
        for where in _arms(scope, first, FILED_STATES, last=last):
            selects.append(
                select(
                    literal(0).label("part"),
                    month_column.label("month"),
                    Observation.institution_id,
                    Observation.state,
                    *_aggregates(),
                )
                .where(*where)
                .group_by(
                    *([month_column] if first != last else []),
                    Observation.institution_id,
                    Observation.state,
                )
            )
    hidden_month = month_of(scope)
    selects.append(
        select(
            literal(1).label("part"),
            hidden_month.label("month"),
            Observation.institution_id,
            Observation.state,
            *_aggregates(),
        )
        .where(
            *bound_filters(scope),
            Observation.submitted_at >= bindparam("m0"),
            Observation.submitted_at < bindparam(f"m{len(scope.months)}"),
            Observation.hidden_at.is_not(None),
        )
        .group_by(hidden_month, Observation.institution_id, Observation.state)
    )
    return union_all(*selects)


@lru_cache(maxsize=64)
def _answer_statement(shape: tuple[Any, ...], scope: Scope) -> CompoundSelect[Any]:
    """Public observations with an answer-figures row: per (month, institution) how many were
    answered on time (``days`` NULL), and per (institution, working days) how many were answered
    (``month`` -1: the histogram, over the whole period)."""
    public = [Observation.hidden_at.is_(None)]
    selects = []
    for month_column, first, last in _month_arms(shape, scope):
        for where in _arms(scope, first, PUBLIC_STATE_VALUES, last=last):
            selects.append(
                select(
                    month_column.label("month"),
                    Observation.institution_id,
                    cast(null(), Integer).label("days"),
                    func.count().label("n"),
                )
                .join(ObservationFigures, ObservationFigures.observation_id == Observation.id)
                .where(*where, *public, ObservationFigures.answered_on_time.is_(True))
                .group_by(*([month_column] if first != last else []), Observation.institution_id)
            )
    for where in _arms(scope, 0, PUBLIC_STATE_VALUES, last=len(scope.months) - 1):
        selects.append(
            select(
                literal(-1).label("month"),
                Observation.institution_id,
                ObservationFigures.answer_working_days.label("days"),
                func.count().label("n"),
            )
            .join(ObservationFigures, ObservationFigures.observation_id == Observation.id)
            .where(*where, *public, Observation.first_answer_at.is_not(None))
            .group_by(Observation.institution_id, ObservationFigures.answer_working_days)
        )
    return union_all(*selects)


def _statement_scope(scope: Scope) -> Scope:
    """A representative of the scope's shape (the cache key must not hold the values)."""
    count = len(scope.months) - 1
    return Scope(
        start=date(2000, 1, 1),
        end=date(2000 + count // 12, count % 12 + 1, 1),
        kind="k" if scope.kind else "",
        **{name: 1 if getattr(scope, name) else None for name, _c in FILTERS},
    )


def _counts_of(state: str, all_rows: Row[Any], hidden: Row[Any] | None) -> Counts:
    """One (month, institution, state) group's contribution, by the same definitions as
    ``scope.conditions``: public = public state and not hidden (all rows minus the hidden ones)."""

    def public(name: str) -> int:
        hidden_count = int(getattr(hidden, name) or 0) if hidden is not None else 0
        return int(getattr(all_rows, name) or 0) - hidden_count

    counts = Counts(received=int(all_rows.n))
    if state not in PUBLIC_STATE_VALUES:
        return counts
    n = public("n")
    counts.accepted = n
    counts.answered = public("answered")
    if state in CLOSED_STATE_VALUES:
        counts.due = n
    elif state in CLOCK_STATE_VALUES:
        counts.due = public("answered_or_late")
        counts.overdue = public("late")
    else:
        counts.due = counts.answered
    if state in OPEN_STATE_VALUES:
        counts.open = n
    if state == S.RESOLVED.value:
        counts.accepted_by_filer = n
    counts.rated = public("rated")
    counts.satisfaction_sum = public("satisfaction")
    return counts


def figures_from_observations(scope: Scope, today: date | None = None) -> dict[int | None, Figures]:
    """Figures per institution and month counted from the observations themselves: two queries,
    each a UNION ALL of one arm per month (``_count_statement``, ``_answer_statement``)."""
    today = today or local_today()
    months = scope.months
    result = ByInstitution(months)
    figures_of = result.of

    shape = _shape(scope)
    representative = _statement_scope(scope)
    values = params(scope, today)
    groups: dict[tuple[int, int | None, str], list[Row[Any] | None]] = {}
    for row in db.session.execute(_count_statement(shape, representative), values):
        state = str(getattr(row.state, "value", row.state))
        groups.setdefault((int(row.month), row.institution_id, state), [None, None])[
            int(row.part)
        ] = row
    for (month, institution_id, state), (all_rows, hidden) in groups.items():
        if all_rows is None:  # cannot happen: the hidden rows are among all rows
            continue
        figures_of(institution_id).months[month].counts.add(_counts_of(state, all_rows, hidden))
    histograms: dict[int | None, list[tuple[int, int]]] = defaultdict(list)
    for row in db.session.execute(_answer_statement(shape, representative), values):
        if row.month < 0:
            histograms[row.institution_id].append((int(row.days), int(row.n)))
        else:
            figures_of(row.institution_id).months[int(row.month)].counts.answered_on_time += int(
                row.n
            )
    return result.finish(histograms)
