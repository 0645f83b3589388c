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

from collections.abc import Iterator
from contextlib import contextmanager

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


@contextmanager
def _counter_connection() -> Iterator[Connection]:
    """PostgreSQL: a short transaction of its own, committed at once (see the module docstring).
    SQLite: the request's own transaction."""
    if db.session.get_bind().dialect.name == "postgresql":
        with db.engine.begin() as own:
            yield own
    else:
        yield db.session.connection()


def next_number(year: int) -> int:
    """The next number of ``year``, never given out twice."""
    with _counter_connection() as conn:
        return _take(conn, year)


def allocate(year: int) -> str:
    return format_code(year, next_number(year))


def catch_up(year: int) -> None:
    """After a collision with a code stored by other means (an import, a restore, a hand-made
    row), move the counter past the highest code in use."""
    with _counter_connection() as conn:
        last = conn.execute(
            select(func.max(Observation.code)).where(
                Observation.code.like(f"{PREFIX.format(year=year)}%")
            )
        ).scalar()
        highest = int(last.rsplit("-", 1)[1]) if last else 0
        conn.execute(
            update(TrackingCodeCounter)
            .where(TrackingCodeCounter.year == year, TrackingCodeCounter.last_number < highest)
            .values(last_number=highest)
        )
