"""Tracking codes (CS-<year>-<5 digits>) without a national lock.

Each year has a counter row. On PostgreSQL the next number is taken in a transaction of its own
(``INSERT … ON CONFLICT DO UPDATE … RETURNING``, committed at once), so a filer holds the
counter's row lock for a millisecond instead of for their whole request, and filers in the whole
country do not queue behind each other. A filing that fails afterwards leaves its number unused:
codes are unique and increasing, with a rare gap, which reads well enough (a code is an address,
not a count; the figures count observations, never codes). On SQLite writers are serialised by
the database anyway, so the number is taken inside the filing's own transaction and a rollback
takes it back."""

from __future__ import annotations

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.observations.models import Observation, TrackingCodeCounter

PREFIX = "CS-{year}-"


def format_code(year: int, number: int) -> str:
    return f"{PREFIX.format(year=year)}{number:05d}"


def _take(conn: Connection, year: int) -> int:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(TrackingCodeCounter).values(year=year, last_number=1)
    statement = statement.on_conflict_do_update(
        index_elements=[TrackingCodeCounter.year],
        set_={"last_number": TrackingCodeCounter.last_number + 1},
    ).returning(TrackingCodeCounter.last_number)
    return int(conn.execute(statement).scalar_one())


def next_number(year: int) -> int:
    """The next number of ``year``, never given out twice."""
    if db.session.get_bind().dialect.name == "postgresql":
        with db.engine.begin() as own:  # its own short transaction: see the module docstring
            return _take(own, year)
    return _take(db.session.connection(), year)


def allocate(year: int) -> str:
    return format_code(year, next_number(year))


def highest_used(conn: Connection, year: int) -> int:
    """The highest number among the codes already stored for ``year`` (0 if none)."""
    prefix = PREFIX.format(year=year)
    last = conn.execute(
        select(func.max(Observation.code)).where(Observation.code.like(f"{prefix}%"))
    ).scalar()
    return int(last.rsplit("-", 1)[1]) if last else 0


def catch_up(year: int) -> None:
    """After a collision with a code stored by other means (an import, a restore, a hand-made
    row), move the counter past the highest code in use."""
    if db.session.get_bind().dialect.name == "postgresql":
        with db.engine.begin() as own:
            _raise_to(own, year, highest_used(own, year))
    else:
        conn = db.session.connection()
        _raise_to(conn, year, highest_used(conn, year))


def _raise_to(conn: Connection, year: int, number: int) -> None:
    conn.execute(
        update(TrackingCodeCounter)
        .where(TrackingCodeCounter.year == year, TrackingCodeCounter.last_number < number)
        .values(last_number=number)
    )
