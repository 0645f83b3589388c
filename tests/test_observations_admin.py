"""Observations admin: who may use it; categories (names per language, the deadline a new
acceptance takes, deactivation hiding it from the filing form); actor types; holidays (scope
rules, duplicates of the national calendar, upcoming first with a year filter, delete by POST
with CSRF) and how a departmental or institutional holiday moves running due dates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role, User
from app.extensions import db
from app.institutions.models import Institution
from app.observations import due_dates, lifecycle
from app.observations.models import (
    ActorType,
    AdminHoliday,
    Category,
    HolidayScope,
    Observation,
)
from app.territory.models import Department
from tests import factories
from tests.conftest import count, fetch

# Bolivia 2026: Carnaval is Monday 16 and Tuesday 17 February. Accepted on Thursday 12 February,
# 15 working days fall due on Monday 9 March (see test_observation_states.py).
THU_12_FEB = datetime(2026, 2, 12, 15, 0, tzinfo=UTC)
DUE_WITHOUT_ADMIN_HOLIDAYS = date(2026, 3, 9)


@pytest.fixture
def world(app):
    """Two departments, two institutions, a category, an actor type and a departmental holiday."""
    with app.app_context():
        chq = factories.department("BO-H", "Chuquisaca")
        lpz = factories.department("BO-L", "La Paz")
        gams = factories.institution()
        gamlp = factories.institution("Gobierno Autónomo Municipal de La Paz", "GAMLP")
        information = factories.category("information", 15)
        actor_type = ActorType(key="organico", names={"es": "Orgánico"}, position=0)
        holiday = AdminHoliday(
            on_date=date(2026, 7, 16),
            name="Día de La Paz",
            scope=HolidayScope.DEPARTMENT,
            department=lpz,
        )
        db.session.add_all([actor_type, holiday])
        db.session.commit()
        return {
            "chq": chq.id, "lpz": lpz.id, "gams": gams.id, "gamlp": gamlp.id,
            "category": information.id, "actor_type": actor_type.id, "holiday": holiday.id,
        }  # fmt: skip


def login_admin(make_user, auth):
    admin = make_user(email="admin@example.org", role=Role.ADMIN)
    auth.login("admin@example.org")
    return admin


# --- who may use it -------------------------------------------------------------------------


def page_urls(w):
    return [
        "/admin/categories",
        "/admin/categories/new",
        f"/admin/categories/{w['category']}/edit",
        "/admin/actor-types",
        "/admin/actor-types/new",
        f"/admin/actor-types/{w['actor_type']}/edit",
        "/admin/holidays",
        "/admin/holidays?year=2026",
        "/admin/holidays/new",
        f"/admin/holidays/{w['holiday']}/edit",
    ]


def form_post_urls(w):
    """Every POST that would write, each sent with an incomplete form."""
    return [
        "/admin/categories/new",
        f"/admin/categories/{w['category']}/edit",
        "/admin/actor-types/new",
        f"/admin/actor-types/{w['actor_type']}/edit",
        "/admin/holidays/new",
        f"/admin/holidays/{w['holiday']}/edit",
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
def test_role_matrix(app, client, world, make_user, make_institution, auth, role, expected):
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
        # Something that would be written if the request got through.
        response = client.post(url, data={"name_es": "Intruso", "name": "Intruso", "key": ""})
        assert response.status_code == (400 if role == Role.ADMIN else expected), url
    delete = f"/admin/holidays/{world['holiday']}/delete"
    assert client.get(delete).status_code == 405
    assert client.post(delete).status_code == (302 if role == Role.ADMIN else expected)
    assert count(app, AdminHoliday) == (0 if role == Role.ADMIN else 1)
    assert count(app, Category) == 1 and count(app, ActorType) == 1
    with app.app_context():
        assert "Intruso" not in str(db.session.scalars(select(Category.names)).all())
        assert "Intruso" not in str(db.session.scalars(select(ActorType.names)).all())


def test_admin_home_links_to_the_observation_lists(client, world, make_user, auth):
    login_admin(make_user, auth)
    home = client.get("/admin/").get_data(as_text=True)
    assert "<h2>Observations</h2>" in home
    for link in ("/admin/categories", "/admin/actor-types", "/admin/holidays"):
        assert f'href="{link}"' in home
    # The admin menu of every admin page reaches them too.
    page = client.get("/admin/plans").get_data(as_text=True)
    assert 'href="/admin/holidays"' in page
    page = client.get("/admin/holidays").get_data(as_text=True)
    assert 'href="/admin/holidays" aria-current="page"' in page
    assert 'href="/admin/plans"' in page


# --- categories -----------------------------------------------------------------------------


def category_data(**overrides):
    data = {
        "key": "complaint",
        "name_es": "Denuncia de irregularidades",
        "name_qu": "Mana chiqan willakuy",
        "name_ay": "",
        "name_gn": "",
        "name_en": "  ",
        "deadline_days": "10",
        "position": "2",
        "active": "y",
    }
    return data | overrides


def accepted(app, moderator_id, category_id, department_id=None, institution_id=None) -> int:
    """A new observation in ``category_id`` (and the department and institution given, else the
    factory's), accepted on Thursday 12 February 2026 by the moderator."""
    with app.app_context():
        number = db.session.scalar(select(func.count(User.id))) + 1
        filer = factories.user(f"filer{number}@example.org", display_name="Filer", language="es")
        fields = {"category": db.session.get(Category, category_id)}
        if department_id is not None:
            fields["department"] = db.session.get(Department, department_id)
        if institution_id is not None:
            fields["institution"] = db.session.get(Institution, institution_id)
        observation = factories.observation(filer, **fields)
        lifecycle.transition(
            observation, "accept", db.session.get(User, moderator_id), now=THU_12_FEB
        )
        db.session.commit()
        return observation.id


def test_category_form_shows_languages_and_the_legal_hint(client, world, make_user, auth):
    login_admin(make_user, auth)
    page = client.get("/admin/categories/new").get_data(as_text=True)
    assert page.count('<fieldset class="translations') == 1
    for lang in ("es", "qu", "ay", "gn", "en"):
        assert re.search(rf'<input[^>]*id="name_{lang}"[^>]*lang="{lang}"', page)
    assert "DS 28168, Art. 13" in page and "15" in page
    assert re.search(r'<input[^>]*id="deadline_days"[^>]*value="15"', page)
    assert re.search(r'<input[^>]*checked[^>]*id="active"', page)
    assert 'style="' not in page and "<script" not in page


def test_create_and_edit_category_and_the_deadline_acceptance_takes(
    app, client, world, make_user, auth
):
    moderator = make_user(email="mod@example.org", role=Role.MODERATOR)
    login_admin(make_user, auth)
    response = client.post("/admin/categories/new", data=category_data())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/categories")
    listing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The category was saved." in listing and "Denuncia de irregularidades" in listing
    with app.app_context():
        category = db.session.scalar(select(Category).where(Category.key == "complaint"))
        # Only the languages that have text; spaces alone are no text.
        assert category.names == {
            "es": "Denuncia de irregularidades",
            "qu": "Mana chiqan willakuy",
        }
        assert (category.deadline_days, category.position, category.active) == (10, 2, True)
        category_id = category.id

    # A new acceptance takes the category's deadline: 10 working days from Thu 12 Feb is
    # Mon 2 March (Carnaval skipped).
    first = accepted(app, moderator.id, category_id)
    observation = fetch(app, Observation, first)
    assert observation.deadline_days == 10 and observation.due_date == date(2026, 3, 2)

    page = client.get(f"/admin/categories/{category_id}/edit").get_data(as_text=True)
    assert 'value="Mana chiqan willakuy"' in page and 'value="10"' in page
    data = category_data(deadline_days="20", name_en="Complaint", name_qu="")
    response = client.post(f"/admin/categories/{category_id}/edit", data=data)
    assert response.status_code == 302
    category = fetch(app, Category, category_id)
    assert category.names == {"es": "Denuncia de irregularidades", "en": "Complaint"}
    assert category.deadline_days == 20
    # Observations accepted before keep their deadline; later acceptances take the new one.
    assert fetch(app, Observation, first).deadline_days == 10
    second = fetch(app, Observation, accepted(app, moderator.id, category_id))
    assert second.deadline_days == 20
    assert count(app, Category) == 2


def test_category_errors_keep_what_was_typed_and_write_nothing(app, client, world, make_user, auth):
    login_admin(make_user, auth)
    cases = [
        ({"deadline_days": "0"}, "Enter a number from 1 to 130."),
        ({"deadline_days": "131"}, "Enter a number from 1 to 130."),
        ({"deadline_days": "quince"}, "Enter a whole number, like 25."),
        ({"deadline_days": ""}, "Enter the number of working days."),
        ({"name_es": ""}, "Write it at least in Spanish."),
        ({"key": "information"}, "Another category already has this key."),
        ({"key": "Acceso Info"}, "Use lower-case letters, digits, - and _ only."),
        ({"position": "-1"}, "Enter a number from 0 to 10000."),
    ]
    for overrides, message in cases:
        response = client.post("/admin/categories/new", data=category_data(**overrides))
        assert response.status_code == 400, overrides
        page = response.get_data(as_text=True)
        assert message in page, overrides
        assert 'value="Mana chiqan willakuy"' in page
        assert 'class="error-summary"' in page and 'aria-invalid="true"' in page
    assert count(app, Category) == 1


def test_errors_are_shown_in_the_readers_language(app, client, world, make_user, auth):
    login_admin(make_user, auth)
    response = client.post(
        "/admin/categories/new?lang=es", data=category_data(name_es="", deadline_days="0")
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<html lang="es">' in page
    with app.test_request_context("/?lang=es"):
        from flask_babel import gettext

        expected = [
            gettext("Write it at least in Spanish."),
            gettext("Enter a number from %(min)d to %(max)d.", min=1, max=130),
        ]
    for message in expected:
        assert message in page
        assert message not in ("Write it at least in Spanish.", "Enter a number from 1 to 130.")


def category_options(client) -> str:
    page = client.get("/observations/new").get_data(as_text=True)
    return re.search(r'<select[^>]*id="category_id".*?</select>', page, re.S).group(0)


def test_inactive_category_leaves_the_filing_form_but_keeps_its_observations(
    app, client, world, make_user, auth
):
    moderator = make_user(email="mod@example.org", role=Role.MODERATOR)
    filed = accepted(app, moderator.id, world["category"])
    make_user(email="citizen@example.org")
    auth.login("citizen@example.org")
    assert f'value="{world["category"]}"' in category_options(client)
    auth.logout()

    login_admin(make_user, auth)
    data = category_data(key="information", name_es="Solicitud de información", active="")
    del data["active"]  # an unchecked box is not sent at all
    response = client.post(f"/admin/categories/{world['category']}/edit", data=data)
    assert response.status_code == 302
    assert fetch(app, Category, world["category"]).active is False
    assert "No (inactive)" in client.get("/admin/categories").get_data(as_text=True)
    auth.logout()

    auth.login("citizen@example.org")
    assert f'value="{world["category"]}"' not in category_options(client)
    observation = fetch(app, Observation, filed)
    assert observation.category_id == world["category"] and observation.deadline_days == 15
    assert count(app, Category) == 1


# --- actor types ----------------------------------------------------------------------------


def test_actor_type_create_edit_and_errors(app, client, world, make_user, auth):
    login_admin(make_user, auth)
    data = {
        "key": "comunitario",
        "name_es": "Comunitario",
        "name_en": "Community (comunitario)",
        "position": "1",
    }
    response = client.post("/admin/actor-types/new", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/actor-types")
    with app.app_context():
        actor_type = db.session.scalar(select(ActorType).where(ActorType.key == "comunitario"))
        assert actor_type.names == {"es": "Comunitario", "en": "Community (comunitario)"}
        assert actor_type.position == 1
        actor_type_id = actor_type.id
    listing = client.get("/admin/actor-types").get_data(as_text=True)
    assert "The actor type was saved." in listing and "Community (comunitario)" in listing

    edited = data | {"name_qu": "Ayllu", "position": "5"}
    response = client.post(f"/admin/actor-types/{actor_type_id}/edit", data=edited)
    assert response.status_code == 302
    actor_type = fetch(app, ActorType, actor_type_id)
    assert actor_type.names["qu"] == "Ayllu" and actor_type.position == 5

    for overrides, message in (
        ({"key": "organico"}, "Another actor type already has this key."),
        ({"name_es": ""}, "Write it at least in Spanish."),
        ({"position": "x"}, "Enter a whole number, like 25."),
    ):
        response = client.post(f"/admin/actor-types/{actor_type_id}/edit", data=edited | overrides)
        assert response.status_code == 400, overrides
        page = response.get_data(as_text=True)
        assert message in page and 'value="Ayllu"' in page
    assert fetch(app, ActorType, actor_type_id).key == "comunitario"
    assert count(app, ActorType) == 2
    # No delete: observations point at actor types.
    assert client.post(f"/admin/actor-types/{actor_type_id}/delete").status_code == 404


# --- holidays -------------------------------------------------------------------------------


def holiday_data(**overrides):
    data = {
        "on_date": "2026-05-25",
        "name": "Aniversario de Chuquisaca",
        "scope": "department",
        "department_id": "",
        "institution_id": "",
    }
    return data | overrides


def test_holiday_create_edit_and_scope_rules(app, client, world, make_user, auth):
    login_admin(make_user, auth)
    new = "/admin/holidays/new"
    response = client.post(new, data=holiday_data(department_id=str(world["chq"])))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/holidays?year=2026")
    with app.app_context():
        holiday = db.session.scalar(select(AdminHoliday).where(AdminHoliday.name.like("Aniv%")))
        assert holiday.on_date == date(2026, 5, 25) and holiday.scope == HolidayScope.DEPARTMENT
        assert (holiday.department_id, holiday.institution_id) == (world["chq"], None)
        holiday_id = holiday.id

    refused = [
        (holiday_data(), ["Choose the department the holiday applies to."]),
        (
            holiday_data(scope="institution", department_id=str(world["chq"])),
            [
                "Choose the institution the holiday applies to.",
                "Leave the department empty: it is only for a holiday of one department.",
            ],
        ),
        (
            holiday_data(scope="national", institution_id=str(world["gams"])),
            ["Leave the institution empty: it is only for a holiday of one institution."],
        ),
        (
            holiday_data(scope="department", department_id="999999"),
            ["Choose the department the holiday applies to."],
        ),
        (holiday_data(scope="everywhere"), ["Choose where the holiday applies from the list."]),
        (holiday_data(on_date="25/05/2026"), ["Enter a date as year-month-day"]),
        (holiday_data(on_date="", name=""), ["Enter the date of the holiday.", "Enter the name"]),
        # Already in the national calendar of the holidays package: Independence Day.
        (
            holiday_data(on_date="2026-08-06", scope="national"),
            ["This date is already a national holiday"],
        ),
        # The same place and date twice.
        (
            holiday_data(department_id=str(world["chq"])),
            ["There is already a holiday on this date for the same place."],
        ),
    ]
    for data, messages in refused:
        response = client.post(new, data=data)
        assert response.status_code == 400, data
        page = response.get_data(as_text=True)
        for message in messages:
            assert message in page, (data, message)
        if data["name"]:
            assert f'value="{data["name"]}"' in page
    assert count(app, AdminHoliday) == 2

    # The same date for another department is another holiday.
    response = client.post(new, data=holiday_data(department_id=str(world["lpz"])))
    assert response.status_code == 302
    assert count(app, AdminHoliday) == 3

    edit = f"/admin/holidays/{holiday_id}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert 'value="Aniversario de Chuquisaca"' in page and 'value="2026-05-25"' in page
    assert re.search(rf'<option selected value="{world["chq"]}">', page)
    data = holiday_data(
        name="Aniversario del GAMS", scope="institution", institution_id=str(world["gams"])
    )
    assert client.post(edit, data=data).status_code == 302
    holiday = fetch(app, AdminHoliday, holiday_id)
    assert holiday.name == "Aniversario del GAMS" and holiday.scope == HolidayScope.INSTITUTION
    assert (holiday.department_id, holiday.institution_id) == (None, world["gams"])
    # Editing a holiday does not count as a duplicate of itself.
    assert client.post(edit, data=data).status_code == 302


def test_holiday_list_upcoming_first_with_a_year_filter(
    app, client, world, make_user, auth, monkeypatch
):
    from app.observations import admin_routes

    monkeypatch.setattr(admin_routes, "local_today", lambda: date(2026, 6, 1))
    with app.app_context():
        for day, name in (
            (date(2026, 3, 10), "Pasado en marzo"),
            (date(2026, 9, 14), "Aniversario de Cochabamba"),
            (date(2026, 7, 1), "Próximo en julio"),
            (date(2025, 11, 10), "Del año anterior"),
        ):
            db.session.add(AdminHoliday(on_date=day, name=name, scope=HolidayScope.NATIONAL))
        db.session.commit()
    login_admin(make_user, auth)

    page = client.get("/admin/holidays").get_data(as_text=True)  # this year by default
    order = [
        page.index(name)
        for name in (
            "Upcoming holidays in 2026",
            "Próximo en julio",
            "Día de La Paz",
            "Aniversario de Cochabamba",
            "Past holidays in 2026",
            "Pasado en marzo",
            "National holidays already known for 2026",
        )
    ]
    assert order == sorted(order)
    assert "Del año anterior" not in page
    assert "Department: La Paz" in page
    assert re.search(r'<option selected value="2026">', page)
    # The package's national holidays of the chosen year, read-only (Independence Day, Carnaval).
    known = page[page.index("National holidays already known") :]
    assert 'datetime="2026-08-06"' in known and 'datetime="2026-02-16"' in known
    assert "/edit" not in known

    page = client.get("/admin/holidays?year=2025").get_data(as_text=True)
    assert "Del año anterior" in page and "Próximo en julio" not in page
    assert 'datetime="2025-08-06"' in page
    assert re.search(r'<option selected value="2025">', page)
    # A year that is no year falls back to this one.
    page = client.get("/admin/holidays?year=abc").get_data(as_text=True)
    assert "Próximo en julio" in page


def test_holiday_delete_needs_post_and_csrf(app, client, world, make_user, auth, monkeypatch):
    login_admin(make_user, auth)
    delete = f"/admin/holidays/{world['holiday']}/delete"
    assert client.post("/admin/holidays/999999/delete").status_code == 404
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(delete).status_code == 400
    assert count(app, AdminHoliday) == 1
    page = client.get("/admin/holidays?year=2026").get_data(as_text=True)
    assert f'action="{delete}"' in page
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(delete, data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/holidays?year=2026")
    assert count(app, AdminHoliday) == 0
    assert "The holiday was deleted." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )


# --- holidays and due dates -----------------------------------------------------------------


def due_of(app, observation_id):
    """(stored due date, due date computed now with its holidays) of an observation."""
    with app.app_context():
        observation = db.session.get(Observation, observation_id)
        info = due_dates.due_date_info(observation, "en")
        return observation.due_date, info.due, [h.name for h in info.skipped_holidays]


def test_department_and_institution_holidays_move_only_their_due_dates(
    app, client, world, make_user, auth
):
    moderator = make_user(email="mod@example.org", role=Role.MODERATOR)
    in_chuquisaca = accepted(app, moderator.id, world["category"], world["chq"], world["gams"])
    in_la_paz = accepted(app, moderator.id, world["category"], world["lpz"], world["gamlp"])
    for observation_id in (in_chuquisaca, in_la_paz):
        assert due_of(app, observation_id)[:2] == (DUE_WITHOUT_ADMIN_HOLIDAYS,) * 2

    login_admin(make_user, auth)
    # Friday 20 February, a holiday in Chuquisaca only: one more working day there.
    data = holiday_data(
        on_date="2026-02-20", name="Feriado en Chuquisaca", department_id=str(world["chq"])
    )
    response = client.post("/admin/holidays/new", data=data, follow_redirects=True)
    assert "The due date of 1 observation in progress was recomputed." in response.get_data(
        as_text=True
    )
    stored, computed, names = due_of(app, in_chuquisaca)
    assert stored == computed == date(2026, 3, 10) and "Feriado en Chuquisaca" in names
    stored, computed, names = due_of(app, in_la_paz)
    assert stored == computed == DUE_WITHOUT_ADMIN_HOLIDAYS
    assert "Feriado en Chuquisaca" not in names

    # Tuesday 24 February, a holiday of the La Paz municipality only.
    data = holiday_data(
        on_date="2026-02-24",
        name="Feriado del GAMLP",
        scope="institution",
        institution_id=str(world["gamlp"]),
    )
    assert client.post("/admin/holidays/new", data=data).status_code == 302
    assert due_of(app, in_la_paz)[:2] == (date(2026, 3, 10),) * 2
    assert due_of(app, in_chuquisaca)[:2] == (date(2026, 3, 10),) * 2

    # A new acceptance in Chuquisaca counts the holiday from the start.
    later = accepted(app, moderator.id, world["category"], world["chq"], world["gamlp"])
    # Both holidays apply to it: its department's and its institution's.
    assert due_of(app, later)[:2] == (date(2026, 3, 11),) * 2

    # Deleting the Chuquisaca holiday gives those observations their day back.
    with app.app_context():
        holiday_id = db.session.scalar(
            select(AdminHoliday.id).where(AdminHoliday.name == "Feriado en Chuquisaca")
        )
    assert client.post(f"/admin/holidays/{holiday_id}/delete").status_code == 302
    assert due_of(app, in_chuquisaca)[:2] == (DUE_WITHOUT_ADMIN_HOLIDAYS,) * 2
    assert due_of(app, later)[:2] == (date(2026, 3, 10),) * 2
    assert due_of(app, in_la_paz)[:2] == (date(2026, 3, 10),) * 2
