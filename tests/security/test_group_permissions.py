"""Every oversight-group route by every viewpoint a group knows: a visitor, the group's
coordinator, one of its members, a citizen outside it, a moderator and an admin (neither in the
group). POSTs are sent without data, as in test_authorization.py: 302/200/400 mean "let in" (done,
refused with a message, or form errors), 403 "refused", 302 for the visitor is the login page.

Each POST gets a fresh world for every viewpoint, so what one did (leaving, removing) does not
decide the next one's answer. A route under /groups without an expectation here fails
``test_every_group_route_has_an_expectation``."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.accounts.models import Role, User
from app.accounts.permissions import can
from app.core.db import utcnow
from app.extensions import db
from app.groups import invitations, services
from app.groups.models import GroupMembership, GroupRole, OversightGroup
from app.groups.services import GroupData
from app.observations.models import ActingAs, ActorType
from tests import factories
from tests.security.matrix import empty_database, path_for

ROLES = ("anonymous", "coordinator", "member", "non_member", "moderator", "admin")

#: (rule, method) → statuses in ROLES order.
EXPECTED: dict[tuple[str, str], tuple[int, ...]] = {
    # Public: the list and a group's page.
    ("/groups", "GET"): (200,) * 6,
    ("/groups/<slug>", "GET"): (200,) * 6,
    # Citizens with a confirmed address start groups; staff do not (an empty form: 400).
    ("/groups/new", "GET"): (302, 200, 200, 200, 403, 403),
    ("/groups/new", "POST"): (302, 400, 400, 400, 403, 403),
    # Coordinators edit the group and choose its programs.
    ("/groups/<slug>/edit", "GET"): (302, 200, 403, 403, 403, 403),
    ("/groups/<slug>/edit", "POST"): (302, 400, 403, 403, 403, 403),
    ("/groups/<slug>/programs", "POST"): (302, 400, 403, 403, 403, 403),
    ("/groups/<slug>/programs/<int:program_id>/follow", "POST"): (302, 302, 403, 403, 403, 403),
    ("/groups/<slug>/programs/<int:program_id>/unfollow", "POST"): (302, 302, 403, 403, 403, 403),
    # Members share the dashboard, its CSV and the member list.
    ("/groups/<slug>/dashboard", "GET"): (302, 200, 200, 403, 403, 403),
    ("/groups/<slug>/observations.csv", "GET"): (302, 200, 200, 403, 403, 403),
    ("/groups/<slug>/members", "GET"): (302, 200, 200, 403, 403, 403),
    # Coordinators invite (an empty form: 400), remove and promote members.
    ("/groups/<slug>/invite", "POST"): (302, 400, 403, 403, 403, 403),
    ("/groups/<slug>/members/<int:membership_id>/remove", "POST"): (302, 302, 403, 403, 403, 403),
    ("/groups/<slug>/members/<int:membership_id>/coordinator", "POST"): (
        302,
        302,
        403,
        403,
        403,
        403,
    ),
    # The only coordinator is refused with a message (302 back to the list).
    ("/groups/<slug>/step-down", "POST"): (302, 302, 403, 403, 403, 403),
    ("/groups/<slug>/leave", "POST"): (302, 302, 302, 403, 403, 403),
    # Moderators and admins outside the group verify it.
    ("/groups/<slug>/verify", "POST"): (302, 403, 403, 403, 302, 302),
    ("/groups/<slug>/unverify", "POST"): (302, 403, 403, 403, 302, 302),
    # The invitation link (to the non-member's address): anyone may look; only the person
    # signed in with the invited address joins. A forged link is a 400 for everybody.
    ("/groups/invitations/<token>", "GET"): (200,) * 6,
    ("/groups/invitations/<token>", "POST"): (302, 403, 403, 302, 403, 403),
}
FORGED: dict[tuple[str, str], tuple[int, ...]] = {
    ("/groups/invitations/<token>", "GET"): (400,) * 6,
    ("/groups/invitations/<token>", "POST"): (400,) * 6,
}


@dataclass
class GroupWorld:
    users: dict[str, int]
    params: dict[str, object]

    def client(self, app: Flask, role: str) -> FlaskClient:
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        if role != "anonymous":
            with app.app_context():
                session_id = db.session.get(User, self.users[role]).get_id()
            with client.session_transaction() as session:
                session["_user_id"] = session_id
                session["_fresh"] = True
        return client


def build(app: Flask) -> GroupWorld:
    with app.app_context():
        people = {
            role: factories.user(
                f"{role}@example.org",
                role={"moderator": Role.MODERATOR, "admin": Role.ADMIN}.get(role, Role.CITIZEN),
                email_verified_at=utcnow(),
            )
            for role in ROLES[1:]
        }
        actor = ActorType(key="comunitario", names={"es": "Comunitario"})
        db.session.add(actor)
        db.session.flush()
        data = GroupData("Comité D-6", actor, "", None, None, "")
        group = services.create_group(people["coordinator"], data)
        services.add_member(group, people["member"])
        program = factories.program()
        services.follow_program(group, program)
        factories.observation(
            people["coordinator"], state="accepted", acting_as=ActingAs.GROUP, group_id=group.id
        )
        membership = db.session.scalar(
            select(GroupMembership).where(GroupMembership.user_id == people["member"].id)
        )
        db.session.commit()
        world = GroupWorld(
            users={role: user.id for role, user in people.items()},
            params={
                "slug": group.slug,
                "membership_id": membership.id,
                "program_id": program.id,
                "token": invitations.make_token(group, "non_member@example.org"),
            },
        )
        db.session.remove()
        return world


def observe(app: Flask, rule: str, method: str, **params: object) -> tuple[int, ...]:
    statuses = []
    world = None
    for role in ROLES:
        if world is None or method == "POST":
            empty_database(app)
            world = build(app)
        path = path_for(rule, {**world.params, **params})
        response = world.client(app, role).open(path, method=method, data={})
        statuses.append(response.status_code)
        response.close()
    return tuple(statuses)


def group_routes(app: Flask) -> set[tuple[str, str]]:
    return {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.rule == "/groups" or rule.rule.startswith("/groups/")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }


def test_every_group_route_has_an_expectation(app: Flask) -> None:
    routes = group_routes(app)
    missing = sorted(routes - EXPECTED.keys())
    assert not missing, f"add these routes to EXPECTED: {missing}"
    assert not sorted(EXPECTED.keys() - routes), "EXPECTED lists routes that no longer exist"


@pytest.mark.parametrize(
    ("rule", "method"), sorted(EXPECTED), ids=[f"{m} {r}" for r, m in sorted(EXPECTED)]
)
def test_group_permission_matrix(app: Flask, rule: str, method: str) -> None:
    expected = EXPECTED[(rule, method)]
    observed = observe(app, rule, method)
    assert observed == expected, "\n".join(
        f"{role:<12} expected {e}, got {o}{'  <--' if e != o else ''}"
        for role, e, o in zip(ROLES, expected, observed, strict=True)
    )


@pytest.mark.parametrize(("rule", "method"), sorted(FORGED))
def test_a_forged_invitation_is_a_400_for_everybody(app: Flask, rule: str, method: str) -> None:
    assert observe(app, rule, method, token="not-a-valid-token") == FORGED[(rule, method)]


def test_the_rules_answer_like_the_matrix(app: Flask) -> None:
    """``can()`` itself, per question and viewpoint, for what templates ask (menus, buttons)."""
    world = build(app)
    with app.app_context():
        group = db.session.scalar(select(OversightGroup))
        users = {
            r: (db.session.get(User, world.users[r]) if r != "anonymous" else None) for r in ROLES
        }
        expected = {
            "group.create": (False, True, True, True, False, False),
            "group.edit": (False, True, False, False, False, False),
            "group.manage_members": (False, True, False, False, False, False),
            "group.dashboard": (False, True, True, False, False, False),
            "group.verify": (False, False, False, False, True, True),
        }
        for question, answers in expected.items():
            obj = None if question == "group.create" else group
            got = tuple(can(users[r], question, obj) for r in ROLES)
            assert got == answers, question
        # A suspended coordinator is nobody; a promoted member is a coordinator.
        users["coordinator"].blocked_at = utcnow()
        assert not can(users["coordinator"], "group.edit", group)
        db.session.scalar(
            select(GroupMembership).where(GroupMembership.user_id == users["member"].id)
        ).role = GroupRole.COORDINATOR
        assert can(users["member"], "group.manage_members", group)
        db.session.rollback()
        db.session.remove()
