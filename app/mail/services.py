"""Queueing and delivering mail. ``queue_mail`` only adds a row to the session: the message exists
exactly when the change that caused it is committed. ``deliver_pending`` sends what is due, one
claimed batch at a time, so several workers can run at once (app/mail/claims.py)."""

from __future__ import annotations

import re
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app, render_template
from sqlalchemy import select

from app.core.db import utcnow
from app.core.i18n import force_language
from app.extensions import db
from app.mail.claims import claim_batch, lease_end, new_worker_id, release, settle
from app.mail.models import OutboxMessage, OutboxStatus
from app.mail.transport import DELIVERY_ERRORS, Transport, open_transport


def queue_mail(
    *,
    kind: str,
    recipient: str,
    language: str,
    subject: object,
    template: str,
    headers: dict[str, str] | None = None,
    **context: object,
) -> OutboxMessage:
    """Render ``templates/mail/<template>.txt`` and the (lazily translated) subject in ``language``
    and add the message to the outbox, with ``headers`` (List-Unsubscribe…) kept for delivery.
    The caller's transaction commits it. Flushes, never commits.
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
        headers=dict(headers or {}),
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
    for name, value in (message.headers or {}).items():
        email[name] = value
    email.set_content(message.body)
    # After set_content, which clears every Content-* header.
    email["Content-Language"] = message.language
    return email


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: base, 2 x base, 4 x base… capped at six hours."""
    base = current_app.config["MAIL_RETRY_BASE_SECONDS"]
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 60 * 60))


def deliver_pending(
    now: datetime | None = None, limit: int = 100, worker_id: str | None = None
) -> dict[str, int]:
    """Claim up to ``limit`` due messages for this worker (committed before anything is sent, so
    no other worker takes them), send them over one connection and record each outcome in a
    commit of its own. A crash loses nothing: the unsent rows come back when the lease ends.
    Returns counts of sent / retried / failed; all zero when nothing was due.

    ``now`` moves the clock (tests, and the lease check while the batch runs); ``worker_id``
    defaults to a fresh ``host:pid:random``."""
    start = now or utcnow()
    began = time.monotonic()
    worker = worker_id or new_worker_id()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    claimed = claim_batch(worker, start, limit)
    db.session.commit()
    if not claimed:
        return counts
    messages = _load(claimed)
    # Stop before a send could outlast the lease: past it, another worker may take the row. (Half
    # the lease at most, so a lease set shorter than MAIL_TIMEOUT still lets something through.)
    config = current_app.config
    margin = min(config["MAIL_TIMEOUT"], config["MAIL_LEASE_SECONDS"] / 2)
    stop_at = lease_end(start) - timedelta(seconds=margin)
    done = 0
    try:
        with closing(open_transport()) as transport:
            for message in messages:
                if start + timedelta(seconds=time.monotonic() - began) >= stop_at:
                    current_app.logger.warning(
                        "mail lease nearly over, releasing the rest of the batch",
                        extra={"data": {"worker": worker, "released": len(messages) - done}},
                    )
                    break
                done += 1
                outcome = _send(transport, message)
                if settle(message.id, worker, **_values(outcome, message, start)):
                    counts[outcome.kind] += 1
                else:
                    current_app.logger.warning(
                        "mail lease lost before the outcome was recorded",
                        extra={"data": {"outbox_id": message.id, "worker": worker}},
                    )
                db.session.commit()
    finally:
        # Whatever was not tried (lease nearly over, or an unexpected error) goes back at once.
        # The message being sent when an unexpected error struck stays leased: it does not come
        # straight back in a tight loop, only when the lease ends.
        db.session.rollback()
        if release([m.id for m in messages[done:]], worker):
            db.session.commit()
    return counts


def _load(message_ids: list[int]) -> list[OutboxMessage]:
    """The claimed rows, detached, with the read transaction ended: nothing stays open while mail
    is sent (on SQLite an open read would stop this worker from writing its outcomes)."""
    messages = list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(message_ids))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        )
    )
    for message in messages:
        db.session.expunge(message)
    db.session.commit()
    return messages


@dataclass(frozen=True)
class Outcome:
    #: sent | retry | failed, the keys of deliver_pending's counts.
    kind: str
    error: str = ""


def _send(transport: Transport, message: OutboxMessage) -> Outcome:
    try:
        transport.send(build_email(message), message)
    except DELIVERY_ERRORS as error:
        current_app.logger.warning(
            "mail delivery failed",
            extra={"data": {"outbox_id": message.id, "attempts": message.attempts}},
        )
        text = f"{type(error).__name__}: {_error_text(error)}"[:1000]
        if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            return Outcome("failed", text)
        return Outcome("retry", text)
    return Outcome("sent")


def _values(outcome: Outcome, message: OutboxMessage, now: datetime) -> dict[str, object]:
    """The columns :func:`settle` writes for an outcome (``attempts`` was counted at the claim)."""
    if outcome.kind == "sent":
        return {"status": OutboxStatus.SENT, "sent_at": utcnow(), "last_error": ""}
    if outcome.kind == "failed":
        return {"status": OutboxStatus.FAILED, "last_error": outcome.error}
    return {"next_attempt_at": now + retry_delay(message.attempts), "last_error": outcome.error}


def _error_text(error: BaseException) -> str:
    # SMTP errors echo the recipient address back; keep only the code and the server's words
    # without anything that looks like an address.
    return re.sub(r"[^\s<>@]+@[^\s<>@]+", "[address]", str(error))
