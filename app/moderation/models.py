"""Moderation records: reports (flags) on comments and observations, the editable reason list,
redactions with their originals, and the append-only moderation log."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.accounts.models import User
from app.core.db import StrEnumType, UTCDateTime, enum_check, utcnow
from app.core.enums import TitledEnum
from app.extensions import Model
from app.moderation.reason_models import ModerationReason


class TargetType(enum.StrEnum):
    COMMENT = "comment"
    OBSERVATION = "observation"
    EVIDENCE = "evidence"
    USER = "user"


class FlagReason(TitledEnum):
    SPAM = "spam"
    OFFENSIVE = "offensive"
    PERSONAL_DATA = "personal_data"
    OFF_TOPIC = "off_topic"
    OTHER = "other"

    __titles__ = {
        "spam": _l("Spam or advertising"),
        "offensive": _l("Offensive, discriminatory or threatening"),
        "personal_data": _l("Reveals someone's personal data"),
        "off_topic": _l("Not about this program"),
        "other": _l("Other reason"),
    }


class FlagResolution(enum.StrEnum):
    HIDDEN = "hidden"
    RESTORED = "restored"
    DISMISSED = "dismissed"


class Flag(Model):
    """A user's report of a comment or an observation, with a reason. One per user per item:
    the auto-hide threshold counts distinct reporters."""

    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("target_type", "target_id", "reporter_id"),
        enum_check("target_type", TargetType, "target_type"),
        enum_check("reason", FlagReason, "reason"),
        enum_check("resolution", FlagResolution, "resolution"),
        # The flag queue: open reports grouped by item.
        Index("ix_flags_open", "resolved_at", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[TargetType] = mapped_column(StrEnumType(TargetType, 20))
    target_id: Mapped[int] = mapped_column(Integer)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[FlagReason] = mapped_column(StrEnumType(FlagReason, 20))
    details: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when a moderator dealt with the report (hid, restored or dismissed the item).
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[FlagResolution | None] = mapped_column(StrEnumType(FlagResolution, 12))


class Redaction(Model):
    """A moderator removed spans from a text: the original (before this redaction) is kept here,
    visible to moderators only, with who, when and why."""

    __tablename__ = "redactions"
    __table_args__ = (
        enum_check("target_type", TargetType, "target_type"),
        Index("ix_redactions_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[TargetType] = mapped_column(StrEnumType(TargetType, 20))
    target_id: Mapped[int] = mapped_column(Integer)
    #: title | description | place_description | body | revision:<id>
    field: Mapped[str] = mapped_column(String(40))
    original: Mapped[str] = mapped_column(Text)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_reasons.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    moderator: Mapped[User] = relationship()
    reason: Mapped[ModerationReason | None] = relationship()


class LogAction(TitledEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    MARK_DUPLICATE = "mark_duplicate"
    REQUEST_INFO = "request_info"
    EDIT_DETAILS = "edit_details"
    CLOSE = "close"
    CONFIRM_TRANSFER = "confirm_transfer"
    DECLINE_TRANSFER = "decline_transfer"
    HIDE = "hide"
    AUTO_HIDE = "auto_hide"
    RESTORE = "restore"
    DISMISS_FLAGS = "dismiss_flags"
    REDACT = "redact"
    HIDE_ATTACHMENT = "hide_attachment"
    RESTORE_ATTACHMENT = "restore_attachment"
    BLOCK = "block"
    UNBLOCK = "unblock"

    __titles__ = {
        "accept": _l("Accepted and forwarded an observation"),
        "reject": _l("Rejected an observation"),
        "mark_duplicate": _l("Marked an observation as a duplicate"),
        "request_info": _l("Asked a filer for more information"),
        "edit_details": _l("Corrected an observation's category or place"),
        "close": _l("Closed an observation"),
        "confirm_transfer": _l("Confirmed a transfer"),
        "decline_transfer": _l("Declined a transfer"),
        "hide": _l("Hid content"),
        "auto_hide": _l("Content hidden automatically after reports, pending review"),
        "restore": _l("Restored hidden content"),
        "dismiss_flags": _l("Dismissed reports"),
        "redact": _l("Removed personal data from a text"),
        "hide_attachment": _l("Hid an attachment"),
        "restore_attachment": _l("Restored an attachment"),
        "block": _l("Blocked an account from posting"),
        "unblock": _l("Lifted a posting block"),
    }


class ModerationLogEntry(Model):
    """One moderator action. Append-only: the app never updates or deletes a row (enforced
    below for every ORM flush and bulk statement)."""

    __tablename__ = "moderation_log"
    __table_args__ = (
        enum_check("action", LogAction, "action"),
        enum_check("target_type", TargetType, "target_type"),
        Index("ix_moderation_log_month", "month", "action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: La Paz month, e.g. 2026-11, for the public monthly counts.
    month: Mapped[str] = mapped_column(String(7))
    #: Internal: who acted (None for automatic actions). Never shown publicly.
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[LogAction] = mapped_column(StrEnumType(LogAction, 24))
    target_type: Mapped[TargetType] = mapped_column(StrEnumType(TargetType, 20))
    target_id: Mapped[int | None] = mapped_column(Integer)
    reason_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_reasons.id"))
    #: Internal: the moderator's note (may name people, so moderators only).
    note: Mapped[str] = mapped_column(Text, default="")
    #: How many items one bulk action covered.
    item_count: Mapped[int] = mapped_column(Integer, default=1)

    moderator: Mapped[User | None] = relationship()
    reason: Mapped[ModerationReason | None] = relationship()


class ModeratorDigest(Model):
    """A moderation digest mail already sent to a moderator (one per La Paz day)."""

    __tablename__ = "moderator_digests"
    __table_args__ = (UniqueConstraint("user_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: ISO date, e.g. 2026-11-23.
    period: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete a moderation log entry."""


@event.listens_for(Session, "before_flush")
def _log_is_append_only(session: Session, _context: object, _instances: object) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, ModerationLogEntry) and (
            obj in session.deleted or session.is_modified(obj)
        ):
            raise AppendOnlyError("the moderation log is append-only")


@event.listens_for(Session, "do_orm_execute")
def _no_bulk_changes_to_log(state: object) -> None:
    statement = getattr(state, "statement", None)
    if getattr(state, "is_update", False) or getattr(state, "is_delete", False):
        table = getattr(statement, "table", None)
        if getattr(table, "name", None) == ModerationLogEntry.__tablename__:
            raise AppendOnlyError("the moderation log is append-only")
