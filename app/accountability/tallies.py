"""Live tallies behind the accountability pages.

``observation_tallies`` counts filed observations per (La Paz filing month, institution, state,
hidden or not) and ``answer_days_tallies`` counts public answered ones per (month, institution,
working days to the first answer); ``scope_tallies`` and ``scope_answer_days`` split the same
groups by department, municipality, category, program and filer kind (scope_tallies.py). The
accountability pages and their maps sum these rows instead of reading every observation (a
million observations are a few tens of thousands of tally rows).

They are not a cache built by a cron job: every flush that touches an observation's counted
columns (its dimensions included), or its answer figures, recounts the (month, institution)
groups the observation was in and is now in, in the same transaction, from the observations
themselves. A group is one
institution's filings of one month, so a recount reads a few hundred rows through an index; and
because it recounts rather than adds and subtracts, a tally cannot drift. Only writes that bypass
the ORM (bulk loads with Core ``insert``) must call :func:`rebuild` afterwards
(``flask accountability rebuild-tallies``).

Under concurrency (PostgreSQL, READ COMMITTED) two transactions recounting the same group would
both delete and both insert. So the groups a transaction touched are collected at each flush and
recounted once, just before it commits, each under a transaction-scoped advisory lock keyed on the
group and taken in a fixed order: the second recount waits for the first to commit and then counts
what the first committed too. The lock is held only between the recount and the commit, so people
acting on the same institution do not wait for each other's whole request. :func:`rebuild` takes
an exclusive lock that every recount takes shared, so a rebuild never interleaves with a recount."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from itertools import chain
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    case,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    select,
    text,
)
from sqlalchemy.orm import Session

from app.accountability import scope_tallies
from app.accountability.models import (
    AnswerDaysTally,
    ObservationFigures,
    ObservationTally,
    ScopeAnswerDays,
    ScopeTally,
)
from app.core.clock import local_midnight, local_today, next_month
from app.core.db import ends_the_transaction
from app.observations import states
from app.observations.models import Observation
from app.observations.models import ObservationState as S

#: Observation columns a tally depends on: a change to any of them recounts.
WATCHED = (
    "submitted_at",
    "institution_id",
    "state",
    "hidden_at",
    "first_answer_at",
    "satisfaction",
    *scope_tallies.WATCHED,
)
#: Every table recounted per (month, institution) group.
TABLES = (ObservationTally, AnswerDaysTally, ScopeTally, ScopeAnswerDays)

Group = tuple[int, int | None]


def month_key(moment: datetime | date) -> int:
    """YYYYMM of a filing time in the site's timezone (or of a date)."""
    if isinstance(moment, datetime):
        moment = local_today(moment)
    return moment.year * 100 + moment.month


def month_of_key(key: int) -> date:
    return date(key // 100, key % 100, 1)


def _bounds(key: int) -> tuple[datetime, datetime]:
    """The UTC filing-time range of a La Paz month."""
    first = month_of_key(key)
    return local_midnight(first), local_midnight(next_month(first))


_ALL = object()


def _institution_is(institution: Any) -> list[ColumnElement[bool]]:
    if institution is _ALL:
        return []
    if institution is None:
        return [Observation.institution_id.is_(None)]
    return [Observation.institution_id == institution]


def _count(conn: Connection, key: int, institution: Any) -> None:
    """Insert the tallies of one month (one institution's, or every institution's)."""
    low, high = _bounds(key)
    filed = [
        Observation.submitted_at >= low,
        Observation.submitted_at < high,
        Observation.state != S.DRAFT,
        *_institution_is(institution),
    ]
    hidden = Observation.hidden_at.is_not(None)
    counts = (
        select(
            literal(key),
            Observation.institution_id,
            Observation.state,
            hidden,
            func.count(),
            func.count(Observation.first_answer_at),
            func.count(case((ObservationFigures.answered_on_time.is_(True), 1))),
            func.count(Observation.satisfaction),
            func.coalesce(func.sum(Observation.satisfaction), 0),
        )
        .select_from(Observation)
        .outerjoin(ObservationFigures, ObservationFigures.observation_id == Observation.id)
        .where(*filed)
        .group_by(Observation.institution_id, Observation.state, hidden)
    )
    conn.execute(
        insert(ObservationTally).from_select(
            [
                "month",
                "institution_id",
                "state",
                "hidden",
                "observations",
                "answered",
                "answered_on_time",
                "rated",
                "satisfaction_sum",
            ],
            counts,
        )
    )
    days = (
        select(
            literal(key),
            Observation.institution_id,
            ObservationFigures.answer_working_days,
            func.count(),
        )
        .select_from(Observation)
        .join(ObservationFigures, ObservationFigures.observation_id == Observation.id)
        .where(
            *filed,
            Observation.state.in_(states.PUBLIC_STATES),
            Observation.hidden_at.is_(None),
            Observation.first_answer_at.is_not(None),
        )
        .group_by(Observation.institution_id, ObservationFigures.answer_working_days)
    )
    conn.execute(
        insert(AnswerDaysTally).from_select(
            ["month", "institution_id", "working_days", "observations"], days
        )
    )
    scope_tallies.count(conn, key, filed)


#: First key of the two-key advisory locks that serialise recounts: (namespace, group). The
#: one-key (bigint) advisory locks live in another key space, so they cannot collide with these.
LOCK_NAMESPACE = 7301
#: The group key of the lock a recount takes shared and a rebuild exclusive.
_EVERY_GROUP = 0


def _group_lock_key(key: int, institution: int | None) -> int:
    """One int4 per group: YYYYMM (6 digits) and the institution id, folded. Two groups may
    share a key (institutions beyond 10,000): that only makes them wait for each other."""
    return (key % 10000) * 10000 + (institution or 0) % 10000 + 1


def _lock_groups(conn: Connection, groups: list[Group]) -> None:
    if conn.dialect.name != "postgresql":
        return  # SQLite serialises writers: one transaction recounts at a time anyway.
    conn.execute(
        text("SELECT pg_advisory_xact_lock_shared(:ns, :all)"),
        {"ns": LOCK_NAMESPACE, "all": _EVERY_GROUP},
    )
    for lock in sorted({_group_lock_key(k, i) for k, i in groups}):
        conn.execute(
            text("SELECT pg_advisory_xact_lock(:ns, :g)"), {"ns": LOCK_NAMESPACE, "g": lock}
        )


def recount(conn: Connection, groups: Iterable[Group]) -> None:
    """Replace the tallies of these (month, institution) groups by a fresh count, holding each
    group's lock until the transaction ends."""
    ordered = sorted(set(groups), key=lambda g: (g[0], g[1] or 0))
    _lock_groups(conn, ordered)
    for key, institution in ordered:
        for table in TABLES:
            column = table.institution_id
            conn.execute(
                delete(table).where(
                    table.month == key,
                    column.is_(None) if institution is None else column == institution,
                )
            )
        _count(conn, key, institution)


def rebuild(conn: Connection) -> int:
    """Recount every tally from the observations (after a bulk load or a restore). Returns the
    number of months counted."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_advisory_xact_lock(:ns, :all)"),
            {"ns": LOCK_NAMESPACE, "all": _EVERY_GROUP},
        )
    for table in TABLES:
        conn.execute(delete(table))
    first, last = conn.execute(
        select(func.min(Observation.submitted_at), func.max(Observation.submitted_at))
    ).one()
    if first is None or last is None:  # no observation filed yet
        return 0
    month, end, months = month_of_key(month_key(first)), month_of_key(month_key(last)), 0
    while month <= end:
        _count(conn, month_key(month), _ALL)
        months += 1
        month = next_month(month)
    return months


# --- keeping them exact ---------------------------------------------------------------------------


def _values(obj: Observation, name: str, *, old: bool) -> list[Any]:
    """The attribute's value before this flush (``old``; the current one when it did not
    change and was not loaded) or now."""
    if old:
        history = inspect(obj).attrs[name].history
        if history.deleted or history.unchanged:
            return list(history.deleted or history.unchanged)
    return [getattr(obj, name)]


def _groups_of(obj: Observation, *, old: bool) -> set[Group]:
    moments = [m for m in _values(obj, "submitted_at", old=old) if m is not None]
    # A change made through the ``institution`` relationship is synchronised into the column
    # (and its history) during the flush, before this runs.
    institutions = _values(obj, "institution_id", old=old)
    return {(month_key(m), i) for m in moments for i in institutions}


def _touched(obj: Observation) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in WATCHED)


def _load_old_value(_target: Observation, _value: Any, _old: Any, _initiator: Any) -> None:
    """Nothing to do: ``active_history`` is what loads the old value."""


# The columns that move an observation between groups: setting one loads its old value first
# (even on an expired object), so the group it leaves is recounted too.
for _column in (Observation.submitted_at, Observation.institution_id):
    event.listen(_column, "set", _load_old_value, active_history=True)


_PENDING = "accountability_tally_groups"


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    """Note the groups this flush touched; they are recounted just before the commit."""
    groups: set[Group] = set()
    answered_ids: set[int] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Observation):
            if obj in session.dirty and not _touched(obj):
                continue
            if obj not in session.new:
                groups |= _groups_of(obj, old=True)
            if obj not in session.deleted:
                groups |= _groups_of(obj, old=False)
        elif isinstance(obj, ObservationFigures):
            answered_ids.add(obj.observation_id)
    if answered_ids:
        for moment, institution in session.connection().execute(
            select(Observation.submitted_at, Observation.institution_id).where(
                Observation.id.in_(answered_ids)
            )
        ):
            if moment is not None:
                groups.add((month_key(moment), institution))
    if groups:
        session.info.setdefault(_PENDING, set()).update(groups)


def recount_pending(session: Session) -> None:
    """Recount the groups touched since the last commit (also called by the commit itself).
    Recounting a group that a rolled-back savepoint touched is harmless: it counts the truth."""
    session.flush()
    groups = session.info.pop(_PENDING, None)
    if groups:
        recount(session.connection(), groups)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    recount_pending(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: Any) -> None:
    # A savepoint's rollback keeps the set: the outer transaction may still commit the rest.
    if ends_the_transaction(previous):
        session.info.pop(_PENDING, None)
