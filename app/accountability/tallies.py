"""Live tallies behind the accountability pages.

``observation_tallies`` counts filed observations per (La Paz filing month, institution, state,
hidden or not) and ``answer_days_tallies`` counts public answered ones per (month, institution,
working days to the first answer). The overview and institution pages sum these few rows instead
of reading every observation (100,000 observations are a few thousand tally rows).

They are not a cache built by a cron job: every flush that touches an observation's counted
columns, or its answer figures, recounts the (month, institution) groups the observation was in
and is now in, in the same transaction, from the observations themselves. A group is one
institution's filings of one month, so a recount reads a few hundred rows through an index; and
because it recounts rather than adds and subtracts, a tally cannot drift. Only writes that bypass
the ORM (bulk loads with Core ``insert``) must call :func:`rebuild` afterwards
(``flask accountability rebuild-tallies``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
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
)
from sqlalchemy.orm import Session

from app.accountability.models import AnswerDaysTally, ObservationFigures, ObservationTally
from app.core.clock import site_timezone
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
)

Group = tuple[int, int | None]


def month_key(moment: datetime | date) -> int:
    """YYYYMM of a filing time in the site's timezone (or of a date)."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(site_timezone()).date()
    return moment.year * 100 + moment.month


def month_of_key(key: int) -> date:
    return date(key // 100, key % 100, 1)


def _bounds(key: int) -> tuple[datetime, datetime]:
    """The UTC filing-time range of a La Paz month."""
    first = month_of_key(key)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    zone = site_timezone()
    return tuple(  # type: ignore[return-value]
        datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
        for day in (first, following)
    )


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


def recount(conn: Connection, groups: Iterable[Group]) -> None:
    """Replace the tallies of these (month, institution) groups by a fresh count."""
    for key, institution in sorted(set(groups), key=lambda g: (g[0], g[1] or 0)):
        for table in (ObservationTally, AnswerDaysTally):
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
    conn.execute(delete(ObservationTally))
    conn.execute(delete(AnswerDaysTally))
    first, last = conn.execute(
        select(func.min(Observation.submitted_at), func.max(Observation.submitted_at))
    ).one()
    if first is None:
        return 0
    if first.tzinfo is None:  # SQLite gives naive UTC through a plain select of an aggregate
        first, last = first.replace(tzinfo=UTC), last.replace(tzinfo=UTC)
    key, end, months = month_key(first), month_key(last), 0
    while key <= end:
        _count(conn, key, _ALL)
        months += 1
        key = key + 1 if key % 100 < 12 else (key // 100 + 1) * 100 + 1
    return months


# --- keeping them exact ---------------------------------------------------------------------------


def _values(obj: Observation, name: str, *, old: bool) -> list[Any]:
    """The attribute's value before this flush (``old``) or now."""
    if not old:
        return [getattr(obj, name)]
    history = inspect(obj).attrs[name].history
    return list(history.deleted or history.unchanged)


def _groups_of(obj: Observation, *, old: bool) -> set[Group]:
    moments = [m for m in _values(obj, "submitted_at", old=old) if m is not None]
    # A change made through the ``institution`` relationship is synchronised into the column
    # (and its history) during the flush, before this runs.
    institutions: set[int | None] = set(_values(obj, "institution_id", old=old))
    if not institutions:
        institutions = {obj.institution_id}
    return {(month_key(m), i) for m in moments for i in institutions}


def _touched(obj: Observation) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in (*WATCHED, "institution"))


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
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
    conn = session.connection()
    if answered_ids:
        for moment, institution in conn.execute(
            select(Observation.submitted_at, Observation.institution_id).where(
                Observation.id.in_(answered_ids)
            )
        ):
            if moment is not None:
                moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
                groups.add((month_key(moment), institution))
    if groups:
        recount(conn, groups)
