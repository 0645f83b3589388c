"""Oversight groups (issue 18, part 2): creating and editing a group, the verified mark,
invitations, members and coordinators, the public page, the shared dashboard and its CSV, and the
notices members get. The route-by-role matrix is tests/security/test_group_permissions.py."""

from __future__ import annotations

import contextlib
import csv
import io
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import Role, User
from app.core.clock import local_today
from app.core.db import utcnow
from app.extensions import db
from app.groups import services
from app.groups.models import GroupMembership, GroupProgramFollow, GroupRole, OversightGroup
from app.groups.services import GroupData
from app.mail.models import OutboxMessage
from app.notifications.models import Notification
from app.observations.actions import TransitionData
from app.observations.lifecycle import transition
from app.observations.models import ActingAs, ActorType, Observation, ObservationFollow
from tests import factories
from tests.concurrency import run_together
from tests.conftest import count, link_from, logged_in

COORDINATOR_NAME = "Coca Coordinadora"
MEMBER_NAME = "Mimi Miembro"


# --- the scene ----------------------------------------------------------------------------------


@pytest.fixture
def scene(app, make_user):
    """A group "Comité D-6" with a coordinator and a member; an outsider, a moderator, an
    institution with a responder, a program."""
    people = {
        "coordinator": make_user(email="coord@example.org", display_name=COORDINATOR_NAME),
        "member": make_user(email="member@example.org", display_name=MEMBER_NAME),
        "outsider": make_user(email="out@example.org", display_name="Otto Outsider"),
        "moderator": make_user(role=Role.MODERATOR, email="mod@example.org"),
    }
    with app.app_context():
        actor = ActorType(key="comunitario", names={"es": "Comunitario", "en": "Community"})
        db.session.add(actor)
        db.session.flush()
        coordinator = db.session.get(User, people["coordinator"].id)
        group = services.create_group(coordinator, _data("Comité D-6", actor))
        services.add_member(group, db.session.get(User, people["member"].id))
        program = factories.program(code="SUC-AG-01", titles={"es": "Agua potable D-6"})
        db.session.commit()
        return {
            "slug": group.slug,
            "group_id": group.id,
            "actor_id": actor.id,
            "program_id": program.id,
            "ids": {key: user.id for key, user in people.items()},
        }


def _data(name: str, actor: ActorType | None = None, **fields: object) -> GroupData:
    values: dict = {
        "name": name,
        "actor_type": actor,
        "description": "",
        "department": None,
        "municipality": None,
        "contact": "",
    }
    values.update(fields)
    return GroupData(**values)


def _client(app, who: str):
    return logged_in(app, f"{who}@example.org" if "@" not in who else who)


def _role(app, group_id: int, user_id: int) -> GroupRole | None:
    with app.app_context():
        found = db.session.scalar(
            select(GroupMembership.role).where(
                GroupMembership.group_id == group_id, GroupMembership.user_id == user_id
            )
        )
        return found


def _file_for_group(app, scene, filer: str = "coordinator", **fields) -> str:
    """An observation filed for the scene's group, accepted; returns its code."""
    with app.app_context():
        user = db.session.get(User, scene["ids"][filer])
        fields.setdefault("state", "accepted")
        fields.setdefault("identity", "public")
        observation = factories.observation(
            user, acting_as=ActingAs.GROUP, group_id=scene["group_id"], **fields
        )
        db.session.commit()
        return observation.code


# --- creating and editing -----------------------------------------------------------------------


def test_slugs_are_plain_ascii_from_the_name():
    assert services.slug_base("Comité D-6 ¡Ñandú!") == "comite-d-6-nandu"
    assert services.slug_base("¡¿!") == "group"
    assert len(services.slug_base("x" * 300)) <= services.SLUG_BASE_LENGTH


def test_creating_a_group_makes_its_creator_coordinator(app, scene):
    client = _client(app, "out")
    form = {"name": "Comité D-6", "actor_type_id": scene["actor_id"], "contact": "Calle 3"}
    response = client.post("/groups/new", data=form)
    assert response.status_code == 302
    # A second group of the same name, and one named like a page, get addresses of their own.
    assert response.headers["Location"].endswith("/groups/comite-d-6-2/dashboard")
    client.post("/groups/new", data={**form, "name": "New"})
    with app.app_context():
        slugs = set(db.session.scalars(select(OversightGroup.slug)))
        group = db.session.scalar(select(OversightGroup).where(OversightGroup.slug == "new-2"))
        assert group is not None and group.created_by_id == scene["ids"]["outsider"]
    assert slugs == {"comite-d-6", "comite-d-6-2", "new-2"}
    assert _role(app, group.id, scene["ids"]["outsider"]) == GroupRole.COORDINATOR
    page = client.get("/groups/comite-d-6-2").get_data(as_text=True)
    assert "Calle 3" in page and "Not verified" in page


def test_bad_input_comes_back_as_typed_with_errors(app, scene):
    client = _client(app, "out")
    response = client.post(
        "/groups/new", data={"name": "  ", "actor_type_id": "", "contact": "Plaza 25 de Mayo"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter the group's name." in html.replace("&#39;", "'")
    assert "Choose the type of actor from the list." in html
    assert 'value="Plaza 25 de Mayo"' in html
    response = client.post(
        "/groups/new",
        data={"name": "x" * 161, "actor_type_id": "99999999999999999999", "contact": "y" * 201},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert html.count("Use at most") >= 2 and "Choose the type of actor from the list." in html
    assert count(app, OversightGroup) == 1


def test_the_municipality_must_be_in_the_department(app, scene):
    with app.app_context():
        chuquisaca = factories.department()
        la_paz = factories.department("BO-L", "La Paz")
        el_alto = factories.municipality("020105", "El Alto", la_paz)
        db.session.commit()
        ids = chuquisaca.id, el_alto.id
    client = _client(app, "out")
    response = client.post(
        "/groups/new",
        data={
            "name": "Vecinos",
            "actor_type_id": scene["actor_id"],
            "department_id": ids[0],
            "municipality_id": ids[1],
        },
    )
    assert response.status_code == 400
    assert "This municipality is not in the chosen department." in response.get_data(as_text=True)


def test_only_citizens_with_a_confirmed_address_create_groups(app, scene, make_user):
    make_user(email="new@example.org", verified=False)
    assert _client(app, "new").get("/groups/new").status_code == 403
    assert _client(app, "mod").get("/groups/new").status_code == 403
    assert logged_in(app, None).get("/groups/new").status_code == 302
    assert _client(app, "out").get("/groups/new").status_code == 200


def test_coordinators_edit_the_group_members_do_not(app, scene):
    slug = scene["slug"]
    form = {"name": "Comité del Distrito 6", "actor_type_id": scene["actor_id"], "contact": "C/3"}
    assert _client(app, "member").post(f"/groups/{slug}/edit", data=form).status_code == 403
    coordinator = _client(app, "coord")
    page = coordinator.get(f"/groups/{slug}/edit").get_data(as_text=True)
    assert 'value="Comité D-6"' in page
    assert coordinator.post(f"/groups/{slug}/edit", data=form).status_code == 302
    # The address stays, so links to it keep working.
    page = coordinator.get(f"/groups/{slug}").get_data(as_text=True)
    assert "Comité del Distrito 6" in page and "C/3" in page


def test_moderators_verify_and_unverify_a_group(app, scene, make_user):
    slug, group_id = scene["slug"], scene["group_id"]
    assert _client(app, "coord").post(f"/groups/{slug}/verify").status_code == 403
    moderator = _client(app, "mod")
    assert "Mark the group as verified" in moderator.get(f"/groups/{slug}").get_data(as_text=True)
    assert moderator.post(f"/groups/{slug}/verify").status_code == 302
    with app.app_context():
        group = db.session.get(OversightGroup, group_id)
        assert group.is_verified and group.verified_by_id == scene["ids"]["moderator"]
    page = logged_in(app, None).get(f"/groups/{slug}").get_data(as_text=True)
    assert "Moderators checked that this group exists as it says." in page
    assert moderator.post(f"/groups/{slug}/unverify").status_code == 302
    with app.app_context():
        assert not db.session.get(OversightGroup, group_id).is_verified
    # A moderator who belongs to the group does not verify it.
    with app.app_context():
        group = db.session.get(OversightGroup, group_id)
        services.add_member(group, db.session.get(User, scene["ids"]["moderator"]))
        db.session.commit()
    assert moderator.post(f"/groups/{slug}/verify").status_code == 403


def test_the_list_puts_verified_groups_first(app, scene):
    with app.app_context():
        coordinator = db.session.get(User, scene["ids"]["coordinator"])
        moderator = db.session.get(User, scene["ids"]["moderator"])
        later = services.create_group(coordinator, _data("Zapateros vigilantes"))
        services.set_verified(later, moderator, True)
        db.session.commit()
    html = logged_in(app, None).get("/groups").get_data(as_text=True)
    assert html.index("Zapateros vigilantes") < html.index("Comité D-6")


# --- invitations --------------------------------------------------------------------------------


def _invite(app, scene, email: str, who: str = "coord"):
    return _client(app, who).post(f"/groups/{scene['slug']}/invite", data={"email": email})


def _invitation_link(app) -> str:
    with app.app_context():
        mail = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "group_invitation")
        ).all()[-1]
        return link_from(mail.body, "/groups/invitations/")


def test_an_invitation_is_mailed_and_accepted_once(app, scene, make_user, outbox):
    assert _invite(app, scene, " New@Example.org ").status_code == 302
    (mail,) = outbox("group_invitation")
    assert mail.recipient == "new@example.org" and mail.language == "en"
    assert "Comité D-6" in mail.subject and COORDINATOR_NAME not in mail.body
    link = _invitation_link(app)
    # Signed out: the page names the group and asks to sign in with the invited address.
    page = logged_in(app, None).get(link).get_data(as_text=True)
    assert "Invitation to join Comité D-6" in page and "sign in with the email address" in page
    make_user(email="new@example.org")
    client = _client(app, "new")
    assert "Join the group" in client.get(link).get_data(as_text=True)
    response = client.post(link)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/groups/{scene['slug']}/dashboard")
    assert client.post(link).status_code == 302  # twice: still one membership
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new@example.org"))
    assert count(app, GroupMembership, GroupMembership.user_id == user.id) == 1
    assert _role(app, scene["group_id"], user.id) == GroupRole.MEMBER
    assert "You are already a member" in client.get(link).get_data(as_text=True)


def test_the_invitation_speaks_the_language_of_the_invited_account(app, scene, make_user, outbox):
    make_user(email="runa@example.org", language="qu")
    _invite(app, scene, "runa@example.org")
    assert outbox("group_invitation")[-1].language == "qu"


def test_an_invitation_for_another_address_is_refused(app, scene, outbox):
    _invite(app, scene, "someone.else@example.org")
    link = _invitation_link(app)
    outsider = _client(app, "out")
    page = outsider.get(link).get_data(as_text=True)
    assert "sent to another email address" in page and "Join the group" not in page
    assert outsider.post(link).status_code == 403
    assert _role(app, scene["group_id"], scene["ids"]["outsider"]) is None


def test_expired_forged_and_tampered_invitations_are_a_translated_400(app, scene, monkeypatch):
    _invite(app, scene, "out@example.org")
    link = _invitation_link(app)
    outsider = _client(app, "out")
    monkeypatch.setitem(app.config, "GROUP_INVITATION_MAX_AGE", -1)
    expired = outsider.get(link)
    assert expired.status_code == 400
    assert "This invitation does not work" in expired.get_data(as_text=True)
    assert outsider.post(link).status_code == 400
    monkeypatch.setitem(app.config, "GROUP_INVITATION_MAX_AGE", 3600)
    token = link.rsplit("/", 1)[1]
    for bad in ("forged", token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "x" * 900):
        assert outsider.get(f"/groups/invitations/{bad}").status_code == 400
    spanish = outsider.get("/groups/invitations/forged?lang=es")
    assert spanish.status_code == 400 and '<html lang="es">' in spanish.get_data(as_text=True)
    assert _role(app, scene["group_id"], scene["ids"]["outsider"]) is None
    assert outsider.post(link).status_code == 302  # the real one still works


def test_inviting_checks_the_address(app, scene):
    response = _invite(app, scene, "not an address")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Enter a valid email address" in html and 'value="not an address"' in html
    response = _invite(app, scene, "member@example.org")
    assert response.status_code == 400
    assert "already a member of the group" in response.get_data(as_text=True)
    assert _invite(app, scene, "someone@example.org", who="member").status_code == 403
    assert count(app, OutboxMessage, OutboxMessage.kind == "group_invitation") == 0


# --- members and coordinators -------------------------------------------------------------------


def _membership_id(app, scene, who: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(GroupMembership.id).where(
                GroupMembership.group_id == scene["group_id"],
                GroupMembership.user_id == scene["ids"][who],
            )
        )


def test_a_coordinator_removes_a_member(app, scene):
    slug, member = scene["slug"], _membership_id(app, scene, "member")
    coordinator_id = _membership_id(app, scene, "coordinator")
    assert (
        _client(app, "member").post(f"/groups/{slug}/members/{coordinator_id}/remove").status_code
        == 403
    )
    page = _client(app, "coord").get(f"/groups/{slug}/members").get_data(as_text=True)
    assert MEMBER_NAME in page and "Remove from the group" in page
    response = _client(app, "coord").post(f"/groups/{slug}/members/{member}/remove")
    assert response.status_code == 302
    assert _role(app, scene["group_id"], scene["ids"]["member"]) is None
    assert _client(app, "member").get(f"/groups/{slug}/dashboard").status_code == 403
    # A membership of no group of this address is not found.
    assert _client(app, "coord").post(f"/groups/{slug}/members/{member}/remove").status_code == 404


def test_handing_over_then_stepping_down(app, scene):
    slug = scene["slug"]
    coordinator = _client(app, "coord")
    refused = coordinator.post(f"/groups/{slug}/step-down", follow_redirects=True)
    assert "last coordinator" in refused.get_data(as_text=True)
    assert _role(app, scene["group_id"], scene["ids"]["coordinator"]) == GroupRole.COORDINATOR
    member = _membership_id(app, scene, "member")
    assert coordinator.post(f"/groups/{slug}/members/{member}/coordinator").status_code == 302
    assert _role(app, scene["group_id"], scene["ids"]["member"]) == GroupRole.COORDINATOR
    assert coordinator.post(f"/groups/{slug}/step-down").status_code == 302
    assert _role(app, scene["group_id"], scene["ids"]["coordinator"]) == GroupRole.MEMBER
    # The new coordinator manages; the former one no longer does.
    assert coordinator.get(f"/groups/{slug}/edit").status_code == 403
    assert _client(app, "member").get(f"/groups/{slug}/edit").status_code == 200


def test_a_member_leaves_the_last_coordinator_cannot(app, scene):
    slug = scene["slug"]
    refused = _client(app, "coord").post(f"/groups/{slug}/leave", follow_redirects=True)
    assert "make another member coordinator first" in refused.get_data(as_text=True)
    assert _role(app, scene["group_id"], scene["ids"]["coordinator"]) == GroupRole.COORDINATOR
    response = _client(app, "member").post(f"/groups/{slug}/leave")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/groups/{slug}")
    assert _role(app, scene["group_id"], scene["ids"]["member"]) is None
    assert _client(app, "out").post(f"/groups/{slug}/leave").status_code == 403


def _two_coordinators(app, scene) -> None:
    with app.app_context():
        row = db.session.get(GroupMembership, _membership_id(app, scene, "member"))
        row.role = GroupRole.COORDINATOR
        db.session.commit()


def _both_count_first(monkeypatch) -> None:
    """Hold each request just after it counted the coordinators until the other one counted
    too: without the lock on the group's row both would see two and both would go. With it,
    the second waits for the first's commit (the barrier then times out and it carries on)."""
    both_counted = threading.Barrier(2, timeout=3)
    counting = services._coordinators

    def count_then_wait(group):  # type: ignore[no-untyped-def]
        found = counting(group)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_counted.wait()
        return found

    monkeypatch.setattr(services, "_coordinators", count_then_wait)


@pytest.mark.concurrency
@pytest.mark.parametrize("action", ["leave", "step-down"])
def test_two_coordinators_going_at_once_leave_one(app, scene, monkeypatch, action):
    _two_coordinators(app, scene)
    clients = [_client(app, "coord"), _client(app, "member")]
    _both_count_first(monkeypatch)
    statuses = run_together(
        app, 2, lambda i: clients[i].post(f"/groups/{scene['slug']}/{action}").status_code
    )
    assert statuses == [302, 302]
    roles = [_role(app, scene["group_id"], scene["ids"][who]) for who in ("coordinator", "member")]
    assert roles.count(GroupRole.COORDINATOR) == 1, roles


@pytest.mark.concurrency
def test_accepting_an_invitation_twice_at_once_makes_one_membership(app, scene, make_user):
    _invite(app, scene, "new@example.org")
    link = _invitation_link(app)
    user = make_user(email="new@example.org")
    clients = [_client(app, "new"), _client(app, "new")]
    statuses = run_together(app, 2, lambda i: clients[i].post(link).status_code)
    assert statuses == [302, 302]
    assert count(app, GroupMembership, GroupMembership.user_id == user.id) == 1


@pytest.mark.concurrency
def test_two_groups_of_one_name_at_once_get_two_addresses(app, scene, make_user):
    make_user(email="other@example.org")
    clients = [_client(app, "out"), _client(app, "other")]
    form = {"name": "Vecinos de Lajastambo", "actor_type_id": scene["actor_id"]}
    statuses = run_together(app, 2, lambda i: clients[i].post("/groups/new", data=form).status_code)
    assert statuses == [302, 302]
    with app.app_context():
        slugs = set(db.session.scalars(select(OversightGroup.slug)))
    assert {"vecinos-de-lajastambo", "vecinos-de-lajastambo-2"} <= slugs


# --- the public page ----------------------------------------------------------------------------


def test_the_public_page_shows_only_public_filings_that_show_the_group(app, scene):
    shown = _file_for_group(app, scene, title="Obra paralizada en Lajastambo")
    protected = _file_for_group(app, scene, identity="confidential", title="Cobros indebidos")
    hidden_group = _file_for_group(
        app, scene, identity="confidential", hide_group=True, title="Sin el grupo"
    )
    waiting = _file_for_group(app, scene, state="submitted", title="Aún en moderación")
    moderated = _file_for_group(app, scene, title="Ocultada por moderación")
    with app.app_context():
        db.session.scalar(
            select(Observation).where(Observation.code == moderated)
        ).hidden_at = utcnow()
        db.session.add(
            GroupProgramFollow(group_id=scene["group_id"], program_id=scene["program_id"])
        )
        db.session.commit()
    for viewer in (None, "out@example.org", "mod@example.org", "member@example.org"):
        html = logged_in(app, viewer).get(f"/groups/{scene['slug']}").get_data(as_text=True)
        assert shown in html and protected in html and "Agua potable D-6" in html
        for absent in (hidden_group, "Sin el grupo", waiting, moderated):
            assert absent not in html, (viewer, absent)
        for name in (COORDINATOR_NAME, MEMBER_NAME, "coord@example.org"):
            assert name not in html, (viewer, name)


# --- the dashboard ------------------------------------------------------------------------------


def test_the_dashboard_is_for_members_only(app, scene):
    url = f"/groups/{scene['slug']}/dashboard"
    assert logged_in(app, None).get(url).status_code == 302
    for outsider in ("out", "mod"):
        assert _client(app, outsider).get(url).status_code == 403
        assert (
            _client(app, outsider).get(f"/groups/{scene['slug']}/observations.csv").status_code
            == 403
        )
    assert _client(app, "member").get(url).status_code == 200


def test_the_dashboard_lists_overdue_first_and_names_no_protected_member(app, scene):
    later = _file_for_group(app, scene, identity="confidential", title="Plazo lejano")
    late = _file_for_group(
        app, scene, filer="member", hide_group=True, identity="hidden", title="Plazo vencido"
    )
    named = _file_for_group(app, scene, show_member_name=True, title="Con nombre")
    waiting = _file_for_group(app, scene, state="submitted", title="Esperando moderación")
    with app.app_context():
        today = local_today()
        for code, due in ((later, today + timedelta(days=20)), (late, today - timedelta(days=3))):
            db.session.scalar(select(Observation).where(Observation.code == code)).due_date = due
        db.session.commit()
    html = _client(app, "member").get(f"/groups/{scene['slug']}/dashboard").get_data(as_text=True)
    body = html.split("observations-title", 1)[1].split("programs", 1)[0]
    assert body.index(late) < body.index(later) < body.index(named)
    assert waiting in body and "Moderators: review it" in body
    assert "Overdue" in body and "group hidden from the public" in body
    # The coordinator filed the confidential one: other members do not learn it; the one who
    # chose to be named is.
    assert body.count(COORDINATOR_NAME) == 1
    assert body.count('data-label="Filed by">You<') == 1  # the member's own filing
    assert body.count('data-label="Filed by">The group<') == 2
    coordinator_view = _client(app, "coord").get(f"/groups/{scene['slug']}/dashboard")
    assert MEMBER_NAME not in coordinator_view.get_data(as_text=True).split("observations-title")[1]


def test_the_activity_names_roles_and_institutions_never_people(app, scene):
    code = _file_for_group(app, scene, filer="member", identity="confidential")
    with app.app_context():
        observation = db.session.scalar(select(Observation).where(Observation.code == code))
        responder = factories.user(
            "resp@example.org", role=Role.RESPONDER, institution=observation.institution
        )
        transition(observation, "request_clarification", responder, TransitionData(note="¿Dónde?"))
        transition(observation, "clarify", observation.filer, TransitionData(note="En la plaza"))
        db.session.commit()
    html = _client(app, "coord").get(f"/groups/{scene['slug']}/dashboard").get_data(as_text=True)
    activity = html.split("activity-title", 1)[1]
    assert (
        "A member of the group" in activity and "Gobierno Autónomo Municipal de Sucre" in activity
    )
    assert "Moderation" in activity and "Sent the clarification" in activity
    for name in (MEMBER_NAME, "resp", "Factory Moderator", "En la plaza"):
        assert name not in activity


def test_the_csv_holds_the_group_observations_safely(app, scene):
    _file_for_group(app, scene, identity="confidential", title='=HYPERLINK("http://x","y")')
    _file_for_group(
        app, scene, filer="member", title="@SUM(1+1)", hide_group=True, identity="hidden"
    )
    response = _client(app, "member").get(f"/groups/{scene['slug']}/observations.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2
    titles = {row["title"] for row in rows}
    assert titles == {'\'=HYPERLINK("http://x","y")', "'@SUM(1+1)"}
    assert {row["group_shown"] for row in rows} == {"yes", "no"}
    assert all(row["state"] == "accepted" for row in rows)
    for name in (COORDINATOR_NAME, MEMBER_NAME, "coord@example.org", "member@example.org"):
        assert name not in text


# --- followed programs --------------------------------------------------------------------------


def test_coordinators_choose_the_programs_the_group_follows(app, scene):
    slug = scene["slug"]
    coordinator = _client(app, "coord")
    assert (
        _client(app, "member")
        .post(f"/groups/{slug}/programs", data={"program": "SUC-AG-01"})
        .status_code
        == 403
    )
    response = coordinator.post(f"/groups/{slug}/programs", data={"program": "nothing like it"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "No program has that code" in html and 'value="nothing like it"' in html
    assert (
        coordinator.post(f"/groups/{slug}/programs", data={"program": "suc-ag-01"}).status_code
        == 302
    )
    assert count(app, GroupProgramFollow) == 1
    # Words naming several programs: the candidates come back to choose from.
    with app.app_context():
        other = factories.program(code="SUC-AG-02", titles={"es": "Agua potable D-7"})
        db.session.commit()
        other_id = other.id
    response = coordinator.post(f"/groups/{slug}/programs", data={"program": "agua potable"})
    assert response.status_code == 400
    assert f"/groups/{slug}/programs/{other_id}/follow" in response.get_data(as_text=True)
    assert coordinator.post(f"/groups/{slug}/programs/{other_id}/follow").status_code == 302
    assert coordinator.post(f"/groups/{slug}/programs/{other_id}/follow").status_code == 302
    assert count(app, GroupProgramFollow) == 2
    assert "Agua potable D-7" in logged_in(app, None).get(f"/groups/{slug}").get_data(as_text=True)
    assert coordinator.post(f"/groups/{slug}/programs/{other_id}/unfollow").status_code == 302
    assert count(app, GroupProgramFollow) == 1


# --- notices ------------------------------------------------------------------------------------


def test_members_hear_of_changes_without_the_filer_named(app, scene, make_user, outbox):
    follower = make_user(email="fan@example.org", language="en")
    spanish = make_user(email="es@example.org", language="es")
    with app.app_context():
        group = db.session.get(OversightGroup, scene["group_id"])
        for person in (follower, spanish):
            services.add_member(group, db.session.get(User, person.id))
        filer = db.session.get(User, scene["ids"]["coordinator"])
        observation = factories.observation(
            filer, acting_as=ActingAs.GROUP, group_id=group.id, identity="confidential"
        )
        db.session.add(ObservationFollow(user_id=follower.id, observation_id=observation.id))
        db.session.commit()
        # Filing is news to nobody.
        assert count(app, Notification, Notification.kind == "group") == 0
        moderator = db.session.get(User, scene["ids"]["moderator"])
        transition(observation, "accept", moderator)
        db.session.commit()
        code = observation.code
    with app.app_context():
        told = set(
            db.session.scalars(select(Notification.user_id).where(Notification.kind == "group"))
        )
    # The member and the Spanish speaker; not the filer (told as the filer), not the follower
    # (told as a follower), not the moderator who acted.
    assert told == {scene["ids"]["member"], spanish.id}
    mails = outbox("notify_group")
    assert sorted(m.recipient for m in mails) == ["es@example.org", "member@example.org"]
    by_language = {m.language: m for m in mails}
    assert (
        f"Observation {code} of Comité D-6 is now: Accepted and forwarded."
        in by_language["en"].body
    )
    assert by_language["es"].subject != by_language["en"].subject
    for mail in mails:
        assert COORDINATOR_NAME not in mail.body and "coord@example.org" not in mail.body
        assert f"/groups/{scene['slug']}/dashboard" in mail.body
    page = _client(app, "member").get("/notifications").get_data(as_text=True)
    assert f'href="/groups/{scene["slug"]}/dashboard' in page


def test_a_filing_that_hides_the_group_does_not_name_it_in_notices(app, scene, outbox):
    with app.app_context():
        filer = db.session.get(User, scene["ids"]["coordinator"])
        observation = factories.observation(
            filer, acting_as=ActingAs.GROUP, group_id=scene["group_id"], hide_group=True,
            identity="confidential",
        )  # fmt: skip
        transition(observation, "accept", db.session.get(User, scene["ids"]["moderator"]))
        db.session.commit()
    (mail,) = outbox("notify_group")
    assert "Comité D-6" not in mail.subject + mail.body
    assert re.search(r"An observation of your group, CS-\d{4}-\d+, is now", mail.body)


# --- the demo -----------------------------------------------------------------------------------


def test_the_demo_has_two_groups_one_verified_with_group_filings(app):
    result = app.test_cli_runner().invoke(args=["demo", "--small"])
    assert result.exit_code == 0, result.output
    assert "2 oversight groups" in result.output
    with app.app_context():
        groups = {g.slug: g for g in db.session.scalars(select(OversightGroup))}
        assert sorted(g.is_verified for g in groups.values()) == [False, True]
        lead = db.session.scalar(select(User).where(User.email == "control.social@demo.qhawaq.bo"))
        roles = set(
            db.session.scalars(
                select(GroupMembership.role).where(GroupMembership.user_id == lead.id)
            )
        )
        assert roles == {GroupRole.COORDINATOR}
        assert count(app, GroupMembership) >= 6
        filed = db.session.scalars(
            select(Observation).where(Observation.acting_as == ActingAs.GROUP)
        ).all()
        assert len(filed) == 2 and all(o.group_id in {g.id for g in groups.values()} for o in filed)
        slug = next(g.slug for g in groups.values() if g.is_verified)
        code = next(o.code for o in filed if o.group_id == groups[slug].id)
    page = logged_in(app, None).get(f"/groups/{slug}").get_data(as_text=True)
    assert code in page and "Elena Huanca" not in page
    dashboard = logged_in(app, "control.social@demo.qhawaq.bo", "qhawaq-demo-2026")
    assert dashboard.get(f"/groups/{slug}/dashboard").status_code == 200


def test_a_leaving_account_hands_its_groups_over(app, scene, make_user):
    """For the account deletion (app/accounts/deletion_purge.py deletes memberships): the last
    coordinator's group gets the longest-standing other member as coordinator."""
    later = make_user(email="later@example.org")
    with app.app_context():
        group = db.session.get(OversightGroup, scene["group_id"])
        services.add_member(group, db.session.get(User, later.id))
        alone = services.create_group(db.session.get(User, scene["ids"]["outsider"]), _data("Solo"))
        services.hand_over_before_leaving_the_site(
            db.session.get(User, scene["ids"]["coordinator"])
        )
        services.hand_over_before_leaving_the_site(db.session.get(User, scene["ids"]["outsider"]))
        db.session.commit()
        alone_id = alone.id
    assert _role(app, scene["group_id"], scene["ids"]["member"]) == GroupRole.COORDINATOR
    assert _role(app, scene["group_id"], later.id) == GroupRole.MEMBER
    assert _role(app, alone_id, scene["ids"]["outsider"]) == GroupRole.COORDINATOR


def test_the_dashboard_pages_link_to_the_dashboard_even_after_a_form_error(app, scene, monkeypatch):
    from app.groups import dashboard_routes

    monkeypatch.setattr(dashboard_routes, "PER_PAGE", 1)
    _file_for_group(app, scene, title="Primera")
    _file_for_group(app, scene, title="Segunda")
    coordinator = _client(app, "coord")
    slug = scene["slug"]
    response = coordinator.post(f"/groups/{slug}/programs", data={"program": ""})
    assert response.status_code == 400
    assert f'href="/groups/{slug}/dashboard?page=2"' in response.get_data(as_text=True)
    pages = [
        coordinator.get(f"/groups/{slug}/dashboard?page={n}").get_data(as_text=True) for n in (1, 2)
    ]
    assert "Segunda" in pages[0] and "Primera" not in pages[0] and "Primera" in pages[1]
