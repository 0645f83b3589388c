"""Institutions are told of new work: the ``institution_work`` notification kind, in-app and by
mail (at once or in the daily digest, as each responder chooses) to the responders of the
institution that holds the observation, in each one's language.

It is sent when moderation forwards an observation, when a transfer into the institution is
confirmed, when the filer clarifies or disputes, when the filer accepts the answer, and when a
colleague assigns the observation to someone (``app/inbox/assignment.py``). The deadline
reminders are their own kinds (``app/deadlines/notify.py``) in the same preference category.

No message names the filer, whatever the identity level: it gives the code, the title and the
institution, and links to the inbox page."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import Role, User
from app.core.urls import external_url
from app.extensions import db
from app.notifications.models import Category, Notification
from app.notifications.registry import Kind, Mail, Notice, register
from app.notifications.services import notify
from app.observations.effects import Transitioned, after_transition
from app.observations.models import Observation

KIND = "institution_work"

#: Transition → the event the institution hears of.
EVENTS = {
    "accept": "forwarded",
    "confirm_transfer": "transferred",
    "clarify": "clarified",
    "dispute": "disputed",
    "accept_answer": "answer_accepted",
}

#: Each event's sentence ({code}: the observation's tracking code).
SENTENCES = {
    "forwarded": _l("Observation %(code)s was forwarded to your institution."),
    "transferred": _l("Observation %(code)s was transferred to your institution."),
    "clarified": _l("The filer sent the clarification you asked for on observation %(code)s."),
    "disputed": _l("The filer disputed your institution's answer to observation %(code)s."),
    "answer_accepted": _l("The filer accepted your institution's answer to observation %(code)s."),
    "assigned": _l("Observation %(code)s was assigned to you."),
}


def responders(institution_id: int | None) -> list[User]:
    """The institution's responders who can act (not suspended), by id."""
    if institution_id is None:
        return []
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.role == Role.RESPONDER,
                User.institution_id == institution_id,
                User.blocked_at.is_(None),
            )
            .order_by(User.id)
        )
    )


def _recipients(notice: Notice) -> list[User]:
    observation: Observation = notice.objects["observation"]
    return [u for u in responders(observation.institution_id) if u.id != observation.filer_id]


def sentence(event: str, code: str | None) -> str:
    """The event's sentence in the current language."""
    return str(SENTENCES.get(event, SENTENCES["forwarded"])) % {"code": code or ""}


def text(note: Notification, lang: str) -> str:
    data = note.data or {}
    return sentence(data.get("event", ""), data.get("code"))


def link(note: Notification) -> str | None:
    code = (note.data or {}).get("code")
    return url_for("inbox.item", code=code) if code else None


def subject(notice: Notice) -> str:
    return sentence(notice.data["event"], notice.data["code"])


def mail_context(notice: Notice, note: Notification, user: User, lang: str) -> Mapping[str, object]:
    observation: Observation = notice.objects["observation"]
    return {
        "observation": observation,
        "sentence": sentence(notice.data["event"], observation.code),
        "event": notice.data["event"],
        "note": notice.objects.get("note", ""),
        "inbox_url": external_url("inbox.item", code=observation.code),
    }


register(
    Kind(
        name=KIND,
        text=text,
        category=Category.INSTITUTION_WORK,
        link=link,
        recipients=_recipients,
        mail=Mail(
            template="institution_work",
            outbox_kind="notify_institution",
            subject=subject,
            context=mail_context,
        ),
    )
)


def notify_institution(
    observation: Observation,
    event: str,
    actor: User | None,
    to: Iterable[User] | None = None,
    note: str = "",
) -> list[Notification]:
    """Tell the institution's responders (or ``to``, e.g. the one assigned) of ``event``."""
    return notify(
        KIND,
        to=[u for u in to if u.id != observation.filer_id] if to is not None else None,
        actor=actor,
        observation_id=observation.id,
        data={"code": observation.code, "event": event},
        observation=observation,
        note=note,
    )


@after_transition("inbox.work_alert")
def _transitioned(done: Transitioned) -> None:
    event = EVENTS.get(done.event.action)
    if event is None or done.observation.code is None:
        return
    note = done.event.note if event in ("clarified", "disputed") else ""
    notify_institution(done.observation, event, done.actor, note=note)
