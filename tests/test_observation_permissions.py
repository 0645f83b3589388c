"""``app.observations.permissions.can``, the one permission question for observations, as a
matrix: every kind of person, in observation states, identity levels, hidden or not, for every
question, against rules written out by hand below. The detail page and the routes ask the same
function (the template's ``can`` is the site-wide one these rules are registered with)."""

from __future__ import annotations

from itertools import product

import pytest
from sqlalchemy import select

from app.accounts import permissions as site_permissions
from app.accounts.models import Role, User
from app.core.db import utcnow
from app.extensions import db
from app.institutions.models import Institution
from app.observations import lifecycle, permissions
from app.observations.actions import TransitionData
from app.observations.models import Evidence, Observation, ObservationEvent
from tests import factories

PEOPLE = ("filer", "moderator", "admin", "responder", "other_responder", "citizen", "anonymous")
SCENARIOS = ("submitted", "accepted", "rejected")
IDENTITIES = ("public", "hidden", "confidential")


def _person(key: str, role: Role = Role.CITIZEN, institution: Institution | None = None) -> User:
    return factories.user(
        f"{key}.perm@example.org",
        role=role,
        display_name=key,
        language="es",
        institution=institution,
        email_verified_at=utcnow(),
    )


@pytest.fixture
def people(app_ctx) -> dict[str, User | None]:
    institution = factories.institution()
    other = factories.institution("Ministerio de Prueba Ajena", "MPA")
    found: dict[str, User | None] = {
        "filer": _person("filer"),
        "moderator": _person("moderator", Role.MODERATOR),
        "admin": _person("admin", Role.ADMIN),
        "responder": _person("responder", Role.RESPONDER, institution),
        "other_responder": _person("other-responder", Role.RESPONDER, other),
        "citizen": _person("citizen"),
        "anonymous": None,
    }
    db.session.flush()
    return found


def _observation(filer: User, scenario: str, identity: str, hidden: bool) -> Observation:
    state = "submitted" if scenario == "rejected" else scenario
    institution = db.session.scalar(select(Institution).where(Institution.acronym == "GAMS"))
    observation = factories.observation(
        filer, state=state, identity=identity, institution=institution
    )
    if scenario == "rejected":
        moderator = db.session.scalar(
            select(User).where(User.email == "moderator.perm@example.org")
        )
        lifecycle.transition(observation, "reject", moderator, TransitionData(note="Fuera."))
    if hidden:
        observation.hidden_at = utcnow()
    db.session.flush()
    return observation


def _last_event(observation: Observation) -> int | None:
    return db.session.scalar(
        select(ObservationEvent.id)
        .where(ObservationEvent.observation_id == observation.id)
        .order_by(ObservationEvent.id.desc())
        .limit(1)
    )


# --- the rules, written out by hand -------------------------------------------------------------


def works_on(person: str, scenario: str) -> bool:
    """The filer, moderation, and the institution once it was forwarded."""
    if person in ("filer", "moderator", "admin"):
        return True
    return person == "responder" and scenario == "accepted"


def may_view(person: str, scenario: str, hidden: bool) -> bool:
    if scenario == "accepted" and not hidden:
        return True
    return works_on(person, scenario)


def may_see_filer(person: str, scenario: str, identity: str) -> bool:
    if person in ("filer", "moderator", "admin") or identity == "public":
        return True
    return identity == "hidden" and person == "responder" and scenario == "accepted"


CASES = list(product(SCENARIOS, IDENTITIES, (False, True)))


@pytest.mark.parametrize(("scenario", "identity", "hidden"), CASES)
def test_can_answers_every_observation_question(people, scenario, identity, hidden):
    filer = people["filer"]
    assert filer is not None
    observation = _observation(filer, scenario, identity, hidden)
    for person, user in people.items():
        view = may_view(person, scenario, hidden)
        expected = {
            "observation.view": view,
            "observation.see_filer": may_see_filer(person, scenario, identity),
            "observation.moderate": person in ("moderator", "admin"),
            "observation.follow": view and person != "anonymous",
        }
        got = {q: permissions.can(user, q, observation) for q in expected}
        assert got == expected, person
        # The template's ``can`` is the same question.
        assert all(site_permissions.can(user, q, observation) == v for q, v in got.items())


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ADMIN])
def test_a_moderator_does_not_moderate_what_they_filed(people, role):
    staff = people["moderator" if role == Role.MODERATOR else "admin"]
    assert staff is not None
    observation = _observation(staff, "submitted", "public", False)
    assert permissions.can(staff, "observation.view", observation)
    assert not permissions.can(staff, "observation.moderate", observation)
    other = people["admin" if role == Role.MODERATOR else "moderator"]
    assert permissions.can(other, "observation.moderate", observation)


def test_blocked_people_are_anonymous(people):
    filer, moderator = people["filer"], people["moderator"]
    assert filer is not None
    observation = _observation(filer, "submitted", "confidential", False)
    assert moderator is not None
    moderator.blocked_at = utcnow()
    for question in ("observation.view", "observation.see_filer", "observation.moderate"):
        assert not permissions.can(moderator, question, observation), question


@pytest.mark.parametrize(("identity", "on_answer"), list(product(IDENTITIES, (False, True))))
def test_evidence_view(people, identity, on_answer):
    """Filed evidence is public once accepted unless the filer is confidential; answer documents
    are public with the answer; a file moderators hid stays with those who work on it."""
    filer = people["filer"]
    assert filer is not None
    observation = _observation(filer, "accepted", identity, False)
    item = Evidence(
        observation_id=observation.id,
        event_id=_last_event(observation) if on_answer else None,
        uploader_id=filer.id,
        storage_key="k" * 64,
        mime="image/png",
        size=1,
        sha256="0" * 64,
        original_name="foto.png",
    )
    db.session.add(item)
    db.session.flush()
    for hidden_file in (False, True):
        item.hidden_at = utcnow() if hidden_file else None
        for person, user in people.items():
            if person in ("filer", "moderator", "admin"):
                expected = True
            elif hidden_file:
                expected = False
            elif person == "responder":
                expected = True
            else:
                expected = on_answer or identity != "confidential"
            assert permissions.can(user, "evidence.view", item) == expected, (person, hidden_file)


def test_every_question_is_registered():
    for question in permissions.QUESTIONS:
        assert question in site_permissions.RULES, question
