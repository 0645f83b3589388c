"""Posting blocks: the person keeps reading (and their mail), but cannot post, comment, vote or
report until the end date (or until lifted). Their pending content can be hidden in one step."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from app.accounts.models import User
from app.comments.models import Comment
from app.core.clock import local_midnight
from app.core.db import utcnow
from app.extensions import db
from app.moderation import notify
from app.moderation.models import LogAction, TargetType
from app.moderation.reason_models import ModerationReason
from app.moderation.services import ModerationError, Target, _set_hidden, log
from app.observations.models import Observation, ObservationState


def block(
    user: User,
    moderator: User,
    reason: ModerationReason | None,
    *,
    until: date | None = None,
    note: str = "",
    hide_content: bool = False,
    now: datetime | None = None,
) -> int:
    """Block ``user`` from posting; returns how many items were hidden with it."""
    now = now or utcnow()
    if user.id == moderator.id:
        raise ModerationError("own")
    if reason is None:
        raise ModerationError("reason")
    ends = local_midnight(until) if until is not None else None
    if ends is not None and ends <= now:
        raise ModerationError("date")
    user.posting_blocked_at = now
    user.posting_blocked_until = ends
    user.posting_block_reason_id = reason.id
    user.posting_blocked_by_id = moderator.id
    log(LogAction.BLOCK, TargetType.USER, user.id, moderator, reason=reason, note=note, now=now)
    hidden = hide_pending_content(user, moderator, reason, now) if hide_content else 0
    db.session.flush()
    notify.tell_blocked(user, LogAction.BLOCK, reason)
    return hidden


def hide_pending_content(
    user: User, moderator: User, reason: ModerationReason, now: datetime
) -> int:
    """Hide the person's visible comments and the observations still awaiting moderation,
    logged as one action (the person hears about the block, not about each item)."""
    comments = list(
        db.session.scalars(
            select(Comment).where(
                Comment.author_id == user.id,
                Comment.hidden_at.is_(None),
                Comment.deleted_at.is_(None),
            )
        )
    )
    observations = list(
        db.session.scalars(
            select(Observation).where(
                Observation.filer_id == user.id,
                Observation.state == ObservationState.SUBMITTED,
                Observation.hidden_at.is_(None),
            )
        )
    )
    items: list[Target] = [*comments, *observations]
    for item in items:
        if item.hidden_at is None:  # a reply may have been hidden with its parent just now
            _set_hidden(item, moderator, now)
    count = len(comments) + len(observations)
    if count:
        log(
            LogAction.HIDE,
            TargetType.USER,
            user.id,
            moderator,
            reason=reason,
            item_count=count,
            now=now,
        )
    return count


def unblock(user: User, moderator: User, note: str = "") -> None:
    if user.posting_blocked_at is None:
        raise ModerationError("state")
    user.posting_blocked_at = None
    user.posting_blocked_until = None
    user.posting_block_reason_id = None
    user.posting_blocked_by_id = None
    log(LogAction.UNBLOCK, TargetType.USER, user.id, moderator, note=note)
    db.session.flush()
    notify.tell_blocked(user, LogAction.UNBLOCK, None)
