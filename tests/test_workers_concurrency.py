"""Workers started side by side never send anything twice: mail workers claim outbox rows with a
lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), a dead worker's rows come back once its lease
expires, and ``deadlines run`` / ``moderation digest`` started twice at the same moment queue each
reminder and digest once, raising nothing.

Real threads with their own connections, released together (``tests/concurrency.py``); the SMTP
server is a local aiosmtpd that takes about 20 ms per message, so batches really overlap."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from app.core.db import utcnow
from app.extensions import db
from app.mail.models import OutboxMessage, OutboxStatus
from app.mail.services import deliver_pending
from app.observations.models import DeadlineNotice, DigestNotice
from tests.concurrency import run_together
from tests.conftest import count
from tests.smtp import CountingInbox, point_app_at, serving
from tests.test_deadlines import MODERATORS, RESPONDERS, observation, world  # noqa: F401

pytestmark = pytest.mark.concurrency


@pytest.fixture
def slow_smtp(app, monkeypatch):
    inbox = CountingInbox(delay=0.02)
    with serving(inbox) as port:
        point_app_at(app, monkeypatch, port, timeout=10)
        yield inbox


def queue(app, n: int) -> list[str]:
    """``n`` due messages, one recipient each; returns the recipients."""
    recipients = [f"m{i:04d}@example.org" for i in range(n)]
    with app.app_context():
        db.session.add_all(
            OutboxMessage(
                kind="test",
                recipient=recipient,
                subject=f"Message {i}",
                body="Hola",
                language="es",
            )
            for i, recipient in enumerate(recipients)
        )
        db.session.commit()
    return recipients


def drain(now=None, limit: int = 10) -> int:  # type: ignore[no-untyped-def]
    """What ``flask outbox send --loop`` does between sleeps: batches until nothing is due."""
    sent = 0
    while True:
        counts = deliver_pending(now=now, limit=limit)
        if not any(counts.values()):
            return sent
        sent += counts["sent"]


def assert_all_sent_once(
    app, inbox: CountingInbox, recipients: list[str], attempts: int = 1
) -> None:
    received = Counter(inbox.recipients)
    duplicates = {r: n for r, n in received.items() if n > 1}
    assert not duplicates, f"{len(duplicates)} messages received more than once"
    assert set(received) == set(recipients)
    assert count(app, OutboxMessage, OutboxMessage.status != OutboxStatus.SENT) == 0
    with app.app_context():
        assert db.session.scalar(select(func.max(OutboxMessage.attempts))) == attempts
        assert db.session.scalar(select(func.count(OutboxMessage.claimed_until))) == 0


@pytest.mark.parametrize("workers", [2, 4])
def test_mail_workers_side_by_side_deliver_each_message_once(app, slow_smtp, workers):
    recipients = queue(app, 100)
    sent = run_together(app, workers, lambda _i: drain())
    assert sum(sent) == 100
    assert_all_sent_once(app, slow_smtp, recipients)


def test_one_smtp_connection_per_batch(app, slow_smtp):
    recipients = queue(app, 30)
    with app.app_context():
        assert deliver_pending(limit=30) == {"sent": 30, "retry": 0, "failed": 0}
    assert slow_smtp.connections == 1
    assert_all_sent_once(app, slow_smtp, recipients)


def test_a_dead_workers_messages_come_back_when_its_lease_expires(app, slow_smtp):
    from app.mail.claims import claim_batch, settle

    recipients = queue(app, 20)
    start = utcnow()
    with app.app_context():
        claimed = claim_batch("dead-host:1:abc", now=start, limit=50)
        db.session.commit()
        assert len(claimed) == 20
        # The worker dies here, before sending. While its lease holds nobody takes the rows.
        assert drain(now=start + timedelta(seconds=10)) == 0
    assert slow_smtp.recipients == []

    lease = app.config["MAIL_LEASE_SECONDS"]
    later = start + timedelta(seconds=lease + 1)
    sent = run_together(app, 2, lambda _i: drain(now=later, limit=5))
    assert sum(sent) == 20
    # The dead worker's claim counted as an attempt (a message that kills its worker every
    # time still reaches MAIL_MAX_ATTEMPTS).
    assert_all_sent_once(app, slow_smtp, recipients, attempts=2)
    # Were it to come back, it could not overwrite what the worker that took over recorded.
    with app.app_context():
        assert not settle(claimed[0], "dead-host:1:abc", status=OutboxStatus.FAILED)
        db.session.commit()
    assert count(app, OutboxMessage, OutboxMessage.status != OutboxStatus.SENT) == 0


def test_a_claim_skips_rows_another_transaction_holds(app):
    """PostgreSQL: a claim passes over locked rows instead of queueing behind them (SQLite's
    dialect drops FOR UPDATE: there one writer at a time is the whole story)."""
    from app.mail.claims import claim_batch
    from tests.concurrency import is_postgres

    if not is_postgres(app):
        pytest.skip("row locks are PostgreSQL's")
    queue(app, 20)
    with app.app_context():
        ids = db.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)).all()
        db.session.commit()
        with db.engine.connect() as other, other.begin():
            other.execute(
                select(OutboxMessage.id).where(OutboxMessage.id.in_(ids[:5])).with_for_update()
            )
            # Fail fast rather than hang if the claim were to wait for those rows.
            db.session.execute(text("SET LOCAL lock_timeout = '2s'"))
            claimed = claim_batch("w:1:a", now=utcnow(), limit=100)
            db.session.commit()
        assert sorted(claimed) == ids[5:]


# --- deadlines and moderation digests -------------------------------------------------------------


def test_deadlines_run_twice_at_once_sends_each_reminder_once(app, world, outbox):  # noqa: F811
    from app.deadlines import services

    today = date(2026, 3, 4)  # a Wednesday
    observation(world, date(2026, 3, 9))  # due soon: reminded today
    observation(world, date(2026, 3, 3))  # overdue since yesterday
    observation(world, date(2026, 2, 10))  # more than 10 working days overdue: escalated
    db.session.remove()

    def work(_i: int) -> dict[str, int]:
        counts = services.run(today)
        db.session.commit()
        return counts

    results = run_together(app, 2, work)
    totals = Counter()
    for counts in results:
        totals.update(counts)
    assert (totals["due_soon"], totals["overdue"], totals["escalated"], totals["digest"]) == (
        1,
        2,
        1,
        1,
    )
    mails = [m for m in outbox() if m.kind.startswith("deadline_")]
    sent = Counter((m.kind, m.recipient, m.subject) for m in mails)
    assert [key for key, n in sent.items() if n > 1] == []
    assert totals["mails"] == len(mails)
    assert {m.recipient for m in mails if m.kind == "deadline_escalated"} == MODERATORS
    assert {m.recipient for m in mails if m.kind == "deadline_due_soon"} == RESPONDERS
    assert count(app, DeadlineNotice) == 4
    assert count(app, DigestNotice) == 1


def test_moderation_digest_twice_at_once_sends_one_per_moderator(app, make_user, outbox):
    from app.accounts.models import Role
    from app.moderation.alerts import send_digests
    from tests import factories

    make_user(role=Role.MODERATOR, email="mod@example.org")
    make_user(role=Role.ADMIN, email="admin@example.org")
    filer = make_user(email="ana@example.org")
    with app.app_context():
        factories.observation(db.session.merge(filer))  # submitted: waits for triage
        db.session.commit()

    def work(_i: int) -> int:
        sent = send_digests()
        db.session.commit()
        return sent

    results = run_together(app, 2, work)
    digests = outbox("moderation_digest")
    assert sorted(m.recipient for m in digests) == ["admin@example.org", "mod@example.org"]
    assert sum(results) == 2
