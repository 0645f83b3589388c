"""Telling a program's followers about a new milestone or a change of progress: the
``milestone`` and ``progress`` notification kinds (in-app and by mail, in each follower's
language, with a link to stop following)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.core.i18n_content import localized
from app.core.urls import external_url
from app.extensions import db
from app.notifications.models import Category, Notification
from app.notifications.registry import Kind, Mail, Notice, register
from app.notifications.services import unfollow_token
from app.programs.models import Milestone, ProgramFollow

MILESTONE = "milestone"
PROGRESS = "progress"

SUBJECTS = {
    MILESTONE: _l("New milestone in a program you follow"),
    PROGRESS: _l("Progress changed in a program you follow"),
}


def _title(note: Notification, lang: str) -> str:
    return str(localized(note.program.titles, lang)) if note.program is not None else ""


def milestone_text(note: Notification, lang: str) -> str:
    data = note.data or {}
    if "milestone_titles" in data:
        milestone = str(localized(data["milestone_titles"], lang))
    else:
        milestone = data.get("milestone_title", "")
    return _(
        'A new milestone was added to "%(program)s": %(milestone)s',
        program=_title(note, lang),
        milestone=milestone,
    )


def progress_text(note: Notification, lang: str) -> str:
    data = note.data or {}
    return _(
        'The progress of "%(program)s" changed from %(old)d%% to %(new)d%%.',
        program=_title(note, lang),
        old=int(data.get("old", 0)),
        new=int(data.get("new", 0)),
    )


TEXTS = {MILESTONE: milestone_text, PROGRESS: progress_text}


def with_milestone_titles(notice: Notice) -> dict[str, Any]:
    """Store the milestone's titles by language: the sentence then outlives a renaming."""
    data = dict(notice.data)
    if "milestone_id" in data:
        milestone = db.session.get(Milestone, data["milestone_id"])
        if milestone is not None:
            data["milestone_titles"] = milestone.titles
    return data


def followers(notice: Notice) -> list[User]:
    assert notice.program is not None
    return list(
        db.session.scalars(
            select(User)
            .join(ProgramFollow, ProgramFollow.user_id == User.id)
            .where(ProgramFollow.program_id == notice.program.id)
            .order_by(User.id)
        )
    )


def link(note: Notification) -> str | None:
    return url_for("programs.detail", program_id=note.program.id) if note.program else None


def subject(notice: Notice) -> object:
    return SUBJECTS[notice.kind]


def mail_context(notice: Notice, note: Notification, user: User, lang: str) -> Mapping[str, object]:
    assert notice.program is not None
    return {
        "text": TEXTS[notice.kind](note, lang),
        "program_url": external_url("programs.detail", program_id=notice.program.id),
    }


def unfollow_url(notice: Notice, user: User) -> str:
    assert notice.program is not None
    token = unfollow_token(user.id, notice.program.id)
    return external_url("programs.unfollow_link", token=token)


register(
    Kind(
        name=MILESTONE,
        category=Category.PROGRAM_UPDATES,
        text=TEXTS[MILESTONE],
        link=link,
        recipients=followers,
        mail=Mail("notification", "notify_milestone", subject, mail_context),
        unfollow_url=unfollow_url,
        data=with_milestone_titles,
    )
)
register(
    Kind(
        name=PROGRESS,
        category=Category.PROGRAM_UPDATES,
        text=TEXTS[PROGRESS],
        link=link,
        recipients=followers,
        mail=Mail("notification", "notify_progress", subject, mail_context),
        unfollow_url=unfollow_url,
    )
)
