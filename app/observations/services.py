"""Observation workflows beyond the lifecycle: following an observation, and what the filer waits
for. The lifecycle (every action, who may take it, and the one ``transition``) is in
``app/observations/lifecycle.py``; due dates in ``due_dates``; who may see what in
``permissions``. Plain functions: they flush, never commit.

This module also registers the effects of a transition that stay within observations: following
the original of a duplicate, and notifying the filer and the followers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.core.db import add_once
from app.extensions import db
from app.observations import notify
from app.observations.effects import Transitioned, after_transition
from app.observations.models import Observation, ObservationFollow
from app.observations.models import ObservationState as S

# --- following -------------------------------------------------------------------------------


def is_following(user: User | None, observation: Observation) -> bool:
    if user is None:
        return False
    return (
        db.session.scalar(
            select(ObservationFollow.id).where(
                ObservationFollow.user_id == user.id,
                ObservationFollow.observation_id == observation.id,
            )
        )
        is not None
    )


def follow(user: User, observation: Observation) -> None:
    if not is_following(user, observation):
        add_once(ObservationFollow(user_id=user.id, observation_id=observation.id))


def unfollow(user: User, observation: Observation) -> None:
    row = db.session.scalar(
        select(ObservationFollow).where(
            ObservationFollow.user_id == user.id,
            ObservationFollow.observation_id == observation.id,
        )
    )
    if row is not None:
        db.session.delete(row)
        db.session.flush()


#: What the filer is waiting for, per state ("what is awaited from whom").
AWAITING = {
    S.DRAFT: _l("You: finish and file it"),
    S.SUBMITTED: _l("Moderators: review it"),
    S.ACCEPTED: _l("The institution: acknowledge and answer"),
    S.ACKNOWLEDGED: _l("The institution: answer"),
    S.CLARIFICATION_REQUESTED: _l("You: send the clarification"),
    S.ANSWERED: _l("You: accept or dispute the answer"),
    S.DISPUTED: _l("Moderators: review the dispute"),
}


# --- effects of a transition -----------------------------------------------------------------


@after_transition("observations.follow_original")
def _follow_the_original(done: Transitioned) -> None:
    """Marked as a duplicate: the filer is told where to follow, and now follows the original."""
    observation = done.observation
    if done.event.action == "mark_duplicate" and observation.duplicate_of is not None:
        follow(observation.filer, observation.duplicate_of)


@after_transition("observations.notify")
def _notify(done: Transitioned) -> None:
    notify.transition_happened(done.observation, done.event, done.actor)
