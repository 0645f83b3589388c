"""Mail through the outbox, delivered to a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPProtocol
from sqlalchemy import select

from app.core.db import utcnow
from app.extensions import db
from app.mail.models import OutboxMessage, OutboxStatus
from app.mail.services import deliver_pending, queue_mail
from tests.conftest import free_port
from tests.smtp import point_app_at, serving


class Inbox:
    """An aiosmtpd handler that keeps what it receives, or refuses with 451 while ``failing``."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.failing = False

    async def handle_DATA(self, server: SMTPProtocol, session, envelope) -> str:
        if self.failing:
            return "451 4.3.0 Mailbox temporarily unavailable"
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


@pytest.fixture
def smtp(app, monkeypatch):
    inbox = Inbox()
    with serving(inbox) as port:
        point_app_at(app, monkeypatch, port, timeout=5)
        yield inbox


def queue_one(app, lang="es"):
    with app.test_request_context():
        queue_mail(
            kind="password_changed",
            recipient="ana@example.org",
            language=lang,
            subject=__import__("flask_babel").lazy_gettext("Your password was changed"),
            template="password_changed",
            user=type("U", (), {"display_name": "Ana"})(),
            reset_url="http://x/reset",
            site="Qhawaq",
        )
        db.session.commit()


def status(app):
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage))
        db.session.expunge(message)
        return message


def test_queue_is_part_of_the_transaction(app):
    with app.test_request_context():
        queue_mail(
            kind="test",
            recipient="a@example.org",
            language="es",
            subject="x",
            template="password_changed",
            user=type("U", (), {"display_name": "A"})(),
            reset_url="u",
            site="Q",
        )
        db.session.rollback()
        assert db.session.scalar(select(OutboxMessage)) is None


def test_delivers_over_smtp_in_the_recipient_language(app, smtp):
    queue_one(app, lang="qu")
    with app.app_context():
        assert deliver_pending() == {"sent": 1, "retry": 0, "failed": 0}
    [(rcpt, raw)] = smtp.messages
    assert rcpt == ["ana@example.org"]
    email = message_from_bytes(raw)
    assert email["Content-Language"] == "qu"
    from tests.test_i18n import translated

    assert str(make_header(decode_header(email["Subject"]))) == translated(
        "qu", "Your password was changed"
    )
    assert status(app).status == OutboxStatus.SENT
    # Sent once only: a second run finds nothing to do.
    with app.app_context():
        assert deliver_pending() == {"sent": 0, "retry": 0, "failed": 0}
    assert len(smtp.messages) == 1


def test_smtp_failure_loses_nothing_and_retries_with_backoff(app, smtp):
    queue_one(app)
    smtp.failing = True
    with app.app_context():
        assert deliver_pending()["retry"] == 1
    message = status(app)
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert message.last_error.startswith("SMTP")
    assert "ana@example.org" not in message.last_error
    first_delay = message.next_attempt_at - utcnow()
    assert timedelta(seconds=50) < first_delay <= timedelta(seconds=60)

    # Not due yet: nothing is tried.
    with app.app_context():
        assert deliver_pending() == {"sent": 0, "retry": 0, "failed": 0}
        # Second failure doubles the wait.
        assert deliver_pending(now=utcnow() + timedelta(minutes=2))["retry"] == 1
    message = status(app)
    assert message.attempts == 2
    assert (
        timedelta(seconds=110)
        < message.next_attempt_at - (utcnow() + timedelta(minutes=2))
        <= timedelta(seconds=120)
    )

    smtp.failing = False
    with app.app_context():
        assert deliver_pending(now=utcnow() + timedelta(hours=1))["sent"] == 1
    assert status(app).status == OutboxStatus.SENT
    assert len(smtp.messages) == 1


def test_server_down_then_up(app, monkeypatch):
    """Connection refused (no server at all) is retried like any other failure."""
    queue_one(app)
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    with app.app_context():
        assert deliver_pending()["retry"] == 1
    assert status(app).status == OutboxStatus.PENDING


def test_gives_up_after_max_attempts(app, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    queue_one(app)
    smtp.failing = True
    with app.app_context():
        deliver_pending()
        assert deliver_pending(now=utcnow() + timedelta(days=1))["failed"] == 1
    assert status(app).status == OutboxStatus.FAILED


def test_file_backend_writes_eml(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "file")
    monkeypatch.setitem(app.config, "MAIL_FILE_DIR", str(tmp_path))
    queue_one(app)
    with app.app_context():
        assert deliver_pending()["sent"] == 1
    [eml] = list(tmp_path.glob("*.eml"))
    assert (
        "http://x/reset" in message_from_bytes(eml.read_bytes()).get_payload(decode=True).decode()
    )


def test_outbox_send_cli(app, smtp):
    queue_one(app)
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert len(smtp.messages) == 1


class Flaky(Inbox):
    """Counts connections; answers ``421`` (closing the channel) to the ``drop_at``-th message,
    and ``451`` to messages for ``refuse``."""

    def __init__(self, drop_at: int = 0, refuse: str = "", delay: float = 0.0) -> None:
        super().__init__()
        self.connections = 0
        self.seen = 0
        self.drop_at = drop_at
        self.refuse = refuse
        self.delay = delay

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: SMTPProtocol, session, envelope) -> str:
        self.seen += 1
        await asyncio.sleep(self.delay)
        if self.seen == self.drop_at:
            return "421 4.3.2 Too many messages on this connection, closing"
        if self.refuse in envelope.rcpt_tos:
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def flaky(app, monkeypatch):
    def start(**kwargs: object) -> Flaky:
        inbox = Flaky(**kwargs)
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5)
        return inbox

    started: list[Controller] = []
    yield start
    for controller in started:
        controller.stop()


def queue_many(app, recipients: list[str]) -> None:
    with app.app_context():
        db.session.add_all(
            OutboxMessage(kind="test", recipient=r, subject="x", body="y", language="es")
            for r in recipients
        )
        db.session.commit()


def test_one_connection_per_batch_and_one_reconnection_when_the_server_drops_it(app, flaky):
    inbox = flaky(drop_at=3)
    recipients = [f"r{i}@example.org" for i in range(6)]
    queue_many(app, recipients)
    with app.app_context():
        assert deliver_pending() == {"sent": 6, "retry": 0, "failed": 0}
    assert inbox.connections == 2
    assert sorted(rcpt for [rcpt], _raw in inbox.messages) == recipients


def test_a_refused_message_does_not_break_the_batch(app, flaky):
    inbox = flaky(refuse="r1@example.org")
    queue_many(app, [f"r{i}@example.org" for i in range(3)])
    with app.app_context():
        assert deliver_pending() == {"sent": 2, "retry": 1, "failed": 0}
        refused = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.recipient == "r1@example.org")
        )
        assert refused.status == OutboxStatus.PENDING and refused.claimed_until is None
        assert refused.last_error.startswith("SMTPDataError: (451")
    assert inbox.connections == 1


def test_a_server_that_is_down_is_tried_once_per_batch(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    queue_many(app, ["a@example.org", "b@example.org"])
    connects = []
    original = __import__("smtplib").SMTP.connect

    def counting(self, *args, **kwargs):
        connects.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr("smtplib.SMTP.connect", counting)
    with app.app_context():
        assert deliver_pending() == {"sent": 0, "retry": 2, "failed": 0}
    assert len(connects) == 1
    assert {m.last_error.split(":")[0] for m in _all(app)} == {"ConnectionRefusedError"}


def _all(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage)))
        for row in rows:
            db.session.expunge(row)
        return rows


def test_a_batch_stops_before_its_lease_runs_out_and_gives_the_rest_back(app, flaky, monkeypatch):
    """Past the lease another worker may take the rows, so the worker stops sending in time
    (MAIL_TIMEOUT, at most half the lease, before its end) and releases what it did not try."""
    flaky(delay=0.05)
    monkeypatch.setitem(app.config, "MAIL_LEASE_SECONDS", 1)
    queue_many(app, [f"r{i:02d}@example.org" for i in range(40)])
    with app.app_context():
        sent = deliver_pending()["sent"]
    assert 0 < sent < 40
    rows = _all(app)
    rest = [m for m in rows if m.status == OutboxStatus.PENDING]
    assert len(rest) == 40 - sent
    assert all(m.claimed_until is None and m.attempts == 0 for m in rest)
