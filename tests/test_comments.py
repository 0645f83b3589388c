"""Comments: permissions, consultation window, nesting, stances, votes, edits, deletes, flags,
and a program page whose query count does not grow with its comments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role, User
from app.comments import services
from app.comments.models import Comment, CommentRevision, CommentVote, Stance
from app.core.clock import local_today
from app.extensions import db
from app.moderation.models import Flag as CommentFlag
from app.programs.models import Program
from tests import factories
from tests.conftest import count_queries
from tests.conftest import logged_in as login


@pytest.fixture
def program_id(app):
    with app.app_context():
        pid = factories.program().id
        db.session.commit()
        return pid


def post_comment(client, program_id, body="Necesitamos el cronograma de obras.", stance="for"):
    return client.post(f"/programs/{program_id}/comments", data={"body": body, "stance": stance})


def comments_of(app, program_id):
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(Comment).where(Comment.program_id == program_id).order_by(Comment.id)
            )
        )
        for row in rows:
            db.session.expunge(row)
        return rows


def program_row(app, program_id):
    with app.app_context():
        program = db.session.get(Program, program_id)
        db.session.expunge(program)
        return program


# --- who may comment ---------------------------------------------------------------------


def test_anonymous_cannot_comment(app, program_id):
    client = login(app, None)
    response = post_comment(client, program_id)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "Log in to comment" in client.get(f"/programs/{program_id}").get_data(as_text=True)
    assert comments_of(app, program_id) == []


def test_unverified_cannot_comment(app, program_id, make_user):
    make_user(email="new@example.org", verified=False)
    client = login(app, "new@example.org")
    assert post_comment(client, program_id).status_code == 403
    assert "Confirm your email address to comment." in client.get(
        f"/programs/{program_id}"
    ).get_data(as_text=True)
    assert comments_of(app, program_id) == []


def test_blocked_user_cannot_comment(app, program_id, make_user):
    from app.accounts import services as accounts

    admin = make_user(email="admin@example.org", role=Role.ADMIN)
    make_user(email="bad@example.org")
    client = login(app, "bad@example.org")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "bad@example.org"))
        accounts.block(db.session.get(User, admin.id), user, "abuse")
        db.session.commit()
    response = post_comment(client, program_id)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert comments_of(app, program_id) == []


def test_verified_user_comments_with_stance(app, program_id, make_user):
    make_user(email="ana@example.org", display_name="Ana Mamani")
    client = login(app, "ana@example.org")
    assert post_comment(client, program_id, stance="against").status_code == 302
    post_comment(client, program_id, body="Otro comentario", stance="for")
    post_comment(client, program_id, body="Y otro más", stance="for")
    [c1, _c2, _c3] = comments_of(app, program_id)
    assert (c1.stance, c1.depth, c1.root_id) == (Stance.AGAINST, 0, c1.id)
    program = program_row(app, program_id)
    assert (program.stance_for, program.stance_neutral, program.stance_against) == (2, 0, 1)
    assert program.comment_count == 3
    html = client.get(f"/programs/{program_id}").get_data(as_text=True)
    assert "In favour: <strong>2</strong>" in html and "Against: <strong>1</strong>" in html
    assert "Ana Mamani" in html


def test_errors_keep_text_and_write_nothing(app, program_id, make_user):
    make_user(email="ana@example.org")
    client = login(app, "ana@example.org")
    response = post_comment(client, program_id, body="x", stance="for")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "A comment has between 2 and 4000 characters." in html
    assert "\nx</textarea>" in html
    response = post_comment(client, program_id, body="y" * 4001)
    assert response.status_code == 400 and "y" * 4001 in response.get_data(as_text=True)
    response = post_comment(client, program_id, body="Texto válido", stance="maybe")
    assert response.status_code == 400 and "Texto válido" in response.get_data(as_text=True)
    assert comments_of(app, program_id) == []


def test_html_is_shown_as_text_and_links_are_nofollow(app, program_id, make_user):
    make_user(email="ana@example.org")
    client = login(app, "ana@example.org")
    post_comment(
        client,
        program_id,
        body="<script>alert(1)</script> <b>hola</b>\nver https://ine.gob.bo/datos",
    )
    html = client.get(f"/programs/{program_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;hola&lt;/b&gt;<br>" in html
    assert '<a href="https://ine.gob.bo/datos" rel="nofollow ugc noopener">' in html


# --- consultation window ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("open_delta", "close_delta", "allowed", "message"),
    [
        (-1, 0, True, "Comments are open until"),
        (0, 1, True, "Comments are open until"),
        (1, 5, False, "Comments open on"),
        (-10, -1, False, "The consultation closed on"),
    ],
)
def test_consultation_window(app, make_user, open_delta, close_delta, allowed, message):
    today = local_today()
    with app.app_context():
        pid = factories.program(
            open_on=today + timedelta(days=open_delta), close_on=today + timedelta(days=close_delta)
        ).id
        db.session.commit()
    make_user(email="ana@example.org")
    client = login(app, "ana@example.org")
    html = client.get(f"/programs/{pid}").get_data(as_text=True)
    assert message in html
    assert ('name="body"' in html) == allowed
    assert post_comment(client, pid).status_code == (302 if allowed else 403)
    assert len(comments_of(app, pid)) == (1 if allowed else 0)


def test_closed_window_blocks_replies_too(app, make_user):
    today = local_today()
    make_user(email="ana@example.org")
    make_user(email="beto@example.org")
    with app.app_context():
        program = factories.program()
        author = db.session.scalar(select(User).where(User.email == "ana@example.org"))
        comment = services.add_comment(author, program, "Comentario previo", Stance.FOR)
        program.comments_close_on = today - timedelta(days=1)
        db.session.commit()
        cid = comment.id
    client = login(app, "beto@example.org")
    assert client.post(f"/comments/{cid}/reply", data={"body": "respuesta"}).status_code == 403


# --- threads ------------------------------------------------------------------------------


def test_replies_nest_to_depth_three(app, program_id, make_user, outbox):
    make_user(email="ana@example.org")
    make_user(email="beto@example.org", language="ay")
    ana, beto = login(app, "ana@example.org"), login(app, "beto@example.org")
    post_comment(beto, program_id, body="Pregunta inicial")
    [top] = comments_of(app, program_id)
    assert ana.get(f"/comments/{top.id}/reply").status_code == 200
    assert ana.post(f"/comments/{top.id}/reply", data={"body": "Respuesta 1"}).status_code == 302
    level1 = comments_of(app, program_id)[-1]
    assert (
        beto.post(f"/comments/{level1.id}/reply", data={"body": "Respuesta 2"}).status_code == 302
    )
    level2 = comments_of(app, program_id)[-1]
    assert (level1.depth, level2.depth, level2.root_id, level2.stance) == (1, 2, top.id, None)
    # A third level of replies is refused.
    assert ana.post(f"/comments/{level2.id}/reply", data={"body": "Respuesta 3"}).status_code == 403
    assert len(comments_of(app, program_id)) == 3
    html = ana.get(f"/programs/{program_id}").get_data(as_text=True)
    assert html.index("Pregunta inicial") < html.index("Respuesta 1") < html.index("Respuesta 2")
    assert f'href="/comments/{level2.id}/reply"' not in html
    # Beto is told (in Aymara) that Ana replied to him, and Ana that Beto replied to her.
    kinds = [(m.kind, m.language) for m in outbox()]
    assert ("notify_reply", "ay") in kinds
    assert len([k for k in kinds if k[0] == "notify_reply"]) == 2  # beto (level 1), ana (level 2)


def test_reply_form_error_keeps_text(app, program_id, make_user):
    make_user(email="ana@example.org")
    client = login(app, "ana@example.org")
    post_comment(client, program_id)
    [top] = comments_of(app, program_id)
    response = client.post(f"/comments/{top.id}/reply", data={"body": "z"})
    assert response.status_code == 400 and "\nz</textarea>" in response.get_data(as_text=True)


def test_comment_pages_and_orders(app, program_id, make_user):
    users = [make_user(email=f"v{n}@example.org") for n in range(3)]
    with app.app_context():
        program = db.session.get(Program, program_id)
        author = db.session.get(User, users[0].id)
        made = [
            services.add_comment(author, program, f"Comentario número {n:02d}", Stance.NEUTRAL)
            for n in range(25)
        ]
        for voter in users[1:]:
            services.vote(db.session.get(User, voter.id), made[3])
        services.vote(db.session.get(User, users[1].id), made[7])
        db.session.commit()
    client = login(app, None)
    newest = client.get(f"/programs/{program_id}").get_data(as_text=True)
    assert "Comentario número 24" in newest and "Comentario número 04" not in newest
    page2 = client.get(f"/programs/{program_id}?page=2").get_data(as_text=True)
    assert "Comentario número 04" in page2 and "Comentario número 05" not in page2
    oldest = client.get(f"/programs/{program_id}?order=oldest").get_data(as_text=True)
    assert oldest.index("Comentario número 00") < oldest.index("Comentario número 01")
    voted = client.get(f"/programs/{program_id}?order=most_voted").get_data(as_text=True)
    assert (
        voted.index("Comentario número 03")
        < voted.index("Comentario número 07")
        < voted.index("Comentario número 24")
    )
    assert client.get(f"/programs/{program_id}?order=bogus&page=-4").status_code == 200


# --- votes --------------------------------------------------------------------------------


def test_one_vote_per_user(app, program_id, make_user):
    make_user(email="ana@example.org")
    make_user(email="beto@example.org")
    ana, beto = login(app, "ana@example.org"), login(app, "beto@example.org")
    post_comment(ana, program_id)
    [comment] = comments_of(app, program_id)
    assert beto.post(f"/comments/{comment.id}/vote").status_code == 302
    assert beto.post(f"/comments/{comment.id}/vote").status_code == 302
    assert comments_of(app, program_id)[0].vote_count == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(CommentVote.id))) == 1
    assert "Remove support" in beto.get(f"/programs/{program_id}").get_data(as_text=True)
    beto.post(f"/comments/{comment.id}/unvote")
    assert comments_of(app, program_id)[0].vote_count == 0
    # Authors cannot support their own comment.
    assert ana.post(f"/comments/{comment.id}/vote").status_code == 403


def test_unverified_cannot_vote(app, program_id, make_user):
    make_user(email="ana@example.org")
    make_user(email="new@example.org", verified=False)
    post_comment(login(app, "ana@example.org"), program_id)
    [comment] = comments_of(app, program_id)
    assert login(app, "new@example.org").post(f"/comments/{comment.id}/vote").status_code == 403


# --- edit and delete ------------------------------------------------------------------------


def test_author_edits_within_window_with_history(app, program_id, make_user):
    make_user(email="ana@example.org")
    make_user(email="beto@example.org")
    ana = login(app, "ana@example.org")
    post_comment(ana, program_id, body="Primera versión")
    [comment] = comments_of(app, program_id)
    assert (
        login(app, "beto@example.org")
        .post(f"/comments/{comment.id}/edit", data={"body": "hack"})
        .status_code
        == 403
    )
    assert ana.get(f"/comments/{comment.id}/edit").status_code == 200
    assert (
        ana.post(f"/comments/{comment.id}/edit", data={"body": "Segunda versión"}).status_code
        == 302
    )
    [comment] = comments_of(app, program_id)
    assert comment.body == "Segunda versión" and comment.edited_at is not None
    with app.app_context():
        assert [r.body for r in db.session.scalars(select(CommentRevision))] == ["Primera versión"]
    history = login(app, None).get(f"/comments/{comment.id}/history").get_data(as_text=True)
    assert "Primera versión" in history and "Segunda versión" in history


def test_edit_window_closes_after_15_minutes(app, program_id, make_user):
    make_user(email="ana@example.org")
    ana = login(app, "ana@example.org")
    post_comment(ana, program_id, body="Texto original")
    [comment] = comments_of(app, program_id)
    with app.app_context():
        row = db.session.get(Comment, comment.id)
        row.created_at = row.created_at - timedelta(minutes=14, seconds=50)
        db.session.commit()
    assert ana.post(f"/comments/{comment.id}/edit", data={"body": "A tiempo"}).status_code == 302
    with app.app_context():
        row = db.session.get(Comment, comment.id)
        row.created_at = row.created_at - timedelta(seconds=20)
        db.session.commit()
    response = ana.post(f"/comments/{comment.id}/edit", data={"body": "Tarde"})
    assert response.status_code == 302
    assert comments_of(app, program_id)[0].body == "A tiempo"


def test_soft_delete_keeps_thread(app, program_id, make_user):
    make_user(email="ana@example.org", display_name="Ana Secreta")
    make_user(email="beto@example.org")
    ana, beto = login(app, "ana@example.org"), login(app, "beto@example.org")
    post_comment(ana, program_id, body="Comentario a borrar", stance="against")
    [top] = comments_of(app, program_id)
    beto.post(f"/comments/{top.id}/reply", data={"body": "Respuesta que queda"})
    assert beto.post(f"/comments/{top.id}/delete").status_code == 403
    assert ana.post(f"/comments/{top.id}/delete").status_code == 302
    html = beto.get(f"/programs/{program_id}").get_data(as_text=True)
    assert "Comment deleted by its author." in html
    assert "Comentario a borrar" not in html and "Ana Secreta" not in html
    assert "Respuesta que queda" in html
    program = program_row(app, program_id)
    assert (program.comment_count, program.stance_against) == (1, 0)
    assert comments_of(app, program_id)[0].deleted_at is not None  # kept in the database
    assert beto.post(f"/comments/{top.id}/reply", data={"body": "x y"}).status_code == 403


# --- flags --------------------------------------------------------------------------------


def test_flag_once_with_reason(app, program_id, make_user):
    make_user(email="ana@example.org")
    make_user(email="beto@example.org")
    ana, beto = login(app, "ana@example.org"), login(app, "beto@example.org")
    post_comment(ana, program_id)
    [comment] = comments_of(app, program_id)
    assert ana.get(f"/comments/{comment.id}/flag").status_code == 403  # not your own
    assert login(app, None).get(f"/comments/{comment.id}/flag").status_code == 302
    assert beto.get(f"/comments/{comment.id}/flag").status_code == 200
    response = beto.post(f"/comments/{comment.id}/flag", data={"reason": "", "details": "algo"})
    assert response.status_code == 400 and "Choose a reason." in response.get_data(as_text=True)
    assert "algo</textarea>" in response.get_data(as_text=True)
    response = beto.post(
        f"/comments/{comment.id}/flag", data={"reason": "personal_data", "details": "Su CI"}
    )
    assert response.status_code == 302
    again = beto.post(
        f"/comments/{comment.id}/flag", data={"reason": "spam"}, follow_redirects=True
    )
    assert "You already reported this comment." in again.get_data(as_text=True)
    with app.app_context():
        flags = list(db.session.scalars(select(CommentFlag)))
        assert [(f.reason.value, f.details) for f in flags] == [("personal_data", "Su CI")]
    assert "Reported" in beto.get(f"/programs/{program_id}").get_data(as_text=True)


def test_unknown_comment_404(app, make_user):
    make_user(email="ana@example.org")
    client = login(app, "ana@example.org")
    for path in (
        "/comments/999/reply",
        "/comments/999/edit",
        "/comments/999/flag",
        "/comments/999/history",
    ):
        assert client.get(path).status_code == 404


# --- the page does not slow down as comments grow -------------------------------------------


def seed_comments(app, program_id, count):
    with app.app_context():
        authors = [
            factories.user(
                f"seed{program_id}-{n}@example.org", display_name=f"Seed {n}", language="es"
            )
            for n in range(20)
        ]
        program = db.session.get(Program, program_id)
        roots: list[Comment] = []
        for n in range(count):
            parent = roots[n % len(roots)] if roots and n % 3 else None
            comment = Comment(
                program_id=program_id,
                author_id=authors[n % 20].id,
                body=f"c{n}",
                parent_id=parent.id if parent else None,
                depth=1 if parent else 0,
                stance=None if parent else Stance.FOR,
            )
            db.session.add(comment)
            db.session.flush()
            comment.root_id = parent.id if parent else comment.id
            if parent is None:
                roots.append(comment)
        program.comment_count = count
        db.session.commit()


def test_program_page_query_count_is_constant(app, make_user):
    make_user(email="viewer@example.org")
    with app.app_context():
        small, big = factories.program(code="S").id, factories.program(code="B").id
        db.session.commit()
    seed_comments(app, small, 10)
    seed_comments(app, big, 1000)
    for email in (None, "viewer@example.org"):
        client = login(app, email)
        counts = []
        for pid in (small, big):
            client.get(f"/programs/{pid}")  # warm caches (session user, translations)
            with count_queries(app) as statements:
                assert client.get(f"/programs/{pid}").status_code == 200
            counts.append(len(statements))
        assert counts[0] == counts[1], (email, counts)
        assert counts[1] <= 18  # a fixed set, including the program's figures (issue 7)


# --- the text as stored HTML (issue 21) --------------------------------------------------------

HOSTILE = (
    '<script>alert("x")</script> <a href="javascript:alert(1)">clic</a> '
    'javascript:alert(2) " onmouseover="alert(3) https://example.org/?q="><img src=x>'
)


def test_hostile_text_is_stored_escaped_shown_escaped_and_rerendered_on_redaction(
    app, program_id, make_user
):
    from app.core.text import REDACTION_MARKER, user_text_html
    from app.moderation.reason_models import ModerationReason, ReasonKind
    from app.moderation.redaction import redact

    make_user(email="ana@example.org", display_name="Ana")
    mod = make_user(email="mod@example.org", role=Role.MODERATOR)
    assert post_comment(login(app, "ana@example.org"), program_id, HOSTILE).status_code == 302
    (comment,) = comments_of(app, program_id)
    for html in (comment.body_html, client_page(app, program_id)):
        assert "<script" not in html and "<img" not in html
        assert 'href="javascript:' not in html and 'onmouseover="' not in html
        assert "&#34; onmouseover=&#34;alert(3)" in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert comment.body_html == user_text_html(HOSTILE)
    assert 'href="https://example.org/?q=&#34;&gt;&lt;img"' not in comment.body_html
    assert '<a href="https://example.org/?q=" rel="nofollow ugc noopener">' in comment.body_html

    with app.app_context():
        row = db.session.get(Comment, comment.id)
        reason = db.session.scalars(
            select(ModerationReason).where(ModerationReason.kind == ReasonKind.CONTENT)
        ).first()
        redact(row, ["alert(3)"], db.session.get(User, mod.id), reason)
        db.session.commit()
    (comment,) = comments_of(app, program_id)
    assert "alert(3)" not in comment.body_html and REDACTION_MARKER in comment.body_html
    assert comment.body_html == user_text_html(comment.body)
    # The stored HTML keeps the marker; each reader sees it in their language.
    page = client_page(app, program_id)
    assert "alert(3)" not in page
    assert '<span class="redacted">[removed: personal data]</span>' in page
    spanish = client_page(app, program_id, lang="es")
    assert REDACTION_MARKER not in spanish and '<span class="redacted">' in spanish


def client_page(app, program_id, lang="en"):
    client = login(app, None)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    return client.get(f"/programs/{program_id}").get_data(as_text=True)


def test_an_edit_stores_the_new_html(app, program_id, make_user):
    make_user(email="ana@example.org")
    client = login(app, "ana@example.org")
    post_comment(client, program_id, "Primera versión")
    (comment,) = comments_of(app, program_id)
    response = client.post(
        f"/comments/{comment.id}/edit", data={"body": "Ver www.example.org\n<b>"}
    )
    assert response.status_code == 302
    (comment,) = comments_of(app, program_id)
    assert comment.body_html == (
        'Ver <a href="https://www.example.org" rel="nofollow ugc noopener">www.example.org</a>'
        "<br>\n&lt;b&gt;"
    )
    assert comment.body_html in client_page(app, program_id)


def test_rows_written_without_html_are_rendered_on_the_fly(app, program_id, make_user):
    """Bulk loaders that leave ``body_html`` out (Core inserts) still show a safe text."""
    from sqlalchemy import insert, update

    author = make_user(email="ana@example.org")
    with app.app_context():
        db.session.execute(
            insert(Comment).values(
                program_id=program_id, author_id=author.id, body="<i>crudo</i>", depth=0
            )
        )
        db.session.execute(update(Comment).values(root_id=Comment.id))
        db.session.commit()
    (comment,) = comments_of(app, program_id)
    assert comment.body_html == ""
    with app.test_request_context():
        assert str(comment.html) == "&lt;i&gt;crudo&lt;/i&gt;"
    assert "&lt;i&gt;crudo&lt;/i&gt;" in client_page(app, program_id)


def test_the_migration_renders_existing_comments_in_batches(tmp_path):
    """0019 adds ``body_html`` and fills it for the rows already there (more than one batch of
    1,000), on SQLite and (with TEST_DATABASE_URL) PostgreSQL. Rows go in with foreign keys
    off: only the comments matter here."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    from app import create_app
    from app.core.text import user_text_html
    from tests.conftest import make_config
    from tests.test_migrations import PG_URL, targets

    bodies = {n: f"texto {n} <b>\nhttps://example.org/{n}" for n in range(1, 1204)}
    bodies[7] = ""
    for url in targets(tmp_path):
        pg = url.startswith("postgresql")
        if pg:
            setup = create_engine(PG_URL)
            with setup.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
                conn.execute(text("CREATE SCHEMA migration_check"))
            setup.dispose()
        application = create_app(make_config(SQLALCHEMY_DATABASE_URI=url))
        try:
            with application.app_context():
                upgrade(revision="0018_open311_clients")
                raw = create_engine(url)  # without the app's "PRAGMA foreign_keys=ON"
                with raw.begin() as conn:
                    if pg:
                        conn.execute(text("SET session_replication_role = replica"))
                    conn.execute(
                        text(
                            "INSERT INTO comments (id, program_id, depth, author_id, body, "
                            "vote_count, created_at) VALUES (:id, 1, 0, 1, :body, 0, "
                            "CURRENT_TIMESTAMP)"
                        ),
                        [{"id": n, "body": body} for n, body in bodies.items()],
                    )
                raw.dispose()
                upgrade(revision="0019_comment_html")
                with db.engine.connect() as conn:
                    stored = dict(conn.execute(text("SELECT id, body_html FROM comments")).all())
                assert stored == {n: user_text_html(body) for n, body in bodies.items()}
                assert stored[1] == (
                    'texto 1 &lt;b&gt;<br>\n<a href="https://example.org/1" '
                    'rel="nofollow ugc noopener">https://example.org/1</a>'
                )
        finally:
            with application.app_context():
                db.engine.dispose()
            if pg:
                cleanup = create_engine(PG_URL)
                with cleanup.begin() as conn:
                    conn.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
                cleanup.dispose()


# --- the viewer's rights, once per page ----------------------------------------------------------


def test_thread_rights_answer_what_can_answers(app):
    """The page asks ThreadRights once per viewer and once per comment; every answer equals
    ``can()``'s for every kind of viewer, comment and consultation."""
    from app.accounts.permissions import can
    from app.comments.rights import ThreadRights
    from app.core.db import utcnow
    from app.programs.services import Consultation, consultation_state

    with app.app_context():
        today = local_today()
        now = utcnow()
        author = factories.user("author@example.org", email_verified_at=now)
        mod_author = factories.user("modauthor@example.org", role=Role.MODERATOR)
        viewers = [
            None,
            author,
            mod_author,
            factories.user("unverified@example.org"),
            factories.user("other@example.org", email_verified_at=now),
            factories.user("muted@example.org", email_verified_at=now, posting_blocked_at=now),
            factories.user("blocked@example.org", email_verified_at=now, blocked_at=now),
            factories.user("mod@example.org", role=Role.MODERATOR, email_verified_at=now),
            factories.user("admin@example.org", role=Role.ADMIN, email_verified_at=now),
        ]
        open_program = factories.program(code="OPEN")
        closed = factories.program(
            code="CLOSED", plan=open_program.plan, close_on=today - timedelta(days=1)
        )
        made = []
        for program in (open_program, closed):
            for writer in (author, mod_author):
                top = services.add_comment(writer, program, "raíz", Stance.FOR)
                reply = services.add_comment(writer, program, "respuesta", parent=top)
                deepest = services.add_comment(writer, program, "honda", parent=reply)
                old = services.add_comment(writer, program, "vieja", Stance.AGAINST)
                old.created_at = now - timedelta(hours=1)
                gone = services.add_comment(writer, program, "borrada", Stance.FOR)
                services.delete_comment(gone)
                hidden = services.add_comment(writer, program, "oculta", Stance.FOR)
                hidden.hidden_at = now
                made += [top, reply, deepest, old, gone, hidden]
        db.session.flush()
        checked = 0
        seen: set[tuple[str, bool]] = set()
        for program in (open_program, closed):
            is_open = consultation_state(program) == Consultation.OPEN
            for viewer in viewers:
                rights = ThreadRights.of(viewer, is_open)
                for comment in (c for c in made if c.program_id == program.id):
                    may = rights.actions(comment)
                    expected = {
                        "vote": can(viewer, "comment.vote", comment),
                        "reply": can(viewer, "comment.reply", comment),
                        "edit": can(viewer, "comment.edit", comment),
                        "delete": can(viewer, "comment.delete", comment),
                        "flag": can(viewer, "comment.flag", comment),
                        "moderate": can(viewer, "moderation.act", comment),
                    }
                    got = {name: getattr(may, name) for name in expected}
                    assert got == expected, (viewer and viewer.email, comment.body, program.code)
                    seen |= set(got.items())
                    assert rights.moderates == can(viewer, "moderation.queue")
                    checked += 1
        assert checked == 2 * len(viewers) * 12
        # Each action is both allowed and refused somewhere: the matrix tests something.
        assert {(name, value) for name in expected for value in (True, False)} == seen
        db.session.rollback()


def test_thread_rows_nest_replies_in_page_order():
    from app.comments.services import Node, ThreadPage

    def node(name: str, *children: Node) -> Node:
        return Node(Comment(body=name), children=list(children))

    page = ThreadPage([node("A", node("B", node("C")), node("D")), node("E")], 1, 1, 2, "newest")
    assert [(n.comment.body, closes) for n, closes in page.rows] == [
        ("A", 0),
        ("B", 0),
        ("C", 1),
        ("D", 1),
        ("E", 0),
    ]


def test_account_deletion_erases_the_stored_html_with_the_text(app, program_id):
    """Deleting an account blanks the text of the comments it deleted, and its HTML too
    (``app.accounts.deletion_steps.comments`` writes with a Core ``update``)."""
    from app.accounts import deletion_steps
    from app.core.db import utcnow

    with app.app_context():
        ana = factories.user("ana@example.org", email_verified_at=utcnow())
        stand_in = factories.user("placeholder@example.org")
        program = db.session.get(Program, program_id)
        kept = services.add_comment(ana, program, "Texto SECRETO-1", Stance.FOR)
        gone = services.add_comment(ana, program, "Texto SECRETO-2", Stance.FOR)
        services.delete_comment(gone)
        deletion_steps.comments(ana.id, stand_in.id, True, utcnow())
        db.session.commit()
        kept_id, gone_id = kept.id, gone.id
    rows = {c.id: c for c in comments_of(app, program_id)}
    assert rows[kept_id].body_html == "Texto SECRETO-1"
    assert (rows[gone_id].body, rows[gone_id].body_html) == ("", "")
