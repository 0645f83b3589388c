"""Posting blocks (with an end date, expiry, hiding pending content), rate limits per account and
per address that keep what was typed, the daily cap, and the honeypot on public forms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.comments.models import Comment
from app.core.clock import local_today
from app.core.db import utcnow
from app.extensions import db
from app.moderation.models import Flag, LogAction, ModerationLogEntry
from app.observations.models import Observation
from tests.conftest import PASSWORD
from tests.moderation_scene import (
    add_comment,
    anonymous,
    build,
    comment_row,
    file_observation,
    login,
    observation_row,
    reason_id,
)
from tests.test_observations_filing import citizen, form_data, open_form
from tests.test_observations_filing import world as world


def block(app, email_or_id, until="", hide=False):
    data = {"reason_id": reason_id(app, "harassment"), "until": until, "note": "insultos"}
    if hide:
        data["hide_content"] = "y"
    return login(app, "mod@example.org").post(f"/moderation/users/{email_or_id}/block", data=data)


def test_blocked_user_reads_but_cannot_post_comment_vote_or_flag(app, make_user, outbox):
    s = build(app, make_user)
    other = add_comment(app, s.beto, s.program_id, "Comentario de Beto")
    tomorrow = (local_today() + timedelta(days=3)).isoformat()
    assert block(app, s.ana.id, until=tomorrow).status_code == 302
    ana = login(app, "ana@example.org")  # still logs in
    page = ana.get(f"/programs/{s.program_id}")
    assert page.status_code == 200
    assert "Moderators blocked your account from posting until" in page.get_data(as_text=True)
    assert (
        ana.post(
            f"/programs/{s.program_id}/comments", data={"body": "Hola", "stance": "for"}
        ).status_code
        == 403
    )
    assert ana.post(f"/comments/{other}/vote").status_code == 403
    assert ana.post(f"/comments/{other}/flag", data={"reason": "spam"}).status_code == 403
    assert ana.get("/observations/new").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 1
        assert db.session.scalar(select(func.count(Flag.id))) == 0
    mail = [m for m in outbox("moderation_notice") if m.recipient == "ana@example.org"][-1]
    assert "You cannot post, comment, vote or report content until" in mail.body
    assert "Insults, threats and discrimination are not allowed" in mail.body
    with app.app_context():
        entry = db.session.scalar(select(ModerationLogEntry))
        assert entry.action == LogAction.BLOCK and entry.target_id == s.ana.id


def test_a_blocked_filer_cannot_act_on_their_observation_but_reads_it(app, make_user):
    s = build(app, make_user)
    code = file_observation(app, s.ana)
    login(app, "mod@example.org").post(
        f"/observations/{code}/act/request_info", data={"request_info-note": "¿Dónde?"}
    )
    block(app, s.ana.id)
    ana = login(app, "ana@example.org")
    page = ana.get(f"/observations/{code}")
    assert page.status_code == 200 and "Send the information" not in page.get_data(as_text=True)
    response = ana.post(
        f"/observations/{code}/act/provide_info", data={"provide_info-note": "Aquí"}
    )
    assert response.status_code == 403
    assert observation_row(app, code).info_requested_at is not None


def test_block_expires_at_its_end_date_and_can_be_lifted(app, make_user, outbox):
    s = build(app, make_user)
    past = (local_today() - timedelta(days=1)).isoformat()
    response = block(app, s.ana.id, until=past)
    assert response.status_code == 400
    assert "The end date must be in the future." in response.get_data(as_text=True)
    block(app, s.ana.id, until=(local_today() + timedelta(days=2)).isoformat())
    with app.app_context():
        user = db.session.get(User, s.ana.id)
        assert user.is_posting_blocked
        assert user.posting_blocked(utcnow() + timedelta(days=1))
        assert not user.posting_blocked(user.posting_blocked_until)
        assert not user.posting_blocked(utcnow() + timedelta(days=3))
        # Time passes: the end date is reached.
        user.posting_blocked_until = utcnow() - timedelta(minutes=1)
        db.session.commit()
    ana = login(app, "ana@example.org")
    response = ana.post(
        f"/programs/{s.program_id}/comments", data={"body": "Ya puedo", "stance": "for"}
    )
    assert response.status_code == 302
    # An indefinite block, then lifted by a moderator.
    block(app, s.ana.id)
    assert (
        login(app, "ana@example.org")
        .post(f"/programs/{s.program_id}/comments", data={"body": "No puedo", "stance": "for"})
        .status_code
        == 403
    )
    mod = login(app, "mod@example.org")
    assert mod.post(f"/moderation/users/{s.ana.id}/unblock", data={}).status_code == 302
    with app.app_context():
        assert not db.session.get(User, s.ana.id).is_posting_blocked
    assert (
        "You can post, comment, vote and report content again."
        in outbox("moderation_notice")[-1].body
    )


def test_block_can_hide_pending_content_in_one_step(app, make_user):
    s = build(app, make_user)
    first = add_comment(app, s.ana, s.program_id, "Insulto uno")
    reply = add_comment(app, s.beto, s.program_id, "Respuesta", parent_id=first)
    second = add_comment(app, s.ana, s.program_id, "Insulto dos")
    pending = file_observation(app, s.ana, title="Pendiente")
    accepted = file_observation(app, s.ana, state="accepted", title="Aceptada")
    response = block(app, s.ana.id, hide=True)
    assert response.status_code == 302
    for comment_id in (first, second, reply):
        assert comment_row(app, comment_id).hidden_at is not None
    assert observation_row(app, pending).hidden_at is not None
    assert observation_row(app, accepted).hidden_at is None  # already public and answered for
    with app.app_context():
        entry = db.session.scalar(
            select(ModerationLogEntry).where(ModerationLogEntry.action == LogAction.HIDE)
        )
        assert entry.item_count == 3


def test_moderators_block_citizens_only(app, make_user):
    s = build(app, make_user)
    assert block(app, s.admin.id).status_code == 403
    assert block(app, s.moderator.id).status_code == 403
    assert (
        login(app, "beto@example.org")
        .post(f"/moderation/users/{s.ana.id}/block", data={"reason_id": reason_id(app, "spam")})
        .status_code
        == 403
    )
    assert login(app, "mod@example.org").get(f"/moderation/users/{s.ana.id}").status_code == 200
    assert login(app, "mod@example.org").get("/moderation/users/99999").status_code == 404


# --- anti-abuse --------------------------------------------------------------------------


@pytest.fixture
def limits(app):
    saved = dict(app.config)
    yield app.config
    app.config.update(saved)


def test_comment_limit_per_account_keeps_the_text(app, make_user, limits):
    s = build(app, make_user)
    limits["COMMENT_LIMIT_PER_USER"] = "2 per minute"
    ana = login(app, "ana@example.org")
    for n in range(2):
        body = {"body": f"Comentario {n}", "stance": "for"}
        assert ana.post(f"/programs/{s.program_id}/comments", data=body).status_code == 302
    response = ana.post(
        f"/programs/{s.program_id}/comments",
        data={"body": "Mi tercer comentario", "stance": "against"},
    )
    assert response.status_code == 429
    body = response.get_data(as_text=True)
    assert "You have posted a lot in a short time." in body
    assert "Mi tercer comentario</textarea>" in body
    # Another account is not limited by Ana's count.
    beto = login(app, "beto@example.org")
    assert (
        beto.post(
            f"/programs/{s.program_id}/comments", data={"body": "Hola", "stance": "for"}
        ).status_code
        == 302
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 3


def test_comment_limit_per_address_covers_several_accounts(app, make_user, limits):
    s = build(app, make_user)
    limits["COMMENT_LIMIT_PER_IP"] = "2 per minute"
    for email in ("ana@example.org", "beto@example.org"):
        response = login(app, email).post(
            f"/programs/{s.program_id}/comments", data={"body": "Hola", "stance": "for"}
        )
        assert response.status_code == 302
    response = login(app, "carla@example.org").post(
        f"/programs/{s.program_id}/comments", data={"body": "Desde la misma red", "stance": "for"}
    )
    assert response.status_code == 429
    assert "Desde la misma red</textarea>" in response.get_data(as_text=True)


def test_reply_vote_and_flag_limits(app, make_user, limits):
    s = build(app, make_user)
    comments = [add_comment(app, s.ana, s.program_id, f"Texto {n}") for n in range(3)]
    limits["VOTE_LIMIT_PER_USER"] = "1 per minute"
    limits["FLAG_LIMIT_PER_USER"] = "1 per minute"
    limits["COMMENT_LIMIT_PER_USER"] = "1 per minute"
    beto = login(app, "beto@example.org")
    assert beto.post(f"/comments/{comments[0]}/vote").status_code == 302
    refused = beto.post(f"/comments/{comments[1]}/vote", follow_redirects=True)
    assert "You have posted a lot in a short time." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Comment, comments[1]).vote_count == 0
    assert beto.post(f"/comments/{comments[0]}/flag", data={"reason": "spam"}).status_code == 302
    response = beto.post(
        f"/comments/{comments[1]}/flag", data={"reason": "spam", "details": "detalle guardado"}
    )
    assert response.status_code == 429 and "detalle guardado</textarea>" in response.get_data(
        as_text=True
    )
    assert beto.post(f"/comments/{comments[2]}/reply", data={"body": "Uno"}).status_code == 302
    response = beto.post(f"/comments/{comments[2]}/reply", data={"body": "Respuesta guardada"})
    assert response.status_code == 429
    assert "Respuesta guardada</textarea>" in response.get_data(as_text=True)


def test_observation_limit_and_honeypot_keep_the_form(app, make_user, world, limits):
    limits["OBSERVATION_LIMIT_PER_USER"] = "1 per minute"
    client = citizen(app, make_user)
    token, _ = open_form(client)
    bot = client.post(
        "/observations/new", data=form_data(world, token, website="http://spam.example")
    )
    assert bot.status_code == 400 and "This form looked automated." in bot.get_data(as_text=True)
    assert client.post("/observations/new", data=form_data(world, token)).status_code == 302
    token, _ = open_form(client)
    response = client.post(
        "/observations/new", data=form_data(world, token, title="Segunda observación guardada")
    )
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "You have posted a lot in a short time." in html
    assert 'value="Segunda observación guardada"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Observation.id))) == 1


def test_honeypot_refuses_bots_and_keeps_the_text(app, make_user):
    s = build(app, make_user)
    ana = login(app, "ana@example.org")
    response = ana.post(
        f"/programs/{s.program_id}/comments",
        data={"body": "Texto de un bot", "stance": "for", "website": "http://spam.example"},
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "This form looked automated." in body and "Texto de un bot</textarea>" in body
    assert "http://spam.example" not in body  # the trap comes back empty
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 0
    # Registration too.
    response = anonymous(app).post(
        "/register",
        data={
            "display_name": "Bot",
            "email": "bot@example.org",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "language": "es",
            "website": "x",
        },
    )
    # The registration page re-renders its form (200) with the message, as for other errors.
    assert "This form looked automated." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "bot@example.org")) is None
