"""Institutions admin and institution teams: who may use each page; the institution form (names
per language, kind, territory, contact email, deadline override taken by new acceptances,
deactivation hiding it from the filing form); the list (search, kind filter, responders count,
pages); who manages a team; adding a responder by email, removing one, and what is refused."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.accounts.models import Role, User
from app.extensions import db
from app.institutions.models import Institution, InstitutionKind
from app.mail.models import OutboxMessage
from app.observations.lifecycle import transition
from app.observations.models import Observation
from tests import factories
from tests.conftest import count, fetch

THU_12_FEB = datetime(2026, 2, 12, 15, 0, tzinfo=UTC)


@pytest.fixture
def world(app):
    """Two departments with a municipality each and two institutions (ids)."""
    with app.app_context():
        chq = factories.department("BO-H", "Chuquisaca")
        lpz = factories.department("BO-L", "La Paz")
        sucre = factories.municipality("010101", "Sucre", chq)
        la_paz = factories.municipality("020101", "Nuestra Señora de La Paz", lpz)
        gams = factories.institution()
        gamlp = factories.institution("Gobierno Autónomo Municipal de La Paz", "GAMLP")
        db.session.commit()
        return {
            "chq": chq.id, "lpz": lpz.id, "sucre": sucre.id, "la_paz": la_paz.id,
            "gams": gams.id, "gamlp": gamlp.id,
        }  # fmt: skip


def login_admin(make_user, auth):
    admin = make_user(email="admin@example.org", role=Role.ADMIN)
    auth.login("admin@example.org")
    return admin


def team_admin(make_user, institution_id, email="boss@example.org", **kwargs):
    """A responder of the institution who manages its team."""
    user = make_user(
        email=email, role=Role.RESPONDER, institution=fetch_institution(institution_id), **kwargs
    )
    make_team_admin(user.id)
    return user


_APP = {}


@pytest.fixture(autouse=True)
def _remember_app(app):
    _APP["app"] = app


def fetch_institution(institution_id):
    return fetch(_APP["app"], Institution, institution_id)


def make_team_admin(user_id, value=True):
    with _APP["app"].app_context():
        db.session.get(User, user_id).is_institution_admin = value
        db.session.commit()


def institution_data(world, **overrides):
    data = {
        "kind": "municipal_government",
        "name_es": "Gobierno Autónomo Municipal de Tarabuco",
        "name_qu": "Tarabuco Llaqta Kamachiq",
        "name_ay": "",
        "name_gn": "",
        "name_en": "  ",
        "acronym": "GAMT",
        "department_id": str(world["chq"]),
        "municipality_id": str(world["sucre"]),
        "contact_email": "Contacto@Tarabuco.gob.bo",
        "deadline_days": "8",
        "active": "y",
    }
    return data | overrides


# --- who may use it -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, 302),
        (Role.CITIZEN, 403),
        (Role.MODERATOR, 403),
        (Role.RESPONDER, 403),
        ("team_admin", 403),
        (Role.ADMIN, 200),
    ],
)
def test_admin_pages_role_matrix(app, client, world, make_user, auth, role, expected):
    responder = make_user(
        email="r@example.org", role=Role.RESPONDER, institution=fetch_institution(world["gams"])
    )
    if role == "team_admin":
        team_admin(make_user, world["gams"])
        auth.login("boss@example.org")
    elif role is not None:
        institution = fetch_institution(world["gamlp"]) if role == Role.RESPONDER else None
        make_user(email="actor@example.org", role=role, institution=institution)
        auth.login("actor@example.org")
    for url in (
        "/admin/institutions",
        "/admin/institutions?q=sucre&kind=ministry&page=2",
        "/admin/institutions/new",
        f"/admin/institutions/{world['gams']}/edit",
    ):
        response = client.get(url)
        assert response.status_code == expected, url
        if role is None:
            assert "/login" in response.headers["Location"], url
    for url in ("/admin/institutions/new", f"/admin/institutions/{world['gams']}/edit"):
        response = client.post(url, data={"name_es": "Intruso", "kind": ""})
        assert response.status_code == (400 if role == Role.ADMIN else expected), url
    toggle = f"/admin/institutions/{world['gams']}/responders/{responder.id}/admin"
    assert client.get(toggle).status_code == 405
    response = client.post(toggle, data={"is_institution_admin": "y"})
    assert response.status_code == (302 if role == Role.ADMIN else expected)
    assert fetch(app, User, responder.id).is_institution_admin == (role == Role.ADMIN)
    assert count(app, Institution) == 2
    with app.app_context():
        assert "Intruso" not in str(db.session.scalars(select(Institution.names)).all())
    assert client.get("/admin/institutions/999999/edit").status_code == (
        404 if role == Role.ADMIN else expected
    )


@pytest.mark.parametrize(
    ("role", "own", "other"),
    [
        (None, 302, 302),
        (Role.CITIZEN, 403, 403),
        (Role.MODERATOR, 403, 403),
        (Role.RESPONDER, 403, 403),
        ("team_admin", 200, 403),
        (Role.ADMIN, 302, 200),
    ],
)
def test_team_pages_role_matrix(app, client, world, make_user, auth, role, own, other):
    """``own``: /institution/team; ``other``: the team page of an institution the actor does not
    belong to (GAMLP). Team admins and responders belong to GAMS."""
    citizen = make_user(email="citizen@example.org")
    member = make_user(
        email="member@example.org",
        role=Role.RESPONDER,
        institution=fetch_institution(world["gamlp"]),
    )
    if role == "team_admin":
        team_admin(make_user, world["gams"])
        auth.login("boss@example.org")
    elif role is not None:
        institution = fetch_institution(world["gams"]) if role == Role.RESPONDER else None
        make_user(email="actor@example.org", role=role, institution=institution)
        auth.login("actor@example.org")
    response = client.get("/institution/team")
    assert response.status_code == own
    if role is None:
        assert "/login" in response.headers["Location"]
    if role == Role.ADMIN:
        assert response.headers["Location"].endswith("/admin/institutions")
    base = f"/institution/{world['gamlp']}/team"
    assert client.get(base).status_code == other
    allowed = role == Role.ADMIN
    response = client.post(f"{base}/add", data={"email": "citizen@example.org"})
    assert response.status_code == (302 if allowed else other)
    response = client.post(f"{base}/{member.id}/remove")
    assert response.status_code == (302 if allowed else other)
    assert fetch(app, User, citizen.id).role == (Role.RESPONDER if allowed else Role.CITIZEN)
    assert fetch(app, User, member.id).role == (Role.CITIZEN if allowed else Role.RESPONDER)
    assert count(app, OutboxMessage) == (2 if allowed else 0)
    # A missing institution tells nothing to those who may not manage teams.
    assert client.get("/institution/999999/team").status_code == (
        404 if role in (Role.ADMIN, "team_admin") else other
    )


def test_team_admin_manages_their_own_team_also_by_id(client, world, make_user, auth):
    team_admin(make_user, world["gams"])
    auth.login("boss@example.org")
    page = client.get(f"/institution/{world['gams']}/team")
    assert page.status_code == 200
    assert "Gobierno Autónomo Municipal de Sucre" in page.get_data(as_text=True)


def test_menus_link_to_institutions_and_the_team(client, world, make_user, auth):
    make_user(
        email="plain@example.org", role=Role.RESPONDER, institution=fetch_institution(world["gams"])
    )
    auth.login("plain@example.org")
    assert 'href="/institution/team"' not in client.get("/").get_data(as_text=True)
    auth.logout()
    team_admin(make_user, world["gams"])
    auth.login("boss@example.org")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/institution/team">My institution</a>' in home
    assert home.index("My institution") < home.index("My observations")
    auth.logout()
    login_admin(make_user, auth)
    assert 'href="/institution/team"' not in client.get("/").get_data(as_text=True)
    admin_home = client.get("/admin/").get_data(as_text=True)
    assert "<h2>Institutions</h2>" in admin_home
    assert 'href="/admin/institutions"' in admin_home
    page = client.get("/admin/institutions").get_data(as_text=True)
    assert 'href="/admin/institutions" aria-current="page"' in page
    assert 'href="/admin/holidays"' in page
    assert 'href="/admin/institutions"' in client.get("/admin/plans").get_data(as_text=True)


# --- the institution form -------------------------------------------------------------------


def accept_new_observation(app, institution_id, category_days=15):
    """A new observation about the institution, accepted by a moderator on 12 Feb 2026."""
    with app.app_context():
        number = count(app, User) + 1
        filer = factories.user(f"filer{number}@example.org", display_name="Filer", language="es")
        moderator = db.session.scalar(select(User).where(User.role == Role.MODERATOR))
        if moderator is None:
            moderator = factories.user(
                "mod@example.org", role=Role.MODERATOR, display_name="M", language="es"
            )
        observation = factories.observation(
            filer,
            institution=db.session.get(Institution, institution_id),
            category=factories.category("information", category_days),
        )
        transition(observation, "accept", moderator, now=THU_12_FEB)
        db.session.commit()
        return observation.id


def test_form_shows_languages_kinds_and_the_deadline_hint(client, world, make_user, auth):
    login_admin(make_user, auth)
    page = client.get("/admin/institutions/new").get_data(as_text=True)
    assert page.count('<fieldset class="translations') == 1
    for lang in ("es", "qu", "ay", "gn", "en"):
        assert re.search(rf'<input[^>]*id="name_{lang}"[^>]*lang="{lang}"', page)
    for kind in InstitutionKind:
        assert f'value="{kind.value}">{kind.title}</option>' in page
    assert "Departmental government (Gobernación)" in page
    assert "overrides the category's deadline for the observations accepted from now on" in page
    assert re.search(r'<input[^>]*checked[^>]*id="active"', page)
    assert 'style="' not in page and "<script" not in page


def test_create_and_edit_institution_and_the_deadline_new_acceptances_take(
    app, client, world, make_user, auth
):
    login_admin(make_user, auth)
    response = client.post("/admin/institutions/new", data=institution_data(world))
    assert response.status_code == 302
    with app.app_context():
        created = db.session.scalar(select(Institution).where(Institution.acronym == "GAMT"))
        assert created.names == {
            "es": "Gobierno Autónomo Municipal de Tarabuco",
            "qu": "Tarabuco Llaqta Kamachiq",
        }
        assert created.kind == InstitutionKind.MUNICIPAL_GOVERNMENT
        assert (created.department_id, created.municipality_id) == (world["chq"], world["sucre"])
        assert created.contact_email == "contacto@tarabuco.gob.bo"
        assert (created.deadline_days, created.active) == (8, True)
        institution_id = created.id
    assert response.headers["Location"].endswith(f"/admin/institutions/{institution_id}/edit")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The institution was saved." in page and 'value="Tarabuco Llaqta Kamachiq"' in page

    # A new acceptance takes the institution's own deadline over the category's 15 days.
    first = accept_new_observation(app, institution_id)
    assert fetch(app, Observation, first).deadline_days == 8

    # Only the municipality: its department is filled in. No override: the category's applies.
    data = institution_data(
        world,
        kind="public_company",
        name_en="Tarabuco water company",
        name_qu="",
        department_id="",
        municipality_id=str(world["la_paz"]),
        deadline_days="",
        contact_email="",
        acronym="",
    )
    response = client.post(f"/admin/institutions/{institution_id}/edit", data=data)
    assert response.status_code == 302
    edited = fetch(app, Institution, institution_id)
    assert edited.names == {
        "es": "Gobierno Autónomo Municipal de Tarabuco",
        "en": "Tarabuco water company",
    }
    assert edited.kind == InstitutionKind.PUBLIC_COMPANY
    assert (edited.department_id, edited.municipality_id) == (world["lpz"], world["la_paz"])
    assert (edited.deadline_days, edited.contact_email, edited.acronym) == (None, "", "")
    # Accepted before: keeps its deadline. Accepted now: the category's.
    assert fetch(app, Observation, first).deadline_days == 8
    assert fetch(app, Observation, accept_new_observation(app, institution_id)).deadline_days == 15

    # A national body: no territory at all.
    data = institution_data(world, kind="ministry", department_id="", municipality_id="")
    assert client.post(f"/admin/institutions/{institution_id}/edit", data=data).status_code == 302
    national = fetch(app, Institution, institution_id)
    assert (national.department_id, national.municipality_id) == (None, None)
    assert count(app, Institution) == 3


def test_institution_errors_keep_what_was_typed_and_write_nothing(
    app, client, world, make_user, auth
):
    login_admin(make_user, auth)
    cases = [
        ({"name_es": ""}, "Write it at least in Spanish."),
        ({"kind": ""}, "Choose the kind of institution."),
        ({"kind": "bank"}, "Choose the kind of institution from the list."),
        (
            {"department_id": str(world["lpz"])},
            "This municipality is not in the chosen department.",
        ),
        ({"municipality_id": "999999"}, "Choose a municipality from the list."),
        ({"department_id": "999999"}, "Choose a department from the list."),
        ({"contact_email": "contacto@"}, "Enter a valid email address, like name@example.com."),
        ({"deadline_days": "0"}, "Enter a number from 1 to 130."),
        ({"deadline_days": "131"}, "Enter a number from 1 to 130."),
        ({"deadline_days": "ocho"}, "Enter a whole number, like 25."),
        ({"acronym": "X" * 21}, "Use at most 20 characters."),
    ]
    for overrides, message in cases:
        for url in ("/admin/institutions/new", f"/admin/institutions/{world['gams']}/edit"):
            response = client.post(url, data=institution_data(world, **overrides))
            assert response.status_code == 400, (url, overrides)
            page = response.get_data(as_text=True)
            assert message in page, overrides
            assert 'value="Tarabuco Llaqta Kamachiq"' in page
            assert 'class="error-summary"' in page and 'aria-invalid="true"' in page
    assert count(app, Institution) == 2
    unchanged = fetch(app, Institution, world["gams"])
    assert unchanged.names == {"es": "Gobierno Autónomo Municipal de Sucre"}
    assert unchanged.deadline_days is None and unchanged.acronym == "GAMS"


def institution_options(client) -> str:
    page = client.get("/observations/new").get_data(as_text=True)
    return re.search(r'<select[^>]*id="institution_id".*?</select>', page, re.S).group(0)


def test_inactive_institution_leaves_the_filing_form(app, client, world, make_user, auth):
    make_user(email="citizen@example.org")
    auth.login("citizen@example.org")
    assert f'value="{world["gamlp"]}"' in institution_options(client)
    auth.logout()

    login_admin(make_user, auth)
    data = institution_data(
        world,
        name_es="Gobierno Autónomo Municipal de La Paz",
        acronym="GAMLP",
        department_id=str(world["lpz"]),
        municipality_id=str(world["la_paz"]),
    )
    del data["active"]  # an unchecked box is not sent at all
    response = client.post(f"/admin/institutions/{world['gamlp']}/edit", data=data)
    assert response.status_code == 302
    assert fetch(app, Institution, world["gamlp"]).active is False
    assert "No (inactive)" in client.get("/admin/institutions").get_data(as_text=True)
    auth.logout()

    auth.login("citizen@example.org")
    options = institution_options(client)
    assert f'value="{world["gamlp"]}"' not in options
    assert f'value="{world["gams"]}"' in options


# --- the list -------------------------------------------------------------------------------


def test_list_searches_filters_counts_and_pages(app, client, world, make_user, auth):
    with app.app_context():
        db.session.add(
            Institution(
                names={"es": "Ministerio de Salud y Deportes", "qu": "Qhaliy kamana"},
                acronym="MSyD",
                kind=InstitutionKind.MINISTRY,
            )
        )
        db.session.add_all(
            Institution(
                names={"es": f"Empresa pública {n:02d}"}, kind=InstitutionKind.PUBLIC_COMPANY
            )
            for n in range(55)
        )
        db.session.commit()
    for n in range(3):
        make_user(
            email=f"r{n}@example.org",
            role=Role.RESPONDER,
            institution=fetch_institution(world["gams"] if n else world["gamlp"]),
        )
    login_admin(make_user, auth)

    def rows(url):
        page = client.get(url).get_data(as_text=True)
        body = re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)
        return page, re.findall(r"<tr>(.*?)</tr>", body, re.S)

    # Every word, accents and case ignored, in any language or the acronym.
    page, found = rows("/admin/institutions?q=gobierno+AUTONOMO")
    assert len(found) == 2 and "2 institutions found" in page
    assert "Gobierno Autónomo Municipal de La Paz" in found[0] and "<td>1</td>" in found[0]
    assert "Gobierno Autónomo Municipal de Sucre" in found[1] and "<td>2</td>" in found[1]
    assert "Chuquisaca" not in found[1]  # factories.institution() has no territory: national
    page, found = rows("/admin/institutions?q=qhaliy")
    assert len(found) == 1 and "Ministerio de Salud y Deportes" in found[0] and "(MSyD)" in found[0]
    assert len(rows("/admin/institutions?q=msyd")[1]) == 1
    page, found = rows("/admin/institutions?q=nada+parecido")
    assert "No institution matches." in page

    # The kind filter, alone and with words; the kind is shown in the reader's language.
    page, found = rows("/admin/institutions?kind=ministry")
    assert len(found) == 1 and "<td>Ministry</td>" in found[0]
    assert len(rows("/admin/institutions?kind=municipal_government&q=paz")[1]) == 1
    # An unknown kind is ignored rather than failing.
    assert client.get("/admin/institutions?kind=bank").status_code == 200

    # 58 institutions: 50 on the first page, 8 on the second, with links between them.
    page, found = rows("/admin/institutions")
    assert len(found) == 50 and "58 institutions found" in page and "Page 1 of 2" in page
    assert 'rel="next" href="/admin/institutions?page=2"' in page
    page, found = rows("/admin/institutions?page=2")
    assert len(found) == 8 and 'rel="prev"' in page
    page, found = rows("/admin/institutions?kind=public_company&page=2")
    assert len(found) == 5 and "Empresa pública 54" in found[-1]


# --- the site admin names the team admins ---------------------------------------------------


def test_edit_page_lists_responders_and_toggles_institution_admin(
    app, client, world, make_user, auth
):
    responder = make_user(
        email="r@example.org",
        role=Role.RESPONDER,
        institution=fetch_institution(world["gams"]),
        display_name="Rosa Condori",
    )
    make_user(
        email="other@example.org",
        role=Role.RESPONDER,
        institution=fetch_institution(world["gamlp"]),
        display_name="Otro Equipo",
    )
    login_admin(make_user, auth)
    page = client.get(f"/admin/institutions/{world['gams']}/edit").get_data(as_text=True)
    assert "Rosa Condori" in page and "Otro Equipo" not in page
    assert "Make institution admin" in page
    assert f'href="/institution/{world["gams"]}/team"' in page

    url = f"/admin/institutions/{world['gams']}/responders/{responder.id}/admin"
    response = client.post(url, data={"is_institution_admin": "y"}, follow_redirects=True)
    assert "Rosa Condori can now manage the team." in response.get_data(as_text=True)
    assert fetch(app, User, responder.id).is_institution_admin is True
    assert "Remove institution admin" in response.get_data(as_text=True)
    assert client.post(url, data={"is_institution_admin": ""}).status_code == 302
    assert fetch(app, User, responder.id).is_institution_admin is False
    # Someone who does not answer for this institution cannot be made its admin.
    other_url = f"/admin/institutions/{world['gams']}/responders/{responder.id + 1}/admin"
    assert client.post(other_url, data={"is_institution_admin": "y"}).status_code == 404
    assert fetch(app, User, responder.id + 1).is_institution_admin is False


def test_user_page_sets_institution_admin_only_for_responders(app, client, world, make_user, auth):
    login_admin(make_user, auth)
    user = make_user(email="u@example.org")
    data = {"role": "responder", "institution_id": str(world["gams"]), "is_institution_admin": "y"}
    assert client.post(f"/admin/users/{user.id}/role", data=data).status_code == 302
    changed = fetch(app, User, user.id)
    assert changed.role == Role.RESPONDER and changed.is_institution_admin is True
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*id="is_institution_admin"', page)

    data = {"role": "moderator", "institution_id": "", "is_institution_admin": "y"}
    assert client.post(f"/admin/users/{user.id}/role", data=data).status_code == 302
    changed = fetch(app, User, user.id)
    assert changed.role == Role.MODERATOR and changed.is_institution_admin is False
    assert changed.institution_id is None


# --- the team page --------------------------------------------------------------------------


def test_team_admin_adds_a_citizen_by_email(app, client, world, make_user, auth, outbox, caplog):
    boss = team_admin(make_user, world["gams"])
    make_user(
        email="mate@example.org",
        role=Role.RESPONDER,
        institution=fetch_institution(world["gams"]),
        display_name="Compañero de equipo",
    )
    citizen = make_user(email="juana@example.org", display_name="Juana Quispe", language="es")
    auth.login("boss@example.org")
    page = client.get("/institution/team").get_data(as_text=True)
    assert "Compañero de equipo" in page and "Juana Quispe" not in page
    # The admin cannot remove themself: no button on their own row.
    assert f"/team/{boss.id}/remove" not in page

    level = app.logger.level
    caplog.set_level(logging.INFO)
    app.logger.propagate = True
    app.logger.setLevel(logging.INFO)
    try:
        response = client.post(
            f"/institution/{world['gams']}/team/add", data={"email": " Juana@Example.org "}
        )
    finally:
        app.logger.propagate = False
        app.logger.setLevel(level)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/institution/team")
    added = fetch(app, User, citizen.id)
    assert added.role == Role.RESPONDER and added.institution_id == world["gams"]
    assert added.is_institution_admin is False
    page = client.get("/institution/team").get_data(as_text=True)
    assert "Juana Quispe was added to the team." in page

    (mail,) = outbox("team_added")
    assert mail.recipient == "juana@example.org" and mail.language == "es"
    assert "Gobierno Autónomo Municipal de Sucre" in mail.body and "/login" in mail.body
    record = next(r for r in caplog.records if r.getMessage() == "responder added")
    assert record.data == {
        "actor_id": boss.id,
        "user_id": citizen.id,
        "institution_id": world["gams"],
    }
    assert "@" not in caplog.text


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("nobody@example.org", "No account uses this email; ask the person to register first."),
        ("mod@example.org", "This account already has a staff role"),
        ("admin@example.org", "This account already has a staff role"),
        ("elsewhere@example.org", "This account already has a staff role"),
        ("mate@example.org", "This person is already on the team."),
        ("boss@example.org", "This person is already on the team."),
        ("unverified@example.org", "has not confirmed its email address yet"),
        ("blocked@example.org", "This account is blocked"),
        ("not-an-address", "Enter a valid email address, like name@example.com."),
        ("", "Enter the email address of the person's account."),
    ],
)
def test_team_add_refusals_keep_the_input_and_write_nothing(
    app, client, world, make_user, auth, outbox, who, message
):
    team_admin(make_user, world["gams"])
    make_user(email="mod@example.org", role=Role.MODERATOR)
    make_user(email="admin@example.org", role=Role.ADMIN)
    make_user(
        email="elsewhere@example.org",
        role=Role.RESPONDER,
        institution=fetch_institution(world["gamlp"]),
    )
    make_user(
        email="mate@example.org", role=Role.RESPONDER, institution=fetch_institution(world["gams"])
    )
    make_user(email="unverified@example.org", verified=False)
    blocked = make_user(email="blocked@example.org")
    with app.app_context():
        db.session.get(User, blocked.id).blocked_at = THU_12_FEB
        db.session.commit()
    with app.app_context():
        before = {u.email: (u.role, u.institution_id) for u in db.session.scalars(select(User))}
    auth.login("boss@example.org")
    response = client.post(f"/institution/{world['gams']}/team/add", data={"email": who})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="error-summary"' in page and 'aria-invalid="true"' in page
    if who:
        assert f'value="{who}"' in page
    with app.app_context():
        after = {u.email: (u.role, u.institution_id) for u in db.session.scalars(select(User))}
    assert after == before
    assert outbox() == []


def test_team_remove_makes_a_citizen_and_refuses_self(app, client, world, make_user, auth, outbox):
    boss = team_admin(make_user, world["gams"])
    other_boss = team_admin(make_user, world["gams"], email="boss2@example.org")
    mate = make_user(
        email="mate@example.org",
        role=Role.RESPONDER,
        institution=fetch_institution(world["gams"]),
        display_name="Mario Mamani",
        language="qu",
    )
    elsewhere = make_user(
        email="elsewhere@example.org",
        role=Role.RESPONDER,
        institution=fetch_institution(world["gamlp"]),
    )
    auth.login("boss@example.org")
    base = f"/institution/{world['gams']}/team"

    # Oneself: refused, nothing changes.
    response = client.post(f"{base}/{boss.id}/remove", follow_redirects=True)
    assert "You cannot remove yourself from the team." in response.get_data(as_text=True)
    assert fetch(app, User, boss.id).role == Role.RESPONDER
    # A responder of another institution through this team's address: not found.
    assert client.post(f"{base}/{elsewhere.id}/remove").status_code == 404
    assert fetch(app, User, elsewhere.id).institution_id == world["gamlp"]
    assert outbox() == []

    response = client.post(f"{base}/{mate.id}/remove")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/institution/team")
    removed = fetch(app, User, mate.id)
    assert (removed.role, removed.institution_id, removed.is_institution_admin) == (
        Role.CITIZEN,
        None,
        False,
    )
    page = client.get("/institution/team").get_data(as_text=True)
    assert "Mario Mamani was removed from the team." in page
    (mail,) = outbox("team_removed")
    assert mail.recipient == "mate@example.org" and mail.language == "qu"

    # Another institution admin may remove this one (not themself); flags are cleared.
    response = client.post(f"{base}/{other_boss.id}/remove")
    assert response.status_code == 302
    removed = fetch(app, User, other_boss.id)
    assert (removed.role, removed.is_institution_admin) == (Role.CITIZEN, False)
    # Removed from the team, they lose the team page at once.
    auth.logout()
    auth.login("boss2@example.org")
    assert client.get("/institution/team").status_code == 403


def test_another_institutions_admin_cannot_touch_this_team(
    app, client, world, make_user, auth, outbox
):
    make_user(email="citizen@example.org")
    mate = make_user(
        email="mate@example.org", role=Role.RESPONDER, institution=fetch_institution(world["gams"])
    )
    team_admin(make_user, world["gamlp"], email="lapaz-boss@example.org")
    auth.login("lapaz-boss@example.org")
    base = f"/institution/{world['gams']}/team"
    assert client.get(base).status_code == 403
    assert client.post(f"{base}/add", data={"email": "citizen@example.org"}).status_code == 403
    assert client.post(f"{base}/{mate.id}/remove").status_code == 403
    assert fetch(app, User, mate.id).role == Role.RESPONDER
    assert count(app, User, User.role == Role.CITIZEN) == 1
    assert outbox() == []


def test_site_admin_manages_any_team(app, client, world, make_user, auth, outbox):
    citizen = make_user(email="citizen@example.org")
    login_admin(make_user, auth)
    base = f"/institution/{world['gamlp']}/team"
    page = client.get(base).get_data(as_text=True)
    assert "Gobierno Autónomo Municipal de La Paz" in page
    response = client.post(f"{base}/add", data={"email": "citizen@example.org"})
    assert response.status_code == 302 and response.headers["Location"].endswith(base)
    assert fetch(app, User, citizen.id).institution_id == world["gamlp"]
    response = client.post(f"{base}/{citizen.id}/remove")
    assert response.status_code == 302
    assert fetch(app, User, citizen.id).role == Role.CITIZEN
    assert [m.kind for m in outbox()] == ["team_added", "team_removed"]
