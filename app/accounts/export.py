"""Download my data (``/account/data``): asking for an archive, offering it for a week, removing
it. The archive's content is ``export_archive`` (with ``export_records`` and
``export_activity``); the worker that builds large archives is ``export_worker``.

A small archive is built in the request that asks for it and offered at once; a large one (or one
whose build failed in the request) is left pending for the worker. At most one export is being
prepared per person, and asking again within ``EXPORT_REPEAT_AFTER_SECONDS`` of a ready one shows
that one. Nothing here logs an archive's content or a person's email. Services flush, never
commit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from flask import current_app
from sqlalchemy import CursorResult, and_, delete, or_, select

from app.accounts import export_archive
from app.accounts.export_records import volume
from app.accounts.models import DataExport, ExportStatus, User
from app.core.db import utcnow
from app.core.i18n import supported
from app.core.storage import storage
from app.extensions import db

#: Settings (``current_app.config``) and their defaults.
DEFAULTS = {
    #: At most this many rows (observations, events, comments, revisions, supports, follows,
    #: notifications)…
    "EXPORT_INLINE_MAX_ROWS": 500,
    #: …and this many bytes of evidence: built in the request; more goes to the worker.
    "EXPORT_INLINE_MAX_BYTES": 10 * 1024 * 1024,
    #: How long a ready archive is offered.
    "EXPORT_KEEP_DAYS": 7,
    #: A new request within this time of the last ready archive shows that one instead.
    "EXPORT_REPEAT_AFTER_SECONDS": 60 * 60,
    #: A worker's claim on a pending export.
    "EXPORT_LEASE_SECONDS": 15 * 60,
    #: Wait before a failed build is tried again.
    "EXPORT_RETRY_SECONDS": 5 * 60,
    "EXPORT_MAX_ATTEMPTS": 3,
}
#: Where archives live in the file storage.
KEY_PREFIX = "exports/"


def setting(name: str) -> int:
    return int(current_app.config.get(name, DEFAULTS[name]))


def keep() -> timedelta:
    return timedelta(days=setting("EXPORT_KEEP_DAYS"))


# --- the person's page --------------------------------------------------------------------------


def exports_of(user: User) -> list[DataExport]:
    """The person's archives, newest first."""
    return list(
        db.session.scalars(
            select(DataExport)
            .where(DataExport.user_id == user.id)
            .order_by(DataExport.requested_at.desc(), DataExport.id.desc())
        )
    )


def is_offered(export: DataExport, now: datetime | None = None) -> bool:
    """Ready, and not yet past its week."""
    now = now or utcnow()
    return (
        export.status == ExportStatus.READY
        and export.storage_key is not None
        and export.expires_at is not None
        and now < export.expires_at
    )


def current_export(user: User, now: datetime | None = None) -> DataExport | None:
    """The export a new request would repeat: one being prepared, or one made ready less than
    ``EXPORT_REPEAT_AFTER_SECONDS`` ago and still offered."""
    now = now or utcnow()
    recent = now - timedelta(seconds=setting("EXPORT_REPEAT_AFTER_SECONDS"))
    return db.session.scalar(
        select(DataExport)
        .where(
            DataExport.user_id == user.id,
            or_(
                DataExport.status == ExportStatus.PENDING,
                and_(
                    DataExport.status == ExportStatus.READY,
                    DataExport.ready_at > recent,
                    DataExport.expires_at > now,
                ),
            ),
        )
        .order_by(DataExport.requested_at.desc(), DataExport.id.desc())
        .limit(1)
    )


def is_small(user: User) -> bool:
    rows, size = volume(user)
    return rows <= setting("EXPORT_INLINE_MAX_ROWS") and size <= setting("EXPORT_INLINE_MAX_BYTES")


@dataclass(frozen=True)
class Requested:
    export: DataExport
    #: False: an export being prepared or just made was shown again.
    created: bool


def request_export(user: User, now: datetime | None = None) -> Requested:
    """Ask for the person's archive: at most one at a time. Small: built now and offered at
    once; large (or when building it now fails): left pending for the worker."""
    now = now or utcnow()
    # Two requests at once (a double click): the second waits here for the first to commit,
    # then finds its export. (SQLite: a POST already holds the write lock.)
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    existing = current_export(user, now)
    if existing is not None:
        return Requested(existing, created=False)
    export = DataExport(
        user_id=user.id,
        status=ExportStatus.PENDING,
        language=supported(user.language) or "es",
        requested_at=now,
    )
    db.session.add(export)
    db.session.flush()
    if is_small(user):
        _build_now(export, user, now)
    return Requested(export, created=True)


def _build_now(export: DataExport, user: User, now: datetime) -> None:
    try:
        # A savepoint: whatever goes wrong in the build leaves the request's transaction usable.
        with db.session.begin_nested():
            built = export_archive.build(user, export.language, now)
            key = store(built)
    except Exception as error:  # the worker will try again; the person sees "being prepared"
        log_failure(export.id, export.attempts, error, inline=True)
        return
    _ready(export, key, built.size, now)
    db.session.flush()


def store(built: export_archive.Built) -> str:
    key = f"{KEY_PREFIX}{secrets.token_hex(16)}.zip"
    storage().put(key, built.data, "application/zip")
    return key


def _ready(export: DataExport, key: str, size: int, now: datetime) -> None:
    export.status = ExportStatus.READY
    export.storage_key = key
    export.size = size
    export.ready_at = now
    export.expires_at = now + keep()
    export.claimed_until = None


def log_failure(export_id: int, attempts: int, error: BaseException, *, inline: bool) -> None:
    # The error's type only: a message may quote a path, a key or a piece of the data.
    current_app.logger.warning(
        "data export build failed",
        extra={
            "data": {
                "export_id": export_id,
                "attempts": attempts,
                "inline": inline,
                "error": type(error).__name__,
            }
        },
    )


def find_own(user: User, export_id: int) -> DataExport | None:
    """The person's export ``export_id``; None when there is none or it is someone else's."""
    export = db.session.get(DataExport, export_id)
    if export is None or export.user_id != user.id:
        return None
    return export


# --- purge --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Purged:
    #: Export rows deleted.
    count: int
    #: Their files, to remove once the deletion is committed.
    keys: list[str]


def purge_expired(now: datetime | None = None) -> Purged:
    """Delete the exports past their week (ready ones from ``expires_at``, failed ones a week
    after they were asked for). The caller commits, then removes the files (``remove_files``),
    so a failed commit never leaves a row without its file."""
    now = now or utcnow()
    gone = or_(
        and_(DataExport.status == ExportStatus.READY, DataExport.expires_at <= now),
        and_(DataExport.status == ExportStatus.FAILED, DataExport.requested_at <= now - keep()),
    )
    rows = db.session.execute(select(DataExport.id, DataExport.storage_key).where(gone)).all()
    if not rows:
        return Purged(0, [])
    result = cast(
        "CursorResult[()]",
        db.session.execute(
            delete(DataExport)
            .where(DataExport.id.in_([r.id for r in rows]), gone)
            .execution_options(synchronize_session=False)
        ),
    )
    return Purged(result.rowcount, [r.storage_key for r in rows if r.storage_key])


def remove_files(keys: list[str]) -> None:
    """Remove stored archives (a file already gone is no error: purging twice is harmless)."""
    files = storage()
    for key in keys:
        files.delete(key)
