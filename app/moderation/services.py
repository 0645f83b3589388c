"""Moderation workflows on comments and observations: hide, restore, dismiss reports, and the
append-only log every moderator action writes. Plain functions: they flush, never commit; the
person affected is told through app.moderation.notify."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import CursorResult, select, update

from app.accounts.models import User
from app.comments.models import Comment
from app.core.clock import local_today
from app.core.db import utcnow
from app.extensions import db
from app.moderation import notify
from app.moderation.models import Flag, FlagResolution, LogAction, ModerationLogEntry, TargetType
from app.moderation.reason_models import ModerationReason
from app.observations.effects import Transitioned, after_transition
from app.observations.models import Observation
from app.observations.states import MODERATOR

#: What moderators hide, restore and redact.
Target = Comment | Observation


class ModerationError(Exception):
    """A refused moderation action; ``code``: own | state | target | reason."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def target_type_of(target: Target) -> TargetType:
    return TargetType.COMMENT if isinstance(target, Comment) else TargetType.OBSERVATION


def load_target(target_type: TargetType | str, target_id: int) -> Target | None:
    if target_type == TargetType.COMMENT:
        return db.session.get(Comment, target_id)
    return db.session.get(Observation, target_id)


def author_id_of(target: Target) -> int:
    return target.author_id if isinstance(target, Comment) else target.filer_id


def is_hidden(target: Target) -> bool:
    return target.hidden_at is not None


def check_not_own(moderator: User, target: Target) -> None:
    """A moderator never acts on their own content."""
    if author_id_of(target) == moderator.id:
        raise ModerationError("own")


def log(
    action: LogAction,
    target_type: TargetType,
    target_id: int | None,
    moderator: User | None,
    *,
    reason: ModerationReason | None = None,
    note: str = "",
    item_count: int = 1,
    now: datetime | None = None,
) -> ModerationLogEntry:
    now = now or utcnow()
    entry = ModerationLogEntry(
        created_at=now,
        month=local_today(now).strftime("%Y-%m"),
        moderator_id=moderator.id if moderator else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason_id=reason.id if reason else None,
        note=(note or "").strip(),
        item_count=item_count,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


#: Observation transitions a moderator takes, as log actions.
_TRANSITION_LOG = {
    "accept": LogAction.ACCEPT,
    "reject": LogAction.REJECT,
    "mark_duplicate": LogAction.MARK_DUPLICATE,
    "request_info": LogAction.REQUEST_INFO,
    "close": LogAction.CLOSE,
    "confirm_transfer": LogAction.CONFIRM_TRANSFER,
    "decline_transfer": LogAction.DECLINE_TRANSFER,
}


@after_transition("moderation.log")
def log_transition(done: Transitioned) -> None:
    """Every observation transition taken as a moderator goes in the log (an effect of
    ``app.observations.lifecycle.transition``)."""
    event = done.event
    action = _TRANSITION_LOG.get(event.action)
    if action is None or event.actor_role != MODERATOR:
        return
    reason = db.session.get(ModerationReason, event.reason_id) if event.reason_id else None
    log(
        action,
        TargetType.OBSERVATION,
        done.observation.id,
        done.actor,
        reason=reason,
        note=event.note,
        now=event.created_at,
    )


# --- hiding and restoring ------------------------------------------------------------------


def _descendants(comment: Comment) -> list[Comment]:
    """Every reply below a comment (threads are at most three levels deep)."""
    found: list[Comment] = []
    frontier = [comment.id]
    while frontier:
        children = list(db.session.scalars(select(Comment).where(Comment.parent_id.in_(frontier))))
        found.extend(children)
        frontier = [c.id for c in children]
    return found


def _set_hidden(target: Target, by: User | None, now: datetime) -> None:
    target.hidden_at = now
    target.hidden_by_id = by.id if by else None
    if isinstance(target, Comment):
        # Replies go with their parent; they come back with it (unless hidden on their own).
        for reply in _descendants(target):
            if reply.hidden_at is None:
                reply.hidden_at = now
                reply.hidden_by_id = by.id if by else None
                reply.hidden_via_id = target.id


def _resolve_flags(
    target_type: TargetType, target_id: int, by: User | None, resolution: FlagResolution
) -> int:
    # An UPDATE's result is a cursor result: it has the row count.
    result = cast(
        "CursorResult[()]",
        db.session.execute(
            update(Flag)
            .where(
                Flag.target_type == target_type,
                Flag.target_id == target_id,
                Flag.resolved_at.is_(None),
            )
            .values(
                resolved_at=utcnow(), resolved_by_id=by.id if by else None, resolution=resolution
            )
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount or 0


def auto_hide(target: Target) -> None:
    """The report threshold was reached: hide pending review (the reports stay open)."""
    now = utcnow()
    _set_hidden(target, None, now)
    log(LogAction.AUTO_HIDE, target_type_of(target), target.id, None, now=now)
    notify.tell_author(target, LogAction.AUTO_HIDE)
    db.session.flush()


def hide(
    target: Target,
    moderator: User,
    reason: ModerationReason | None,
    note: str = "",
    *,
    tell: bool = True,
) -> None:
    """Hide content (a comment with its replies, or an observation from the public), resolve its
    reports, log it, and tell the author why."""
    check_not_own(moderator, target)
    if reason is None:
        raise ModerationError("reason")
    kind = target_type_of(target)
    if not is_hidden(target) or target.hidden_by_id is None:
        # Hidden automatically before: a moderator now confirms it.
        _set_hidden(target, moderator, utcnow())
    _resolve_flags(kind, target.id, moderator, FlagResolution.HIDDEN)
    log(LogAction.HIDE, kind, target.id, moderator, reason=reason, note=note)
    if tell:
        notify.tell_author(target, LogAction.HIDE, reason=reason)
    db.session.flush()


def restore(
    target: Target, moderator: User, reason: ModerationReason | None = None, note: str = ""
) -> None:
    """Show hidden content again (with the replies hidden along with it) and close its reports."""
    check_not_own(moderator, target)
    if not is_hidden(target):
        raise ModerationError("state")
    kind = target_type_of(target)
    target.hidden_at = None
    target.hidden_by_id = None
    if isinstance(target, Comment):
        target.hidden_via_id = None
        for reply in _descendants(target):
            if reply.hidden_via_id == target.id:
                reply.hidden_at = None
                reply.hidden_by_id = None
                reply.hidden_via_id = None
    _resolve_flags(kind, target.id, moderator, FlagResolution.RESTORED)
    log(LogAction.RESTORE, kind, target.id, moderator, reason=reason, note=note)
    notify.tell_author(target, LogAction.RESTORE, reason=reason)
    db.session.flush()


def dismiss(
    target: Target, moderator: User, reason: ModerationReason | None = None, note: str = ""
) -> None:
    """The reports were unfounded: close them; content hidden automatically comes back."""
    check_not_own(moderator, target)
    if is_hidden(target) and target.hidden_by_id is None:
        restore(target, moderator, reason, note)
        return
    kind = target_type_of(target)
    _resolve_flags(kind, target.id, moderator, FlagResolution.DISMISSED)
    log(LogAction.DISMISS_FLAGS, kind, target.id, moderator, reason=reason, note=note)
    db.session.flush()


#: The reasons migrations 0007 and 0014 install (key, kind), in list order.
BUILTIN_ORDER = [
    ("not_public_matter", "rejection"),
    ("insufficient_information", "rejection"),
    ("out_of_scope", "rejection"),
    ("offensive_content", "rejection"),
    ("spam", "content"),
    ("personal_data", "content"),
    ("harassment", "content"),
    ("off_topic", "content"),
    ("flags_unfounded", "review"),
]


def ensure_builtin_reasons() -> int:
    """Add any built-in reason that is missing (the tests empty every table; an operator may
    have deleted rows by hand). Returns how many were added."""
    existing = set(db.session.scalars(select(ModerationReason.key)))
    added = 0
    for position, (key, kind) in enumerate(BUILTIN_ORDER):
        if key not in existing:
            db.session.add(
                ModerationReason(key=key, kind=kind, titles={}, messages={}, position=position)
            )
            added += 1
    db.session.flush()
    return added
