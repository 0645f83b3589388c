"""Queueing and delivering mail. ``queue_mail`` only adds a row to the session: the message exists
exactly when the change that caused it is committed. ``deliver_pending`` sends what is due."""

from __future__ import annotations

import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app, render_template
from sqlalchemy import select

from app.core.db import utcnow
from app.core.i18n import force_language
from app.extensions import db
from app.mail.models import OutboxMessage, OutboxStatus


def queue_mail(
    *,
    kind: str,
    recipient: str,
    language: str,
    subject: object,
    template: str,
    **context: object,
) -> OutboxMessage:
    """Render ``templates/mail/<template>.txt`` and the (lazily translated) subject in ``language``
    and add the message to the outbox. The caller's transaction commits it. Flushes, never commits.
    """
    with force_language(language) as lang:
        body = render_template(f"mail/{template}.txt", **context)
        rendered_subject = str(subject)
    message = OutboxMessage(
        kind=kind,
        recipient=recipient,
        subject=rendered_subject.strip()[:255],
        body=body,
        language=lang,
    )
    db.session.add(message)
    db.session.flush()
    return message


def build_email(message: OutboxMessage) -> EmailMessage:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = make_msgid(domain="qhawaq")
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body)
    # After set_content, which clears every Content-* header.
    email["Content-Language"] = message.language
    return email


def _send_smtp(email: EmailMessage) -> None:
    config = current_app.config
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(
        config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
    ) as s:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            s.starttls()
        if config["MAIL_USERNAME"]:
            s.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        s.send_message(email)


def _write_file(email: EmailMessage, message: OutboxMessage) -> None:
    folder = Path(current_app.config["MAIL_FILE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    stamp = message.created_at.strftime("%Y%m%dT%H%M%S")
    (folder / f"{stamp}-{message.id:06d}-{message.kind}.eml").write_bytes(bytes(email))


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: base, 2 x base, 4 x base… capped at six hours."""
    base = current_app.config["MAIL_RETRY_BASE_SECONDS"]
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 60 * 60))


def deliver_pending(now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    """Send the due pending messages, committing after each so a crash never sends one twice
    nor loses one. Returns counts of sent / retried / failed."""
    now = now or utcnow()
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    backend = current_app.config["MAIL_BACKEND"]
    counts = {"sent": 0, "retry": 0, "failed": 0}
    due = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ).all()
    for message_id in due:
        message = db.session.get(OutboxMessage, message_id)
        if message is None or message.status != OutboxStatus.PENDING:
            continue
        message.attempts += 1
        try:
            email = build_email(message)
            if backend == "file":
                _write_file(email, message)
            else:
                _send_smtp(email)
        except (TimeoutError, smtplib.SMTPException, OSError) as error:
            message.last_error = f"{type(error).__name__}: {_error_text(error)}"[:1000]
            if message.attempts >= max_attempts:
                message.status = OutboxStatus.FAILED
                counts["failed"] += 1
            else:
                message.next_attempt_at = now + retry_delay(message.attempts)
                counts["retry"] += 1
            current_app.logger.warning(
                "mail delivery failed",
                extra={"data": {"outbox_id": message.id, "attempts": message.attempts}},
            )
        else:
            message.status = OutboxStatus.SENT
            message.sent_at = utcnow()
            message.last_error = ""
            counts["sent"] += 1
        db.session.commit()
    return counts


def _error_text(error: BaseException) -> str:
    # SMTP errors echo the recipient address back; keep only the code and the server's words
    # without anything that looks like an address.
    import re

    return re.sub(r"[^\s<>@]+@[^\s<>@]+", "[address]", str(error))
