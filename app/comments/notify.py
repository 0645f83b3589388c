"""Telling an author that someone replied to their comment: the ``reply`` notification kind
(in-app and by mail, in their language)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.comments.models import Comment
from app.core.i18n_content import localized
from app.core.urls import external_url
from app.notifications.models import Category, Notification
from app.notifications.registry import Kind, Mail, Notice, Titled, register
from app.notifications.services import notify

KIND = "reply"

SUBJECT = _l("Someone replied to your comment")


def text(note: Notification, lang: str) -> str:
    title = str(localized(note.program.titles, lang)) if note.program is not None else ""
    return _('Someone replied to your comment on "%(program)s".', program=title)


def link(note: Notification) -> str | None:
    if note.program is None:
        return None
    anchor = f"c{note.comment_id}" if note.comment_id else None
    return url_for("programs.detail", program_id=note.program.id, _anchor=anchor)


def subject(notice: Notice) -> object:
    return SUBJECT


def mail_context(notice: Notice, note: Notification, user: User, lang: str) -> Mapping[str, object]:
    assert notice.program is not None
    return {
        "text": text(note, lang),
        "program_url": external_url("programs.detail", program_id=notice.program.id),
    }


register(
    Kind(
        name=KIND,
        category=Category.REPLIES,
        text=text,
        link=link,
        mail=Mail(
            template="notification",
            outbox_kind="notify_reply",
            subject=subject,
            context=mail_context,
        ),
    )
)


def replied(author: User, parent: Comment, reply: Comment, program: Titled) -> None:
    """Tell the author of ``parent`` (unless they replied to themselves)."""
    notify(KIND, [parent.author], actor=author, program=program, comment_id=reply.id)
