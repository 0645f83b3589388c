"""The live tallies split by the dimensions a scope filters on (``scope_tallies``,
``scope_answer_days``): what the territory, category and program scopes, the filer kinds and the
department maps sum instead of reading every observation.

One row per (month, institution, dimension, value): the group's observations counted along one
dimension at a time, not along every combination of them, so a group never has more rows than
the values it actually holds in each dimension (a few dozen), whatever mixes of department,
category and program its observations show. A few crossings are kept because pages need them,
the second dimension's id in ``within``: the department of the ``category`` rows (a category's
map, a territory page filtered by category) and of the ``filer`` rows (a territory page's filer
kinds), the municipality of the ``filer_municipality`` rows and the category of the
``filer_category`` rows (those scopes' filer kinds). Any other combination of filters counts the
observations (``tally_sums.tallies_cover``).

The counts are classified when written (public, answered, waiting …, by the definitions of
``scope.conditions``), so summing a scope needs no per-state row. They are written here and
deleted with the group's other tallies by app/accountability/tallies.py, which keeps them exact
(recount per (month, institution), under the same locks)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    case,
    cast,
    func,
    insert,
    literal,
    null,
    select,
    union_all,
)

from app.accountability.models import ObservationFigures, ScopeAnswerDays, ScopeTally
from app.observations import states
from app.observations.models import Observation
from app.observations.models import ObservationState as S

#: Dimension → (value column, the column it is crossed with (``within``) or None, label column
#: or None), by their names on ``observations``.
DIMENSIONS: dict[str, tuple[str, str | None, str | None]] = {
    "department": ("department_id", None, None),
    "municipality": ("municipality_id", None, None),
    "category": ("category_id", "department_id", None),
    "program": ("program_id", None, None),
    "filer": ("actor_type_id", "department_id", "acting_as"),
    "filer_municipality": ("actor_type_id", "municipality_id", "acting_as"),
    "filer_category": ("actor_type_id", "category_id", "acting_as"),
}
#: The dimensions of the working-days histogram (no page shows answer times per filer kind).
HISTOGRAM_DIMENSIONS = ("department", "municipality", "category", "program")

#: Observation columns these rows depend on besides those of ``ObservationTally``.
WATCHED = (
    "department_id",
    "municipality_id",
    "category_id",
    "program_id",
    "acting_as",
    "actor_type_id",
)

COUNT_COLUMNS = (
    "received",
    "accepted",
    "answered",
    "answered_on_time",
    "rated",
    "satisfaction_sum",
    "due_closed",
    "due_answered",
    "clock",
    "open",
    "accepted_by_filer",
)


def _classified(c: Any) -> list[ColumnElement[Any]]:
    """The counts of ``COUNT_COLUMNS``, in that order, by the rules of ``counting._counts_of``,
    over the columns ``c`` of the group's rows (``_rows``)."""
    public = c.state.in_(states.PUBLIC_STATES) & c.hidden_at.is_(None)
    closed = c.state.in_(states.CLOSED_STATES)
    clock = c.state.in_(states.CLOCK_STATES)
    answered = c.first_answer_at.is_not(None)

    def count(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.count(case((public & condition, 1)))

    return [
        func.count(),
        func.count(case((public, 1))),
        count(answered),
        count(c.answered_on_time.is_(True)),
        count(c.satisfaction.is_not(None)),
        func.coalesce(func.sum(case((public, c.satisfaction))), 0),
        count(closed),
        count(~closed & ~clock & answered),
        count(clock),
        count(c.state.in_(states.OPEN_STATES)),
        count(c.state == S.RESOLVED),
    ]


def _rows(filed: list[ColumnElement[bool]]) -> Any:
    """The group's filed observations with every column a split needs, read once (a CTE every
    split groups in its own way: one index range for all of them, not one per dimension)."""
    return (
        select(
            Observation.institution_id,
            Observation.department_id,
            Observation.municipality_id,
            Observation.category_id,
            Observation.program_id,
            Observation.actor_type_id,
            Observation.acting_as,
            Observation.state,
            Observation.hidden_at,
            Observation.first_answer_at,
            Observation.satisfaction,
            ObservationFigures.answered_on_time,
            ObservationFigures.answer_working_days,
        )
        .select_from(Observation)
        .outerjoin(ObservationFigures, ObservationFigures.observation_id == Observation.id)
        .where(*filed)
        .cte("grp")
    )


def _keys(c: Any, dimension: str) -> tuple[Any, Any, Any, list[Any]]:
    """The dimension's three key columns as selected, and the real columns among them (the
    GROUP BY: constants are not grouped by)."""
    value, within, label = DIMENSIONS[dimension]
    return (
        c[value],
        cast(null(), Integer) if within is None else c[within],
        literal("") if label is None else c[label],
        [c[name] for name in (value, within, label) if name is not None],
    )


def count(conn: Connection, key: int, filed: list[ColumnElement[bool]]) -> None:
    """Insert the split tallies of the observations ``filed`` (one month's filings, of one
    institution or of all), month ``key``: two statements, each reading the rows once."""
    grp = _rows(filed)
    c = grp.c
    arms = []
    for dimension in DIMENSIONS:
        value, within, label, grouped = _keys(c, dimension)
        arms.append(
            select(
                literal(key),
                c.institution_id,
                literal(dimension),
                value,
                within,
                label,
                *_classified(c),
            ).group_by(c.institution_id, *grouped)
        )
    conn.execute(
        insert(ScopeTally).from_select(
            ["month", "institution_id", "dimension", "value", "within", "label", *COUNT_COLUMNS],
            union_all(*arms),
        )
    )
    grp = _rows(filed)
    c = grp.c
    arms = []
    for dimension in HISTOGRAM_DIMENSIONS:
        value, within, _label, grouped = _keys(c, dimension)
        arms.append(
            select(
                literal(key),
                c.institution_id,
                literal(dimension),
                value,
                within,
                c.answer_working_days,
                func.count(),
            )
            .where(
                c.answer_working_days.is_not(None),  # has its answer figures
                c.state.in_(states.PUBLIC_STATES),
                c.hidden_at.is_(None),
                c.first_answer_at.is_not(None),
            )
            .group_by(c.institution_id, *grouped, c.answer_working_days)
        )
    conn.execute(
        insert(ScopeAnswerDays).from_select(
            [
                "month",
                "institution_id",
                "dimension",
                "value",
                "within",
                "working_days",
                "observations",
            ],
            union_all(*arms),
        )
    )
