"""Tell the filer and the followers about each transition: the ``observation`` notification kind
(an in-app row and a mail through the outbox, in each recipient's language). Messages never
name the filer."""

from __future__ import annotations

from collections.abc import Mapping

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import User
from app.core.urls import external_url
from app.extensions import db
from app.notifications.models import Category, Notification
from app.notifications.registry import Kind, Mail, Notice, register
from app.notifications.services import notify
from app.observations.models import (
    Observation,
    ObservationEvent,
    ObservationFollow,
    ObservationState,
)

KIND = "observation"


def recipients(notice: Notice) -> list[User]:
    """The filer and the followers, by id (the actor is left out by ``notify``)."""
    observation: Observation = notice.objects["observation"]
    followers = db.session.scalars(
        select(User)
        .join(ObservationFollow, ObservationFollow.user_id == User.id)
        .where(ObservationFollow.observation_id == observation.id)
    )
    people = [observation.filer, *followers]
    return sorted((user for user in people if user is not None), key=lambda user: user.id)


def category(notice: Notice, user: User) -> Category:
    """News of an observation is about "my observations" to its filer, else one followed."""
    observation: Observation = notice.objects["observation"]
    if user.id == observation.filer_id:
        return Category.MY_OBSERVATIONS
    return Category.FOLLOWED_OBSERVATIONS


def text(note: Notification, lang: str) -> str:
    data = note.data or {}
    state = data.get("state", "")
    known = {member.value for member in ObservationState}
    title = ObservationState(state).title if state in known else state
    return _("Observation %(code)s is now: %(state)s.", code=data.get("code", ""), state=title)


def link(note: Notification) -> str | None:
    code = (note.data or {}).get("code")
    return url_for("observations.detail", code=code) if note.observation_id and code else None


def subject(notice: Notice) -> str:
    observation: Observation = notice.objects["observation"]
    return _(
        "Observation %(code)s: %(state)s", code=observation.code, state=observation.state.title
    )


def mail_context(notice: Notice, note: Notification, user: User, lang: str) -> Mapping[str, object]:
    observation: Observation = notice.objects["observation"]
    return {
        "observation": observation,
        "event": notice.objects["event"],
        "observation_url": external_url("observations.detail", code=observation.code),
    }


register(
    Kind(
        name=KIND,
        category=category,
        text=text,
        link=link,
        recipients=recipients,
        mail=Mail(
            template="observation_update",
            outbox_kind="notify_observation",
            subject=subject,
            context=mail_context,
        ),
    )
)


def transition_happened(
    observation: Observation, event: ObservationEvent, actor: User | None
) -> None:
    """Tell everyone concerned but the actor (a filing itself is news to nobody)."""
    if event.action == "submit" or observation.code is None:
        return
    notify(
        KIND,
        actor=actor,
        observation_id=observation.id,
        data={"code": observation.code, "state": event.to_state},
        observation=observation,
        event=event,
    )
