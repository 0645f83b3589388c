"""The observation lifecycle: the whole transition table (every action, from every source state,
by every kind of actor) at the service level and, for a representative subset, over HTTP; notes,
targets and outcomes; the due date across a weekend, Carnaval and a clarification pause; the
public timeline; and the notifications each transition queues.

The matrix is generated from ``lifecycle.ACTIONS`` *and* from the hand-written ``EXPECTED``
table below (the union of both), and every expectation comes from ``EXPECTED``: a wrong edit of
an action makes the cross-check test and the matrix cases it touches fail."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role, User
from app.core.db import utcnow
from app.extensions import db
from app.inbox import notify as institution_notify
from app.institutions.models import Institution
from app.mail.models import OutboxMessage
from app.notifications.models import Notification
from app.observations import codes, due_dates, effects, lifecycle, services, states
from app.observations.actions import TransitionData, TransitionError
from app.observations.models import (
    ClosedOutcome,
    IdentityLevel,
    Observation,
    ObservationEvent,
    ObservationPause,
    ObservationState,
)
from tests import factories
from tests.conftest import PASSWORD

# --- the expected lifecycle, written by hand ---------------------------------------------------

#: action: (source states, target state, table roles, needs a note). ``dispute`` has no fixed
#: target: the first dispute sends the observation back to the institution (acknowledged), the
#: second one to moderation (disputed).
EXPECTED: dict[str, tuple[frozenset[str], str | None, frozenset[str], bool]] = {
    "submit": (frozenset({"draft"}), "submitted", frozenset({"filer"}), False),
    "accept": (frozenset({"submitted"}), "accepted", frozenset({"moderator"}), False),
    # A rejection needs a listed reason or a note (checked by the service, see data_for).
    "reject": (frozenset({"submitted"}), "rejected", frozenset({"moderator"}), False),
    # Triage questions: the state stays "submitted" (target None).
    "request_info": (frozenset({"submitted"}), None, frozenset({"moderator"}), True),
    "provide_info": (frozenset({"submitted"}), None, frozenset({"filer"}), True),
    "mark_duplicate": (frozenset({"submitted"}), "duplicate", frozenset({"moderator"}), False),
    "acknowledge": (frozenset({"accepted"}), "acknowledged", frozenset({"institution"}), False),
    "request_clarification": (
        frozenset({"accepted", "acknowledged"}),
        "clarification_requested",
        frozenset({"institution"}),
        True,
    ),
    "clarify": (
        frozenset({"clarification_requested"}),
        "acknowledged",
        frozenset({"filer"}),
        True,
    ),
    "answer": (
        frozenset({"accepted", "acknowledged"}),
        "answered",
        frozenset({"institution"}),
        True,
    ),
    "accept_answer": (frozenset({"answered"}), "resolved", frozenset({"filer"}), False),
    "dispute": (frozenset({"answered"}), None, frozenset({"filer"}), True),
    "close": (
        frozenset({"accepted", "acknowledged", "clarification_requested", "answered", "disputed"}),
        "closed",
        frozenset({"moderator"}),
        True,
    ),
    # Transfers: target None means "the state it was in".
    "propose_transfer": (
        frozenset({"accepted", "acknowledged", "clarification_requested"}),
        None,
        frozenset({"institution"}),
        True,
    ),
    "confirm_transfer": (
        frozenset({"accepted", "acknowledged", "clarification_requested"}),
        "accepted",
        frozenset({"moderator"}),
        False,
    ),
    "decline_transfer": (
        frozenset({"accepted", "acknowledged", "clarification_requested"}),
        None,
        frozenset({"moderator"}),
        True,
    ),
}
#: Actions that need a pending transfer proposal to act on.
NEEDS_PROPOSAL = {"confirm_transfer", "decline_transfer"}
#: Actions that need a pending question from the moderators.
NEEDS_QUESTION = {"provide_info"}
SAME_STATE = {"propose_transfer", "decline_transfer", "request_info", "provide_info"}

ALL_STATES = sorted(s.value for s in ObservationState)

#: The kinds of actor, and the table roles each one holds towards an observation filed by
#: "filer" and forwarded to the responder's institution.
ACTORS = ("filer", "moderator", "admin", "responder", "other_responder", "citizen", "anonymous")
ACTOR_ROLES = {
    "filer": {"filer"},
    "moderator": {"moderator"},
    "admin": {"moderator"},
    "responder": {"institution"},
    "other_responder": set(),
    "citizen": set(),
    "anonymous": set(),
}
EMAILS = {
    actor: f"{actor.replace('_', '-')}@example.org" for actor in ACTORS if actor != "anonymous"
}
#: Who may open an observation that moderation has not accepted (submitted, rejected, duplicate).
SEE_UNACCEPTED = {"filer", "moderator", "admin"}
PUBLIC = {
    "accepted",
    "acknowledged",
    "clarification_requested",
    "answered",
    "disputed",
    "resolved",
    "closed",
}

#: How each scenario is reached with the real transitions (see ``reach``). "answered_again" is
#: "answered" after one dispute: the only place where the same action goes somewhere else.
PATHS: dict[str, list[str]] = {
    "draft": [],
    "submitted": [],
    "accepted": ["accept"],
    "acknowledged": ["accept", "acknowledge"],
    "clarification_requested": ["accept", "request_clarification"],
    "answered": ["accept", "answer"],
    "answered_again": ["accept", "answer", "dispute", "answer"],
    "disputed": ["accept", "answer", "dispute", "answer", "dispute"],
    "rejected": ["reject"],
    "duplicate": ["mark_duplicate"],
    "resolved": ["accept", "answer", "accept_answer"],
    "closed": ["accept", "close"],
}
SCENARIO_STATE = {scenario: scenario for scenario in PATHS} | {"answered_again": "answered"}
SCENARIOS_OF_STATE = {state: [state] for state in ALL_STATES} | {
    "answered": ["answered", "answered_again"]
}
#: The setup path uses the first actor of these kinds the table allows.
SETUP_ACTOR = {"filer": "filer", "moderator": "moderator", "institution": "responder"}

GREETING = {"qu": "Napaykuyki", "es": "Hola,", "en": "Hello"}


def allowed(action: str, actor: str) -> bool:
    return bool(EXPECTED[action][2] & ACTOR_ROLES[actor])


def expected_target(action: str, scenario: str) -> str:
    target = EXPECTED[action][1]
    if target is None and action in SAME_STATE:
        return SCENARIO_STATE[scenario]
    if target is None:  # dispute
        return "acknowledged" if scenario == "answered" else "disputed"
    return target


def sources(action: str) -> set[str]:
    """Sources by the hand table and by the code's table: a source either one forgets is still
    exercised."""
    found = set(EXPECTED[action][0]) if action in EXPECTED else set()
    spec = lifecycle.ACTIONS.get(action)
    if spec is not None:
        found |= {s.value for s in spec.sources}
    return found


ACTIONS = sorted(set(lifecycle.ACTIONS) | set(EXPECTED))
MATRIX = [
    (action, scenario, actor)
    for action in ACTIONS
    for state in sorted(sources(action))
    for scenario in SCENARIOS_OF_STATE[state]
    for actor in ACTORS
]
WRONG_STATES = [
    (action, state) for action in ACTIONS for state in ALL_STATES if state not in sources(action)
]
NOTE_ACTIONS = sorted(
    {a for a, spec in lifecycle.ACTIONS.items() if spec.needs_note}
    | {a for a, row in EXPECTED.items() if row[3]}
)


# --- building observations ---------------------------------------------------------------------


@dataclass
class World:
    institution: Institution
    other_institution: Institution


def people_in_session() -> dict[str, User | None]:
    people: dict[str, User | None] = {
        actor: db.session.scalar(select(User).where(User.email == email))
        for actor, email in EMAILS.items()
    }
    people["anonymous"] = None
    return people


def follower_in_session() -> User:
    return db.session.scalar(select(User).where(User.email == "follower@example.org"))


def data_for(action: str, original: Observation | None = None) -> TransitionData:
    if action == "propose_transfer":
        destination = db.session.scalar(select(Institution).where(Institution.acronym == "MPA"))
        return TransitionData(note="No es de nuestra competencia.", institution=destination)
    if action == "mark_duplicate":
        return TransitionData(duplicate_of=original)
    if action == "close":
        return TransitionData(note="Se cierra sin respuesta.", outcome=ClosedOutcome.NO_ANSWER)
    if action == "reject":
        from app.moderation.reason_models import ModerationReason

        reason = db.session.scalar(
            select(ModerationReason).where(ModerationReason.key == "not_public_matter")
        )
        return TransitionData(reason=reason)
    if EXPECTED.get(action, (None, None, None, False))[3]:
        return TransitionData(note=f"Texto público de {action}.")
    return TransitionData()


def actor_for_setup(action: str, people: dict[str, User | None]) -> User | None:
    role = sorted(EXPECTED[action][2])[0]
    return people[SETUP_ACTOR[role]]


def reach(scenario: str, *, identity: str = "public") -> tuple[Observation, Observation]:
    """An observation filed by "filer" for the main institution, followed by "follower" once
    it is filed, and moved to ``scenario`` through the real transitions. Also returns another
    filed observation (the original for ``mark_duplicate``)."""
    people = people_in_session()
    institution = db.session.scalar(select(Institution).where(Institution.acronym == "GAMS"))
    original = factories.observation(people["citizen"], institution=institution)
    if scenario == "draft":
        draft = factories.draft(
            people["filer"],
            title="Borrador sobre la obra",
            description="Todavía no lo presenté.",
            institution=institution,
            category=factories.category(),
            department=factories.department(),
            identity=IdentityLevel(identity),
        )
        draft.code = codes.allocate(2026)  # filing allocates the code, then submits
        return draft, original
    observation = factories.observation(people["filer"], identity=identity, institution=institution)
    services.follow(follower_in_session(), observation)
    for action in PATHS[scenario]:
        lifecycle.transition(
            observation, action, actor_for_setup(action, people), data_for(action, original)
        )
    assert observation.state.value == SCENARIO_STATE[scenario]
    return observation, original


def _user(key: str, role: Role = Role.CITIZEN, institution=None, language: str = "en") -> User:
    return factories.user(
        f"{key}@example.org",
        role=role,
        display_name=f"Persona {key}",
        language=language,
        institution=institution,
        email_verified_at=utcnow(),
    )


@pytest.fixture
def world(app_ctx) -> World:
    """Service-level world, in one application context (nothing is committed)."""
    institution = factories.institution()
    other = factories.institution("Ministerio de Prueba Ajena", "MPA")
    _user("filer", language="qu")
    _user("moderator", Role.MODERATOR)
    _user("admin", Role.ADMIN)
    _user("responder", Role.RESPONDER, institution)
    _user("other-responder", Role.RESPONDER, other)
    _user("citizen")
    _user("follower", language="es")
    db.session.flush()
    return World(institution, other)


def events_of(observation: Observation) -> list[ObservationEvent]:
    return list(
        db.session.scalars(
            select(ObservationEvent)
            .where(ObservationEvent.observation_id == observation.id)
            .order_by(ObservationEvent.id)
        )
    )


def max_id(model) -> int:
    return db.session.scalar(select(func.max(model.id))) or 0


# --- the table itself --------------------------------------------------------------------------


def test_transition_table_matches_the_hand_written_one():
    assert set(lifecycle.ACTIONS) == set(EXPECTED)
    for action, spec in lifecycle.ACTIONS.items():
        sources_, target, roles, needs_note = EXPECTED[action]
        assert spec.name == action
        assert {s.value for s in spec.sources} == sources_, action
        assert (spec.target.value if spec.target else None) == target, action
        assert set(spec.roles) == roles, action
        assert spec.needs_note is needs_note, action
    # dispute: back to the institution once, then to moderation
    dispute = lifecycle.ACTIONS["dispute"]
    for count, target in ((0, "acknowledged"), (1, "disputed"), (2, "disputed")):
        assert dispute.target_for(Observation(dispute_count=count)) == target
    # the others without a fixed target stay where they are
    for action in SAME_STATE:
        observation = Observation(state=ObservationState.ACCEPTED)
        assert lifecycle.ACTIONS[action].target_for(observation) == ObservationState.ACCEPTED
    # every action a person can take from the detail page has a button label, a form and a
    # place on the page; filing submits with its own form
    for action, spec in lifecycle.ACTIONS.items():
        shown = action != "submit"
        assert (spec.button is not None, spec.layout is not None) == (shown, shown), action
        assert spec.title is not None, action


def test_the_transition_path_imports_nothing_downstream():
    """Importing ``lifecycle`` (every action and the one transition) loads no package that
    reacts to a transition: those register effects instead (checked in a fresh interpreter)."""
    downstream = (
        "app.accountability",
        "app.notifications",
        "app.mail",
        "app.moderation.services",
        "app.moderation.alerts",
        "app.moderation.notify",
        "app.observations.notify",
        "app.observations.services",
    )
    script = (
        "import sys, app.observations.lifecycle; "
        f"print(sorted(m for m in sys.modules if m.startswith({downstream!r})))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout
    assert loaded.strip() == "[]"


def test_every_effect_of_a_transition_is_registered(app):
    """Each package that acts on a transition registered its effect when the app started: none
    is missing (a transition would fail) and none is unknown."""
    assert set(effects.registered()) == set(effects.EFFECTS)
    with pytest.raises(ValueError):
        effects.after_transition("moderation.typo")


def test_a_transition_with_an_effect_missing_fails_loudly(world, monkeypatch):
    observation, _ = reach("submitted")
    present = {k: v for k, v in effects.registered().items() if k != "moderation.log"}
    monkeypatch.setattr(effects, "_registered", present)
    with pytest.raises(LookupError, match=r"moderation\.log"):
        lifecycle.transition(observation, "accept", people_in_session()["moderator"])


def test_matrix_is_exhaustive():
    """Every action, from every source, by every actor kind, plus the second dispute."""
    per_action = {a: len(EXPECTED[a][0]) for a in EXPECTED}
    expected_cases = sum(per_action.values()) + 3  # accept_answer, dispute, close again
    assert len(MATRIX) == expected_cases * len(ACTORS)
    assert len(WRONG_STATES) == len(EXPECTED) * len(ALL_STATES) - sum(per_action.values())


@pytest.mark.parametrize(("action", "scenario", "actor"), MATRIX)
def test_transition_matrix(world, action, scenario, actor):
    observation, original = reach(scenario)
    people = people_in_session()
    user = people[actor]
    state_before = observation.state
    events_before = len(events_of(observation))
    notifications_before = max_id(Notification)
    mails_before = max_id(OutboxMessage)
    data = data_for(action, original)
    ok_state = SCENARIO_STATE[scenario] in EXPECTED[action][0]
    if action in NEEDS_PROPOSAL:
        observation.transfer_to = world.other_institution
        db.session.flush()
    if action in NEEDS_QUESTION:
        observation.info_requested_at = utcnow()
        db.session.flush()

    # The page offers exactly what the transition then accepts.
    offered = {a.name for a in lifecycle.available_actions(user, observation)}
    assert (action in offered) == (ok_state and allowed(action, actor))

    if not (ok_state and allowed(action, actor)):
        with pytest.raises(TransitionError) as refused:
            lifecycle.transition(observation, action, user, data)
        assert refused.value.code == ("role" if ok_state else "state")
        assert observation.state == state_before
        assert len(events_of(observation)) == events_before
        assert max_id(Notification) == notifications_before
        assert max_id(OutboxMessage) == mails_before
        return

    event = lifecycle.transition(observation, action, user, data)
    target = expected_target(action, scenario)
    assert observation.state.value == target
    [recorded] = events_of(observation)[events_before:]
    assert recorded is event
    role = next(iter(EXPECTED[action][2] & ACTOR_ROLES[actor]))
    assert (event.action, event.from_state, event.to_state) == (
        action,
        SCENARIO_STATE[scenario],
        target,
    )
    assert (event.actor_id, event.actor_role) == (user.id, role)
    assert event.note == data.note.strip()
    assert event.institution_id == (world.institution.id if role == "institution" else None)

    # Notifications: the filer and the followers, never the actor, each in their language.
    filer, follower = people["filer"], follower_in_session()
    audience = (
        {filer.id: filer} if scenario == "draft" else {filer.id: filer, follower.id: follower}
    )
    expected = {uid: u for uid, u in audience.items() if uid != user.id}
    if action == "submit":
        expected = {}  # the filer is the actor, and nobody can follow a draft
    every_note = list(
        db.session.scalars(select(Notification).where(Notification.id > notifications_before))
    )
    notes = [n for n in every_note if n.kind == "observation"]
    assert sorted(n.user_id for n in notes) == sorted(expected)
    for note in notes:
        assert note.observation_id == observation.id
        assert note.data == {"code": observation.code, "state": target}
    # The institution that holds it hears of new work (issue 17): its responders, once each.
    work = [n for n in every_note if n.kind == "institution_work"]
    assert len(work) + len(notes) == len(every_note)
    event_name = institution_notify.EVENTS.get(action)
    holders = {
        p.id
        for p in people.values()
        if p is not None
        and p.role == Role.RESPONDER
        and p.institution_id == observation.institution_id
        and p.id != user.id
    }
    assert sorted(n.user_id for n in work) == (sorted(holders) if event_name else [])
    for note in work:
        assert note.data == {"code": observation.code, "event": event_name}
    every_mail = list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.id > mails_before))
    )
    work_mails = [m for m in every_mail if m.kind == "notify_institution"]
    assert len(work_mails) == len(work)
    for mail in work_mails:
        assert filer.display_name not in mail.body and filer.email not in mail.body
    mails = [m for m in every_mail if m.kind != "notify_institution"]
    assert sorted(m.recipient for m in mails) == sorted(u.email for u in expected.values())
    for mail in mails:
        recipient = next(u for u in expected.values() if u.email == mail.recipient)
        assert mail.kind == "notify_observation"
        assert mail.language == recipient.language
        assert mail.body.startswith(f"{GREETING[recipient.language]} {recipient.display_name}")
        assert observation.code in mail.subject and observation.code in mail.body


@pytest.mark.parametrize(("action", "state"), WRONG_STATES)
def test_actions_from_other_states_are_refused(world, action, state):
    observation, original = reach(state)
    people = people_in_session()
    events_before = len(events_of(observation))
    for actor in ACTORS:
        offered = lifecycle.available_actions(people[actor], observation)
        assert action not in {a.name for a in offered}, actor
        with pytest.raises(TransitionError) as refused:
            lifecycle.transition(observation, action, people[actor], data_for(action, original))
        assert refused.value.code == "state", actor
    assert observation.state.value == state
    assert len(events_of(observation)) == events_before


def test_unknown_action_is_refused(world):
    observation, _original = reach("accepted")
    with pytest.raises(TransitionError) as refused:
        lifecycle.transition(observation, "reopen", people_in_session()["moderator"])
    assert refused.value.code == "unknown"


@pytest.mark.parametrize("note", ["", "   \n\t "])
@pytest.mark.parametrize("action", NOTE_ACTIONS)
def test_actions_that_need_a_note_refuse_an_empty_one(world, action, note):
    assert EXPECTED[action][3], f"{action} is not expected to need a note"
    scenario = sorted(EXPECTED[action][0])[0]
    observation, _original = reach(scenario)
    events_before = len(events_of(observation))
    data = data_for(action)
    data.note = note
    if action in NEEDS_QUESTION:
        observation.info_requested_at = utcnow()
    if action in NEEDS_PROPOSAL:
        observation.transfer_to = world.other_institution
    actor = actor_for_setup(action, people_in_session())
    with pytest.raises(TransitionError) as refused:
        lifecycle.transition(observation, action, actor, data)
    assert refused.value.code == "note"
    assert observation.state.value == scenario
    assert len(events_of(observation)) == events_before


def test_blocked_staff_cannot_act(world):
    observation, _original = reach("accepted")
    people = people_in_session()
    people["responder"].blocked_at = utcnow()
    people["moderator"].blocked_at = utcnow()
    for action, actor in (("acknowledge", "responder"), ("close", "moderator")):
        with pytest.raises(TransitionError) as refused:
            lifecycle.transition(observation, action, people[actor], data_for(action))
        assert refused.value.code == "role"
    assert observation.state == ObservationState.ACCEPTED


# --- moderators and their own observations -----------------------------------------------------


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_moderators_cannot_moderate_what_they_filed(world, role):
    people = people_in_session()
    staff_filer = people[role]
    other = people["admin" if role == "moderator" else "moderator"]
    original = factories.observation(people["citizen"])
    observation = factories.observation(staff_filer)
    for action in ("accept", "reject", "mark_duplicate"):
        with pytest.raises(TransitionError) as refused:
            lifecycle.transition(observation, action, staff_filer, data_for(action, original))
        assert refused.value.code == "role", action
    assert observation.state == ObservationState.SUBMITTED
    # Another moderator may; afterwards the filer still acts as filer, never as moderator.
    lifecycle.transition(observation, "accept", other)
    lifecycle.transition(
        observation, "request_clarification", people["responder"], data_for("request_clarification")
    )
    with pytest.raises(TransitionError) as refused:
        lifecycle.transition(observation, "close", staff_filer, data_for("close"))
    assert refused.value.code == "role"
    event = lifecycle.transition(observation, "clarify", staff_filer, data_for("clarify"))
    assert event.actor_role == "filer"
    lifecycle.transition(observation, "close", other, data_for("close"))
    assert observation.state == ObservationState.CLOSED


MODERATOR_ACTIONS = {a for a, row in EXPECTED.items() if "moderator" in row[2]}


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_a_moderator_who_filed_is_offered_no_moderator_action(world, role):
    """In every state, with a transfer proposal and a question waiting: never a moderator action
    on the page for the staff member who filed it, and the transition refuses each one."""
    people = people_in_session()
    staff_filer, other = people[role], people["admin" if role == "moderator" else "moderator"]
    observation = factories.observation(staff_filer, institution=world.institution)
    observation.info_requested_at = utcnow()
    db.session.flush()
    assert {a.name for a in lifecycle.available_actions(other, observation)} == {
        "accept",
        "reject",
        "mark_duplicate",
        "request_info",
    }
    assert {a.name for a in lifecycle.available_actions(staff_filer, observation)} == {
        "provide_info"
    }
    lifecycle.transition(observation, "accept", other)
    observation.transfer_to = world.other_institution
    db.session.flush()
    offered = {a.name for a in lifecycle.available_actions(other, observation)}
    assert offered == {"confirm_transfer", "decline_transfer", "close"}
    assert lifecycle.available_actions(staff_filer, observation) == []
    for action in sorted(offered):
        data = data_for(action)
        with pytest.raises(TransitionError) as refused:
            lifecycle.transition(observation, action, staff_filer, data)
        assert refused.value.code == "role", action
    assert offered <= MODERATOR_ACTIONS


# --- targets and outcomes ----------------------------------------------------------------------


def test_mark_duplicate_needs_an_existing_other_observation(world):
    people = people_in_session()
    moderator = people["moderator"]
    observation, original = reach("submitted")
    draft, _ = reach("draft")
    draft.code = None  # a real draft has no code yet
    for candidate in (None, observation, draft):
        with pytest.raises(TransitionError) as refused:
            lifecycle.transition(
                observation, "mark_duplicate", moderator, TransitionData(duplicate_of=candidate)
            )
        assert refused.value.code == "target"
    assert observation.state == ObservationState.SUBMITTED and observation.duplicate_of is None
    now = datetime(2026, 2, 12, 15, 0, tzinfo=UTC)
    lifecycle.transition(
        observation, "mark_duplicate", moderator, TransitionData(duplicate_of=original), now=now
    )
    assert observation.state == ObservationState.DUPLICATE
    assert observation.duplicate_of_id == original.id
    assert observation.closed_at == now


def test_close_needs_an_outcome(world):
    observation, _original = reach("disputed")
    moderator = people_in_session()["moderator"]
    with pytest.raises(TransitionError) as refused:
        lifecycle.transition(observation, "close", moderator, TransitionData(note="Sin salida."))
    assert refused.value.code == "target"
    assert observation.state == ObservationState.DISPUTED and observation.closed_at is None
    now = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    lifecycle.transition(
        observation,
        "close",
        moderator,
        TransitionData(note="Sin salida.", outcome=ClosedOutcome.NOT_RESOLVED),
        now=now,
    )
    assert observation.state == ObservationState.CLOSED
    assert (observation.closed_outcome, observation.closed_at) == ("not_resolved", now)


def test_reject_records_the_reason_and_accept_answer_resolves(world):
    people = people_in_session()
    rejected, _ = reach("submitted")
    lifecycle.transition(
        rejected, "reject", people["moderator"], TransitionData(note=" Fuera de tema. ")
    )
    assert rejected.rejection_reason == "Fuera de tema."
    assert rejected.closed_at is not None
    answered, _ = reach("answered")
    lifecycle.transition(answered, "accept_answer", people["filer"])
    assert answered.closed_outcome == "resolved" and answered.closed_at is not None


def test_dispute_goes_back_to_the_institution_once_then_to_moderation(world):
    people = people_in_session()
    observation, _ = reach("answered")
    lifecycle.transition(observation, "dispute", people["filer"], data_for("dispute"))
    assert (observation.state, observation.dispute_count) == (ObservationState.ACKNOWLEDGED, 1)
    lifecycle.transition(observation, "answer", people["responder"], data_for("answer"))
    lifecycle.transition(observation, "dispute", people["filer"], data_for("dispute"))
    assert (observation.state, observation.dispute_count) == (ObservationState.DISPUTED, 2)
    # Only moderation may act now.
    assert lifecycle.available_actions(people["filer"], observation) == []
    assert lifecycle.available_actions(people["responder"], observation) == []
    assert {a.name for a in lifecycle.available_actions(people["moderator"], observation)} == {
        "close"
    }


def test_accept_can_forward_to_another_institution(world):
    people = people_in_session()
    observation, _ = reach("submitted")
    lifecycle.transition(
        observation,
        "accept",
        people["moderator"],
        TransitionData(institution=world.other_institution),
    )
    assert observation.institution_id == world.other_institution.id
    # The responders change with the institution.
    with pytest.raises(TransitionError) as refused:
        lifecycle.transition(observation, "acknowledge", people["responder"])
    assert refused.value.code == "role"
    event = lifecycle.transition(observation, "acknowledge", people["other_responder"])
    assert event.institution_id == world.other_institution.id


def test_accept_needs_an_institution(world):
    observation, _ = reach("submitted")
    observation.institution = None
    db.session.flush()
    with pytest.raises(TransitionError) as refused:
        lifecycle.transition(observation, "accept", people_in_session()["moderator"])
    assert refused.value.code == "target"
    assert observation.state == ObservationState.SUBMITTED and observation.accepted_at is None


# --- deadlines: frozen clock across a weekend and Carnaval -------------------------------------

# Bolivia 2026: Carnaval is Monday 16 and Tuesday 17 February (national holidays).
THU_12_FEB = datetime(2026, 2, 12, 15, 0, tzinfo=UTC)  # 11:00 in La Paz, Thursday
FRI_13_FEB = datetime(2026, 2, 13, 14, 0, tzinfo=UTC)
THU_19_FEB = datetime(2026, 2, 19, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("override", "days", "due"),
    [
        # 15 working days (the category's) from Thu 12 Feb; day 1 is Fri 13. Sat 14, Sun 15,
        # Carnaval Mon 16 + Tue 17 skipped; Wed 18..Fri 20 = days 2-4; 23..27 Feb = 5-9;
        # 2..6 Mar = 10-14; Mon 9 Mar = day 15.
        (None, 15, date(2026, 3, 9)),
        # The institution's 10 days beat the category's 15: Fri 13 = 1, 18-20 Feb = 2-4,
        # 23-27 Feb = 5-9, Mon 2 Mar = 10.
        (10, 10, date(2026, 3, 2)),
    ],
)
def test_accept_fixes_the_deadline(world, override, days, due):
    world.institution.deadline_days = override
    observation, _ = reach("submitted")
    assert observation.category.deadline_days == 15
    lifecycle.transition(observation, "accept", people_in_session()["moderator"], now=THU_12_FEB)
    assert observation.institution_id == world.institution.id
    assert observation.accepted_at == THU_12_FEB
    assert observation.clock_start == date(2026, 2, 12)
    assert observation.deadline_days == days
    assert observation.due_date == due
    info = due_dates.due_date_info(observation, "en")
    assert info.due == due and info.skipped_weekend_days >= 2
    assert {h.day for h in info.skipped_holidays} == {date(2026, 2, 16), date(2026, 2, 17)}


@pytest.mark.parametrize(
    ("now", "clock_start", "due"),
    [
        # 23:59 on Thu 12 Feb in La Paz (UTC-4) is already Fri 13 in UTC: the La Paz date counts.
        (datetime(2026, 2, 13, 3, 59, tzinfo=UTC), date(2026, 2, 12), date(2026, 3, 9)),
        # 00:00 on Fri 13 in La Paz: day 1 is Wed 18 (weekend and Carnaval skipped), 19-20 Feb
        # = 2-3, 23-27 Feb = 4-8, 2-6 Mar = 9-13, Mon 9 = 14, Tue 10 March = 15.
        (datetime(2026, 2, 13, 4, 0, tzinfo=UTC), date(2026, 2, 13), date(2026, 3, 10)),
    ],
)
def test_clock_starts_on_the_la_paz_date(world, now, clock_start, due):
    observation, _ = reach("submitted")
    lifecycle.transition(observation, "accept", people_in_session()["moderator"], now=now)
    assert (observation.clock_start, observation.due_date) == (clock_start, due)


def test_clarification_pauses_the_clock_and_clarify_pushes_the_due_date(world):
    people = people_in_session()
    observation, _ = reach("submitted")
    lifecycle.transition(observation, "accept", people["moderator"], now=THU_12_FEB)
    assert observation.due_date == date(2026, 3, 9)  # see test_accept_fixes_the_deadline

    lifecycle.transition(
        observation,
        "request_clarification",
        people["responder"],
        TransitionData(note="¿En qué cuadra exactamente?"),
        now=FRI_13_FEB,
    )
    assert observation.state == ObservationState.CLARIFICATION_REQUESTED
    assert observation.due_date is None  # paused: not known yet
    assert due_dates.due_date_info(observation, "en").paused
    assert not due_dates.overdue(observation, date(2026, 12, 31))
    [pause] = db.session.scalars(
        select(ObservationPause).where(ObservationPause.observation_id == observation.id)
    )
    assert (pause.started_on, pause.ended_on) == (date(2026, 2, 13), None)

    lifecycle.transition(
        observation,
        "clarify",
        people["filer"],
        TransitionData(note="Entre las calles Junín y Bolívar."),
        now=THU_19_FEB,
    )
    assert observation.state == ObservationState.ACKNOWLEDGED
    assert pause.ended_on == date(2026, 2, 19)
    # Fri 13 (the day asked) still counts as day 1. Paused: 14..19 Feb, of which Sat 14 and
    # Sun 15 are a weekend and Mon 16 / Tue 17 Carnaval, so only Wed 18 and Thu 19 are paused
    # working days. Fri 20 = 2, 23-27 Feb = 3-7, 2-6 Mar = 8-12, Mon 9 = 13, Tue 10 = 14,
    # Wed 11 Mar = 15: the due date moved two working days, from Mon 9 to Wed 11 March.
    assert observation.due_date == date(2026, 3, 11)
    info = due_dates.due_date_info(observation, "en")
    assert (info.due, info.paused_days, info.paused) == (date(2026, 3, 11), 2, False)
    assert not due_dates.overdue(observation, date(2026, 3, 11))
    assert due_dates.overdue(observation, date(2026, 3, 12))


# --- over HTTP ---------------------------------------------------------------------------------


def client_for(app, actor: str):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if actor != "anonymous":
        response = client.post("/login", data={"email": EMAILS[actor], "password": PASSWORD})
        assert response.status_code == 302, actor
    return client


@dataclass
class Site:
    institution_id: int
    other_institution_id: int
    clients: dict


STAFF_NAMES = {
    "moderator": "Ximena Moderadora-Interna",
    "admin": "Adolfo Administrador-Interno",
    "responder": "Teodoro Funcionario-Interno",
    "other_responder": "Otilia Funcionaria-Ajena",
}


@pytest.fixture
def site(app, make_user) -> Site:
    """Committed users with passwords, and a logged-in client per actor kind."""
    with app.app_context():
        institution = factories.institution()
        other = factories.institution("Ministerio de Prueba Ajena", "MPA")
        db.session.commit()
        db.session.refresh(institution)
        db.session.refresh(other)
        db.session.expunge_all()
    roles = {
        "moderator": (Role.MODERATOR, None),
        "admin": (Role.ADMIN, None),
        "responder": (Role.RESPONDER, institution),
        "other_responder": (Role.RESPONDER, other),
    }
    for actor, email in EMAILS.items():
        role, inst = roles.get(actor, (Role.CITIZEN, None))
        make_user(
            role=role,
            email=email,
            institution=inst,
            display_name=STAFF_NAMES.get(actor, f"Persona {actor}"),
        )
    make_user(email="follower@example.org", language="es", display_name="Persona follower")
    clients = {actor: client_for(app, actor) for actor in ACTORS}
    return Site(institution.id, other.id, clients)


def committed_scenario(app, scenario: str) -> tuple[str, str, int]:
    """(code, original code, observation id) of a committed observation in ``scenario``."""
    with app.app_context():
        observation, original = reach(scenario)
        db.session.commit()
        return observation.code, original.code, observation.id


def state_of(app, observation_id: int) -> tuple[str, int]:
    with app.app_context():
        observation = db.session.get(Observation, observation_id)
        return observation.state.value, len(events_of(observation))


def form_for(action: str, site: Site, original_code: str) -> dict[str, object]:
    if action == "accept":
        return {"institution_id": site.institution_id}
    if action == "answer":
        return {"answer-note": "Respuesta enviada por la web.", "answer-outcome": "other"}
    if action == "propose_transfer":
        return {
            "propose_transfer-note": "No es de nuestra competencia.",
            "propose_transfer-institution_id": site.other_institution_id,
        }
    if action == "mark_duplicate":
        return {"original": original_code}
    if action == "close":
        return {"outcome": "no_answer", "note": "Se cierra sin respuesta."}
    if action == "reject":
        from app.moderation.reason_models import ModerationReason

        reason = db.session.scalar(
            select(ModerationReason.id).where(ModerationReason.key == "not_public_matter")
        )
        return {"reject-reason_id": reason, "reject-note": ""}
    if EXPECTED[action][3]:
        return {f"{action}-note": f"Texto de {action} enviado por la web."}
    return {}


def refusal_status(actor: str, state: str) -> int:
    if actor == "anonymous":
        return 302
    if state not in PUBLIC and actor not in SEE_UNACCEPTED:
        return 404
    return 403


HTTP_CASES = [
    (action, actor)
    for action in sorted(set(EXPECTED) - {"submit"})  # filing submits; tested with the form
    for actor in ACTORS
    if allowed(action, actor)
]


@pytest.mark.parametrize(("action", "allowed_actor"), HTTP_CASES)
def test_http_transition_matrix(app, site, action, allowed_actor):
    scenario = sorted(EXPECTED[action][0])[0]
    code, original_code, observation_id = committed_scenario(app, scenario)
    if action in NEEDS_PROPOSAL:
        with app.app_context():
            row = db.session.get(Observation, observation_id)
            row.transfer_to_id = site.other_institution_id
            db.session.commit()
    if action in NEEDS_QUESTION:
        with app.app_context():
            db.session.get(Observation, observation_id).info_requested_at = utcnow()
            db.session.commit()
    url = f"/observations/{code}/act/{action}"
    with app.app_context():
        data = form_for(action, site, original_code)
    _state, events_before = state_of(app, observation_id)
    for actor in ACTORS:
        if allowed(action, actor):
            continue
        response = site.clients[actor].post(url, data=data)
        expected = refusal_status(actor, scenario)
        assert response.status_code == expected, actor
        if expected == 302:
            assert "/login" in response.headers["Location"]
        assert state_of(app, observation_id) == (scenario, events_before), actor
    response = site.clients[allowed_actor].post(url, data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/observations/{code}")
    assert state_of(app, observation_id) == (expected_target(action, scenario), events_before + 1)


ACT_FORM = re.compile(r'action="/observations/[^/"]+/act/([a-z_]+)"')


@pytest.mark.parametrize("scenario", [s for s in PATHS if s != "draft"])
def test_detail_page_shows_only_the_allowed_action_forms(app, site, scenario):
    code, _original, _id = committed_scenario(app, scenario)
    state = SCENARIO_STATE[scenario]
    for actor in ACTORS:
        response = site.clients[actor].get(f"/observations/{code}")
        if state not in PUBLIC and actor not in SEE_UNACCEPTED:
            assert response.status_code == 404, actor
            continue
        assert response.status_code == 200, actor
        shown = set(ACT_FORM.findall(response.get_data(as_text=True)))
        expected = {a for a in EXPECTED if state in EXPECTED[a][0] and allowed(a, actor)}
        expected -= NEEDS_PROPOSAL  # shown only while a transfer proposal waits
        expected -= NEEDS_QUESTION  # shown only while a moderators' question waits
        assert shown == expected, actor


@pytest.mark.parametrize("action", sorted(set(NOTE_ACTIONS) - {"close"}))
def test_http_empty_note_is_refused_and_changes_nothing(app, site, action):
    scenario = sorted(EXPECTED[action][0])[0]
    code, _original, observation_id = committed_scenario(app, scenario)
    if action in NEEDS_PROPOSAL:
        with app.app_context():
            db.session.get(Observation, observation_id).transfer_to_id = site.other_institution_id
            db.session.commit()
    if action in NEEDS_QUESTION:
        with app.app_context():
            db.session.get(Observation, observation_id).info_requested_at = utcnow()
            db.session.commit()
    before = state_of(app, observation_id)
    actor = SETUP_ACTOR[sorted(EXPECTED[action][2])[0]]
    response = site.clients[actor].post(
        f"/observations/{code}/act/{action}", data={f"{action}-note": "  "}
    )
    assert response.status_code == 400
    assert "Write the text." in response.get_data(as_text=True)
    assert state_of(app, observation_id) == before


def test_http_close_needs_a_note_and_a_known_outcome(app, site):
    code, _original, observation_id = committed_scenario(app, "disputed")
    before = state_of(app, observation_id)
    url = f"/observations/{code}/act/close"
    moderator = site.clients["moderator"]
    assert moderator.post(url, data={"outcome": "no_answer", "note": ""}).status_code == 400
    assert moderator.post(url, data={"outcome": "maybe", "note": "Texto"}).status_code == 400
    assert moderator.post(url, data={"note": "Texto"}).status_code == 400
    assert state_of(app, observation_id) == before


def test_http_wrong_state_is_refused(app, site):
    code, _original, observation_id = committed_scenario(app, "resolved")
    before = state_of(app, observation_id)
    response = site.clients["responder"].post(
        f"/observations/{code}/act/answer",
        data={"answer-note": "Otra respuesta más.", "answer-outcome": "information_provided"},
    )
    assert response.status_code == 403
    response = site.clients["filer"].post(
        f"/observations/{code}/act/dispute", data={"dispute-note": "No estoy de acuerdo."}
    )
    assert response.status_code == 403
    assert site.clients["moderator"].post(f"/observations/{code}/act/reopen").status_code == 404
    assert state_of(app, observation_id) == before


def test_http_mark_duplicate_of_an_unknown_or_the_same_code(app, site):
    code, _original, observation_id = committed_scenario(app, "submitted")
    before = state_of(app, observation_id)
    url = f"/observations/{code}/act/mark_duplicate"
    moderator = site.clients["moderator"]
    response = moderator.post(url, data={"original": "CS-1999-00001"})
    assert response.status_code == 400
    assert "No observation has that code." in response.get_data(as_text=True)
    response = moderator.post(url, data={"original": code})
    assert response.status_code == 400
    assert state_of(app, observation_id) == before


def test_http_moderator_cannot_moderate_own_observation(app, site):
    with app.app_context():
        moderator = people_in_session()["moderator"]
        observation = factories.observation(moderator)
        db.session.commit()
        code, observation_id = observation.code, observation.id
    client = site.clients["moderator"]
    html = client.get(f"/observations/{code}").get_data(as_text=True)
    assert set(ACT_FORM.findall(html)) == set()
    response = client.post(
        f"/observations/{code}/act/accept", data={"institution_id": site.institution_id}
    )
    assert response.status_code == 403
    response = client.post(f"/observations/{code}/act/reject", data={"reject-note": "No."})
    assert response.status_code == 403
    assert state_of(app, observation_id) == ("submitted", 1)
    # Another moderator sees the forms and may accept.
    other = site.clients["admin"]
    html = other.get(f"/observations/{code}").get_data(as_text=True)
    assert set(ACT_FORM.findall(html)) == {"accept", "reject", "mark_duplicate", "request_info"}
    response = other.post(
        f"/observations/{code}/act/accept", data={"institution_id": site.institution_id}
    )
    assert response.status_code == 302
    assert state_of(app, observation_id) == ("accepted", 2)


def test_http_moderator_who_filed_sees_no_transfer_buttons_and_cannot_confirm(app, site):
    """The filer who is a moderator is offered only what a filer may do, also while a transfer
    proposal waits; the transfer buttons go to the other moderators."""
    with app.app_context():
        people = people_in_session()
        observation = factories.observation(
            people["moderator"], institution=db.session.get(Institution, site.institution_id)
        )
        lifecycle.transition(observation, "accept", people["admin"])
        observation.transfer_to_id = site.other_institution_id
        db.session.commit()
        code, observation_id = observation.code, observation.id
    html = site.clients["moderator"].get(f"/observations/{code}").get_data(as_text=True)
    assert set(ACT_FORM.findall(html)) == set()
    for action, data in (
        ("confirm_transfer", {}),
        ("decline_transfer", {"decline_transfer-note": "Sí es de su competencia."}),
    ):
        response = site.clients["moderator"].post(f"/observations/{code}/act/{action}", data=data)
        assert response.status_code == 403, action
    assert state_of(app, observation_id) == ("accepted", 2)
    html = site.clients["admin"].get(f"/observations/{code}").get_data(as_text=True)
    assert set(ACT_FORM.findall(html)) == {"confirm_transfer", "decline_transfer", "close"}
    response = site.clients["admin"].post(f"/observations/{code}/act/confirm_transfer")
    assert response.status_code == 302
    assert state_of(app, observation_id) == ("accepted", 3)


# --- the public timeline -----------------------------------------------------------------------


def test_timeline_names_the_institution_never_a_staff_member(app, site):
    code, _original, _id = committed_scenario(app, "submitted")
    clients = site.clients
    base = f"/observations/{code}/act"
    steps = [
        ("moderator", "accept", {"institution_id": site.institution_id}),
        ("responder", "acknowledge", {}),
        ("responder", "request_clarification", {"request_clarification-note": "¿Dónde?"}),
        ("filer", "clarify", {"clarify-note": "Frente a la escuela."}),
        (
            "responder",
            "answer",
            {
                "answer-note": "La obra se reanuda el lunes.",
                "answer-outcome": "information_provided",
            },
        ),
    ]
    for actor, action, data in steps:
        assert clients[actor].post(f"{base}/{action}", data=data).status_code == 302, action
    # What each timeline entry must say, in English, taken from the code (wording may change).
    with app.test_request_context(headers={"Accept-Language": "en"}):
        titles = {a: str(t.title) for a, t in lifecycle.ACTIONS.items()}
        role_titles = {r: str(t) for r, t in states.ROLE_TITLES.items()}
    institution = '<span lang="es">Gobierno Autónomo Municipal de Sucre</span>'
    who = {
        "submit": f"<strong>{role_titles['filer']}</strong>",
        "accept": f"<strong>{role_titles['moderator']}</strong>",
        "acknowledge": f"<strong>{institution}</strong>",
        "request_clarification": f"<strong>{institution}</strong>",
        "clarify": f"<strong>{role_titles['filer']}</strong>",
        "answer": f"<strong>{institution}</strong>",
    }
    for viewer in ("anonymous", "citizen", "other_responder", "responder", "filer"):
        html = clients[viewer].get(f"/observations/{code}").get_data(as_text=True)
        for name in STAFF_NAMES.values():
            assert name not in html, (viewer, name)
        start = html.index('<ol class="timeline">')
        items = html[start : html.index("</ol>", start)].split("<li>")[1:]
        assert len(items) == len(who), viewer
        for item, (action, actor) in zip(items, who.items(), strict=True):
            assert titles[action] in item, (viewer, action)
            assert actor in item, (viewer, action)
        assert "Frente a la escuela." in items[4] and "La obra se reanuda el lunes." in items[5]


# --- notifications -----------------------------------------------------------------------------


def test_http_transition_notifies_filer_and_followers_not_the_actor(app, site, outbox):
    code, _original, _id = committed_scenario(app, "accepted")
    # The responder follows too: acting on it must not notify them.
    assert site.clients["responder"].post(f"/observations/{code}/follow").status_code == 302
    before = len(outbox("notify_observation"))
    response = site.clients["responder"].post(
        f"/observations/{code}/act/answer",
        data={"answer-note": "Respondido.", "answer-outcome": "information_provided"},
    )
    assert response.status_code == 302
    mails = outbox("notify_observation")[before:]
    assert sorted((m.recipient, m.language) for m in mails) == [
        ("filer@example.org", "en"),
        ("follower@example.org", "es"),
    ]
    spanish = next(m for m in mails if m.language == "es")
    assert spanish.body.startswith("Hola, Persona follower:")
    assert "Respondido." in spanish.body and f"/observations/{code}" in spanish.body


def test_notifications_page_tells_which_observation_changed(app, site):
    code, _original, _id = committed_scenario(app, "accepted")
    response = site.clients["responder"].post(
        f"/observations/{code}/act/answer",
        data={"answer-note": "Respondido.", "answer-outcome": "information_provided"},
    )
    assert response.status_code == 302
    page = site.clients["filer"].get("/notifications")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # The in-app notification must say which observation changed and link to it.
    assert code in html
    assert f'href="/observations/{code}"' in html
