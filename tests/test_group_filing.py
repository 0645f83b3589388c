"""Filing on behalf of an oversight group (issue 18): through the real form, with the membership
checked on the server when the form is posted; drafts keep the choice; what each viewer sees of
the member and of the group (observations.permissions.shown_filer) at every identity level; the
public data (API, files) and the accountability pages' kinds of filer, recounted.

The leak crawl of group filings is in tests/test_observation_privacy.py."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from itertools import product
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from app.accountability import services as figure_services
from app.accountability.filer_kinds import filer_kinds
from app.accountability.scope import Scope, default_period
from app.accounts.models import Role, User
from app.core.clock import local_today
from app.core.db import utcnow
from app.extensions import db
from app.groups import filing as group_filing
from app.groups.models import GroupMembership, GroupRole, OversightGroup
from app.observations import permissions, states
from app.observations.models import ActingAs, ActorType, IdentityLevel, Observation
from tests import factories
from tests.conftest import logged_in

MEMBER_EMAIL = "member.group@example.org"
GROUP_NAME = "Control Social Barrio Norte"


@pytest.fixture
def world(app, make_user):
    """A category, an institution, a department; a group with an actor type; its member (who
    files), a fellow coordinator, and a citizen of no group."""
    with app.app_context():
        factories.department("BO-H", "Chuquisaca")
        institution = factories.institution()
        category = factories.category("information", 15)
        organico = ActorType(key="organico", names={"es": "Orgánico"}, position=1)
        comunitario = ActorType(key="comunitario", names={"es": "Comunitario"}, position=2)
        db.session.add_all([organico, comunitario])
        db.session.flush()
        group = OversightGroup(
            slug="barrio-norte", name=GROUP_NAME, actor_type_id=organico.id, contact=""
        )
        other_group = OversightGroup(slug="otro-grupo", name="Otro Grupo", contact="")
        db.session.add_all([group, other_group])
        db.session.commit()
        ids = {
            "institution": institution.id,
            "category": category.id,
            "group": group.id,
            "other_group": other_group.id,
            "organico": organico.id,
            "comunitario": comunitario.id,
        }
    member = make_user(email=MEMBER_EMAIL, display_name="Miembro Que Presenta")
    coordinator = make_user(email="coord.group@example.org", display_name="Coordina")
    make_user(email="nobody.group@example.org", display_name="Sin Grupo")
    with app.app_context():
        db.session.add_all(
            [
                GroupMembership(group_id=ids["group"], user_id=member.id),
                GroupMembership(
                    group_id=ids["group"], user_id=coordinator.id, role=GroupRole.COORDINATOR
                ),
            ]
        )
        db.session.commit()
    return ids


def open_form(client, url="/observations/new"):
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    return token, html


def form_data(world, token, **overrides):
    data = {
        "token": token,
        "institution_id": str(world["institution"]),
        "category_id": str(world["category"]),
        "title": "Obra paralizada en el barrio",
        "description": "Desde marzo no hay trabajadores en la obra del tanque de agua.",
        "department": "BO-H",
        "acting_as": f"group-{world['group']}",
        "actor_type_id": str(world["comunitario"]),
        "identity": "public",
        "submit": "File observation",
    }
    data.update(overrides)
    return data


def filed(app) -> list[Observation]:
    with app.app_context():
        rows = list(db.session.scalars(select(Observation).order_by(Observation.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


# --- the form ---------------------------------------------------------------------------------


def test_a_member_files_for_the_group_through_the_form(app, world):
    client = logged_in(app, MEMBER_EMAIL)
    token, html = open_form(client)
    assert f'value="group-{world["group"]}"' in html
    assert f"On behalf of {GROUP_NAME}" in html
    assert f'value="group-{world["other_group"]}"' not in html  # not their group
    assert 'name="show_member_name"' in html and 'name="hide_group"' in html
    response = client.post("/observations/new", data=form_data(world, token, show_member_name="y"))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    [observation] = filed(app)
    assert observation.code and observation.state.value == "submitted"
    assert observation.acting_as == ActingAs.GROUP
    assert observation.group_id == world["group"]
    # The group's actor type, not the one chosen in the select.
    assert observation.actor_type_id == world["organico"]
    assert observation.show_member_name and not observation.hide_group
    assert observation.organisation_name == ""


def test_a_person_of_no_group_is_offered_none_and_cannot_forge_one(app, world):
    client = logged_in(app, "nobody.group@example.org")
    token, html = open_form(client)
    assert "group-" not in html and 'name="hide_group"' not in html
    for forged in (f"group-{world['group']}", "group-999999", "group-x", "group-", "group"):
        response = client.post("/observations/new", data=form_data(world, token, acting_as=forged))
        assert response.status_code == 400, forged
        assert "You can file for a group only while you are one of its members." in (
            response.get_data(as_text=True)
        )
    # Saving a draft is refused the same way.
    response = client.post(
        "/observations/new",
        data=form_data(world, token, save_draft="Save draft", submit=""),
    )
    assert response.status_code == 400
    assert filed(app) == []


def test_membership_is_checked_when_the_form_is_posted(app, world):
    """The form was opened as a member; they left the group before sending it."""
    client = logged_in(app, MEMBER_EMAIL)
    token, _html = open_form(client)
    with app.app_context():
        db.session.execute(
            delete(GroupMembership).where(GroupMembership.group_id == world["group"])
        )
        db.session.commit()
    response = client.post("/observations/new", data=form_data(world, token))
    assert response.status_code == 400
    assert filed(app) == []
    # As themself, the same form files.
    response = client.post(
        "/observations/new", data=form_data(world, token, acting_as="individual")
    )
    assert response.status_code == 302
    [observation] = filed(app)
    assert observation.acting_as == ActingAs.INDIVIDUAL and observation.group_id is None
    assert observation.actor_type_id == world["comunitario"]


def test_the_public_level_cannot_hide_the_group(app, world):
    client = logged_in(app, MEMBER_EMAIL)
    token, _html = open_form(client)
    response = client.post("/observations/new", data=form_data(world, token, hide_group="y"))
    assert response.status_code == 400
    assert "The public level shows the group." in response.get_data(as_text=True)
    assert filed(app) == []
    response = client.post(
        "/observations/new", data=form_data(world, token, hide_group="y", identity="hidden")
    )
    assert response.status_code == 302
    [observation] = filed(app)
    assert observation.hide_group and observation.identity == IdentityLevel.HIDDEN


def test_choices_apart_from_a_group_are_not_stored(app, world):
    client = logged_in(app, MEMBER_EMAIL)
    token, _html = open_form(client)
    data = form_data(
        world,
        token,
        acting_as="organisation",
        organisation_name="Junta Vecinal",
        show_member_name="y",
        hide_group="y",
        identity="confidential",
    )
    assert client.post("/observations/new", data=data).status_code == 302
    [observation] = filed(app)
    assert observation.acting_as == ActingAs.ORGANISATION
    assert (observation.group_id, observation.show_member_name, observation.hide_group) == (
        None,
        False,
        False,
    )
    assert observation.organisation_name == "Junta Vecinal"


def test_a_draft_keeps_the_group_and_the_choices(app, world):
    client = logged_in(app, MEMBER_EMAIL)
    token, _html = open_form(client)
    response = client.post(
        "/observations/new",
        data=form_data(
            world,
            token,
            identity="confidential",
            show_member_name="y",
            hide_group="y",
            save_draft="Save draft",
            submit="",
        ),
    )
    assert response.status_code == 302
    [draft] = filed(app)
    assert draft.code is None
    assert (draft.acting_as, draft.group_id) == (ActingAs.GROUP, world["group"])
    assert draft.show_member_name and draft.hide_group
    url = f"/observations/drafts/{draft.id}"
    token, html = open_form(client, url)
    assert re.search(
        rf'checked id="acting_as-\d" name="acting_as" type="radio" value="group-{world["group"]}"',
        html,
    )
    assert re.search(r'checked id="show_member_name"', html)
    assert re.search(r'checked id="hide_group"', html)
    # Filing the draft as it is files it for the group.
    response = client.post(
        "/observations/new",
        data=form_data(world, token, identity="confidential", show_member_name="y", hide_group="y"),
    )
    assert response.status_code == 302
    [observation] = filed(app)
    assert observation.id == draft.id and observation.code
    assert observation.group_id == world["group"] and observation.hide_group


def test_a_draft_of_a_group_left_since_asks_to_choose_again(app, world):
    client = logged_in(app, MEMBER_EMAIL)
    token, _html = open_form(client)
    data = form_data(world, token, save_draft="Save draft", submit="")
    assert client.post("/observations/new", data=data).status_code == 302
    [draft] = filed(app)
    with app.app_context():
        db.session.execute(
            delete(GroupMembership).where(GroupMembership.group_id == world["group"])
        )
        db.session.commit()
    token, html = open_form(client, f"/observations/drafts/{draft.id}")
    assert "You are no longer a member of the group of this draft" in html
    assert "group-" not in html
    response = client.post("/observations/new", data=form_data(world, token))
    assert response.status_code == 400
    assert filed(app)[0].code is None


# --- what each viewer sees ----------------------------------------------------------------------

VIEWERS = ("filer", "moderator", "responder", "other_responder", "fellow", "citizen", "anonymous")
LEVELS = ("public", "hidden", "confidential")


def expected(viewer: str, identity: str, show: bool, hide: bool) -> tuple[bool, bool]:
    """(the member, the group), from the issue's words: public shows the group and, if the
    member chose, their name; hidden and confidential protect the member (the institution sees
    them at the hidden level, and so at the public one); the member may hide the group too,
    which is then seen where the member is, and by the group's own members."""
    if viewer in ("filer", "moderator"):
        return True, True
    if viewer == "responder":
        person = identity in ("public", "hidden")
    else:
        person = identity == "public" and show
    return person, (not hide) or person or viewer == "fellow"


@pytest.fixture
def people(app_ctx, world):
    institution = factories.institution()
    other = factories.institution("Ministerio Ajeno", "MA")

    def person(email: str, role: Role = Role.CITIZEN, inst=None) -> User:
        return factories.user(email, role=role, institution=inst, email_verified_at=utcnow())

    found = {
        "filer": db.session.scalar(select(User).where(User.email == MEMBER_EMAIL)),
        "fellow": db.session.scalar(select(User).where(User.email == "coord.group@example.org")),
        "moderator": person("mod.group@example.org", Role.MODERATOR),
        "responder": person("resp.group@example.org", Role.RESPONDER, institution),
        "other_responder": person("other.group@example.org", Role.RESPONDER, other),
        "citizen": db.session.scalar(select(User).where(User.email == "nobody.group@example.org")),
        "anonymous": None,
    }
    db.session.flush()
    return found


def _group_filing(filer: User, group_id: int, identity: str, show: bool, hide: bool) -> Observation:
    observation = factories.observation(
        filer, state="accepted", identity=identity, institution=factories.institution()
    )
    observation.acting_as = ActingAs.GROUP
    observation.group_id = group_id
    observation.show_member_name = show
    observation.hide_group = hide
    db.session.flush()
    return observation


COMBINATIONS = list(product(LEVELS, (False, True), (False, True)))


@pytest.mark.parametrize(("identity", "show", "hide"), COMBINATIONS)
def test_every_viewer_sees_what_the_rule_says(people, world, identity, show, hide):
    observation = _group_filing(people["filer"], world["group"], identity, show, hide)
    for viewer, user in people.items():
        got = (
            permissions.can(user, "observation.see_filer", observation),
            permissions.can(user, "observation.see_group", observation),
        )
        assert got == expected(viewer, identity, show, hide), viewer
        # What the groups' pages ask: the group itself, or nothing.
        shown = group_filing.shown_group(user, observation)
        assert (shown.id if shown else None) == (world["group"] if got[1] else None), viewer
    # A suspended member is anonymous: no group they hid from the public.
    people["fellow"].blocked_at = utcnow()
    assert (
        permissions.can(people["fellow"], "observation.see_group", observation)
        == (expected("anonymous", identity, show, hide)[1])
    )


def test_the_public_condition_in_sql_is_the_rule(people, world):
    made = [
        _group_filing(people["filer"], world["group"], identity, show, hide)
        for identity, show, hide in COMBINATIONS
    ]
    individual = factories.observation(people["filer"], state="accepted")
    shown = set(
        db.session.scalars(select(Observation.id).where(permissions.group_shown_publicly()))
    )
    assert shown == {o.id for o in made if permissions.can(None, "observation.see_group", o)}
    assert individual.id not in shown
    assert 0 < len(shown) < len(made)
    # The group's public page lists exactly those.
    listed = set(db.session.scalars(group_filing.public_filings(world["group"])).all())
    assert {o.id for o in listed} == shown


def _page(app, who: str | None, code: str) -> str:
    client = logged_in(app, who)
    response = client.get(f"/observations/{code}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_observation_page_links_the_group_and_escapes_its_name(app, world):
    with app.app_context():
        group = db.session.get(OversightGroup, world["group"])
        group.name = "<script>alert(1)</script> Vecinos"
        filer = db.session.scalar(select(User).where(User.email == MEMBER_EMAIL))
        observation = _group_filing(filer, group.id, "public", True, False)
        db.session.commit()
        code = observation.code
    html = _page(app, None, code)
    assert (
        '<a href="/groups/barrio-norte">&lt;script&gt;alert(1)&lt;/script&gt; Vecinos</a>' in html
    )
    assert "Miembro Que Presenta, on behalf of" in html
    assert "<script>alert(1)" not in html
    # The group's page is the one linked.
    assert logged_in(app, None).get("/groups/barrio-norte").status_code == 200


# --- the public data ----------------------------------------------------------------------------


def test_the_data_carry_the_kind_of_filer_and_the_group_only_where_shown(app, world):
    with app.app_context():
        filer = db.session.scalar(select(User).where(User.email == MEMBER_EMAIL))
        individual = factories.observation(filer, state="accepted", identity="public")
        organisation = factories.observation(
            filer,
            state="accepted",
            identity="public",
            acting_as=ActingAs.ORGANISATION,
            organisation_name="Junta Vecinal",
            actor_type_id=world["comunitario"],
        )
        shown = _group_filing(filer, world["group"], "confidential", False, False)
        hidden = _group_filing(filer, world["group"], "hidden", False, True)
        for o in (shown, hidden):
            o.actor_type_id = world["organico"]
        db.session.commit()
        codes = {o.code: o for o in (individual, organisation, shown, hidden)}
        expected_rows = {
            individual.code: ("individual", None, "", "Miembro Que Presenta"),
            organisation.code: ("organisation", "comunitario", "", "Miembro Que Presenta"),
            shown.code: ("group", "organico", GROUP_NAME, ""),
            hidden.code: ("group", "organico", "", ""),
        }
    client = logged_in(app, None)
    items = client.get("/api/v1/observations?per_page=50").get_json()["items"]
    assert {
        i["code"]: (i["filer_kind"], i["actor_type"], i["group"], i["filer_name"]) for i in items
    } == expected_rows
    for code in codes:
        one = client.get(f"/api/v1/observations/{code}").get_json()
        assert (one["filer_kind"], one["actor_type"], one["group"], one["filer_name"]) == (
            expected_rows[code]
        )
    with client.get("/open-data/observations.json") as response:
        rows = response.get_json()["items"]
    assert {
        r["code"]: (r["filer_kind"], r["actor_type"], r["group"], r["filer_name"]) for r in rows
    } == expected_rows
    with client.get("/open-data/observations.csv") as response:
        csv_text = response.get_data(as_text=True)
    assert csv_text.count(GROUP_NAME) == 1
    header = next(line for line in csv_text.splitlines() if not line.startswith("#"))
    assert {"filer_kind", "actor_type", "group"} <= set(header.split(","))
    # The dictionary and the OpenAPI document are derived from the same columns.
    dictionary = client.get("/open-data/dictionary").get_data(as_text=True)
    assert "filer_kind" in dictionary and "actor_type" in dictionary
    document = client.get("/api/openapi.json").get_json()
    properties = next(
        schema["properties"]
        for schema in document["components"]["schemas"].values()
        if "filer_kind" in schema.get("properties", {})
    )
    assert properties["filer_kind"]["enum"] == ["group", "individual", "organisation"]
    assert properties["group"]["type"] == "string"


# --- accountability: the kinds of filer, recounted -----------------------------------------------


def test_filer_kinds_equal_a_recount(app, world):
    with app.app_context():
        filer = db.session.scalar(select(User).where(User.email == MEMBER_EMAIL))
        made = [
            factories.observation(filer, state="accepted"),
            factories.observation(filer, state="accepted"),
            factories.observation(
                filer,
                state="accepted",
                acting_as=ActingAs.ORGANISATION,
                organisation_name="Junta",
                actor_type_id=world["comunitario"],
            ),
            factories.observation(
                filer,
                state="accepted",
                acting_as=ActingAs.ORGANISATION,
                organisation_name="Junta",
            ),
            _group_filing(filer, world["group"], "public", True, False),
            _group_filing(filer, world["group"], "confidential", False, True),
            # Not counted: still waiting for moderation, and hidden by moderation.
            factories.observation(filer, state="submitted", acting_as=ActingAs.ORGANISATION),
            _group_filing(filer, world["group"], "public", False, False),
        ]
        for o in made[4:6]:
            o.actor_type_id = world["organico"]
        made[-1].hidden_at = utcnow()
        db.session.commit()

        start, end = default_period(local_today())
        scope = Scope(start=start, end=end)
        kinds = filer_kinds(scope)
        recount: Counter[tuple[str, str | None]] = Counter()
        for o in db.session.scalars(select(Observation)):
            if o.state in states.PUBLIC_STATES and o.hidden_at is None:
                key = o.actor_type.key if o.actor_type else None
                recount[(o.acting_as.value, key)] += 1
        got = Counter(
            {
                (k.kind.value, c.actor_type.key if c.actor_type else None): c.count
                for k in kinds
                for c in k.by_actor_type
            }
        )
        assert got == recount
        assert {k.kind.value: k.count for k in kinds} == {
            "individual": 2,
            "organisation": 2,
            "group": 2,
        }
        assert sum(k.count for k in kinds) == figure_services.figures_for(scope).counts.accepted
        # An institution's scope narrows them like every figure.
        other = Scope(start=start, end=end, institution_id=999999)
        assert all(k.count == 0 for k in filer_kinds(other))
        counted = db.session.scalar(select(func.count()).select_from(Observation))
        assert counted == len(made)

    client = logged_in(app, None)
    html = client.get("/accountability").get_data(as_text=True)
    assert "Who files" in html and "Oversight groups" in html
    assert GROUP_NAME not in html and "Miembro Que Presenta" not in html
    assert client.get(f"/institutions/{world['institution']}").status_code == 200
    assert client.get("/territories/BO-H").status_code == 200
    statistics = client.get("/api/v1/statistics").get_json()
    assert (
        Counter(
            {(row["kind"], row["actor_type"]): row["count"] for row in statistics["filer_kinds"]}
        )
        == recount
    )


# --- wiring ---------------------------------------------------------------------------------------


def test_a_fresh_app_knows_who_belongs_to_which_group():
    """Observations ask app.groups.filing through a registry: an app made by create_app in a
    fresh interpreter has it (otherwise the filing form would fail)."""
    script = (
        "from app import create_app\n"
        "from tests.conftest import make_config\n"
        "create_app(make_config())\n"
        "from app.observations import permissions\n"
        "print(len(permissions._member_groups))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout
    assert out.strip() == "1"
