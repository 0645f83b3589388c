"""The deadline reminders as notification kinds: responders hear that an answer is due soon or
overdue (the "institution work" preference: at once, daily digest or no mail), moderators that
one is long overdue (the "moderation" preference). Each also stays in-app. The mail templates
are ``mail/deadline_<kind>.txt``; they name the institution and the observation, never the
filer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask import url_for
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.notifications.models import Category, Notification
from app.notifications.registry import Kind, Mail, Notice, register

DUE_SOON = "due_soon"
OVERDUE = "overdue"
ESCALATED = "escalated"

DUE_SOON_KIND = "deadline_due_soon"
OVERDUE_KIND = "deadline_overdue"
ESCALATED_KIND = "deadline_escalated"
#: Notification kind (and outbox kind, and mail template) of each reminder.
KINDS = {DUE_SOON: DUE_SOON_KIND, OVERDUE: OVERDUE_KIND, ESCALATED: ESCALATED_KIND}

SUBJECTS = {
    DUE_SOON: _l("Reminder: the answer to observation %(code)s is due soon"),
    OVERDUE: _l("Observation %(code)s is overdue"),
    ESCALATED: _l("Escalation: observation %(code)s is long overdue"),
}

SENTENCES = {
    DUE_SOON: _l("The answer to observation %(code)s is due on %(date)s."),
    OVERDUE: _l("The answer to observation %(code)s was due on %(date)s and is now overdue."),
    ESCALATED: _l("Observation %(code)s, due on %(date)s, is long overdue."),
}


def subject(name: str, code: str) -> str:
    return str(SUBJECTS[name]) % {"code": code}


def _kind(name: str) -> Kind:
    def text(note: Notification, lang: str) -> str:
        data = note.data or {}
        try:
            due = format_date(date.fromisoformat(data.get("due", "")))
        except ValueError:
            due = ""
        return str(SENTENCES[name]) % {"code": data.get("code", ""), "date": due}

    def link(note: Notification) -> str | None:
        code = (note.data or {}).get("code")
        if not code:
            return None
        endpoint = "observations.detail" if name == ESCALATED else "inbox.item"
        return url_for(endpoint, code=code)

    def mail_subject(notice: Notice) -> str:
        return subject(name, notice.data["code"])

    def context(notice: Notice, note: Notification, user: User, lang: str) -> Mapping[str, object]:
        return {"item": notice.objects["item"], "escalate_after": notice.objects["escalate_after"]}

    return Kind(
        name=KINDS[name],
        text=text,
        category=Category.MODERATION if name == ESCALATED else Category.INSTITUTION_WORK,
        link=link,
        mail=Mail(
            template=KINDS[name], outbox_kind=KINDS[name], subject=mail_subject, context=context
        ),
    )


for _name in KINDS:
    register(_kind(_name))
