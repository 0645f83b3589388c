"""Tell the filer and the followers about each transition: an in-app notification and a mail
through the outbox, in each recipient's language. Messages never name the filer."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.core.i18n import force_language
from app.core.urls import external_url
from app.extensions import db
from app.mail.services import queue_mail
from app.notifications.models import Notification
from app.observations.models import Observation, ObservationEvent, ObservationFollow


def recipients(observation: Observation, actor: User | None) -> list[User]:
    followers = list(
        db.session.scalars(
            select(User)
            .join(ObservationFollow, ObservationFollow.user_id == User.id)
            .where(ObservationFollow.observation_id == observation.id)
        )
    )
    people = {observation.filer_id: observation.filer, **{u.id: u for u in followers}}
    return [
        user
        for user_id, user in sorted(people.items())
        if user is not None and user_id != (actor.id if actor else None) and not user.is_blocked
    ]


def transition_happened(
    observation: Observation, event: ObservationEvent, actor: User | None
) -> None:
    if event.action == "submit" or observation.code is None:
        return
    for user in recipients(observation, actor):
        db.session.add(
            Notification(
                user_id=user.id,
                kind="observation",
                observation_id=observation.id,
                data={"code": observation.code, "state": event.to_state},
            )
        )
        with force_language(user.language):
            state_title = observation.state.title
        queue_mail(
            kind="notify_observation",
            recipient=user.email,
            language=user.language,
            subject=_l("Observation %(code)s: %(state)s", code=observation.code, state=state_title),
            template="observation_update",
            user=user,
            observation=observation,
            event=event,
            observation_url=external_url("observations.detail", code=observation.code),
            site=current_app.config["SITE_NAME"],
        )
    db.session.flush()
