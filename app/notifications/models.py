"""In-app notifications (with an unread count); their mail leaves through the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, utcnow
from app.extensions import Model


class Notification(Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

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

    #: The program it is about, for its title in the reader's language. Named by its mapper, not
    #: imported: this package knows no feature package (a ``titles`` dict and an ``id`` suffice).
    program: Mapped[Any] = relationship("Program")
