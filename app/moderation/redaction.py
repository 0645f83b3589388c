"""Redaction: a moderator removes spans (a phone number, a name, an identity number) from an
observation's or a comment's texts. The stored text itself is rewritten with the marker, so every
page, export, API answer and mail produced afterwards shows the redacted text; the original of
each changed field is kept in ``redactions`` for moderators only, with who, when and why."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.comments.models import Comment, CommentRevision
from app.core.db import utcnow
from app.core.text import REDACTION_MARKER
from app.extensions import db
from app.moderation import notify
from app.moderation.models import LogAction, Redaction, TargetType
from app.moderation.reason_models import ModerationReason
from app.moderation.services import ModerationError, Target, check_not_own, log, target_type_of
from app.observations.models import Evidence, Observation, ObservationEvent
from app.observations.states import FILER

MAX_SPANS = 20


def parse_spans(raw: str) -> list[str]:
    """One span per line; blank lines and surrounding spaces ignored, duplicates dropped."""
    spans: list[str] = []
    for line in raw.splitlines():
        span = line.strip()
        if span and span not in spans:
            spans.append(span)
    return spans[:MAX_SPANS]


def _redact_text(text: str, spans: list[str]) -> str:
    for span in sorted(spans, key=len, reverse=True):
        text = re.sub(re.escape(span), REDACTION_MARKER, text, flags=re.IGNORECASE)
    return text


def _fields(target: Target) -> list[tuple[str, object, str]]:
    """(field name, the row holding it, its attribute) for every text of the target that the
    public can read."""
    if isinstance(target, Comment):
        fields: list[tuple[str, object, str]] = [("body", target, "body")]
        for revision in db.session.scalars(
            select(CommentRevision).where(CommentRevision.comment_id == target.id)
        ):
            fields.append((f"revision:{revision.id}", revision, "body"))
        return fields
    fields = [(name, target, name) for name in ("title", "description", "place_description")]
    fields.append(("organisation_name", target, "organisation_name"))
    for event in db.session.scalars(
        select(ObservationEvent).where(
            ObservationEvent.observation_id == target.id,
            ObservationEvent.actor_role == FILER,
        )
    ):
        fields.append((f"event:{event.id}", event, "note"))
    return fields


def redact(
    target: Target,
    spans: list[str],
    moderator: User,
    reason: ModerationReason | None,
    note: str = "",
    *,
    clear_location: bool = False,
    now: datetime | None = None,
) -> list[Redaction]:
    """Replace every occurrence of each span in the target's texts; keep each changed field's
    original. Raises ModerationError("target") when nothing would change."""
    check_not_own(moderator, target)
    if reason is None:
        raise ModerationError("reason")
    now = now or utcnow()
    kind = target_type_of(target)
    records: list[Redaction] = []
    for name, row, attr in _fields(target):
        before = getattr(row, attr) or ""
        after = _redact_text(before, spans)
        if after != before:
            records.append(
                Redaction(
                    target_type=kind,
                    target_id=target.id,
                    field=name,
                    original=before,
                    moderator_id=moderator.id,
                    reason_id=reason.id,
                    note=note.strip(),
                    created_at=now,
                )
            )
            setattr(row, attr, after)
    if clear_location and isinstance(target, Observation) and target.latitude is not None:
        records.append(
            Redaction(
                target_type=kind,
                target_id=target.id,
                field="location",
                original=f"{target.latitude},{target.longitude}",
                moderator_id=moderator.id,
                reason_id=reason.id,
                note=note.strip(),
                created_at=now,
            )
        )
        target.latitude = None
        target.longitude = None
    if not records:
        raise ModerationError("target")
    db.session.add_all(records)
    target.redacted_at = now
    log(LogAction.REDACT, kind, target.id, moderator, reason=reason, note=note, now=now)
    notify.tell_author(target, LogAction.REDACT, reason=reason)
    db.session.flush()
    return records


def originals(target: Target) -> list[Redaction]:
    """The kept originals, newest first (moderators only)."""
    return list(
        db.session.scalars(
            select(Redaction)
            .options(joinedload(Redaction.moderator), joinedload(Redaction.reason))
            .where(
                Redaction.target_type == target_type_of(target),
                Redaction.target_id == target.id,
            )
            .order_by(Redaction.created_at.desc(), Redaction.id.desc())
        )
    )


def _filed(item: Evidence) -> Observation:
    """The observation a file belongs to (moderators see only filed ones)."""
    if item.observation is None:
        raise ModerationError("target")
    return item.observation


def hide_attachment(
    item: Evidence, moderator: User, reason: ModerationReason | None, note: str = ""
) -> None:
    """Hide one evidence file or answer document from everyone but moderators, the filer and
    the institution (the file is kept)."""
    observation = _filed(item)
    check_not_own(moderator, observation)
    if reason is None:
        raise ModerationError("reason")
    if item.hidden_at is not None:
        raise ModerationError("state")
    item.hidden_at = utcnow()
    item.hidden_by_id = moderator.id
    log(
        LogAction.HIDE_ATTACHMENT, TargetType.EVIDENCE, item.id, moderator, reason=reason, note=note
    )
    if item.event_id is None:
        # The filer's own evidence (an answer's document belongs to the institution).
        notify.tell_author(observation, LogAction.HIDE_ATTACHMENT, reason=reason)
    db.session.flush()


def restore_attachment(item: Evidence, moderator: User, note: str = "") -> None:
    observation = _filed(item)
    check_not_own(moderator, observation)
    if item.hidden_at is None:
        raise ModerationError("state")
    item.hidden_at = None
    item.hidden_by_id = None
    log(LogAction.RESTORE_ATTACHMENT, TargetType.EVIDENCE, item.id, moderator, note=note)
    db.session.flush()
