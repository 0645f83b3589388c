"""Evidence storage: cleaned bytes on disk under instance/uploads, named by content hash; rows in
the ``evidence`` table. Files uploaded with a form wait on its token until it is filed."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.accounts.models import User
from app.core.uploads import MAX_FILES_PER_OBSERVATION, CleanFile, UploadRejected, clean_upload
from app.extensions import db
from app.observations.models import Evidence, Observation


def uploads_dir() -> Path:
    return Path(current_app.config["UPLOADS_DIR"])


def store(clean: CleanFile) -> str:
    """Write the cleaned bytes (never the file as sent) and return the storage key."""
    key = f"{clean.sha256[:2]}/{clean.sha256}.{clean.extension}"
    path = uploads_dir() / key
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        temporary.write_bytes(clean.data)
        temporary.replace(path)
    return key


def path_of(evidence: Evidence) -> Path:
    return uploads_dir() / evidence.storage_key


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
            from flask_babel import gettext

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
