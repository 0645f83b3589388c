"""Reports with auto-hide at the threshold (distinct reporters only), the cascade to replies,
restore, dismiss, bulk actions, the moderator's own content, alerts and digests, and the flag
queue's constant number of queries."""

from __future__ import annotations

from sqlalchemy import select

from app.comments.models import Comment
from app.extensions import db
from app.moderation import alerts
from app.moderation.models import Flag, LogAction, ModerationLogEntry
from app.notifications.models import Notification
from tests.conftest import count_queries
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


def flag_comment(app, email, comment_id, reason="offensive"):
    return login(app, email).post(
        f"/comments/{comment_id}/flag", data={"reason": reason, "details": "insulta"}
    )


def test_auto_hide_needs_three_distinct_reporters_and_takes_the_replies(app, make_user, outbox):
    s = build(app, make_user)
    parent = add_comment(app, s.ana, s.program_id, "Son todos unos ladrones")
    reply = add_comment(app, s.beto, s.program_id, "Estoy de acuerdo", parent_id=parent)
    deep = add_comment(app, s.ana, s.program_id, "Y mas", parent_id=reply)

    assert flag_comment(app, "beto@example.org", parent).status_code == 302
    # The same person reporting again counts once.
    again = login(app, "beto@example.org").post(
        f"/comments/{parent}/flag", data={"reason": "spam"}, follow_redirects=True
    )
    assert "You already reported this comment." in again.get_data(as_text=True)
    assert flag_comment(app, "carla@example.org", parent).status_code == 302
    assert comment_row(app, parent).hidden_at is None  # two distinct reporters: still visible

    assert flag_comment(app, "dario@example.org", parent).status_code == 302
    hidden = comment_row(app, parent)
    assert hidden.hidden_at is not None and hidden.hidden_by_id is None
    for child in (reply, deep):
        row = comment_row(app, child)
        assert row.hidden_at is not None and row.hidden_via_id == parent
    page = anonymous(app).get(f"/programs/{s.program_id}").get_data(as_text=True)
    assert "ladrones" not in page and "Estoy de acuerdo" not in page
    assert "Comment hidden while moderators review it." in page
    with app.app_context():
        entry = db.session.scalar(select(ModerationLogEntry))
        assert entry.action == LogAction.AUTO_HIDE and entry.moderator_id is None
        told = db.session.scalars(
            select(Notification).where(
                Notification.user_id == s.ana.id, Notification.kind == "moderation"
            )
        ).all()
        assert len(told) == 1
    mails = [m for m in outbox("moderation_notice") if m.recipient == "ana@example.org"]
    assert len(mails) == 1 and "hidden after several reports" in mails[0].body


def test_moderator_restores_with_replies_but_not_independently_hidden_ones(app, make_user, outbox):
    s = build(app, make_user)
    parent = add_comment(app, s.ana, s.program_id, "Texto discutido")
    reply = add_comment(app, s.beto, s.program_id, "Respuesta normal", parent_id=parent)
    other = add_comment(app, s.carla, s.program_id, "Spam spam", parent_id=parent)
    mod = login(app, "mod@example.org")
    # The moderator hides the spam reply on its own first.
    response = mod.post(
        f"/moderation/comment/{other}/hide",
        data={"hide-reason_id": reason_id(app, "spam"), "hide-note": "spam"},
    )
    assert response.status_code == 302
    for email in ("beto@example.org", "carla@example.org", "dario@example.org"):
        flag_comment(app, email, parent)
    assert comment_row(app, reply).hidden_at is not None

    response = mod.post(
        f"/moderation/comment/{parent}/restore",
        data={"restore-reason_id": reason_id(app, "flags_unfounded")},
    )
    assert response.status_code == 302
    assert comment_row(app, parent).hidden_at is None
    assert comment_row(app, reply).hidden_at is None
    assert comment_row(app, other).hidden_at is not None  # hidden on its own: stays hidden
    with app.app_context():
        flags = db.session.scalars(select(Flag).where(Flag.target_id == parent)).all()
        assert {f.resolution.value for f in flags} == {"restored"}
    restored = [m for m in outbox("moderation_notice") if m.recipient == "ana@example.org"]
    assert "visible again" in restored[-1].body
    assert "The reports were unfounded" in restored[-1].body


def test_hide_requires_a_reason_and_moderation_rights(app, make_user):
    s = build(app, make_user)
    comment = add_comment(app, s.ana, s.program_id, "Algo")
    citizen = login(app, "beto@example.org")
    assert (
        citizen.post(
            f"/moderation/comment/{comment}/hide", data={"hide-reason_id": reason_id(app, "spam")}
        ).status_code
        == 403
    )
    assert anonymous(app).post(f"/moderation/comment/{comment}/hide").status_code == 302
    mod = login(app, "mod@example.org")
    response = mod.post(f"/moderation/comment/{comment}/hide", data={}, follow_redirects=True)
    assert "Choose a reason." in response.get_data(as_text=True)
    assert comment_row(app, comment).hidden_at is None
    assert mod.post("/moderation/comment/99999/hide").status_code == 404
    assert mod.post(f"/moderation/user/{comment}/hide").status_code == 404


def test_moderator_cannot_act_on_own_content(app, make_user):
    s = build(app, make_user)
    own = add_comment(app, s.moderator, s.program_id, "Mi propio comentario")
    mod = login(app, "mod@example.org")
    response = mod.post(
        f"/moderation/comment/{own}/hide",
        data={"hide-reason_id": reason_id(app, "spam")},
        follow_redirects=True,
    )
    assert "You cannot moderate your own content." in response.get_data(as_text=True)
    assert comment_row(app, own).hidden_at is None
    # Nor in bulk: the item is skipped, the others are done.
    other = add_comment(app, s.ana, s.program_id, "Otro")
    for email in ("beto@example.org", "carla@example.org"):
        flag_comment(app, email, own)
        flag_comment(app, email, other)
    response = mod.post(
        "/moderation/flags",
        data={
            "item": [f"comment:{own}", f"comment:{other}"],
            "action": "hide",
            "reason_id": reason_id(app, "harassment"),
        },
        follow_redirects=True,
    )
    body = response.get_data(as_text=True)
    assert "Done for 1 item." in body and "1 item was skipped" in body
    assert comment_row(app, own).hidden_at is None
    assert comment_row(app, other).hidden_at is not None


def test_flag_queue_groups_reports_and_bulk_dismisses(app, make_user):
    s = build(app, make_user)
    first = add_comment(app, s.ana, s.program_id, "Primero")
    second = add_comment(app, s.ana, s.program_id, "Segundo")
    flag_comment(app, "beto@example.org", first, "spam")
    flag_comment(app, "carla@example.org", first, "offensive")
    flag_comment(app, "dario@example.org", second, "spam")
    mod = login(app, "mod@example.org")
    page = mod.get("/moderation/flags").get_data(as_text=True)
    assert page.index("Primero") < page.index("Segundo")  # most reported first
    assert "2 people reported it" in page and "1 person reported it" in page
    assert "Spam or advertising: 1" in page and "insulta" in page
    # Nothing selected: the form comes back with a message.
    response = mod.post("/moderation/flags", data={"action": "dismiss"})
    assert response.status_code == 400 and "Select at least one item." in response.get_data(
        as_text=True
    )
    response = mod.post(
        "/moderation/flags",
        data={"item": [f"comment:{first}", f"comment:{second}"], "action": "dismiss"},
    )
    assert response.status_code == 302
    assert "No open reports." in mod.get("/moderation/flags").get_data(as_text=True)
    with app.app_context():
        assert {f.resolution.value for f in db.session.scalars(select(Flag))} == {"dismissed"}
        entries = db.session.scalars(select(ModerationLogEntry.action)).all()
        assert entries.count(LogAction.DISMISS_FLAGS) == 2
    assert login(app, "beto@example.org").get("/moderation/flags").status_code == 403


def test_flag_queue_runs_a_constant_number_of_queries(app, make_user):
    s = build(app, make_user)
    mod = login(app, "mod@example.org")

    def add_flagged(n: int) -> None:
        for i in range(n):
            comment = add_comment(app, s.ana, s.program_id, f"Comentario {i}")
            flag_comment(app, "beto@example.org", comment)
        code = file_observation(app, s.ana, state="accepted")
        login(app, "carla@example.org").post(
            f"/observations/{code}/report", data={"reason": "spam"}
        )

    add_flagged(2)
    with count_queries(app) as few:
        assert mod.get("/moderation/flags").status_code == 200
    add_flagged(8)
    with count_queries(app) as many:
        assert mod.get("/moderation/flags").status_code == 200
    assert len(many) == len(few)


def test_observation_reports_hide_it_from_the_public(app, make_user, outbox):
    s = build(app, make_user)
    code = file_observation(app, s.ana, state="accepted", title="Obra con sobreprecio")
    for email in ("beto@example.org", "carla@example.org"):
        response = login(app, email).post(
            f"/observations/{code}/report", data={"reason": "offensive", "details": "x"}
        )
        assert response.status_code == 302
    assert anonymous(app).get(f"/observations/{code}").status_code == 200
    # The filer cannot report their own observation.
    assert login(app, "ana@example.org").get(f"/observations/{code}/report").status_code == 403
    bad = login(app, "dario@example.org").post(f"/observations/{code}/report", data={})
    assert bad.status_code == 400 and "Choose a reason." in bad.get_data(as_text=True)
    login(app, "dario@example.org").post(f"/observations/{code}/report", data={"reason": "spam"})
    assert observation_row(app, code).hidden_at is not None
    public = anonymous(app)
    assert public.get(f"/observations/{code}").status_code == 404
    assert "Obra con sobreprecio" not in public.get("/observations").get_data(as_text=True)
    filer_view = login(app, "ana@example.org").get(f"/observations/{code}")
    assert filer_view.status_code == 200
    assert "Moderators hid this observation from the public." in filer_view.get_data(as_text=True)
    assert any("hidden from the public" in m.body for m in outbox("moderation_notice"))
    # A moderator restores it: public again, the filer is told.
    mod = login(app, "mod@example.org")
    with app.app_context():
        from app.observations.models import Observation

        observation_id = db.session.scalar(select(Observation.id).where(Observation.code == code))
    assert mod.post(f"/moderation/observation/{observation_id}/restore").status_code == 302
    assert public.get(f"/observations/{code}").status_code == 200
    assert "is public again" in outbox("moderation_notice")[-1].body


def test_moderators_are_alerted_once_until_they_read_and_get_one_digest_a_day(
    app, make_user, outbox
):
    s = build(app, make_user)
    first = add_comment(app, s.ana, s.program_id, "Uno")
    second = add_comment(app, s.ana, s.program_id, "Dos")
    flag_comment(app, "beto@example.org", first)
    flag_comment(app, "beto@example.org", second)
    with app.app_context():
        alerts_for = db.session.scalars(
            select(Notification).where(
                Notification.user_id == s.moderator.id, Notification.kind == "moderation_queue"
            )
        ).all()
        assert len(alerts_for) == 1  # one unread alert at a time
    page = login(app, "mod@example.org").get("/notifications").get_data(as_text=True)
    assert "The moderation queue grew." in page and "/moderation" in page
    with app.app_context():
        assert alerts.send_digests() == 2  # the moderator and the admin
        db.session.commit()
        assert alerts.send_digests() == 0  # not twice the same day
        db.session.commit()
    digests = outbox("moderation_digest")
    assert {m.recipient for m in digests} == {"mod@example.org", "admin@example.org"}
    assert "Reported items to review: 2." in digests[0].body
    assert "/moderation/flags" in digests[0].body


def test_digest_command_sends_nothing_when_queues_are_empty(app, make_user, outbox):
    build(app, make_user)
    result = app.test_cli_runner().invoke(args=["moderation", "digest"])
    assert result.exit_code == 0, result.output
    assert "0" in result.output
    assert outbox("moderation_digest") == []


def test_hidden_comment_cannot_be_replied_to_or_voted(app, make_user):
    s = build(app, make_user)
    comment = add_comment(app, s.ana, s.program_id, "Oculto")
    mod = login(app, "mod@example.org")
    mod.post(f"/moderation/comment/{comment}/hide", data={"hide-reason_id": reason_id(app, "spam")})
    citizen = login(app, "beto@example.org")
    assert citizen.get(f"/comments/{comment}/reply").status_code == 403
    assert citizen.post(f"/comments/{comment}/vote").status_code == 403
    with app.app_context():
        assert db.session.get(Comment, comment).vote_count == 0
    # Moderators still read the hidden text in the thread.
    assert "Oculto" in mod.get(f"/programs/{s.program_id}").get_data(as_text=True)
    assert "Oculto" not in citizen.get(f"/programs/{s.program_id}").get_data(as_text=True)
