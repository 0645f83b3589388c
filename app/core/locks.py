"""One run of a cron job at a time, so two runs started together (two cron hosts, a slow run
overlapping the next minute's, an operator running it by hand) never both decide that the same
reminder or digest is still to be sent.

The lock is taken before the job reads what was already done and is held until its transaction
ends: the second run waits, then reads the first one's records and finds nothing left to do. The
unique constraints on the records stay as the last guard (a run by code that takes no lock).

Used by ``flask deadlines run`` and ``flask moderation digest``."""

from __future__ import annotations

import hashlib

from sqlalchemy import FromClause, Table, false, text, update

from app.extensions import db


def job_key(job: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_xact_lock`` (the same in every process,
    unlike ``hash()``), apart from the app's other advisory locks by its prefix."""
    digest = hashlib.sha256(f"qhawaq-job:{job}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def one_run_at_a_time(job: str, table: FromClause) -> None:
    """Wait until no other transaction runs ``job``; the lock ends with this transaction. Call it
    first, before anything else in the transaction.

    PostgreSQL: a transaction-level advisory lock on the job's key. SQLite: an empty UPDATE of
    ``table`` (one the job writes anyway) takes the database's single write lock at once, as
    ``BEGIN IMMEDIATE`` would, so the run waits its turn under the busy timeout. Without it the
    run would read first and fail with "database is locked" when it tries to write after the
    other run has committed (its read snapshot can no longer be upgraded)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": job_key(job)})
    elif dialect == "sqlite":
        # A mapped class's ``__table__`` is declared as a FromClause; it is a Table.
        if not isinstance(table, Table):
            raise TypeError(f"one_run_at_a_time needs a table, not {table!r}")
        key = next(iter(table.primary_key.columns))
        db.session.execute(update(table).where(false()).values({key: key}))
