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
