"""Program list, search, program page, consultation window, progress rollup, follows."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from app.core.clock import local_today
from app.extensions import db
from app.notifications.models import Notification
from app.programs import services
from app.programs.models import Program, ProgramFollow
from tests import factories
from tests.conftest import link_from


def ids_in(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'href="/programs/(\d+)"', html)}


def make_catalogue(app):
    """Four programs in two departments, two institutions, two statuses, one closed window."""
    with app.app_context():
        chq = factories.department("BO-H", "Chuquisaca")
        cbba = factories.department("BO-C", "Cochabamba")
        sucre = factories.municipality("010101", "Sucre", chq)
        gams = factories.institution()
        gadc = factories.institution("Gobierno Autónomo Departamental de Cochabamba", "GADC")
        plan_a, plan_b = factories.plan(gams), factories.plan(gadc)
        running, done = factories.status("in_execution"), factories.status("finished", 100)
        today = local_today()
        water = factories.program(
            {"es": "Agua potable para el distrito 6", "qu": "Ukyana yaku 6 distritopaq"},
            code="A-1",
            plan=plan_a,
            department=chq,
            municipality=sucre,
            status=running,
        )
        school = factories.program(
            {"es": "Unidad educativa Juana Azurduy"},
            {"es": "Construcción de aulas técnicas"},
            code="A-2",
            plan=plan_a,
            department=chq,
            status=done,
            close_on=today - timedelta(days=1),
        )
        irrigation = factories.program(
            {"es": "Riego tecnificado", "ay": "Umañ jawira"},
            {"es": "Educación en riego"},
            code="B-1",
            plan=plan_b,
            department=cbba,
            status=running,
            open_on=today + timedelta(days=5),
        )
        health = factories.program(
            {"es": "Centro de salud de Punata"},
            code="B-2",
            plan=plan_b,
            department=cbba,
            status=running,
        )
        db.session.commit()
        return {
            "water": water.id,
            "school": school.id,
            "irrigation": irrigation.id,
            "health": health.id,
            "gams": gams.id,
            "plan_b": plan_b.id,
        }


def test_filters_and_search(app, client):
    ids = make_catalogue(app)
    get = lambda qs: ids_in(client.get("/programs?" + qs).get_data(as_text=True))  # noqa: E731
    every = {ids["water"], ids["school"], ids["irrigation"], ids["health"]}
    assert get("") == every
    assert get("department=BO-C") == {ids["irrigation"], ids["health"]}
    assert get("department=BO-H&municipality=010101") == {ids["water"]}
    assert get(f"institution={ids['gams']}") == {ids["water"], ids["school"]}
    assert get(f"plan={ids['plan_b']}") == {ids["irrigation"], ids["health"]}
    assert get("status=finished") == {ids["school"]}
    assert get("open=y") == {ids["water"], ids["health"]}
    # Search ignores accents and case, matches every language and the description (and word
    # forms: SQLite's stem prefix "educ" also finds "educativa"; PostgreSQL's stemmer keeps
    # "educacion" apart from it).
    assert ids["irrigation"] in get("q=EDUCACION") <= {ids["irrigation"], ids["school"]}
    assert get("q=educaci%C3%B3n+riego") == {ids["irrigation"]}
    assert get("q=Técnicas") == {ids["school"]}
    assert get("q=yaku") == {ids["water"]}
    assert get("q=jawira") == {ids["irrigation"]}
    assert get("q=agua+distrito") == {ids["water"]}
    assert get("q=riego+punata") == set()
    assert get("q=%25") == every  # LIKE wildcards in a query are literal characters
    assert get("q=educacion&department=BO-C") == {ids["irrigation"]}


def test_list_is_paginated_with_shareable_urls(app, client):
    with app.app_context():
        plan = factories.plan()
        for n in range(25):
            factories.program({"es": f"Programa de agua {n}"}, code=f"X-{n}", plan=plan)
        db.session.commit()
    first = client.get("/programs?q=agua").get_data(as_text=True)
    assert len(ids_in(first)) == 20
    assert 'href="/programs?q=agua&amp;page=2"' in first
    second = client.get("/programs?q=agua&page=2").get_data(as_text=True)
    assert len(ids_in(second)) == 5
    assert client.get("/programs?page=999&institution=abc").status_code == 200


def test_fallback_to_spanish_is_marked(app, client):
    ids = make_catalogue(app)
    html = client.get(f"/programs/{ids['water']}?lang=qu").get_data(as_text=True)
    assert "Ukyana yaku 6 distritopaq" in html  # the Quechua title
    from tests.test_i18n import translated

    # The description exists only in Spanish: shown, marked, and tagged lang="es".
    assert translated("qu", "Available in Spanish only.") in html
    assert '<div lang="es">Red de agua y conexiones.</div>' in html
    html = client.get(f"/programs/{ids['water']}?lang=es").get_data(as_text=True)
    assert (
        "Available in Spanish only." not in html
        and translated("es", "Available in Spanish only.") not in html
    )


def test_program_page_shows_facts_and_milestones(app, client):
    with app.app_context():
        program = factories.program(budget_bob=1234567.5, start_date=date(2024, 1, 2))
        services.add_milestone(program, date(2024, 5, 1), {"es": "Orden de proceder"}, {})
        db.session.commit()
        program_id = program.id
    html = client.get(f"/programs/{program_id}?lang=es").get_data(as_text=True)
    assert "Orden de proceder" in html and 'datetime="2024-05-01"' in html
    assert "1.234.567,50" in html
    assert client.get("/programs/999999").status_code == 404


def test_milestone_states_on_the_timeline(app, client):
    """Reached once it has a reached date; late from the day after its date; ahead until then.
    The timeline says which, in words (not only colour)."""
    from app.core.clock import local_today
    from app.programs.models import Milestone, MilestoneState

    planned = date(2026, 3, 31)
    milestone = Milestone(on_date=planned, titles={"es": "x"})
    assert milestone.state(date(2026, 3, 31)) == MilestoneState.DUE
    assert milestone.state(date(2026, 4, 1)) == MilestoneState.LATE
    milestone.done_on = date(2026, 4, 3)
    assert milestone.state(date(2026, 4, 5)) == MilestoneState.DONE
    assert Milestone(on_date=planned, done_on=date(2026, 3, 1)).state(date(2026, 1, 1)) == (
        MilestoneState.DONE
    )
    today = local_today()
    with app.app_context():
        program = factories.program()
        services.add_milestone(program, date(2020, 1, 1), {"es": "Atrasado"}, {})
        done = services.add_milestone(program, date(2020, 2, 1), {"es": "Cumplido"}, {})
        done.done_on = date(2020, 2, 3)
        services.add_milestone(program, date(today.year + 1, 1, 1), {"es": "Futuro"}, {})
        db.session.commit()
        program_id = program.id
    html = client.get(f"/programs/{program_id}?lang=en").get_data(as_text=True)
    late = '<span class="milestone-state milestone-late">Late</span> <strong><span lang="es">'
    ahead = '<span class="milestone-state milestone-due">Ahead</span> <strong><span lang="es">'
    assert late + "Atrasado" in html and ahead + "Futuro" in html
    assert 'milestone-done">Reached (reached on' in html


def test_progress_rolls_up_weighted(app):
    with app.app_context():
        parent = factories.program(code="P")
        a = factories.program(code="P.1", parent=parent, weight=3)
        b = factories.program(code="P.2", parent=parent, weight=1)
        grand = factories.program(code="P.2.1", parent=b)
        db.session.flush()
        services.set_progress(a, 40)
        assert parent.progress == 30  # (40*3 + 0*1) / 4
        services.set_progress(grand, 80)
        assert b.progress == 80
        assert parent.progress == 50  # (40*3 + 80*1) / 4
        b.weight = 5
        services.refresh_rollup(b)
        assert parent.progress == 65  # (40*3 + 80*5) / 8
        try:
            services.set_progress(parent, 10)
        except ValueError:
            pass
        else:
            raise AssertionError("a parent's progress must not be set by hand")
        db.session.rollback()


def test_status_default_progress(app):
    with app.app_context():
        program = factories.program()
        services.apply_status(program, factories.status("finished", 100), None)
        assert program.progress == 100
        services.apply_status(program, factories.status("paused", None), 70)
        assert program.progress == 70
        db.session.rollback()


def test_follow_notifies_on_milestone_and_progress_then_unfollow(
    app, client, make_user, auth, outbox
):
    user = make_user(email="sigue@example.org", language="qu")
    with app.app_context():
        program_id = factories.program().id
        db.session.commit()
    auth.login("sigue@example.org")
    assert client.post(f"/programs/{program_id}/follow").status_code == 302
    assert client.post(f"/programs/{program_id}/follow").status_code == 302  # idempotent
    with app.app_context():
        assert db.session.scalar(select(ProgramFollow.user_id)) == user.id
        program = db.session.get(Program, program_id)
        services.add_milestone(program, date(2026, 1, 10), {"es": "Inicio de obras"}, {})
        services.set_progress(program, 25)
        services.set_progress(program, 25)  # no change, no notification
        db.session.commit()
    mails = outbox()
    assert [m.kind for m in mails] == ["notify_milestone", "notify_progress"]
    assert all(m.language == "qu" for m in mails)
    assert "Inicio de obras" in mails[0].body
    html = client.get("/notifications").get_data(as_text=True)
    assert "Inicio de obras" in html and "25%" in html
    assert re.search(r'class="badge">2<', client.get("/").get_data(as_text=True))
    client.post("/notifications/read")
    assert not re.search(r'class="badge">\d', client.get("/").get_data(as_text=True))

    link = link_from(mails[0].body, "/unfollow/")
    anonymous = app.test_client()
    page = anonymous.get(link)
    assert page.status_code == 200  # GET only asks
    with app.app_context():
        assert db.session.scalar(select(ProgramFollow.id)) is not None
    assert anonymous.post(link).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(ProgramFollow.id)) is None
    assert anonymous.get(link[:-2] + "xx").status_code == 400


def test_unfollow_button(app, client, make_user, auth):
    make_user(email="u@example.org")
    with app.app_context():
        program_id = factories.program().id
        db.session.commit()
    auth.login("u@example.org")
    client.post(f"/programs/{program_id}/follow")
    assert "Stop following" in client.get(f"/programs/{program_id}").get_data(as_text=True)
    client.post(f"/programs/{program_id}/unfollow")
    assert "Follow this program" in client.get(f"/programs/{program_id}").get_data(as_text=True)


def test_follow_needs_login(app, client):
    with app.app_context():
        program_id = factories.program().id
        db.session.commit()
    response = client.post(f"/programs/{program_id}/follow")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_notifications_are_private(app, make_user):
    owner = make_user(email="owner@example.org")
    make_user(email="other@example.org")
    with app.app_context():
        program = factories.program()
        db.session.add(ProgramFollow(user_id=owner.id, program_id=program.id))
        db.session.flush()
        services.add_milestone(program, date(2026, 2, 1), {"es": "Hito privado"}, {})
        db.session.commit()
        assert db.session.scalar(select(Notification.user_id)) == owner.id
    other = app.test_client()
    other.post("/login", data={"email": "other@example.org", "password": "correct horse battery"})
    assert "Hito privado" not in other.get("/notifications").get_data(as_text=True)


def test_one_form_token_per_page_and_none_for_anonymous_visitors(
    app, client, make_user, monkeypatch
):
    """Signed in, every small form of the program page (follow, support, delete) carries the
    same token, rendered once; an anonymous page makes none, so it stays cacheable."""
    from app.comments import services as comments
    from app.comments.models import Stance
    from app.core.db import utcnow
    from tests.conftest import logged_in

    me = make_user(email="me@example.org")
    with app.app_context():
        program = factories.program()
        other = factories.user("other@example.org", email_verified_at=utcnow())
        for n in range(3):
            comments.add_comment(other, program, f"Opinión {n}", Stance.FOR)
        comments.add_comment(db.session.merge(me), program, "La mía", Stance.AGAINST)
        db.session.commit()
        program_id = program.id
    signed_in = logged_in(app, "me@example.org")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get(f"/programs/{program_id}")
    assert "csrf_token" not in page.get_data(as_text=True)
    assert page.headers["Cache-Control"].startswith("public")
    html = signed_in.get(f"/programs/{program_id}").get_data(as_text=True)
    tokens = re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    # The comment form, the follow form, three supports, one delete and the header's log out.
    assert len(tokens) == 7 and len(set(tokens)) == 1
    assert html.count("/vote") == 3 and html.count("/delete") == 1
