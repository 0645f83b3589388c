"""Programs admin: who may use it, the forms for plans/programs/statuses/milestones, per-language
fields, kept values on errors, rollup of parents and follower notifications."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.extensions import db
from app.notifications.models import Notification
from app.programs.models import Milestone, Plan, Program, ProgramFollow, ProgramStatus
from tests import factories
from tests.conftest import count, fetch


@pytest.fixture
def world(app):
    """Territory, two institutions, two statuses, a plan with one program and one milestone."""
    with app.app_context():
        chq = factories.department("BO-H", "Chuquisaca")
        cbba = factories.department("BO-C", "Cochabamba")
        sucre = factories.municipality("010101", "Sucre", chq)
        punata = factories.municipality("031401", "Punata", cbba)
        gams = factories.institution()
        gadc = factories.institution("Gobierno Autónomo Departamental de Cochabamba", "GADC")
        running = factories.status("in_execution", 30)
        done = factories.status("finished", 100)
        plan = factories.plan(gams)
        other_plan = factories.plan(gadc)
        program = factories.program(code="SUC-1", plan=plan, status=running)
        milestone = Milestone(
            program=program, on_date=date(2025, 3, 1), titles={"es": "Licitación"}, descriptions={}
        )
        db.session.add(milestone)
        db.session.commit()
        return {
            "chq": chq.id, "cbba": cbba.id, "sucre": sucre.id, "punata": punata.id,
            "gams": gams.id, "gadc": gadc.id, "running": running.id, "done": done.id,
            "plan": plan.id, "other_plan": other_plan.id, "program": program.id,
            "milestone": milestone.id,
        }  # fmt: skip


def login_admin(make_user, auth):
    admin = make_user(email="admin@example.org", role=Role.ADMIN)
    auth.login("admin@example.org")
    return admin


# --- who may use the admin ------------------------------------------------------------------


def page_urls(w):
    p, m = w["program"], w["milestone"]
    return [
        "/admin/",
        "/admin/plans",
        "/admin/plans/new",
        f"/admin/plans/{w['plan']}/edit",
        "/admin/programs",
        "/admin/programs?q=agua",
        "/admin/programs/new",
        f"/admin/programs/{p}/edit",
        "/admin/statuses",
        "/admin/statuses/new",
        f"/admin/statuses/{w['running']}/edit",
        f"/admin/programs/{p}/milestones",
        f"/admin/programs/{p}/milestones/{m}/edit",
    ]


def form_post_urls(w):
    """Every POST that would write, each sent with an incomplete form."""
    p, m = w["program"], w["milestone"]
    return [
        "/admin/plans/new",
        f"/admin/plans/{w['plan']}/edit",
        "/admin/programs/new",
        f"/admin/programs/{p}/edit",
        "/admin/statuses/new",
        f"/admin/statuses/{w['running']}/edit",
        f"/admin/programs/{p}/milestones",
        f"/admin/programs/{p}/milestones/{m}/edit",
    ]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, 302),
        (Role.CITIZEN, 403),
        (Role.MODERATOR, 403),
        (Role.RESPONDER, 403),
        (Role.ADMIN, 200),
    ],
)
def test_admin_pages_role_matrix(
    app, client, world, make_user, make_institution, auth, role, expected
):
    if role is not None:
        institution = make_institution() if role == Role.RESPONDER else None
        make_user(email="actor@example.org", role=role, institution=institution)
        auth.login("actor@example.org")
    for url in page_urls(world):
        response = client.get(url)
        assert response.status_code == expected, url
        if role is None:
            assert "/login" in response.headers["Location"], url
    for url in form_post_urls(world):
        # Something that would be written if the request got through (a title in Spanish).
        response = client.post(url, data={"title_es": "Intruso", "name_es": "Intruso"})
        assert response.status_code == (400 if role == Role.ADMIN else expected), url
    delete = f"/admin/programs/{world['program']}/milestones/{world['milestone']}/delete"
    assert client.get(delete).status_code == 405
    assert client.post(delete).status_code == (302 if role == Role.ADMIN else expected)
    assert count(app, Milestone) == (0 if role == Role.ADMIN else 1)
    assert count(app, Plan) == 2 and count(app, Program) == 1 and count(app, ProgramStatus) == 2
    with app.app_context():
        assert "Intruso" not in str(db.session.scalars(select(Plan.titles)).all())


def test_administration_link_only_for_admins(client, make_user, auth):
    make_user(email="citizen@example.org")
    auth.login("citizen@example.org")
    assert "Administration" not in client.get("/").get_data(as_text=True)
    auth.logout()
    login_admin(make_user, auth)
    page = client.get("/").get_data(as_text=True)
    assert 'href="/admin/">Administration</a>' in page
    home = client.get("/admin/").get_data(as_text=True)
    for link in ("/admin/plans", "/admin/programs", "/admin/statuses", "/admin/users"):
        assert f'href="{link}"' in home


# --- plans ----------------------------------------------------------------------------------


def plan_data(w, **overrides):
    data = {
        "plan_type": "PTDI",
        "period_start": "2021",
        "period_end": "2025",
        "title_es": "PTDI del Municipio de Sucre 2021-2025",
        "title_qu": "Sucre llaqtap PTDI",
        "title_ay": "",
        "title_gn": "",
        "title_en": "  ",
        "description_es": "Plan de mediano plazo.",
        "institution_id": str(w["gams"]),
        "department_id": str(w["chq"]),
        "municipality_id": str(w["sucre"]),
        "external_id": "PTDI-SUCRE",
    }
    return data | overrides


def test_plan_form_shows_languages_side_by_side(client, world, make_user, auth):
    login_admin(make_user, auth)
    page = client.get("/admin/plans/new").get_data(as_text=True)
    assert page.count('<fieldset class="translations') == 2
    for lang in ("es", "qu", "ay", "gn", "en"):
        tag = re.search(rf'<input[^>]*id="title_{lang}"[^>]*>', page).group(0)
        assert f'lang="{lang}"' in tag
        assert f'<label for="title_{lang}">' in page
        assert re.search(rf'<textarea[^>]*id="description_{lang}"[^>]*lang="{lang}"', page)
    assert 'style="' not in page and "<script" not in page


def test_create_and_edit_plan(app, client, world, make_user, auth):
    login_admin(make_user, auth)
    response = client.post("/admin/plans/new", data=plan_data(world))
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code == 200
    with app.app_context():
        plan = db.session.scalar(select(Plan).where(Plan.external_id == "PTDI-SUCRE"))
        # Only the languages that have text are stored; spaces alone are no text.
        assert plan.titles == {
            "es": "PTDI del Municipio de Sucre 2021-2025",
            "qu": "Sucre llaqtap PTDI",
        }
        assert plan.descriptions == {"es": "Plan de mediano plazo."}
        assert plan.municipality_id == world["sucre"] and plan.department_id == world["chq"]
        plan_id = plan.id
    page = client.get(f"/admin/plans/{plan_id}/edit").get_data(as_text=True)
    assert 'value="Sucre llaqtap PTDI"' in page
    response = client.post(
        f"/admin/plans/{plan_id}/edit",
        data=plan_data(world, title_qu="", title_ay="Sucre markan PTDI", plan_type="PEI"),
    )
    assert response.status_code == 302
    plan = fetch(app, Plan, plan_id)
    assert plan.titles == {"es": "PTDI del Municipio de Sucre 2021-2025", "ay": "Sucre markan PTDI"}
    assert plan.plan_type.value == "PEI"
    assert count(app, Plan) == 3


def test_plan_errors_keep_what_was_typed_and_write_nothing(app, client, world, make_user, auth):
    login_admin(make_user, auth)
    data = plan_data(
        world,
        title_es="",
        title_qu="Qhichwa simipi suti",
        period_start="2025",
        period_end="2021",
        department_id=str(world["cbba"]),  # Sucre is not in Cochabamba
        external_id="PTDI-KEEP",
    )
    response = client.post("/admin/plans/new", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Write it at least in Spanish." in page
    assert "The last year cannot be before the first year." in page
    assert "This municipality is not in the chosen department." in page
    assert 'value="Qhichwa simipi suti"' in page and 'value="PTDI-KEEP"' in page
    assert re.search(rf'<option selected value="{world["cbba"]}">', page)
    assert 'aria-invalid="true"' in page and 'class="error-summary"' in page
    assert count(app, Plan) == 2


def test_plan_external_id_must_be_unique(app, client, world, make_user, auth):
    login_admin(make_user, auth)
    assert client.post("/admin/plans/new", data=plan_data(world)).status_code == 302
    response = client.post("/admin/plans/new", data=plan_data(world))
    assert response.status_code == 400
    assert "Another record already has this external identifier." in response.get_data(as_text=True)
    assert count(app, Plan) == 3


def test_municipality_alone_fills_its_department(app, client, world, make_user, auth):
    login_admin(make_user, auth)
    data = plan_data(world, department_id="", municipality_id=str(world["punata"]))
    assert client.post("/admin/plans/new", data=data).status_code == 302
    with app.app_context():
        plan = db.session.scalar(select(Plan).where(Plan.external_id == "PTDI-SUCRE"))
        assert plan.department_id == world["cbba"]


# --- programs -------------------------------------------------------------------------------


def program_data(w, **overrides):
    data = {
        "plan_id": str(w["plan"]),
        "parent_id": "",
        "code": "SUC-9",
        "title_es": "Mercado campesino: refacción",
        "title_qu": "Qhatu allinchay",
        "description_es": "Refacción y ampliación del mercado.",
        "description_gn": "Ñemu renda",
        "institution_id": str(w["gams"]),
        "department_id": str(w["chq"]),
        "municipality_id": str(w["sucre"]),
        "budget_bob": "1500000,5",
        "start_date": "2025-01-15",
        "end_date": "2025-12-31",
        "status_id": str(w["running"]),
        "progress": "",
        "weight": "1",
        "comments_open_on": "2025-02-01",
        "comments_close_on": "2025-03-01",
        "external_id": "GAMS-9",
    }
    return data | overrides


def program_by_code(app, code):
    with app.app_context():
        program = db.session.scalar(select(Program).where(Program.code == code))
        db.session.expunge(program)
        return program


def test_create_program_with_every_field(app, client, world, make_user, auth):
    login_admin(make_user, auth)
    response = client.post("/admin/programs/new", data=program_data(world))
    assert response.status_code == 302, response.get_data(as_text=True)
    program = program_by_code(app, "SUC-9")
    assert response.headers["Location"].endswith(f"/admin/programs/{program.id}/edit")
    assert program.titles == {"es": "Mercado campesino: refacción", "qu": "Qhatu allinchay"}
    assert program.descriptions == {"es": "Refacción y ampliación del mercado.", "gn": "Ñemu renda"}
    assert program.budget_bob == Decimal("1500000.50")
    assert (program.start_date, program.end_date) == (date(2025, 1, 15), date(2025, 12, 31))
    assert (program.comments_open_on, program.comments_close_on) == (
        date(2025, 2, 1),
        date(2025, 3, 1),
    )
    assert program.external_id == "GAMS-9" and program.municipality_id == world["sucre"]
    # Without a progress of its own it takes the status default (services.apply_status).
    assert program.status_id == world["running"] and program.progress == 30
    assert "qhatu allinchay" in program.search_text and "refaccion" in program.search_text
    # The public search finds it in Quechua.
    assert f"/programs/{program.id}" in client.get("/programs?q=qhatu").get_data(as_text=True)


def test_program_errors_keep_values_and_write_nothing(app, client, world, make_user, auth):
    login_admin(make_user, auth)
    data = program_data(
        world,
        municipality_id=str(world["punata"]),  # in Cochabamba, not Chuquisaca
        budget_bob="1.500.000",
        end_date="2024-12-31",
        comments_close_on="2025-01-01",
        progress="120",
        weight="0",
        title_qu="Qhatu allinchay (kept)",
    )
    response = client.post("/admin/programs/new", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for message in (
        "This municipality is not in the chosen department.",
        "Enter an amount of 0 or more, like 1500000.50, without thousands separators.",
        "The end date cannot be before the start date.",
        "Comments cannot close before they open.",
        "Enter a number from 0 to 100.",
        "Enter a weight from 1 to 1000.",
    ):
        assert message in page
    assert 'value="1.500.000"' in page and 'value="Qhatu allinchay (kept)"' in page
    assert 'value="2024-12-31"' in page and 'value="120"' in page
    assert count(app, Program) == 1


def test_program_errors_are_translated(app, client, world, make_user, auth):
    login_admin(make_user, auth)
    response = client.post(
        "/admin/programs/new?lang=es", data=program_data(world, title_es="", weight="x")
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<html lang="es">' in page
    # The English msgids are not shown to a Spanish reader once the lead's catalogue has them.
    with app.test_request_context("/?lang=es"):
        from flask_babel import gettext

        for msgid in ("Write it at least in Spanish.", "Enter a whole number, like 25."):
            assert gettext(msgid) in page


def test_parent_program_progress_is_rolled_up_and_its_input_ignored(
    app, client, world, make_user, auth
):
    login_admin(make_user, auth)
    parent = world["program"]
    for code, progress, weight in (("SUC-1.1", "20", "1"), ("SUC-1.2", "60", "3")):
        data = program_data(
            world, code=code, parent_id=str(parent), progress=progress, weight=weight,
            external_id="",
        )  # fmt: skip
        assert client.post("/admin/programs/new", data=data).status_code == 302
    assert fetch(app, Program, parent).progress == round((20 * 1 + 60 * 3) / 4)  # 50

    page = client.get(f"/admin/programs/{parent}/edit").get_data(as_text=True)
    assert "its progress is the weighted average of theirs, so this field is ignored" in page
    assert re.search(
        r'<input[^>]*disabled[^>]*id="progress"|<input[^>]*id="progress"[^>]*disabled', page
    )
    # The children and their descendants cannot become the parent's parent.
    options = re.search(r'<select[^>]*id="parent_id".*?</select>', page, re.S).group(0)
    assert "SUC-1.1" not in options and f'value="{parent}"' not in options

    data = program_data(world, code="SUC-1", progress="99", external_id="")
    assert client.post(f"/admin/programs/{parent}/edit", data=data).status_code == 302
    assert fetch(app, Program, parent).progress == 50

    # A child's new progress moves the parent.
    child = program_by_code(app, "SUC-1.2")
    data = program_data(
        world, code="SUC-1.2", parent_id=str(parent), progress="100", weight="3", external_id=""
    )
    assert client.post(f"/admin/programs/{child.id}/edit", data=data).status_code == 302
    assert fetch(app, Program, parent).progress == 80  # (20 + 300) / 4


def test_program_cannot_go_inside_itself_or_another_plan(app, client, world, make_user, auth):
    login_admin(make_user, auth)
    parent = world["program"]
    data = program_data(world, code="SUC-1.1", parent_id=str(parent), external_id="")
    assert client.post("/admin/programs/new", data=data).status_code == 302
    child = program_by_code(app, "SUC-1.1")
    response = client.post(
        f"/admin/programs/{parent}/edit",
        data=program_data(world, code="SUC-1", parent_id=str(child.id), external_id=""),
    )
    assert response.status_code == 400
    assert "A program cannot be inside itself" in response.get_data(as_text=True)
    assert fetch(app, Program, parent).parent_id is None

    response = client.post(
        "/admin/programs/new",
        data=program_data(world, plan_id=str(world["other_plan"]), parent_id=str(parent)),
    )
    assert response.status_code == 400
    assert "The parent program must belong to the same plan." in response.get_data(as_text=True)
    assert count(app, Program) == 2


def test_new_program_preset_from_plan_and_parent(client, world, make_user, auth):
    login_admin(make_user, auth)
    page = client.get(
        f"/admin/programs/new?plan_id={world['plan']}&parent_id={world['program']}"
    ).get_data(as_text=True)
    assert re.search(rf'<option selected value="{world["plan"]}">', page)
    assert re.search(rf'<option selected value="{world["program"]}">SUC-1', page)


def test_program_list_search_and_plan_filter(client, world, make_user, auth):
    login_admin(make_user, auth)
    assert client.post("/admin/programs/new", data=program_data(world)).status_code == 302
    page = client.get("/admin/programs?q=qhatu").get_data(as_text=True)
    assert "SUC-9" in page and "SUC-1<" not in page
    page = client.get(f"/admin/programs?plan={world['other_plan']}").get_data(as_text=True)
    assert "SUC-9" not in page and "No program matches." in page


def test_progress_change_notifies_followers(app, client, world, make_user, auth, outbox):
    follower = make_user(email="follower@example.org")
    with app.app_context():
        db.session.add(ProgramFollow(program_id=world["program"], user_id=follower.id))
        db.session.commit()
    login_admin(make_user, auth)
    data = program_data(world, code="SUC-1", progress="45", external_id="")
    assert client.post(f"/admin/programs/{world['program']}/edit", data=data).status_code == 302
    assert fetch(app, Program, world["program"]).progress == 45
    assert count(app, Notification, Notification.kind == "progress") == 1
    assert len(outbox("notify_progress")) == 1
    # Saving again without a change notifies nobody.
    assert client.post(f"/admin/programs/{world['program']}/edit", data=data).status_code == 302
    assert count(app, Notification) == 1


# --- statuses -------------------------------------------------------------------------------


def test_create_and_edit_status(app, client, world, make_user, auth):
    login_admin(make_user, auth)
    data = {
        "key": "paused",
        "name_es": "Paralizado",
        "name_qu": "Sayachisqa",
        "default_progress": "",
        "position": "3",
    }
    assert client.post("/admin/statuses/new", data=data).status_code == 302
    with app.app_context():
        status = db.session.scalar(select(ProgramStatus).where(ProgramStatus.key == "paused"))
        assert status.names == {"es": "Paralizado", "qu": "Sayachisqa"}
        assert status.default_progress is None and status.position == 3
        status_id = status.id
    assert "Paralizado" in client.get("/admin/statuses").get_data(as_text=True)
    data |= {"default_progress": "10", "name_en": "Paused"}
    assert client.post(f"/admin/statuses/{status_id}/edit", data=data).status_code == 302
    status = fetch(app, ProgramStatus, status_id)
    assert status.default_progress == 10 and status.names["en"] == "Paused"

    for key, message in (
        ("in_execution", "Another status already has this key."),
        ("En Ejecución", "Use lower-case letters, digits, - and _ only."),
    ):
        response = client.post("/admin/statuses/new", data=data | {"key": key})
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert message in page and 'value="Sayachisqa"' in page
    assert count(app, ProgramStatus) == 3


# --- milestones -----------------------------------------------------------------------------


def test_adding_a_milestone_notifies_followers(app, client, world, make_user, auth, outbox):
    follower = make_user(email="follower@example.org", language="qu")
    make_user(email="bystander@example.org")
    with app.app_context():
        db.session.add(ProgramFollow(program_id=world["program"], user_id=follower.id))
        db.session.commit()
    login_admin(make_user, auth)
    url = f"/admin/programs/{world['program']}/milestones"
    response = client.post(url, data={"on_date": "", "title_es": "", "title_qu": "Qallarisqa"})
    assert response.status_code == 400
    assert 'value="Qallarisqa"' in response.get_data(as_text=True)
    assert count(app, Milestone) == 1 and count(app, Notification) == 0

    data = {
        "on_date": "2025-06-30",
        "title_es": "Inicio de obras",
        "title_qu": "Llamk'ay qallarisqa",
        "description_es": "Orden de proceder firmada.",
    }
    response = client.post(url, data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    with app.app_context():
        milestone = db.session.scalar(
            select(Milestone).where(Milestone.on_date == date(2025, 6, 30))
        )
        assert milestone.titles == {"es": "Inicio de obras", "qu": "Llamk'ay qallarisqa"}
        assert milestone.descriptions == {"es": "Orden de proceder firmada."}
        notes = db.session.scalars(select(Notification)).all()
        assert [(n.user_id, n.kind) for n in notes] == [(follower.id, "milestone")]
        milestone_id = milestone.id
    mails = outbox("notify_milestone")
    assert [m.recipient for m in mails] == ["follower@example.org"]
    assert "Inicio de obras" in client.get(url).get_data(as_text=True)

    # Correcting it does not notify again.
    edit = f"{url}/{milestone_id}/edit"
    assert 'value="Inicio de obras"' in client.get(edit).get_data(as_text=True)
    response = client.post(edit, data=data | {"title_es": "Inicio de obras civiles"})
    assert response.status_code == 302
    assert fetch(app, Milestone, milestone_id).titles["es"] == "Inicio de obras civiles"
    assert count(app, Notification) == 1
    # Marking it reached (and a bad date comes back as a form error, the rest kept).
    response = client.post(edit, data=data | {"done_on": "ayer"})
    assert response.status_code == 400 and 'value="Inicio de obras"' in response.get_data(
        as_text=True
    )
    response = client.post(edit, data=data | {"done_on": "2025-07-02"})
    assert response.status_code == 302
    assert fetch(app, Milestone, milestone_id).done_on == date(2025, 7, 2)
    assert "milestone-done" in client.get(url).get_data(as_text=True)


def test_milestone_delete_needs_post_and_csrf(app, client, world, make_user, auth, monkeypatch):
    login_admin(make_user, auth)
    url = f"/admin/programs/{world['program']}/milestones"
    delete = f"{url}/{world['milestone']}/delete"
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(delete).status_code == 400
    assert count(app, Milestone) == 1
    page = client.get(url).get_data(as_text=True)
    assert f'action="{delete}"' in page
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post(delete, data={"csrf_token": token}).status_code == 302
    assert count(app, Milestone) == 0


def test_milestone_of_another_program_is_404(app, client, world, make_user, auth):
    login_admin(make_user, auth)
    with app.app_context():
        other = factories.program(code="X-1", plan=db.session.get(Plan, world["plan"]))
        db.session.commit()
        other_id = other.id
    base = f"/admin/programs/{other_id}/milestones/{world['milestone']}"
    assert client.get(f"{base}/edit").status_code == 404
    assert client.post(f"{base}/delete").status_code == 404
    assert client.get("/admin/programs/999999/milestones").status_code == 404
    assert count(app, Milestone) == 1
