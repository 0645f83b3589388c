from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import StrEnumType, UTCDateTime, enum_check, utcnow
from app.extensions import Model


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    #: Gave up after MAIL_MAX_ATTEMPTS; kept for an operator to inspect and requeue.
    FAILED = "failed"


class OutboxMessage(Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        enum_check("status", OutboxStatus, "status"),
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What caused it (verify_email, reset_password…), for operators; never the content.
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    #: Extra headers (``List-Unsubscribe``, ``List-Unsubscribe-Post``), name → value.
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: The UI language the message was rendered in.
    language: Mapped[str] = mapped_column(String(5))
    status: Mapped[OutboxStatus] = mapped_column(
        StrEnumType(OutboxStatus), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The last delivery error (SMTP reply or exception class), without the recipient.
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: While a worker sends the message: until when the row is its own (app/mail/claims.py).
    #: Pending rows with a past lease are claimable again (the worker died); null when settled.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The worker (host:pid:random) that holds or last held the lease, kept for operators.
    claimed_by: Mapped[str | None] = mapped_column(String(80))

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"
