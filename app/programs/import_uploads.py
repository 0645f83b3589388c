"""Uploaded CSV files kept between the web import's preview and the import itself.

Storage keys (app/core/storage.py) are ``imports/programs/u<user id>/<token>.csv``: a token only
reads back for the admin who uploaded it. No row refers to them, so ``flask uploads sweep``
(daily) removes those left behind."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta

from app.core.storage import StoredFileMissing, storage

#: Where uploaded files are kept in the storage.
UPLOAD_PREFIX = "imports/programs"
#: An upload older than this is expired: upload the file again (the sweep's default grace).
UPLOAD_LIFETIME = timedelta(hours=24)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


def _upload_key(user_id: int, token: str) -> str | None:
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    return f"{UPLOAD_PREFIX}/u{int(user_id)}/{token}.csv"


def keep_upload(user_id: int, data: bytes) -> str:
    """Store an uploaded file for ``user_id``; returns its new random token."""
    token = secrets.token_urlsafe(24)
    key = _upload_key(user_id, token)
    assert key is not None  # a token of ours always makes a key
    storage().put(key, data, "text/csv")
    return token


def read_upload(user_id: int, token: str) -> bytes | None:
    """The bytes ``user_id`` uploaded under ``token``; None when there are none (another user's
    token, a malformed one, already imported or dropped, expired)."""
    key = _upload_key(user_id, token)
    if key is None:
        return None
    try:
        stored = storage().open(key)
    except (StoredFileMissing, ValueError):
        return None
    with stored.stream as stream:
        data = stream.read()
    if stored.last_modified is not None and (
        stored.last_modified < datetime.now(UTC) - UPLOAD_LIFETIME
    ):
        drop_upload(user_id, token)
        return None
    return data


def drop_upload(user_id: int, token: str) -> None:
    """Remove an upload (imported, replaced by a new one, expired); nothing when there is none."""
    key = _upload_key(user_id, token)
    if key is not None:
        storage().delete(key)
