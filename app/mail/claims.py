"""Leases on outbox rows, so any number of ``flask outbox send`` workers can run at once and every
message is sent by one of them only.

A worker claims a batch of due pending rows in one statement, ``WITH due AS MATERIALIZED (SELECT
… FOR UPDATE SKIP LOCKED LIMIT n) UPDATE … WHERE id IN (SELECT id FROM due) RETURNING id``,
writing its id and a lease end, and commits that before any mail leaves. On PostgreSQL
``SKIP LOCKED`` lets concurrent claims pass each other instead of queueing, and a row another
worker claimed meanwhile is re-checked against the lease condition once its lock is free, so it
is not taken twice. SQLite's dialect leaves ``FOR UPDATE``
out; there the claim is a write as the first statement of its transaction, so it waits for the
one write lock (busy timeout) and sees every earlier claim.

A worker killed mid-batch loses nothing: its rows stay pending, and once ``claimed_until`` has
passed they match the claim condition again. The outcome of a send is recorded only while the row
is still this worker's (:func:`settle`), so a worker that outlived its lease cannot overwrite the
record of the one that took over.

``attempts`` counts claims, not completed sends: a message whose sending kills the worker still
reaches ``MAIL_MAX_ATTEMPTS`` and stops coming back. Rows released unsent get theirs back.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import cast

from flask import current_app
from sqlalchemy import ColumnElement, CursorResult, or_, select, update

from app.extensions import db
from app.mail.models import OutboxMessage, OutboxStatus


def new_worker_id() -> str:
    """``host:pid:random``: unique across machines, processes and the threads of one process
    (each gets its own random part), readable by an operator looking at ``claimed_by``."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def lease_end(now: datetime) -> datetime:
    return now + timedelta(seconds=current_app.config["MAIL_LEASE_SECONDS"])


def claimable(now: datetime) -> ColumnElement[bool]:
    """Pending, due, and nobody's (never claimed, released, or the lease has run out)."""
    return (
        (OutboxMessage.status == OutboxStatus.PENDING)
        & (OutboxMessage.next_attempt_at <= now)
        & or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)
    )


def claim_batch(worker_id: str, now: datetime, limit: int) -> list[int]:
    """Lease up to ``limit`` due messages to ``worker_id`` until ``now`` + ``MAIL_LEASE_SECONDS``
    and return their ids, oldest due first. The caller commits before sending: until then the
    claim is invisible to other workers (and on SQLite holds the write lock)."""
    # The batch is chosen once, in a materialized CTE: as ``id IN (SELECT … LIMIT n FOR UPDATE
    # SKIP LOCKED)`` PostgreSQL may plan the subquery to run again per scanned row and then,
    # skipping the rows this statement just locked, claim more than ``limit``.
    due = (
        select(OutboxMessage.id)
        .where(claimable(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    claimed = db.session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(select(due.c.id)))
        .values(
            claimed_by=worker_id,
            claimed_until=lease_end(now),
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    return list(claimed)


def _mine(message_ids: Sequence[int], worker_id: str) -> ColumnElement[bool]:
    return (
        OutboxMessage.id.in_(message_ids)
        & (OutboxMessage.claimed_by == worker_id)
        & (OutboxMessage.status == OutboxStatus.PENDING)
    )


def settle(message_id: int, worker_id: str, **values: object) -> bool:
    """Record a send's outcome (``status``, ``next_attempt_at``, ``last_error``…) and end the lease,
    only if the row is still this worker's. False when another worker has taken it over (the
    lease ran out first): its record stands."""
    # An UPDATE's result is a cursor result: it has the row count.
    result = cast(
        "CursorResult[()]",
        db.session.execute(
            update(OutboxMessage)
            .where(_mine([message_id], worker_id))
            .values(claimed_until=None, **values)
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount == 1


def release(message_ids: Sequence[int], worker_id: str) -> int:
    """Give back claimed messages that were not tried (lease nearly over, or the worker stops on an
    unexpected error) so the next worker takes them now rather than when the lease ends."""
    if not message_ids:
        return 0
    result = cast(
        "CursorResult[()]",
        db.session.execute(
            update(OutboxMessage)
            .where(_mine(message_ids, worker_id))
            .values(claimed_until=None, attempts=OutboxMessage.attempts - 1)
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount
