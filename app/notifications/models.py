"""In-app notifications (with an unread count); their mail leaves through the outbox."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import StrEnumType, UTCDateTime, enum_check, utcnow
from app.core.enums import TitledEnum
from app.extensions import Model


class Category(TitledEnum):
    """What a person may choose the mail of, one choice per category (``/account/notifications``);
    each notification kind belongs to one."""

    PROGRAM_UPDATES = "program_updates"
    REPLIES = "replies"
    MY_OBSERVATIONS = "my_observations"
    FOLLOWED_OBSERVATIONS = "followed_observations"
    INSTITUTION_WORK = "institution_work"
    MODERATION = "moderation"

    __titles__ = {
        "program_updates": _l("Updates of programs I follow"),
        "replies": _l("Replies to my comments"),
        "my_observations": _l("My observations"),
        "followed_observations": _l("Observations I follow"),
        "institution_work": _l("My institution's work"),
        "moderation": _l("Moderation"),
    }


class Delivery(TitledEnum):
    """How the mail of a category reaches a person; the in-app notification is always kept."""

    INSTANT = "instant"
    DIGEST = "digest"
    OFF = "off"

    __titles__ = {
        "instant": _l("Each one at once"),
        "digest": _l("A daily digest"),
        "off": _l("No mail"),
    }


class NotificationPreference(Model):
    """A person's choice for one category; no row: at once."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        UniqueConstraint("user_id", "category"),
        enum_check("category", Category, "category"),
        enum_check("delivery", Delivery, "delivery"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    category: Mapped[Category] = mapped_column(StrEnumType(Category, 24))
    delivery: Mapped[Delivery] = mapped_column(StrEnumType(Delivery, 8))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class NotificationDigest(Model):
    """One daily digest mail sent to one person for one La Paz day: the unique key makes the
    digest command idempotent (a second run that day, or two at once, send nothing more)."""

    __tablename__ = "notification_digests"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    day: Mapped[date] = mapped_column(Date)
    item_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(Model):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("ix_notifications_digest", "digest_pending", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: A kind registered with ``app.notifications.registry`` (milestone, progress, reply,
    #: observation, moderation, moderation_queue): it gives the sentence and the link.
    kind: Mapped[str] = mapped_column(String(40))
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    observation_id: Mapped[int | None] = mapped_column(ForeignKey("observations.id"), index=True)
    #: Values the message needs (e.g. old and new progress), never personal data.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Its mail waits for the recipient's daily digest (their choice for the kind's category);
    #: cleared when the digest is sent.
    digest_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    #: The program it is about, for its title in the reader's language. Named by its mapper, not
    #: imported: this package knows no feature package (a ``titles`` dict and an ``id`` suffice).
    program: Mapped[Any] = relationship("Program")
