"""The observation lifecycle in one place: every action (:data:`ACTIONS`), who may take which one
now (:func:`check`: behind :func:`available_actions` for the page, :func:`refusal` for the route,
and :func:`transition` itself), and the one function that takes an action. Nothing else sets
``state``.

A transition: the action checks what was sent and changes the observation, the event is recorded,
then the effects registered in ``app.observations.effects`` run (moderation log, moderators'
alert, answer figures, following, notifications). It flushes, never commits."""

from __future__ import annotations

from datetime import datetime

from app.accounts.models import User
from app.core.clock import local_today
from app.core.db import utcnow
from app.extensions import db
from app.observations import answer_actions, due_dates, effects, transfer_actions, triage_actions
from app.observations.actions import Action, Step, TransitionData, TransitionError
from app.observations.models import Observation, ObservationEvent
from app.observations.permissions import roles_for
from app.observations.states import FILER, INSTITUTION, MODERATOR, SYSTEM

#: Every action by name, in the order an observation meets them.
ACTIONS: dict[str, Action] = {
    action.name: action
    for action in [*triage_actions.ACTIONS, *answer_actions.ACTIONS, *transfer_actions.ACTIONS]
}


def acting_role(
    action: Action, user: User | None, observation: Observation, *, system: bool = False
) -> str | None:
    """The role in which ``user`` would take ``action``, or None. A moderator never moderates
    what they filed themselves; they act on it as its filer only."""
    if system:
        return SYSTEM if SYSTEM in action.roles else None
    roles = roles_for(user, observation)
    if FILER in roles:
        roles.discard(MODERATOR)
    return next((r for r in (FILER, INSTITUTION, MODERATOR) if r in roles & action.roles), None)


def check(
    action: Action, user: User | None, observation: Observation, *, system: bool = False
) -> str:
    """The role in which ``user`` may take ``action`` on ``observation`` now; raises
    :class:`TransitionError` (state | role | blocked | target) when they may not."""
    if observation.state not in action.sources:
        raise TransitionError("state")
    role = acting_role(action, user, observation, system=system)
    if role is None:
        raise TransitionError("role")
    if role == FILER and user is not None and user.is_posting_blocked:
        # A moderation block: the person reads, but does not post.
        raise TransitionError("blocked")
    why = action.unavailable(observation)
    if why is not None:
        raise TransitionError(why)
    return role


def refusal(action: Action, user: User | None, observation: Observation) -> str | None:
    """Why ``user`` may not take ``action`` now (the code :func:`check` raises), or None."""
    try:
        check(action, user, observation)
    except TransitionError as refused:
        return refused.code
    return None


def available_actions(user: User | None, observation: Observation) -> list[Action]:
    """The actions ``user`` may take on ``observation`` now, in :data:`ACTIONS` order."""
    return [a for a in ACTIONS.values() if refusal(a, user, observation) is None]


def transition(
    observation: Observation,
    action: str,
    actor: User | None,
    data: TransitionData | None = None,
    *,
    now: datetime | None = None,
    system: bool = False,
) -> ObservationEvent:
    """Take ``action`` as ``actor``: check it, apply it, record the event and run the effects.
    Raises :class:`TransitionError` (and changes nothing) when it is refused."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise TransitionError("unknown")
    data = data or TransitionData()
    now = now or utcnow()
    role = check(spec, actor, observation, system=system)
    note = data.note.strip()
    if spec.needs_note and not note:
        raise TransitionError("note")
    if data.satisfaction is not None and not 1 <= data.satisfaction <= 5:
        raise TransitionError("target")
    source = observation.state
    step = Step(observation, actor, data, note, now, local_today(now), spec.target_for(observation))
    spec.apply(step)
    observation.state = step.target
    db.session.flush()
    if spec.refreshes_due_date:
        due_dates.refresh_due_date(observation)
    event = ObservationEvent(
        observation_id=observation.id,
        action=spec.name,
        from_state=source.value,
        to_state=step.target.value,
        actor_id=actor.id if actor else None,
        actor_role=role,
        institution_id=observation.institution_id if role == INSTITUTION else None,
        note=note,
        reason_id=data.reason.id if data.reason else None,
        created_at=now,
    )
    db.session.add(event)
    db.session.flush()
    spec.after_event(step, event)
    effects.run(effects.Transitioned(observation, event, actor, first_answer=step.first_answer))
    db.session.flush()
    return event
