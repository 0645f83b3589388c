"""Accountability figures summed from the live tallies (app/accountability/tallies.py keeps
them exact on every flush): per (month, institution) counts by state and a working-days
histogram, so a scope of period and institution (or kind) costs three small queries whatever
the history. The same figures as app/accountability/counting.py, by the same rules."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Date, bindparam, case, func, select
from sqlalchemy.orm import InstrumentedAttribute

from app.accountability import tallies
from app.accountability.counting import (
    CLOCK_STATE_VALUES,
    CLOSED_STATE_VALUES,
    OPEN_STATE_VALUES,
    PUBLIC_STATE_VALUES,
    month_of,
    params,
)
from app.accountability.models import AnswerDaysTally, ObservationTally
from app.accountability.results import ByInstitution, Counts, Figures
from app.accountability.scope import Scope
from app.extensions import db
from app.institutions.models import Institution
from app.observations import states
from app.observations.models import Observation
from app.observations.models import ObservationState as S


def tallies_cover(scope: Scope) -> bool:
    """The tallies are kept per (month, institution): they answer scopes without a territory,
    category or program."""
    return not (
        scope.department_id or scope.municipality_id or scope.category_id or scope.program_id
    )


def _tally_institution(
    scope: Scope, column: InstrumentedAttribute[int | None]
) -> list[ColumnElement[bool]]:
    if scope.institution_id:
        return [column == scope.institution_id]
    if scope.kind:
        return [column.in_(select(Institution.id).where(Institution.kind == scope.kind))]
    return []


def _tally_sums() -> list[ColumnElement[Any]]:
    """Per (month, institution): the tally rows' contributions to each count, classified by
    state in SQL (the rules of ``counting._counts_of``) so Python only reads one row per group.
    ``clock`` (public observations waiting for an answer) is split into late and not late by
    the caller."""
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


def figures_from_tallies(scope: Scope, today: date) -> dict[int | None, Figures]:
    """The same figures as :func:`figures_from_observations`, summed from ``observation_tallies``
    and ``answer_days_tallies``. Only lateness depends on today: the observations still waiting
    for an answer whose due date has not passed are counted live (they are the recent ones, few
    whatever the history), and every other one waiting is late. Three queries."""
    months = scope.months
    first, last = tallies.month_key(scope.start), tallies.month_key(scope.end)
    result = ByInstitution(months)
    figures_of = result.of

    def index(key: int) -> int:
        return (key // 100 - scope.start.year) * 12 + key % 100 - scope.start.month

    month_column = month_of(scope)
    not_late: dict[tuple[int, int | None], tuple[int, int]] = {}
    for row in db.session.execute(
        select(
            month_column.label("month"),
            Observation.institution_id,
            func.count().label("n"),
            func.count(Observation.first_answer_at).label("answered"),
        )
        .where(
            Observation.state.in_(states.CLOCK_STATES),
            Observation.hidden_at.is_(None),
            (Observation.due_date >= bindparam("today", type_=Date))
            | Observation.due_date.is_(None),
            Observation.submitted_at >= bindparam("m0"),
            Observation.submitted_at < bindparam(f"m{len(months)}"),
            *_tally_institution(scope, Observation.institution_id),
        )
        .group_by(month_column, Observation.institution_id),
        params(scope, today),
    ):
        not_late[(int(row.month), row.institution_id)] = (int(row.n), int(row.answered))
    T = ObservationTally
    for row in db.session.execute(
        select(T.month, T.institution_id, *_tally_sums())
        .where(T.month >= first, T.month <= last, *_tally_institution(scope, T.institution_id))
        .group_by(T.month, T.institution_id)
    ):
        month = index(row.month)
        waiting, waiting_answered = not_late.get((month, row.institution_id), (0, 0))
        # One row per (month, institution): the month's counts are this row.
        figures_of(row.institution_id).months[month].counts = Counts(
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
    D = AnswerDaysTally
    histograms: dict[int | None, list[tuple[int, int]]] = defaultdict(list)
    for institution_id, days, count in db.session.execute(
        select(D.institution_id, D.working_days, func.sum(D.observations))
        .where(D.month >= first, D.month <= last, *_tally_institution(scope, D.institution_id))
        .group_by(D.institution_id, D.working_days)
    ):
        histograms[institution_id].append((int(days), int(count)))
    return result.finish(histograms)
