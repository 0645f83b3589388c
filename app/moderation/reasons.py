"""The moderation reasons offered to moderators: the active ones of a kind, in list order, and
the check that a posted reason is one of them. Read by the forms, the pages and the services."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.moderation.reason_models import ModerationReason


def reasons(kind: str | None = None, active_only: bool = True) -> list[ModerationReason]:
    query = select(ModerationReason).order_by(ModerationReason.position, ModerationReason.id)
    if kind:
        query = query.where(ModerationReason.kind == kind)
    if active_only:
        query = query.where(ModerationReason.active)
    return list(db.session.scalars(query))


def reason_of_kind(reason_id: int | None, kind: str | None) -> ModerationReason | None:
    """The active reason ``reason_id`` if it is one meant for ``kind`` (any kind when None):
    a reason for hiding cannot explain a restore, nor the reports' dismissal a redaction."""
    reason = db.session.get(ModerationReason, reason_id) if reason_id else None
    if reason is None or not reason.active or (kind is not None and reason.kind != kind):
        return None
    return reason
