"""The worker of download my data: ``flask exports build`` (app/accounts/export_cli.py; any
number at once) claims a pending export with a lease, like the outbox (app/mail/claims.py):
``WITH due AS (SELECT … FOR UPDATE SKIP LOCKED) UPDATE …`` writing the lease end and counting
the attempt, committed before the build. The lease end is the claim's token: the outcome is
written only while ``claimed_until`` still holds this worker's value, so a worker that outlived
its lease cannot mark ready (or mail) what another one took over. A failed build is tried again
after ``EXPORT_RETRY_SECONDS``; after ``EXPORT_MAX_ATTEMPTS`` the export is marked failed and
the person told by mail. A ready archive is mailed about in the person's language.

Nothing here logs an archive's content or a person's email. The worker (``build_pending``)
commits each step, as the outbox worker does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, CursorResult, or_, select, update

from app.accounts import export, export_archive
from app.accounts.models import DataExport, ExportStatus, User
from app.core.db import utcnow
from app.core.storage import storage
from app.core.urls import external_url
from app.extensions import db
from app.mail.services import queue_mail


def claimable(now: datetime) -> ColumnElement[bool]:
    """Pending and nobody's (never claimed, or the lease or the wait after a failure is over)."""
    return (DataExport.status == ExportStatus.PENDING) & or_(
        DataExport.claimed_until.is_(None), DataExport.claimed_until < now
    )


@dataclass(frozen=True)
class Claim:
    export_id: int
    #: The lease end written by this claim: the token of the row's ownership.
    lease: datetime
    attempts: int


def claim(now: datetime) -> Claim | None:
    """Lease the oldest claimable export to this worker. The caller commits before building.

    The candidate is chosen once, in a materialized CTE: written as ``id IN (SELECT … LIMIT 1
    FOR UPDATE SKIP LOCKED)``, PostgreSQL may run the subquery again for each row it scans and
    so, skipping the rows this very statement has just claimed, claim every pending export."""
    lease = now + timedelta(seconds=export.setting("EXPORT_LEASE_SECONDS"))
    due = (
        select(DataExport.id)
        .where(claimable(now))
        .order_by(DataExport.requested_at, DataExport.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .cte("due")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    row = db.session.execute(
        update(DataExport)
        .where(DataExport.id.in_(select(due.c.id)))
        .values(claimed_until=lease, attempts=DataExport.attempts + 1)
        .returning(DataExport.id, DataExport.attempts)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        return None
    return Claim(row[0], lease, row[1])


def settle(taken: Claim, **values: object) -> bool:
    """Write the outcome only while the export is still this claim's; False when another
    worker took it over after the lease ran out."""
    result = cast(
        "CursorResult[()]",
        db.session.execute(
            update(DataExport)
            .where(
                DataExport.id == taken.export_id,
                DataExport.status == ExportStatus.PENDING,
                DataExport.claimed_until == taken.lease,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount == 1


def _tell(user: User, *, failed: bool, expires_at: datetime | None = None) -> None:
    queue_mail(
        kind="data_export_failed" if failed else "data_export_ready",
        recipient=user.email,
        language=user.language,
        subject=_l("Your data could not be prepared")
        if failed
        else _l("Your data is ready to download"),
        template="data_export_ready",
        user=user,
        failed=failed,
        expires_at=expires_at,
        data_url=external_url("account_data.data"),
        site=current_app.config["SITE_NAME"],
    )


def build_one(taken: Claim, now: datetime) -> str:
    """Build a claimed export: "ready", "retry", "failed" or "lost" (the lease ran out and
    another worker has it). Commits."""
    row = db.session.get(DataExport, taken.export_id)
    user = db.session.get(User, row.user_id) if row is not None else None
    if row is None or user is None:
        db.session.rollback()
        return "lost"
    if taken.attempts > export.setting("EXPORT_MAX_ATTEMPTS"):
        # Earlier attempts died with their worker: give up without one more try.
        return _give_up(taken, user)
    try:
        built = export_archive.build(user, row.language, now)
        key = export.store(built)
    except Exception as error:
        db.session.rollback()
        export.log_failure(taken.export_id, taken.attempts, error, inline=False)
        if taken.attempts >= export.setting("EXPORT_MAX_ATTEMPTS"):
            return _give_up(taken, user)
        retry_at = now + timedelta(seconds=export.setting("EXPORT_RETRY_SECONDS"))
        settle(taken, claimed_until=retry_at)
        db.session.commit()
        return "retry"
    # End the read before writing (SQLite cannot turn a read into a write once another
    # worker has written).
    db.session.commit()
    expires_at = now + export.keep()
    done = settle(
        taken,
        status=ExportStatus.READY,
        storage_key=key,
        size=built.size,
        ready_at=now,
        expires_at=expires_at,
        claimed_until=None,
    )
    if not done:
        db.session.rollback()
        storage().delete(key)
        current_app.logger.warning(
            "data export lease lost before it was marked ready",
            extra={"data": {"export_id": taken.export_id}},
        )
        return "lost"
    _tell(user, failed=False, expires_at=expires_at)
    db.session.commit()
    current_app.logger.info(
        "data export ready",
        extra={"data": {"export_id": taken.export_id, "size": built.size}},
    )
    return "ready"


def _give_up(taken: Claim, user: User) -> str:
    db.session.commit()  # end any read first: the settle must start the write
    if not settle(taken, status=ExportStatus.FAILED, claimed_until=None):
        db.session.rollback()
        return "lost"
    _tell(user, failed=True)
    db.session.commit()
    return "failed"


def build_pending(now: datetime | None = None, limit: int | None = None) -> dict[str, int]:
    """Claim and build pending exports one at a time until none is left unclaimed (or ``limit``
    were taken). Returns counts of ready / retry / failed / lost. Safe to run many at once."""
    counts = {"ready": 0, "retry": 0, "failed": 0, "lost": 0}
    taken_count = 0
    while limit is None or taken_count < limit:
        moment = now or utcnow()
        db.session.rollback()  # a claim starts its own transaction
        taken = claim(moment)
        db.session.commit()
        if taken is None:
            break
        taken_count += 1
        counts[build_one(taken, moment)] += 1
    return counts
