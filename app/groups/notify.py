"""The members of an oversight group hear of every change of the observations filed for it: the
``group`` notification kind (in-app, and by mail at once, in the daily digest or not at all as
each member chose for "observations I follow"), in each member's language.

Every transition but the filing itself is news to the members, except to the one who acted and
to the filer and the observation's followers (they hear of it through the ``observation`` kind).
No message names the member who filed it; the group is named only when the filing does not hide
it, and the link goes to the group's dashboard (members only)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import User
from app.core.urls import external_url
from app.extensions import db
from app.groups.models import GroupMembership, OversightGroup
from app.notifications.models import Category, Notification
from app.notifications.registry import Kind, Mail, Notice, register
from app.notifications.services import notify
from app.observations.effects import Transitioned, after_transition
from app.observations.models import Observation, ObservationFollow, ObservationState

KIND = "group"


def recipients(notice: Notice) -> list[User]:
    """The group's members but the filer and those following the observation, by id."""
    observation: Observation = notice.objects["observation"]
    following = select(ObservationFollow.user_id).where(
        ObservationFollow.observation_id == observation.id
    )
    return list(
        db.session.scalars(
            select(User)
            .join(GroupMembership, GroupMembership.user_id == User.id)
            .where(
                GroupMembership.group_id == observation.group_id,
                User.id != observation.filer_id,
                User.id.not_in(following),
            )
            .order_by(User.id)
        )
    )


def _state_title(state: str) -> str:
    known = {member.value for member in ObservationState}
    return str(ObservationState(state).title) if state in known else state


def sentence(data: Mapping[str, object]) -> str:
    code, state = data.get("code", ""), _state_title(str(data.get("state", "")))
    if data.get("group_name"):
        return _(
            "Observation %(code)s of %(group)s is now: %(state)s.",
            code=code,
            group=data["group_name"],
            state=state,
        )
    return _("An observation of your group, %(code)s, is now: %(state)s.", code=code, state=state)


def text(note: Notification, lang: str) -> str:
    return sentence(note.data or {})


def link(note: Notification) -> str | None:
    slug = (note.data or {}).get("group")
    return url_for("groups.dashboard", slug=slug) if slug else None


def subject(notice: Notice) -> str:
    return sentence(notice.data)


def mail_context(notice: Notice, note: Notification, user: User, lang: str) -> Mapping[str, object]:
    observation: Observation = notice.objects["observation"]
    group: OversightGroup = notice.objects["group"]
    return {
        "observation": observation,
        "sentence": sentence(notice.data),
        "dashboard_url": external_url("groups.dashboard", slug=group.slug),
    }


register(
    Kind(
        name=KIND,
        text=text,
        category=Category.FOLLOWED_OBSERVATIONS,
        link=link,
        recipients=recipients,
        mail=Mail(
            template="group_update",
            outbox_kind="notify_group",
            subject=subject,
            context=mail_context,
        ),
    )
)


@after_transition("groups.notify")
def _transitioned(done: Transitioned) -> None:
    observation = done.observation
    if done.event.action == "submit" or observation.code is None or observation.group_id is None:
        return
    group = db.session.get(OversightGroup, observation.group_id)
    if group is None:
        return
    notify(
        KIND,
        actor=done.actor,
        observation_id=observation.id,
        data={
            "code": observation.code,
            "state": done.event.to_state,
            "group": group.slug,
            "group_name": "" if observation.hide_group else group.name,
        },
        observation=observation,
        group=group,
    )
