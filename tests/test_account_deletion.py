"""Delete my account (/account/delete): asking with the password, the 14-day grace period that a
sign-in cancels, and ``flask deletions purge`` completing what is due. After it, the person's
name and address are nowhere (pages, API, exports, mail, log, any table), their own rows are gone,
the records they leave point at one shared "deleted account", and every counter and
accountability figure equals a recount."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from app.accountability import counting, tally_sums
from app.accountability.scope import Scope
from app.accounts import deletion, deletion_purge, deletion_steps, services
from app.accounts.deletion_cli import purge_due
from app.accounts.models import DataExport, ExportStatus, Role, User
from app.comments import services as comments
from app.comments.models import Comment, CommentRevision, CommentVote, Stance
from app.core.clock import local_today
from app.core.db import utcnow
from app.core.storage import storage
from app.extensions import db
from app.mail.models import OutboxMessage
from app.moderation import blocking
from app.moderation import services as moderation
from app.moderation.models import Flag, FlagReason, ModerationLogEntry, Redaction, TargetType
from app.moderation.reason_models import ModerationReason
from app.notifications.models import (
    Category,
    Delivery,
    Notification,
    NotificationPreference,
)
from app.observations.models import (
    Evidence,
    FormToken,
    IdentityLevel,
    Observation,
    ObservationFollow,
    ObservationState,
)
from app.programs.models import Program, ProgramFollow
from tests import factories
from tests.concurrency import run_together
from tests.conftest import PASSWORD, count, fetch
from tests.conftest import logged_in as login
from tests.test_accountability_tallies import _plain, assert_tallies_exact

ANA_NAME = "Anastasia Borrada-Secreta"
ANA_EMAIL = "ana.borrada.secreta@example.org"
ANA_MARKERS = (ANA_NAME, "Borrada-Secreta", ANA_EMAIL, ANA_EMAIL.split("@")[0])


def later():
    """A moment after the grace period of a deletion asked for now."""
    return utcnow() + deletion.GRACE + timedelta(minutes=1)


def ask(client, password=PASSWORD, keep=False):
    data = {"password": password}
    if keep:
        data["keep_comments_public"] = "y"
    return client.post("/account/delete", data=data)


def user_by_email(app, email):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def purge(app, now=None):
    with app.app_context():
        return purge_due(now or later())


def markers_in(text_: str, markers=ANA_MARKERS) -> set[str]:
    return {m for m in markers if m.lower() in text_.lower()}


def rows_naming(app, markers=ANA_MARKERS) -> dict[str, list]:
    """Every row of every table that holds one of ``markers`` in any column."""
    found: dict[str, list] = {}
    with app.app_context(), db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                if markers_in(repr(tuple(row)), markers):
                    found.setdefault(table.name, []).append(tuple(row))
    return found


# --- asking -------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(app):
    client = login(app, None)
    for method in ("get", "post"):
        response = getattr(client, method)("/account/delete")
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_the_page_says_what_happens_and_asks_the_password(app, make_user):
    make_user(email=ANA_EMAIL)
    client = login(app, ANA_EMAIL)
    html = client.get("/account/delete").get_data(as_text=True)
    assert "14 days" in html
    assert 'name="keep_comments_public"' in html and 'type="checkbox"' in html
    assert 'name="password" required type="password" value=""' in html
    assert 'autocomplete="current-password"' in html
    assert "Deleted account" in html
    assert 'href="/account/delete"' in client.get("/account").get_data(as_text=True)


def test_a_wrong_password_changes_nothing(app, make_user, outbox):
    user = make_user(email=ANA_EMAIL)
    client = login(app, ANA_EMAIL)
    for password in ("not the password", ""):
        response = ask(client, password=password)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "The password is not right." in html or "Enter your password." in html
        assert 'class="error-summary"' in html
    after = fetch(app, User, user.id)
    assert after.deletion_requested_at is None and after.deletion_due_at is None
    assert after.session_token == user.session_token
    # Counted like a wrong password at the login form (the lockout); the empty one never
    # reached the check.
    assert after.failed_logins == 1
    assert client.get("/account").status_code == 200  # still signed in
    assert outbox("account_deletion_scheduled") == []


def test_a_locked_account_is_not_asked_the_password_again(app, make_user):
    user = make_user(email=ANA_EMAIL)
    client = login(app, ANA_EMAIL)
    with app.app_context():
        row = db.session.get(User, user.id)
        row.failed_logins, row.failed_logins_since = 10_000, utcnow()
        db.session.commit()
    response = ask(client)  # the right password
    assert response.status_code == 429
    assert "Too many wrong passwords" in response.get_data(as_text=True)
    assert fetch(app, User, user.id).deletion_requested_at is None


def test_asking_schedules_signs_out_everywhere_and_mails_the_date(app, make_user, outbox):
    user = make_user(email=ANA_EMAIL, display_name=ANA_NAME)
    here, elsewhere = login(app, ANA_EMAIL), login(app, ANA_EMAIL)
    before = utcnow()
    response = ask(here, keep=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    after = fetch(app, User, user.id)
    assert before <= after.deletion_requested_at <= utcnow()
    assert after.deletion_due_at - after.deletion_requested_at == timedelta(days=14)
    assert after.keep_comments_public is True
    assert after.session_token != user.session_token
    due_day = local_today(after.deletion_due_at)  # shown as a La Paz date
    due_text = re.escape(f"{due_day.day}, {due_day.year}")
    assert re.search(due_text, html), html
    assert "Sign in before that date and the deletion is cancelled." in html
    for client in (here, elsewhere):
        response = client.get("/account")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    [mail] = outbox("account_deletion_scheduled")
    assert mail.recipient == ANA_EMAIL
    assert re.search(due_text, mail.body)
    assert "/login" in mail.body and "Sign in before that date" in mail.body


def test_a_posting_block_does_not_stop_asking(app, make_user):
    user = make_user(email=ANA_EMAIL)
    with app.app_context():
        db.session.get(User, user.id).posting_blocked_at = utcnow()
        db.session.commit()
    assert ask(login(app, ANA_EMAIL)).status_code == 200
    assert fetch(app, User, user.id).deletion_due_at is not None


def test_the_only_administrator_cannot_leave(app, make_user):
    admin = make_user(email="admin@example.org", role=Role.ADMIN)
    client = login(app, "admin@example.org")
    html = client.get("/account/delete").get_data(as_text=True)
    assert "You are the only administrator" in html
    assert 'name="password"' not in html
    response = ask(client)
    assert "You are the only administrator" in response.get_data(as_text=True)
    assert fetch(app, User, admin.id).deletion_requested_at is None
    make_user(email="admin2@example.org", role=Role.ADMIN)
    assert ask(client).status_code == 200
    assert fetch(app, User, admin.id).deletion_requested_at is not None
    # The second one is now the last.
    second = login(app, "admin2@example.org")
    assert "You are the only administrator" in second.get("/account/delete").get_data(as_text=True)


# --- the grace period --------------------------------------------------------------------------


def test_signing_in_during_the_grace_period_cancels(app, make_user):
    user = make_user(email=ANA_EMAIL)
    ask(login(app, ANA_EMAIL))
    assert fetch(app, User, user.id).deletion_due_at is not None
    client = login(app, None)
    response = client.post(
        "/login", data={"email": ANA_EMAIL, "password": PASSWORD}, follow_redirects=True
    )
    assert "Signing in cancelled the deletion of your account" in response.get_data(as_text=True)
    after = fetch(app, User, user.id)
    assert after.deletion_requested_at is None and after.deletion_due_at is None
    assert purge(app).deleted == []
    assert fetch(app, User, user.id) is not None
    # Nothing to say on the next sign-in.
    again = login(app, None).post(
        "/login", data={"email": ANA_EMAIL, "password": PASSWORD}, follow_redirects=True
    )
    assert "Signing in cancelled" not in again.get_data(as_text=True)


def test_a_purge_before_the_due_date_does_nothing(app, make_user):
    user = make_user(email=ANA_EMAIL)
    ask(login(app, ANA_EMAIL))
    run = purge(app, utcnow() + deletion.GRACE - timedelta(minutes=1))
    assert run.deleted == [] and run.failed == 0
    assert fetch(app, User, user.id).email == ANA_EMAIL


# --- completing: a world with one of everything ------------------------------------------------


@dataclass
class World:
    ana: int
    beto: int
    program: int
    ana_top: int
    ana_reply: int
    ana_gone: int
    beto_top: int
    beto_reply: int
    confidential: int
    public: int
    draft: int
    files: dict[str, str]


def write_file(key: str) -> str:
    storage().put(key, b"not really a picture", "image/png")
    return key


def build_world(app, make_user) -> World:
    ana = make_user(email=ANA_EMAIL, display_name=ANA_NAME, language="es")
    beto = make_user(email="beto@example.org", display_name="Beto Queda")
    mod = make_user(email="mod@example.org", display_name="Mod Queda", role=Role.MODERATOR)
    with app.app_context():
        ana, beto, mod = (db.session.get(User, u.id) for u in (ana, beto, mod))
        program = factories.program()
        beto_top = comments.add_comment(beto, program, "Beto opina que sí.", Stance.FOR)
        ana_top = comments.add_comment(ana, program, "Texto de Ana en contra.", Stance.AGAINST)
        comments.edit_comment(ana_top, "Texto de Ana en contra, corregido.")
        ana_reply = comments.add_comment(ana, program, "Respuesta de Ana.", parent=beto_top)
        beto_reply = comments.add_comment(beto, program, "Beto contesta.", parent=ana_top)
        ana_gone = comments.add_comment(ana, program, "Ana lo pensó mejor.", Stance.NEUTRAL)
        comments.delete_comment(ana_gone)
        comments.vote(ana, beto_top)
        comments.vote(beto, ana_top)
        comments.flag(ana, beto_top, FlagReason.OFF_TOPIC, "Fuera de tema.")
        db.session.add(
            Redaction(
                target_type=TargetType.COMMENT,
                target_id=ana_top.id,
                field="body",
                original=f"Soy {ANA_NAME}, escríbanme a {ANA_EMAIL}",
                moderator_id=mod.id,
            )
        )
        confidential = factories.observation(ana, state="accepted", identity="confidential")
        public = factories.observation(ana, state="submitted", title="Pública de Ana")
        draft = Observation(filer=ana, state=ObservationState.DRAFT, title="Borrador de Ana")
        db.session.add(draft)
        db.session.flush()
        files = {
            "draft": write_file("aa/draft-of-ana.png"),
            "pending": write_file("bb/pending-of-ana.png"),
            "export": write_file("exports/ana-archive.zip"),
            # Stored once (by content) for a filed observation and a pending upload.
            "shared": write_file("cc/shared-photo.png"),
        }
        common = {"mime": "image/png", "size": 20, "sha256": "0" * 64, "uploader_id": ana.id}
        db.session.add_all(
            [
                Evidence(
                    observation_id=draft.id,
                    storage_key=files["draft"],
                    original_name="a.png",
                    **common,
                ),
                Evidence(
                    form_token="t" * 40,
                    storage_key=files["pending"],
                    original_name="b.png",
                    **common,
                ),
                Evidence(
                    form_token="u" * 40,
                    storage_key=files["shared"],
                    original_name="c.png",
                    **common,
                ),
                Evidence(
                    observation_id=confidential.id,
                    storage_key=files["shared"],
                    original_name="c.png",
                    **common,
                ),
                FormToken(token="f" * 40, user_id=ana.id, observation_id=draft.id),
                FormToken(token="g" * 40, user_id=ana.id),
                DataExport(user_id=ana.id, status=ExportStatus.READY, storage_key=files["export"]),
                ProgramFollow(program_id=program.id, user_id=ana.id),
                ProgramFollow(program_id=program.id, user_id=beto.id),
                ObservationFollow(observation_id=public.id, user_id=ana.id),
                Notification(user_id=ana.id, kind="reply", program_id=program.id),
                NotificationPreference(
                    user_id=ana.id, category=Category.REPLIES, delivery=Delivery.OFF
                ),
                OutboxMessage(
                    kind="test",
                    recipient=ANA_EMAIL.upper(),
                    subject="Para Ana",
                    body=f"Hola {ANA_NAME}",
                    language="es",
                ),
                OutboxMessage(
                    kind="test",
                    recipient="beto@example.org",
                    subject=f"About {ANA_NAME}",
                    body=f"{ANA_NAME} ({ANA_EMAIL}) replied to you.",
                    language="en",
                ),
            ]
        )
        db.session.commit()
        return World(
            ana=ana.id,
            beto=beto.id,
            program=program.id,
            ana_top=ana_top.id,
            ana_reply=ana_reply.id,
            ana_gone=ana_gone.id,
            beto_top=beto_top.id,
            beto_reply=beto_reply.id,
            confidential=confidential.id,
            public=public.id,
            draft=draft.id,
            files=files,
        )


def assert_counters_exact():
    """Every stored counter equals a recount from the rows it counts."""
    for program in db.session.scalars(select(Program)):
        live = select(func.count(Comment.id)).where(
            Comment.program_id == program.id, Comment.deleted_at.is_(None)
        )
        assert program.comment_count == db.session.scalar(live), program.id
        for stance in Stance:
            top = live.where(Comment.depth == 0, Comment.stance == stance)
            stored = getattr(program, f"stance_{stance.value}")
            assert stored == db.session.scalar(top), (program.id, stance)
    for comment in db.session.scalars(select(Comment)):
        votes = select(func.count(CommentVote.id)).where(CommentVote.comment_id == comment.id)
        assert comment.vote_count == db.session.scalar(votes), comment.id


def figures():
    """The accountability figures of every institution since 2020, summed from the tallies;
    they must equal the figures counted from the observations themselves."""
    today = local_today()
    scope = Scope(start=date(2020, 1, 1), end=today.replace(day=1))
    from_tallies = _plain(tally_sums.figures_from_tallies(scope, today))
    assert from_tallies == _plain(counting.figures_from_observations(scope, today))
    return from_tallies


@pytest.mark.parametrize("keep", [True, False], ids=["text kept", "text removed"])
def test_the_purge_completes_a_due_deletion(app, make_user, keep, caplog):
    world = build_world(app, make_user)
    with app.app_context():
        before = figures()
        assert before, "nothing counted: the comparison would prove nothing"
        program = db.session.get(Program, world.program)
        assert (program.comment_count, program.stance_against) == (4, 1)
    assert ask(login(app, ANA_EMAIL), keep=keep).status_code == 200
    assert rows_naming(app)  # the search can find her (in users, outbox, redactions)
    caplog.set_level(logging.DEBUG, logger=app.logger.name)
    run = purge(app)
    assert run.deleted == [world.ana] and run.failed == 0
    assert markers_in(caplog.text) == set()
    assert f"account {world.ana} deleted" in caplog.text

    # The account is gone and nothing names her any more, in any table.
    assert fetch(app, User, world.ana) is None
    assert rows_naming(app) == {}
    response = login(app, None).post("/login", data={"email": ANA_EMAIL, "password": PASSWORD})
    assert response.status_code == 200
    assert "The email or the password is not right." in response.get_data(as_text=True)
    stand_in = user_by_email(app, deletion.PLACEHOLDER_EMAIL)
    assert stand_in.is_deleted_placeholder and stand_in.display_name == ""
    assert count(app, User, User.is_deleted_placeholder.is_(True)) == 1

    # Comments: signed by the placeholder; the text kept or removed as she chose.
    top, reply, gone = (
        fetch(app, Comment, i) for i in (world.ana_top, world.ana_reply, world.ana_gone)
    )
    assert {top.author_id, reply.author_id, gone.author_id} == {stand_in.id}
    assert gone.body == "" and gone.deleted_at is not None
    assert count(app, CommentRevision) == 0
    assert count(app, Redaction, Redaction.original != "") == 0
    assert count(app, Redaction) == 1  # the moderator's act is kept
    page = login(app, None).get(f"/programs/{world.program}").get_data(as_text=True)
    assert "Beto opina que sí." in page and "Beto contesta." in page  # the threads stay
    if keep:
        assert top.body == "Texto de Ana en contra, corregido." and top.deleted_at is None
        assert reply.body == "Respuesta de Ana."
        assert "Deleted account" in page and "Texto de Ana en contra, corregido." in page
    else:
        assert top.body == reply.body == ""
        assert top.deleted_at is not None and reply.deleted_at is not None
        assert "Texto de Ana" not in page and "Respuesta de Ana." not in page
        assert page.count("Comment deleted by its author.") == 3

    # Her own rows are gone; others' are not.
    assert count(app, CommentVote, CommentVote.comment_id == world.beto_top) == 0
    assert count(app, CommentVote, CommentVote.comment_id == world.ana_top) == 1
    assert count(app, ProgramFollow) == 1  # Beto's
    for model in (ObservationFollow, Notification, NotificationPreference, FormToken, DataExport):
        assert count(app, model, model.user_id.in_([world.ana, stand_in.id])) == 0, model
    assert count(app, Notification) > 0  # others' stay
    with app.app_context():
        flag = db.session.scalar(select(Flag))
        assert flag.reporter_id == stand_in.id and flag.details == "Fuera de tema."

    # Observations: kept, filed by the placeholder, as confidential as before; the draft and
    # the pending upload are gone with their files, and so is the export archive.
    confidential, public = (
        fetch(app, Observation, world.confidential),
        fetch(app, Observation, world.public),
    )
    assert confidential.filer_id == public.filer_id == stand_in.id
    assert confidential.identity == IdentityLevel.CONFIDENTIAL
    assert confidential.state == ObservationState.ACCEPTED
    assert fetch(app, Observation, world.draft) is None
    with app.app_context():
        [kept] = db.session.scalars(select(Evidence)).all()
        assert kept.observation_id == world.confidential and kept.uploader_id == stand_in.id
        assert storage().exists(world.files["shared"])  # still used by the filed observation
        gone = [world.files[name] for name in ("draft", "pending", "export")]
        assert not any(storage().exists(key) for key in gone)

    # The outbox: nothing to her; her name and address replaced in the others.
    with app.app_context():
        mails = db.session.scalars(select(OutboxMessage)).all()
        assert mails and all(m.recipient != ANA_EMAIL for m in mails)
        [mail] = [m for m in mails if m.kind == "test"]
        assert mail.recipient == "beto@example.org"
        assert mail.subject == "About Deleted account"
        assert mail.body == "Deleted account (Deleted account) replied to you."

    # Counters and figures: exact, and the figures did not move.
    with app.app_context():
        assert_counters_exact()
        assert_tallies_exact()
        assert figures() == before
        program = db.session.get(Program, world.program)
        expected = (4, 1) if keep else (2, 0)
        assert (program.comment_count, program.stance_against) == expected
        assert db.session.get(Comment, world.beto_top).vote_count == 0
        assert db.session.get(Comment, world.ana_top).vote_count == 1


def test_the_rows_mail_and_log_leave_no_trace_of_a_text_kept(app, make_user):
    """A second run finds nothing; the command says so."""
    world = build_world(app, make_user)
    ask(login(app, ANA_EMAIL), keep=True)
    assert purge(app).deleted == [world.ana]
    snapshot = {t.name: count(app, t) for t in db.metadata.sorted_tables}
    run = purge(app)
    assert run.deleted == [] and run.failed == 0
    assert {t.name: count(app, t) for t in db.metadata.sorted_tables} == snapshot
    with app.app_context():
        assert_counters_exact()
    result = app.test_cli_runner().invoke(args=["deletions", "purge"])
    assert result.exit_code == 0, result.output
    assert "accounts deleted: 0; failed: 0" in result.output


def test_a_moderator_s_acts_stay_signed_by_the_placeholder(app, make_user):
    """Rows that record what the person did for others (a hidden comment, the moderation log,
    a resolved report, a posting block) stay and point at the placeholder, the append-only log
    included."""
    mod = make_user(email=ANA_EMAIL, display_name=ANA_NAME, role=Role.MODERATOR)
    author = make_user(email="author@example.org")
    reporter = make_user(email="reporter@example.org")
    with app.app_context():
        mod_row = db.session.get(User, mod.id)
        program = factories.program()
        comment = comments.add_comment(db.session.get(User, author.id), program, "Algo feo.")
        comments.flag(db.session.get(User, reporter.id), comment, FlagReason.OFFENSIVE)
        reason = db.session.scalars(select(ModerationReason)).first()
        moderation.hide(comment, mod_row, reason, "Ofensivo.")
        blocking.block(db.session.get(User, reporter.id), mod_row, reason)
        db.session.commit()
        comment_id = comment.id
    ask(login(app, ANA_EMAIL))
    assert purge(app).deleted == [mod.id]
    stand_in = user_by_email(app, deletion.PLACEHOLDER_EMAIL).id
    assert fetch(app, Comment, comment_id).hidden_by_id == stand_in
    with app.app_context():
        acts = db.session.scalars(select(ModerationLogEntry.moderator_id)).all()
        assert len(acts) == 2 and set(acts) == {stand_in}
        assert db.session.scalar(select(Flag.resolved_by_id)) == stand_in
        assert db.session.get(User, reporter.id).posting_blocked_by_id == stand_in
    assert rows_naming(app) == {}
    # The moderators' page about the blocked person shows the block signed "Deleted account".
    make_user(email="mod2@example.org", role=Role.MODERATOR)
    page = login(app, "mod2@example.org").get(f"/moderation/users/{reporter.id}")
    assert page.status_code == 200
    assert "Blocked an account from posting" in page.get_data(as_text=True)
    assert "— Deleted account" in page.get_data(as_text=True)


def test_names_are_replaced_as_whole_words_only():
    name = deletion_steps._whole_word("Ana Quispe")
    assert name.sub("X", "Ana Quispe, ana quispe. Ana Quispes, Juana Quispe") == (
        "X, X. Ana Quispes, Juana Quispe"
    )
    email = deletion_steps._whole_word("ana@example.org")
    assert email.sub("X", "<ana@example.org>, juana@example.org, ana@example.org.") == (
        "<X>, juana@example.org, X."
    )


# --- every foreign key is decided ----------------------------------------------------------------


def test_every_foreign_key_to_users_is_classified(app_ctx, monkeypatch):
    assert deletion_purge.unclassified() == set()
    assert ("moderation_log", "moderator_id") in deletion_purge.user_references()
    # A table added later without a decision stops the purge.
    references = dict(deletion_purge.REFERENCES)
    del references[("comments", "hidden_by_id")]
    monkeypatch.setattr(deletion_purge, "REFERENCES", references)
    assert deletion_purge.unclassified() == {("comments", "hidden_by_id")}
    with pytest.raises(RuntimeError, match="not classified"):
        deletion_purge.purge_account(1, later())


# --- the crawl -----------------------------------------------------------------------------------


def test_after_the_purge_the_crawl_finds_her_nowhere(app, make_user, caplog):
    """The privacy crawl of tests/test_observation_privacy.py, on a public observation whose
    filer (named on its page before) deletes her account: every GET route, the API, the open
    data files, as every kind of viewer; the outbox; the purge's log."""
    from tests import test_observation_privacy as privacy

    scene = privacy.build_scene(app, make_user, "public")
    filer = scene.clients["filer"]
    with app.app_context():
        citizen_comment = db.session.scalar(select(Comment))
        program = db.session.get(Program, scene.program_id)
        filer_row = privacy.in_session(privacy.FILER_EMAIL)
        comments.vote(filer_row, citizen_comment)
        comments.add_comment(filer_row, program, "La obra sigue parada.", Stance.AGAINST)
        db.session.add(ProgramFollow(program_id=program.id, user_id=filer_row.id))
        db.session.commit()
    markers = [m for m in privacy.MARKERS if "Ojo-Secreto" not in m and "Asociación" not in m]
    # Positive control: before, the public page names her.
    before = privacy.crawl(scene.clients["anonymous"], values=scene.values, extra=scene.extra)
    assert privacy.leaks(before, markers)
    assert ask(filer, keep=True).status_code == 200
    caplog.set_level(logging.DEBUG, logger=app.logger.name)
    assert len(purge(app).deleted) == 1
    assert privacy.found_markers(caplog.text, markers) == set()
    stand_in = user_by_email(app, deletion.PLACEHOLDER_EMAIL)
    scene.values["user_id"] = [*scene.values["user_id"], stand_in.id]
    for who in ("anonymous", "citizen", "responder", "other_responder", "moderator"):
        pages = privacy.crawl(scene.clients[who], values=scene.values, extra=scene.extra)
        detail = pages[privacy.detail_url(scene)]
        assert privacy.status_of(detail) == 200 and "Tanque de agua sin terminar" in detail
        assert privacy.leaks(pages, markers) == {}, who
    assert "Deleted account" in scene.clients["anonymous"].get(privacy.detail_url(scene)).get_data(
        as_text=True
    )
    with app.app_context():
        for message in db.session.scalars(select(OutboxMessage)):
            assert (
                privacy.found_markers(
                    f"{message.recipient}\n{message.subject}\n{message.body}", markers
                )
                == set()
            ), message.kind
        assert_counters_exact()
        assert_tallies_exact()
    assert rows_naming(app, markers) == {}


# --- two runs at once ----------------------------------------------------------------------------


@pytest.mark.concurrency
def test_two_purges_at_once_delete_each_account_once(app, make_user):
    """Four runs over six due accounts that supported, reported and commented on the same items:
    each account is deleted once, the placeholder exists once (none existed before), nothing
    fails, and the counters equal a recount."""
    people = [make_user(email=f"leaving{i}@example.org") for i in range(6)]
    stays = make_user(email="stays@example.org")
    with app.app_context():
        program = factories.program()
        target = comments.add_comment(db.session.get(User, stays.id), program, "Comentario.")
        for person in people:
            row = db.session.get(User, person.id)
            comments.vote(row, target)
            comments.flag(row, target, FlagReason.SPAM)
            comments.add_comment(row, program, f"Opina {person.id}.", Stance.FOR)
            row.deletion_requested_at = utcnow()
            row.deletion_due_at = utcnow()
        db.session.commit()
        program_id = program.id
    assert count(app, User, User.is_deleted_placeholder.is_(True)) == 0
    now = later()
    runs = run_together(app, 4, lambda _i: purge_due(now))
    deleted = [user_id for run in runs for user_id in run.deleted]
    assert sorted(deleted) == sorted(p.id for p in people)
    assert sum(run.failed for run in runs) == 0
    assert count(app, User, User.is_deleted_placeholder.is_(True)) == 1
    assert count(app, User) == 2  # the one who stays, the placeholder
    with app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM flags")) >= 1
        assert_counters_exact()
        program = db.session.get(Program, program_id)
        assert (program.comment_count, program.stance_for) == (1, 0)


@pytest.mark.concurrency
def test_reports_on_one_item_moved_at_once_keep_one_report_of_the_placeholder(app, make_user):
    """Accounts that only reported the same comment (nothing else makes their deletions wait
    for each other): their reports meet on the placeholder's unique (item, reporter) key, and
    the run that meets it drops its report instead of failing."""
    people = [make_user(email=f"reporter{i}@example.org") for i in range(6)]
    author = make_user(email="author@example.org")
    with app.app_context():
        program = factories.program()
        target = comments.add_comment(db.session.get(User, author.id), program, "Comentario.")
        for person in people:
            row = db.session.get(User, person.id)
            comments.flag(row, target, FlagReason.SPAM)
            row.deletion_requested_at = row.deletion_due_at = utcnow()
        db.session.commit()
        target_id = target.id
    now = later()
    runs = run_together(app, 6, lambda _i: purge_due(now))
    assert sum(run.failed for run in runs) == 0
    assert sorted(u for run in runs for u in run.deleted) == sorted(p.id for p in people)
    stand_in = user_by_email(app, deletion.PLACEHOLDER_EMAIL).id
    with app.app_context():
        reports = db.session.scalars(select(Flag).where(Flag.target_id == target_id)).all()
        assert [flag.reporter_id for flag in reports] == [stand_in]


def test_the_placeholder_is_nobody_to_mail_manage_or_register_as(app, make_user, outbox):
    """The shared "deleted account" cannot be reset, registered over, listed or managed by an
    admin, nor added to an institution's team."""
    make_user(email="admin@example.org", role=Role.ADMIN)
    with app.app_context():
        stand_in = deletion.placeholder()
        db.session.commit()
        stand_in_id, stand_in_email = stand_in.id, stand_in.email
    visitor = login(app, None)
    visitor.post("/password/forgot", data={"email": stand_in_email})
    visitor.post(
        "/register",
        data={
            "display_name": "Impostor",
            "email": stand_in_email,
            "password": PASSWORD,
            "confirm": PASSWORD,
            "language": "es",
        },
    )
    assert [m for m in outbox() if m.recipient == stand_in_email] == []
    assert count(app, User, User.email == stand_in_email) == 1
    admin = login(app, "admin@example.org")
    assert admin.get(f"/admin/users/{stand_in_id}").status_code == 404
    assert admin.post(f"/admin/users/{stand_in_id}/unblock").status_code == 404
    assert f"/admin/users/{stand_in_id}" not in admin.get("/admin/users").get_data(as_text=True)
    with app.app_context():
        assert services.find_by_email(stand_in_email) is None
