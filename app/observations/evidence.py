"""Evidence storage: cleaned bytes in the file storage (``app.core.storage``: UPLOADS_DIR or a
bucket), named by content hash; rows in the ``evidence`` table. Files uploaded with a form wait on
its token until it is filed."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext
from sqlalchemy import Column, event, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.core.db import ends_the_transaction
from app.core.storage import STORED_FILE, storage
from app.core.uploads import MAX_FILES_PER_OBSERVATION, CleanFile, UploadRejected, clean_upload
from app.extensions import db
from app.observations.models import Evidence, Observation


def key_of(clean: CleanFile) -> str:
    """The storage key: the hash of the cleaned bytes, so the same file is stored once."""
    return f"{clean.sha256[:2]}/{clean.sha256}.{clean.extension}"


#: session.info key: files this transaction wrote that were not there before.
_WRITTEN = "stored_keys"


def store(clean: CleanFile) -> str:
    """Store the cleaned bytes (never the file as sent) and return the storage key. Also used
    for answer documents and accountability reports. A file this transaction wrote is removed
    again if the transaction rolls back (nothing half-written stays behind)."""
    key = key_of(clean)
    files = storage()
    # Same key, same bytes: a file already there (stored by any app server) is kept.
    if files.size(key) != len(clean.data):
        files.put(key, clean.data, clean.mime)
        db.session.info.setdefault(_WRITTEN, set()).add(key)
    return key


def stored_file_columns() -> list[Column[Any]]:
    """Every column that holds a storage key, as its model marks it (``info={STORED_FILE:
    True}``): evidence and answer documents, accountability session reports. Read from the
    schema, so this package needs to know no other package's models."""
    return [
        column
        for table in db.metadata.sorted_tables
        for column in table.columns
        if column.info.get(STORED_FILE)
    ]


def referenced(keys: set[str] | None = None) -> set[str]:
    """The storage keys some row refers to (evidence, answer documents, session reports), among
    ``keys`` (or all of them)."""
    found: set[str] = set()
    for column in stored_file_columns():
        query = select(column).where(column.is_not(None)).distinct()
        if keys is not None:
            query = query.where(column.in_(keys))
        with db.engine.connect() as conn:  # what is committed, outside any open transaction
            found.update(conn.scalars(query))
    return found


@event.listens_for(Session, "after_commit")
def _written_and_kept(session: Session) -> None:
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_soft_rollback")
def _written_in_vain(session: Session, previous: object) -> None:
    """The transaction that stored these files is gone: remove the ones no committed row uses
    (the same bytes may have been stored and committed by another request meanwhile)."""
    if not ends_the_transaction(previous):
        return
    keys = session.info.pop(_WRITTEN, None)
    if not keys:
        return
    try:
        orphans = keys - referenced(keys)
        files = storage()
        for key in orphans:
            files.delete(key)
    except Exception:  # a failed clean-up leaves orphans for ``flask uploads sweep``
        current_app.logger.warning("could not remove the files of a rolled-back request")


def pending(token: str, user: User) -> list[Evidence]:
    return list(
        db.session.scalars(
            select(Evidence)
            .where(Evidence.form_token == token, Evidence.uploader_id == user.id)
            .order_by(Evidence.id)
        )
    )


def attached(observation: Observation) -> list[Evidence]:
    if observation.id is None:
        return []
    return list(
        db.session.scalars(
            select(Evidence).where(Evidence.observation_id == observation.id).order_by(Evidence.id)
        )
    )


def accept_files(
    files: list[tuple[str, bytes]], *, token: str, user: User, already: int
) -> list[str]:
    """Clean and store each (name, bytes) pair against the form token. Returns one translated
    error per refused file; accepted files are kept even when others are refused."""
    errors: list[str] = []
    max_bytes = current_app.config["EVIDENCE_MAX_BYTES"]
    count = already
    for name, data in files:
        if not data and not name:
            continue
        if count >= MAX_FILES_PER_OBSERVATION:
            errors.append(
                gettext(
                    "%(name)s: at most %(max)d files per observation.",
                    name=name or "?",
                    max=MAX_FILES_PER_OBSERVATION,
                )
            )
            continue
        try:
            clean = clean_upload(data, name, max_bytes=max_bytes)
        except UploadRejected as refused:
            errors.append(f"{name or '?'}: {refused.message}")
            continue
        db.session.add(
            Evidence(
                form_token=token,
                uploader_id=user.id,
                storage_key=store(clean),
                mime=clean.mime,
                size=len(clean.data),
                sha256=clean.sha256,
                original_name=clean.original_name,
                width=clean.width,
                height=clean.height,
            )
        )
        count += 1
    db.session.flush()
    return errors


def remove(evidence_ids: list[int], *, token: str, user: User) -> None:
    """Drop files the person removed from the form (only their own, only still pending or on
    their draft)."""
    for item in db.session.scalars(
        select(Evidence).where(Evidence.id.in_(evidence_ids), Evidence.uploader_id == user.id)
    ):
        if item.form_token == token or (
            item.observation is not None and item.observation.code is None
        ):
            db.session.delete(item)
    db.session.flush()


def attach(token: str, user: User, observation: Observation) -> None:
    for item in pending(token, user):
        item.observation_id = observation.id
        item.form_token = None
    db.session.flush()
