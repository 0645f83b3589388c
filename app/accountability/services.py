"""Accountability figures, computed in SQL from the same rows the pages show.

One *scope* (period of filing, department or municipality, institution or institution kind,
category, program) gives every figure. Two grouped queries do all the counting for a whole page:
counts per (institution, month of filing) and a histogram per (institution, working days to the
first answer); totals, the monthly trend, the per-institution table and the percentiles are sums
over those few rows. Every figure's SQL condition is defined once (``conditions``) and used both to
count and to list the observations behind the figure, so a number and its list always agree."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Row,
    Select,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import joinedload

from app.accountability import tallies
from app.accountability.figures import Share, median, percentile
from app.accountability.models import AnswerDaysTally, ObservationFigures, ObservationTally
from app.core.clock import local_midnight, local_today, next_month
from app.extensions import db
from app.institutions.models import Institution
from app.observations import states
from app.observations.models import Observation
from app.observations.models import ObservationState as S
from app.observations.queries import publicly_visible

#: The longest period a page may ask for, in months (keeps the trend readable and queries bounded).
MAX_MONTHS = 60


@dataclass(frozen=True)
class Scope:
    """Which observations a set of figures is about. ``start``/``end`` are first days of months
    (La Paz); ``end`` is inclusive (its whole month counts)."""

    start: date
    end: date
    department_id: int | None = None
    municipality_id: int | None = None
    institution_id: int | None = None
    kind: str = ""
    category_id: int | None = None
    program_id: int | None = None

    @property
    def months(self) -> list[date]:
        found, current = [], self.start
        while current <= self.end:
            found.append(current)
            current = next_month(current)
        return found


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last 12 months, this one included."""
    today = today or local_today()
    end = today.replace(day=1)
    start = (
        date(end.year - 1, end.month, 1)
        if end.month == 12
        else date(end.year - 1, end.month + 1, 1)
    )
    return start, end


# --- figures: names, conditions, explanations ---------------------------------------------------

#: Figure name → one sentence saying how it is computed (shown beside it).
EXPLANATIONS = {
    "received": _l(
        "Observations filed in the period, whatever moderation decided; the list shows only "
        "those accepted and public."
    ),
    "accepted": _l(
        "Observations filed in the period that moderation accepted and that are public."
    ),
    "answered": _l("Accepted observations that received at least one answer from the institution."),
    "answered_share": _l("Answered observations divided by accepted observations."),
    "due": _l(
        "Accepted observations that were answered, are past their due date, or were closed: "
        "those whose deadline has been put to the test."
    ),
    "answered_on_time": _l(
        "Observations whose first answer came on or before the due date in force at that "
        "moment (La Paz dates)."
    ),
    "on_time_share": _l(
        "Observations answered on time divided by those whose deadline has been put to the test."
    ),
    "open": _l("Accepted observations filed in the period that are still open today."),
    "overdue": _l(
        "Observations waiting for the institution today whose due date has passed (the due day "
        "itself is still on time)."
    ),
    "median_days": _l(
        "Working days from acceptance to the first answer, counted with the observation's own "
        "holidays and pauses; the middle value (the mean of the two middle values for an even "
        "count)."
    ),
    "p90_days": _l(
        "Working days to the first answer within which 90% of the answers came (nearest rank)."
    ),
    "accepted_by_filer": _l("Answered observations whose filer accepted the answer."),
    "filer_share": _l("Answers accepted by the filer divided by answered observations."),
    "satisfaction": _l(
        "Average of the 1 to 5 scores filers gave when accepting or disputing an answer."
    ),
}

#: Figures whose observations can be listed (the "open" and "overdue" ones regardless of period
#: only as far as the scope's filing period goes).
LISTABLE = (
    "received",
    "accepted",
    "answered",
    "due",
    "answered_on_time",
    "open",
    "overdue",
    "accepted_by_filer",
    "rated",
)


def conditions(today: date) -> dict[str, ColumnElement[bool]]:
    """The SQL condition of each countable figure (on ``Observation`` outer-joined with
    ``ObservationFigures``)."""
    public = publicly_visible()
    waiting_late = Observation.state.in_(states.CLOCK_STATES) & (Observation.due_date < today)
    return {
        "received": Observation.state != S.DRAFT,
        "accepted": public,
        "answered": public & Observation.first_answer_at.is_not(None),
        "due": public
        & (
            Observation.first_answer_at.is_not(None)
            | waiting_late
            | Observation.state.in_(states.CLOSED_STATES)
        ),
        "answered_on_time": public & ObservationFigures.answered_on_time.is_(True),
        "open": public & Observation.state.in_(states.OPEN_STATES),
        "overdue": public & waiting_late,
        "accepted_by_filer": public & (Observation.state == S.RESOLVED),
        "rated": public & Observation.satisfaction.is_not(None),
    }


def scope_where(scope: Scope) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        Observation.submitted_at >= local_midnight(scope.start),
        Observation.submitted_at < local_midnight(next_month(scope.end)),
    ]
    if scope.department_id:
        where.append(Observation.department_id == scope.department_id)
    if scope.municipality_id:
        where.append(Observation.municipality_id == scope.municipality_id)
    if scope.institution_id:
        where.append(Observation.institution_id == scope.institution_id)
    if scope.kind:
        where.append(
            Observation.institution_id.in_(
                select(Institution.id).where(Institution.kind == scope.kind)
            )
        )
    if scope.category_id:
        where.append(Observation.category_id == scope.category_id)
    if scope.program_id:
        where.append(Observation.program_id == scope.program_id)
    return where


# --- results ------------------------------------------------------------------------------------


@dataclass
class Counts:
    received: int = 0
    accepted: int = 0
    answered: int = 0
    due: int = 0
    answered_on_time: int = 0
    open: int = 0
    overdue: int = 0
    accepted_by_filer: int = 0
    rated: int = 0
    satisfaction_sum: int = 0

    def add(self, other: Counts) -> None:
        # Spelled out: a page adds a few thousand of these.
        self.received += other.received
        self.accepted += other.accepted
        self.answered += other.answered
        self.due += other.due
        self.answered_on_time += other.answered_on_time
        self.open += other.open
        self.overdue += other.overdue
        self.accepted_by_filer += other.accepted_by_filer
        self.rated += other.rated
        self.satisfaction_sum += other.satisfaction_sum


@dataclass
class Month:
    start: date
    counts: Counts


@dataclass
class Figures:
    counts: Counts = field(default_factory=Counts)
    #: [(working days, observations)] for answered observations.
    histogram: list[tuple[int, int]] = field(default_factory=list)
    months: list[Month] = field(default_factory=list)

    @property
    def answered_share(self) -> Share:
        return Share(self.counts.answered, self.counts.accepted)

    @property
    def on_time_share(self) -> Share:
        return Share(self.counts.answered_on_time, self.counts.due)

    @property
    def filer_share(self) -> Share:
        return Share(self.counts.accepted_by_filer, self.counts.answered)

    @property
    def median_days(self) -> float | None:
        return median(self.histogram)

    @property
    def p90_days(self) -> int | None:
        return percentile(self.histogram, 0.9)

    @property
    def days_count(self) -> int:
        return sum(count for _days, count in self.histogram)

    @property
    def satisfaction(self) -> float | None:
        return self.counts.satisfaction_sum / self.counts.rated if self.counts.rated else None


@dataclass
class InstitutionRow:
    institution: Institution
    figures: Figures
    #: 1-based rank, or None when the institution has too few observations to be ranked.
    rank: int | None = None


#: States an observation can be counted in once filed (every state but the draft one), so that
#: the counting queries can seek the covering index per (institution, state).
FILED_STATES = tuple(sorted(s.value for s in S if s != S.DRAFT))
PUBLIC_STATE_VALUES = tuple(sorted(s.value for s in states.PUBLIC_STATES))
CLOCK_STATE_VALUES = frozenset(s.value for s in states.CLOCK_STATES)
CLOSED_STATE_VALUES = frozenset(s.value for s in states.CLOSED_STATES)
OPEN_STATE_VALUES = frozenset(s.value for s in states.OPEN_STATES)

#: Scope filters other than the period: (scope attribute, column).
_FILTERS = (
    ("department_id", Observation.department_id),
    ("municipality_id", Observation.municipality_id),
    ("institution_id", Observation.institution_id),
    ("category_id", Observation.category_id),
    ("program_id", Observation.program_id),
)


def _shape(scope: Scope) -> tuple:  # type: ignore[type-arg]
    """What the counting statements' text depends on (not the values they are run with)."""
    return (
        db.engine.dialect.name,
        len(scope.months),
        scope.kind != "",
        *(bool(getattr(scope, n)) for n, _c in _FILTERS),
    )


def _month_arms(shape: tuple, scope: Scope) -> list[tuple[ColumnElement[int], int, int]]:  # type: ignore[type-arg]
    """(month column, first month, last month) of each arm. SQLite: one arm per month, so the
    month is a constant and the index seek yields rows already grouped (SQLite groups by
    sorting). PostgreSQL: one arm for the whole period with the month CASE, since its hash
    aggregation needs no order and every extra arm is another scan (and join)."""
    last = len(scope.months) - 1
    if shape[0] == "postgresql":
        return [(_month_of(scope), 0, last)]
    return [(literal(month), month, month) for month in range(last + 1)]


def _params(scope: Scope, today: date) -> dict[str, object]:
    bounds = [*scope.months, next_month(scope.end)]
    params: dict[str, object] = {f"m{i}": local_midnight(day) for i, day in enumerate(bounds)}
    params["today"] = today
    params["kind"] = scope.kind
    for name, _column in _FILTERS:
        params[name] = getattr(scope, name)
    return params


def _filters(scope: Scope) -> list[ColumnElement[bool]]:
    """``scope_where`` without the period, with bound parameters (``_params``)."""
    where: list[ColumnElement[bool]] = [
        column == bindparam(name) for name, column in _FILTERS if getattr(scope, name)
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
) -> list[list]:  # type: ignore[type-arg]
    """The WHERE clauses of one month's arms: equality on ``institution_id`` and ``state`` (IN
    lists) plus a range on ``submitted_at``, i.e. a seek on the covering index
    ``ix_observations_institution_state_filed`` whose rows come out grouped by institution and
    state: no sort, no per-row month expression. Without an institution or kind filter, one arm
    for the observations with an institution and one for those without. ``last``: up to the end
    of that month instead (several months in one arm)."""
    common = [
        *_filters(scope),
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


def _aggregates() -> list:  # type: ignore[type-arg]
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


def _month_of(scope: Scope) -> ColumnElement[int]:
    """The month index of the filing time as a per-row CASE: for the few hidden rows, and on
    PostgreSQL, which aggregates by hashing (cheap per row) where SQLite sorts."""
    count = len(scope.months)
    whens = [(Observation.submitted_at < bindparam(f"m{i + 1}"), i) for i in range(count - 1)]
    if not whens:
        return literal(0)
    return case(*whens, else_=count - 1)


@lru_cache(maxsize=64)
def _count_statement(shape: tuple, scope: Scope) -> Select:  # type: ignore[type-arg]
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
    hidden_month = _month_of(scope)
    selects.append(
        select(
            literal(1).label("part"),
            hidden_month.label("month"),
            Observation.institution_id,
            Observation.state,
            *_aggregates(),
        )
        .where(
            *_filters(scope),
            Observation.submitted_at >= bindparam("m0"),
            Observation.submitted_at < bindparam(f"m{len(scope.months)}"),
            Observation.hidden_at.is_not(None),
        )
        .group_by(hidden_month, Observation.institution_id, Observation.state)
    )
    return union_all(*selects)  # type: ignore[return-value]


@lru_cache(maxsize=64)
def _answer_statement(shape: tuple, scope: Scope) -> Select:  # type: ignore[type-arg]
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
    return union_all(*selects)  # type: ignore[return-value]


def _statement_scope(scope: Scope) -> Scope:
    """A representative of the scope's shape (the cache key must not hold the values)."""
    count = len(scope.months) - 1
    return Scope(
        start=date(2000, 1, 1),
        end=date(2000 + count // 12, count % 12 + 1, 1),
        kind="k" if scope.kind else "",
        **{name: 1 if getattr(scope, name) else None for name, _c in _FILTERS},
    )


def _counts_of(state: str, all_rows: Row, hidden: Row | None) -> Counts:  # type: ignore[type-arg]
    """One (month, institution, state) group's contribution, by the same definitions as
    ``conditions``: public = public state and not hidden (all rows minus the hidden ones)."""

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


class _ByInstitution(dict[int | None, Figures]):
    """Figures per institution (key None: no institution yet), each with its months, filled by
    one of the two routes below."""

    def __init__(self, months: list[date]) -> None:
        super().__init__()
        self.months = months

    def of(self, institution_id: int | None) -> Figures:
        found = self.get(institution_id)
        if found is None:
            found = self[institution_id] = Figures(months=[Month(m, Counts()) for m in self.months])
        return found

    def finish(self, histograms: dict[int | None, list[tuple[int, int]]]) -> _ByInstitution:
        """Attach the working-days histograms and add the months up into the totals."""
        for institution_id, histogram in histograms.items():
            self.of(institution_id).histogram = sorted(histogram)
        for figures in self.values():
            for month_figures in figures.months:
                figures.counts.add(month_figures.counts)
        return self


def figures_by_institution(scope: Scope, today: date | None = None) -> dict[int | None, Figures]:
    """Figures per institution (key None: no institution yet) and month. Scopes that only choose
    the period and the institution (or kind) are summed from the live tallies (three small
    queries); territory, category and program scopes are counted from the observations."""
    today = today or local_today()
    if tallies_cover(scope):
        return figures_from_tallies(scope, today)
    return figures_from_observations(scope, today)


def tallies_cover(scope: Scope) -> bool:
    """The tallies are kept per (month, institution): they answer scopes without a territory,
    category or program."""
    return not (
        scope.department_id or scope.municipality_id or scope.category_id or scope.program_id
    )


def _tally_institution(scope: Scope, column: ColumnElement[int | None]) -> list:  # type: ignore[type-arg]
    if scope.institution_id:
        return [column == scope.institution_id]
    if scope.kind:
        return [column.in_(select(Institution.id).where(Institution.kind == scope.kind))]
    return []


def _tally_sums() -> list:  # type: ignore[type-arg]
    """Per (month, institution): the tally rows' contributions to each count, classified by
    state in SQL (the same rules as ``_counts_of``) so Python only reads one row per group.
    ``clock`` (public observations waiting for an answer) is split into late and not late by
    the caller."""
    T = ObservationTally
    public = T.state.in_(PUBLIC_STATE_VALUES) & T.hidden.is_(False)

    def total(column, when=None):  # type: ignore[no-untyped-def]
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
    result = _ByInstitution(months)
    figures_of = result.of

    def index(key: int) -> int:
        return (key // 100 - scope.start.year) * 12 + key % 100 - scope.start.month

    month_column = _month_of(scope)
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
        _params(scope, today),
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


def figures_from_observations(scope: Scope, today: date | None = None) -> dict[int | None, Figures]:
    """Figures per institution and month counted from the observations themselves: two queries,
    each a UNION ALL of one arm per month (``_count_statement``, ``_answer_statement``)."""
    today = today or local_today()
    months = scope.months
    result = _ByInstitution(months)
    figures_of = result.of

    shape = _shape(scope)
    representative = _statement_scope(scope)
    params = _params(scope, today)
    groups: dict[tuple[int, int | None, str], list[Row | None]] = {}  # type: ignore[type-arg]
    for row in db.session.execute(_count_statement(shape, representative), params):
        state = str(getattr(row.state, "value", row.state))
        groups.setdefault((int(row.month), row.institution_id, state), [None, None])[
            int(row.part)
        ] = row
    for (month, institution_id, state), (all_rows, hidden) in groups.items():
        if all_rows is None:  # cannot happen: the hidden rows are among all rows
            continue
        figures_of(institution_id).months[month].counts.add(_counts_of(state, all_rows, hidden))
    histograms: dict[int | None, list[tuple[int, int]]] = defaultdict(list)
    for row in db.session.execute(_answer_statement(shape, representative), params):
        if row.month < 0:
            histograms[row.institution_id].append((int(row.days), int(row.n)))
        else:
            figures_of(row.institution_id).months[int(row.month)].counts.answered_on_time += int(
                row.n
            )
    return result.finish(histograms)


def combine(parts: list[Figures], scope: Scope) -> Figures:
    total = Figures(months=[Month(m, Counts()) for m in scope.months])
    merged: dict[int, int] = defaultdict(int)
    for part in parts:
        total.counts.add(part.counts)
        for mine, theirs in zip(total.months, part.months, strict=True):
            mine.counts.add(theirs.counts)
        for days, count in part.histogram:
            merged[days] += count
    total.histogram = sorted(merged.items())
    return total


def figures_for(scope: Scope, today: date | None = None) -> Figures:
    """Every figure for one scope (two queries)."""
    return combine(list(figures_by_institution(scope, today).values()), scope)


def min_ranked() -> int:
    return int(current_app.config.get("ACCOUNTABILITY_MIN_RANKED", 10))


def institution_table(
    by_institution: dict[int | None, Figures], minimum: int | None = None
) -> list[InstitutionRow]:
    """Institutions with at least one accepted observation; those whose deadlines were put to the
    test at least ``minimum`` times are ranked by their on-time share (ties: by the lower end of
    its interval, then by name), the others listed after them without a rank (one query)."""
    minimum = min_ranked() if minimum is None else minimum
    ids = [key for key, figures in by_institution.items() if key and figures.counts.accepted]
    institutions = {
        i.id: i for i in db.session.scalars(select(Institution).where(Institution.id.in_(ids)))
    }
    rows = [InstitutionRow(institutions[i], by_institution[i]) for i in ids if i in institutions]
    ranked = [r for r in rows if r.figures.counts.due >= minimum]
    unranked = [r for r in rows if r.figures.counts.due < minimum]
    ranked.sort(
        key=lambda r: (
            -(r.figures.on_time_share.value or 0),
            -(r.figures.on_time_share.low or 0),
            str(r.institution.name).lower(),
        )
    )
    for position, row in enumerate(ranked, start=1):
        row.rank = position
    unranked.sort(key=lambda r: str(r.institution.name).lower())
    return ranked + unranked


def figure_query(scope: Scope, figure: str, today: date | None = None) -> Select:
    """The public observations behind one figure (always publicly visible ones, whatever the
    figure counts), newest filing first."""
    today = today or local_today()
    return (
        select(Observation)
        .options(joinedload(Observation.institution))
        .outerjoin(ObservationFigures, ObservationFigures.observation_id == Observation.id)
        .where(*scope_where(scope), publicly_visible(), conditions(today)[figure])
        .order_by(Observation.submitted_at.desc(), Observation.id.desc())
    )


def with_period(scope: Scope, start: date, end: date) -> Scope:
    return replace(scope, start=start, end=end)
