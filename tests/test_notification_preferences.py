"""Issue 17: institutions are told of new work; each person chooses, per category, whether its
mail comes at once, in a daily digest or not at all; every such mail carries a one-click
unsubscribe (RFC 8058) that works without a session."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role, User
from app.comments import services as comments
from app.core.db import utcnow
from app.deadlines.services import run
from app.extensions import db
from app.inbox.notify import notify_institution
from app.mail.models import OutboxMessage
from app.mail.services import build_email
from app.moderation import services as moderation
from app.moderation.alerts import send_digests as send_moderation_digests
from app.moderation.reason_models import ModerationReason
from app.notifications import preferences
from app.notifications.digest import send_digests
from app.notifications.models import (
    Category,
    Delivery,
    Notification,
    NotificationDigest,
    NotificationPreference,
)
from app.observations.actions import TransitionData
from app.observations.lifecycle import transition
from app.observations.models import ObservationFollow
from app.programs import services as programs
from app.programs.models import ProgramFollow
from tests import factories
from tests.concurrency import run_together
from tests.conftest import count, logged_in

FILER_NAME = "Zenobia Quispe-Confidencial"
FILER_EMAIL = "zenobia.filer@example.org"


def _user(email: str, *, role: Role = Role.CITIZEN, language: str = "en", institution=None) -> User:
    user = User(
        email=email,
        password_hash="x",
        display_name=email.split("@")[0],
        role=role,
        language=language,
        institution=institution,
    )
    db.session.add(user)
    db.session.flush()
    return user


@pytest.fixture
def world(app_ctx):
    """Institution A with two responders (one chose the daily digest for institution work) and
    a suspended one; institution B with one responder; a filer whose observation is
    confidential; a moderator."""
    a = factories.institution()
    b = factories.institution("Gobierno Autónomo Departamental de Potosí", "GADP")
    filer = _user(FILER_EMAIL)
    filer.display_name = FILER_NAME
    people = {
        "filer": filer,
        "instant": _user("ana.resp@example.org", role=Role.RESPONDER, institution=a),
        "digest": _user("bea.resp@example.org", role=Role.RESPONDER, language="qu", institution=a),
        "blocked": _user("ciro.resp@example.org", role=Role.RESPONDER, institution=a),
        "other": _user("dora.resp@example.org", role=Role.RESPONDER, institution=b),
    }
    people["blocked"].blocked_at = utcnow()
    preferences.set_delivery(people["digest"].id, Category.INSTITUTION_WORK, Delivery.DIGEST)
    observation = factories.observation(filer, identity="confidential", institution=a)
    db.session.commit()
    return observation, people


def _work_rows(user_id: int) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == user_id, Notification.kind == "institution_work"
            )
        )
    )


def _mails(kind: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


# --- institution work ---------------------------------------------------------------------------


def test_forwarding_tells_each_responder_once_by_their_choice_never_naming_the_filer(world):
    observation, people = world
    moderator = _user("mod@example.org", role=Role.MODERATOR)
    transition(observation, "accept", moderator)
    db.session.commit()

    # Exactly one in-app row each for A's active responders; none for B, the suspended one.
    for name in ("instant", "digest"):
        [row] = _work_rows(people[name].id)
        assert row.data == {"code": observation.code, "event": "forwarded"}
    assert _work_rows(people["other"].id) == []
    assert _work_rows(people["blocked"].id) == []
    assert _work_rows(people["filer"].id) == []

    # The one who chose "at once" has a mail now; the digest one's waits.
    [mail] = _mails("notify_institution")
    assert mail.recipient == "ana.resp@example.org"
    assert observation.code in mail.subject and f"/inbox/{observation.code}" in mail.body
    assert FILER_NAME not in mail.body and FILER_EMAIL not in mail.body
    [waiting] = _work_rows(people["digest"].id)
    assert waiting.digest_pending is True
    assert _work_rows(people["instant"].id)[0].digest_pending is False


@pytest.mark.parametrize(
    ("action", "event"),
    [("clarify", "clarified"), ("dispute", "disputed"), ("accept_answer", "answer_accepted")],
)
def test_the_filers_acts_reach_the_institution(world, action, event):
    observation, people = world
    moderator = _user("mod@example.org", role=Role.MODERATOR)
    responder = people["instant"]
    transition(observation, "accept", moderator)
    if action == "clarify":
        transition(observation, "request_clarification", responder, TransitionData(note="¿Dónde?"))
        data = TransitionData(note="En la esquina de la plaza.")
    else:
        transition(observation, "answer", responder, TransitionData(note="Respuesta completa."))
        data = TransitionData(note="No estoy de acuerdo.") if action == "dispute" else None
    before = {n: len(_work_rows(people[n].id)) for n in ("instant", "digest", "other")}
    transition(observation, action, people["filer"], data)
    db.session.commit()
    # Each of A's responders gets exactly one more, whoever acted before; B none.
    for name in ("instant", "digest"):
        rows = _work_rows(people[name].id)
        assert len(rows) == before[name] + 1
        assert rows[-1].data["event"] == event
    assert len(_work_rows(people["other"].id)) == before["other"] == 0
    for mail in _mails("notify_institution"):
        assert FILER_NAME not in mail.body and FILER_EMAIL not in mail.body


def test_a_confirmed_transfer_tells_the_new_institution_only(world):
    observation, people = world
    moderator = _user("mod@example.org", role=Role.MODERATOR)
    transition(observation, "accept", moderator)
    other = people["other"].institution
    transition(
        observation,
        "propose_transfer",
        people["instant"],
        TransitionData(note="Es del departamento.", institution=other),
    )
    before = len(_work_rows(people["instant"].id))
    transition(observation, "confirm_transfer", moderator)
    db.session.commit()
    [row] = _work_rows(people["other"].id)
    assert row.data["event"] == "transferred"
    assert len(_work_rows(people["instant"].id)) == before


# --- preferences respected per category ---------------------------------------------------------


@pytest.mark.parametrize("delivery", list(Delivery))
def test_each_category_follows_the_choice(app_ctx, delivery):
    """For every category a kind belongs to: at once → a mail now; digest → the row waits;
    off → in-app only."""
    filer = _user("filer@example.org")
    follower = _user("follower@example.org")
    responder = _user("resp@example.org", role=Role.RESPONDER, institution=factories.institution())
    observation = factories.observation(filer)
    db.session.add(ObservationFollow(user_id=follower.id, observation_id=observation.id))
    for user in (filer, follower, responder):
        for category in Category:
            preferences.set_delivery(user.id, category, delivery)
    db.session.flush()
    moderator = _user("mod@example.org", role=Role.MODERATOR)
    transition(observation, "accept", moderator)  # my observation, followed, institution work
    db.session.commit()
    rows = list(db.session.scalars(select(Notification).order_by(Notification.id)))
    kinds = {(row.user_id, row.kind) for row in rows}
    assert kinds == {
        (filer.id, "observation"),
        (follower.id, "observation"),
        (responder.id, "institution_work"),
    }
    mails = list(db.session.scalars(select(OutboxMessage)))
    if delivery == Delivery.INSTANT:
        assert sorted(m.recipient for m in mails) == sorted(
            ["filer@example.org", "follower@example.org", "resp@example.org"]
        )
        assert not any(row.digest_pending for row in rows)
    elif delivery == Delivery.DIGEST:
        assert mails == []
        assert all(row.digest_pending for row in rows)
    else:
        assert mails == []
        assert not any(row.digest_pending for row in rows)


def test_the_filer_and_a_follower_are_told_under_their_own_categories(app_ctx):
    filer = _user("filer@example.org")
    follower = _user("follower@example.org")
    observation = factories.observation(filer)
    db.session.add(ObservationFollow(user_id=follower.id, observation_id=observation.id))
    preferences.set_delivery(filer.id, Category.MY_OBSERVATIONS, Delivery.OFF)
    preferences.set_delivery(follower.id, Category.MY_OBSERVATIONS, Delivery.OFF)
    db.session.flush()
    transition(observation, "accept", _user("mod@example.org", role=Role.MODERATOR))
    db.session.commit()
    # The filer turned "my observations" off; the follower's news is "observations I follow".
    assert [m.recipient for m in db.session.scalars(select(OutboxMessage))] == [
        "follower@example.org"
    ]


def test_preferences_page_saves_shows_and_refuses_bad_input(app, make_user, make_institution):
    institution = make_institution()
    make_user(email="cit@example.org")
    make_user(email="resp@example.org", role=Role.RESPONDER, institution=institution)
    citizen = logged_in(app, "cit@example.org")
    page = citizen.get("/account/notifications").get_data(as_text=True)
    assert "Replies to my comments" in page and "My institution&#39;s work" not in page
    responder_page = logged_in(app, "resp@example.org").get("/account/notifications")
    assert "My institution&#39;s work" in responder_page.get_data(as_text=True)

    choice = {
        "program_updates": "digest",
        "replies": "off",
        "my_observations": "instant",
        "followed_observations": "digest",
        "moderation": "instant",
    }
    bad = citizen.post("/account/notifications", data={**choice, "replies": "sometimes"})
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "Not a valid choice" in html or "not a valid choice" in html.lower()
    assert 'value="digest" checked' in html or "checked" in html  # the form comes back as typed
    assert count(app, NotificationPreference) == 0

    saved = citizen.post("/account/notifications", data=choice)
    assert saved.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "cit@example.org"))
        chosen = preferences.choices(user.id)
    assert chosen[Category.PROGRAM_UPDATES] == Delivery.DIGEST
    assert chosen[Category.REPLIES] == Delivery.OFF
    # A citizen cannot set a category they are not shown (institution work stays default).
    citizen.post("/account/notifications", data={**choice, "institution_work": "off"})
    with app.app_context():
        assert preferences.choices(user.id)[Category.INSTITUTION_WORK] == Delivery.INSTANT


# --- one-click unsubscribe ----------------------------------------------------------------------


def test_every_notification_mail_carries_the_one_click_headers(app_ctx):
    filer = _user("filer@example.org")
    observation = factories.observation(filer)
    transition(observation, "accept", _user("mod@example.org", role=Role.MODERATOR))
    db.session.commit()
    [mail] = list(db.session.scalars(select(OutboxMessage)))
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = mail.headers["List-Unsubscribe"].strip("<>")
    assert "/unsubscribe/" in link and link in mail.body
    email = build_email(mail)
    assert email["List-Unsubscribe"] == f"<{link}>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = link.rsplit("/", 1)[1]
    assert preferences.read_unsubscribe_token(token) == (filer.id, [Category.MY_OBSERVATIONS])


def test_one_click_unsubscribe_works_without_a_session_and_cannot_be_forged(app, make_user):
    user = make_user(email="reader@example.org")
    with app.app_context():
        token = preferences.unsubscribe_token(user.id, [Category.REPLIES])
    visitor = logged_in(app, None)  # no session: a visitor reading English pages
    page = visitor.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and "Replies to my comments" in page.get_data(as_text=True)
    with app.app_context():  # a GET (a mail scanner opening links) changes nothing
        assert preferences.choices(user.id)[Category.REPLIES] == Delivery.INSTANT

    done = visitor.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and done.mimetype == "text/plain"
    with app.app_context():
        assert preferences.choices(user.id)[Category.REPLIES] == Delivery.OFF
        assert preferences.choices(user.id)[Category.MODERATION] == Delivery.INSTANT

    # Twice is fine (a client retrying), and a button press gets a page.
    again = visitor.post(f"/unsubscribe/{token}")
    assert again.status_code == 200 and "Done" in again.get_data(as_text=True)
    assert count(app, NotificationPreference) == 1

    # A token changed by hand, or signed with another key, is refused and writes nothing.
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert visitor.post(f"/unsubscribe/{forged}").status_code == 400
    with app.app_context():
        other = preferences._serializer().dumps([user.id, ["moderation"]]) + "x"
    assert visitor.post(f"/unsubscribe/{other}").status_code == 400
    with app.app_context():
        assert preferences.choices(user.id)[Category.MODERATION] == Delivery.INSTANT


def test_an_unsubscribe_link_of_a_deleted_account_is_refused(app, make_user):
    with app.app_context():
        token = preferences.unsubscribe_token(987654, [Category.REPLIES])
    assert app.test_client().post(f"/unsubscribe/{token}").status_code == 400
    assert count(app, NotificationPreference) == 0


# --- the daily digest ---------------------------------------------------------------------------


def test_the_digest_sends_one_mail_per_day_listing_what_waited(world):
    observation, people = world
    moderator = _user("mod@example.org", role=Role.MODERATOR)
    transition(observation, "accept", moderator)
    notify_institution(observation, "clarified", None)
    db.session.commit()
    day = date(2026, 3, 2)
    assert send_digests(day) == {"people": 1, "items": 2}
    [mail] = _mails("notification_digest")
    assert mail.recipient == "bea.resp@example.org" and mail.language == "qu"
    assert mail.body.count(f"/inbox/{observation.code}") == 2
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert FILER_NAME not in mail.body
    assert not any(n.digest_pending for n in _work_rows(people["digest"].id))

    # Idempotent: a second run that day sends nothing, even with something new waiting.
    notify_institution(observation, "disputed", None)
    db.session.commit()
    assert send_digests(day) == {"people": 0, "items": 0}
    assert len(_mails("notification_digest")) == 1
    # The next day it goes.
    assert send_digests(date(2026, 3, 3)) == {"people": 1, "items": 1}
    assert db.session.scalar(select(func.count(NotificationDigest.id))) == 2


def test_the_digest_command_runs_from_the_cli(app, world):
    observation, _people = world
    notify_institution(observation, "forwarded", None)
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["notifications", "digest", "--today", "2026-03-02"])
    assert first.exit_code == 0 and "digests 1" in first.output
    second = runner.invoke(args=["notifications", "digest", "--today", "2026-03-02"])
    assert "digests 0" in second.output


@pytest.mark.concurrency
def test_two_digest_runs_at_once_send_one_mail(app, world):
    observation, _people = world
    notify_institution(observation, "forwarded", None)
    db.session.commit()
    results = run_together(app, 4, lambda i: send_digests(date(2026, 3, 2)))
    assert sorted(r["people"] for r in results) == [0, 0, 0, 1]
    with app.app_context():
        assert count(app, OutboxMessage, OutboxMessage.kind == "notification_digest") == 1


@pytest.mark.concurrency
def test_choices_saved_at_once_leave_one_row(app, make_user):
    user = make_user(email="twice@example.org")
    modes = [Delivery.OFF, Delivery.DIGEST] * 4

    def save(i: int) -> None:
        preferences.set_delivery(user.id, Category.REPLIES, modes[i])
        db.session.commit()

    run_together(app, len(modes), save)
    assert count(app, NotificationPreference) == 1


# --- the other digests respect "no mail" --------------------------------------------------------


def test_the_moderators_digest_respects_no_mail(app_ctx):
    mod = _user("mod1@example.org", role=Role.MODERATOR)
    off = _user("mod2@example.org", role=Role.MODERATOR)
    preferences.set_delivery(off.id, Category.MODERATION, Delivery.OFF)
    factories.observation(_user("f@example.org"))
    db.session.commit()
    send_moderation_digests()
    db.session.commit()
    mails = _mails("moderation_digest")
    assert [m.recipient for m in mails] == [mod.email]
    assert mails[0].headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


# --- the deadline reminders are institution work too -------------------------------------------


def test_deadline_reminders_follow_each_responders_choice(world):
    observation, people = world
    transition(observation, "accept", _user("mod@example.org", role=Role.MODERATOR))
    preferences.set_delivery(people["instant"].id, Category.INSTITUTION_WORK, Delivery.INSTANT)
    db.session.commit()
    due = observation.due_date
    assert due is not None
    counts = run(due)
    db.session.commit()
    assert counts["due_soon"] == 1 and counts["mails"] == 2  # two responders told
    rows = list(
        db.session.scalars(select(Notification).where(Notification.kind == "deadline_due_soon"))
    )
    assert sorted(r.user_id for r in rows) == sorted([people["instant"].id, people["digest"].id])
    # At once: a mail now, with the one-click headers; digest: it waits for tomorrow's mail.
    [mail] = _mails("deadline_due_soon")
    assert mail.recipient == people["instant"].email
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert FILER_NAME not in mail.body
    waiting = [r for r in rows if r.user_id == people["digest"].id]
    assert waiting[0].digest_pending is True
    # Run again the same day: nothing more (the reminder is recorded once).
    assert run(due)["mails"] == 0


def test_the_weekly_overdue_digest_respects_no_mail(world):
    observation, people = world
    transition(observation, "accept", _user("mod@example.org", role=Role.MODERATOR))
    people["instant"].is_institution_admin = True
    people["digest"].is_institution_admin = True
    preferences.set_delivery(people["digest"].id, Category.INSTITUTION_WORK, Delivery.OFF)
    db.session.commit()
    assert observation.due_date is not None
    run(observation.due_date + timedelta(days=3))
    db.session.commit()
    assert [m.recipient for m in _mails("deadline_digest")] == [people["instant"].email]


@pytest.mark.parametrize(
    "silenced", [Category.PROGRAM_UPDATES, Category.REPLIES, Category.MODERATION]
)
def test_program_reply_and_moderation_news_each_follow_their_own_category(app_ctx, silenced):
    """One reader hears of a program's progress, a reply and a moderation act; turning off one
    category silences that mail only (its in-app row stays), the other two still arrive."""
    reader = _user("reader@example.org")
    replier = _user("replier@example.org")
    moderator = _user("mod@example.org", role=Role.MODERATOR)
    program = factories.program()
    db.session.add(ProgramFollow(user_id=reader.id, program_id=program.id))
    preferences.set_delivery(reader.id, silenced, Delivery.OFF)
    question = comments.add_comment(reader, program, "¿Cuándo empieza la obra?")
    comments.add_comment(replier, program, "En marzo, dicen.", parent=question)
    programs.set_progress(program, 45)
    offensive = comments.add_comment(reader, program, "Un comentario que se oculta.")
    reason = db.session.scalar(
        select(ModerationReason).where(ModerationReason.key == "offensive_content")
    )
    moderation.hide(offensive, moderator, reason)
    db.session.commit()

    kinds = {"progress": Category.PROGRAM_UPDATES, "reply": Category.REPLIES}
    kinds["moderation"] = Category.MODERATION
    rows = {
        n.kind: n
        for n in db.session.scalars(select(Notification).where(Notification.user_id == reader.id))
    }
    assert set(rows) == set(kinds)  # every in-app row is written whatever the choice
    mailed = {
        m.kind for m in db.session.scalars(select(OutboxMessage)) if m.recipient == reader.email
    }
    expected = {
        {"progress": "notify_progress", "reply": "notify_reply"}.get(kind, "moderation_notice")
        for kind, category in kinds.items()
        if category != silenced
    }
    assert mailed == expected
