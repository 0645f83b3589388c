"""Database building blocks: UTC timestamps, enum columns with CHECK constraints, engine tuning."""

from __future__ import annotations

import enum
import logging
import sqlite3
import time
from datetime import UTC, datetime
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import CheckConstraint, DateTime, String, event, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeDecorator

from app.extensions import db

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps. Refuses naive datetimes so no local time sneaks in; SQLite
    returns naive values, which are read back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class StrEnumType(TypeDecorator[enum.StrEnum]):
    """Stores a ``StrEnum`` by value in a VARCHAR; pair it with :func:`enum_check`."""

    impl = String(32)
    cache_ok = True

    def __init__(self, enum_cls: type[enum.StrEnum], length: int = 32) -> None:
        super().__init__(length)
        self.enum_cls = enum_cls

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return self.enum_cls(value).value

    def process_result_value(self, value: str | None, dialect: Any) -> enum.StrEnum | None:
        return None if value is None else self.enum_cls(value)


def add_to_counters(obj: Any, **deltas: int) -> None:
    """Change counter columns of ``obj``'s row in SQL (``n = n + delta``): the UPDATE waits for
    the row and reads it as it is, so concurrent changes all count, where reading the value in
    Python and writing it back would lose some. The attributes reload on next access."""
    model = type(obj)
    db.session.execute(
        update(model)
        .where(model.id == obj.id)
        .values({name: getattr(model, name) + delta for name, delta in deltas.items()})
        .execution_options(synchronize_session=False)
    )
    db.session.expire(obj, list(deltas))


def ends_the_transaction(rolled_back: Any) -> bool:
    """For ``after_soft_rollback`` listeners: True when the whole transaction is gone, False for
    a savepoint (the outer transaction may still commit what it did)."""
    return not rolled_back.nested and rolled_back.parent is None


def add_once(obj: Any) -> bool:
    """Insert ``obj`` unless a unique key says it is there already: a double click's second
    request, or two people at the same moment. Returns False then, with the session still usable
    (the attempt is rolled back to a savepoint), so the caller answers like the first time."""
    try:
        with db.session.begin_nested():
            db.session.add(obj)
    except IntegrityError:
        return False
    return True


def enum_check(column: str, enum_cls: type[enum.StrEnum], name: str) -> CheckConstraint:
    """A CHECK constraint that only admits the enum's values."""
    values = ", ".join(f"'{member.value}'" for member in enum_cls)
    return CheckConstraint(f"{column} IN ({values})", name=name)


#: Seconds between two ``PRAGMA optimize`` runs of one process (SQLite).
SQLITE_OPTIMIZE_EVERY = 3600.0
#: Bytes of the database file SQLite reads through memory mapping rather than a read() into its
#: own page cache: the pages come straight from the operating system's cache, shared by every
#: connection and worker. A search ranks its matches with a page lookup each (FTS5's document
#: sizes), and at a million observations this took 10-15 % off the search pages
#: (docs/performance.md). Only the size of the file is mapped; 64-bit systems have the room.
SQLITE_MMAP_SIZE = 1 << 30


def configure_sqlite(engine: Engine, busy_timeout_ms: int = 20000) -> None:
    """WAL, busy timeout, foreign keys and memory-mapped reads for every SQLite connection,
    and explicit BEGIN so SAVEPOINTs work with the pysqlite driver."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_SIZE}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # The event fires for AUTOCOMMIT connections too, which never COMMIT: a BEGIN there
        # would hold every statement in a transaction that the close throws away.
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _writing_request() else "BEGIN")

    last_optimized = [0.0]  # the first connection back in the pool runs it

    @event.listens_for(engine, "checkin")
    def _optimize(dbapi_connection: Any, _record: Any) -> None:
        # SQLite's advice for long-lived connections: PRAGMA optimize now and then, so the
        # planner's statistics (ANALYZE, migration 0022) follow the tables as they grow (it
        # re-analyzes a table only when it changed tenfold; otherwise it costs nothing).
        now = time.monotonic()
        if dbapi_connection is None or now - last_optimized[0] < SQLITE_OPTIMIZE_EVERY:
            return
        last_optimized[0] = now
        try:
            dbapi_connection.execute("PRAGMA optimize")
        except sqlite3.Error as problem:
            log.info("PRAGMA optimize skipped: %s", problem)


def writes_on_get(view: Any) -> Any:
    """Marks a view that writes to the database on GET (a fresh form token, a confirmation link),
    so on SQLite it takes the write lock at BEGIN like a POST does. Put it directly under the
    route decorator."""
    view.writes_on_get = True
    return view


def _writing_request() -> bool:
    """A POST (or other writing method, or a GET view marked :func:`writes_on_get`) takes
    SQLite's write lock when its transaction begins. With a plain BEGIN, a request that read
    first and writes later cannot upgrade its lock once another process has committed
    (SQLITE_BUSY_SNAPSHOT, not retried by the busy timeout): with several gunicorn workers that
    was a "database is locked" error. Reads stay concurrent."""
    if not has_request_context():
        return False
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "writes_on_get", False))
