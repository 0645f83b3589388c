"""Telling the person affected: every hide, restore, redaction and block reaches its author as the
``moderation`` notification kind (in-app and by mail, in their language, with the reason's full
text). Moderators' queue alerts are the in-app ``moderation_queue`` kind, registered with them in
app/moderation/alerts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.comments.models import Comment
from app.core.i18n_content import localized
from app.core.urls import external_url
from app.extensions import db
from app.moderation.models import LogAction
from app.moderation.reason_models import ModerationReason
from app.notifications.models import Category, Notification
from app.notifications.registry import Kind, Mail, Notice, register
from app.notifications.services import notify
from app.observations.models import Observation
from app.programs.models import Program

KIND = "moderation"

SUBJECT = _l("A moderation decision about your content")


_COMMENT_SENTENCES = {
    LogAction.HIDE: _l('Moderators hid your comment on "%(program)s".'),
    LogAction.AUTO_HIDE: _l(
        'Your comment on "%(program)s" was hidden after several reports, until a moderator '
        "reviews it."
    ),
    LogAction.RESTORE: _l('Your comment on "%(program)s" is visible again.'),
    LogAction.REDACT: _l('Moderators removed personal data from your comment on "%(program)s".'),
}
_OBSERVATION_SENTENCES = {
    LogAction.HIDE: _l("Moderators hid your observation %(code)s from the public."),
    LogAction.AUTO_HIDE: _l(
        "Your observation %(code)s was hidden from the public after several reports, until a "
        "moderator reviews it."
    ),
    LogAction.RESTORE: _l("Your observation %(code)s is public again."),
    LogAction.REDACT: _l("Moderators removed personal data from your observation %(code)s."),
    LogAction.HIDE_ATTACHMENT: _l(
        "Moderators hid one of the files attached to your observation %(code)s."
    ),
}


def describe(data: Mapping[str, Any], program_title: str = "") -> str:
    """The notification sentence (shared by the in-app list and the mail), in the current
    language. ``data`` holds only keys and codes, never personal data."""
    action = data.get("action", "")
    if action == LogAction.BLOCK:
        if data.get("until"):
            return _(
                "You cannot post, comment, vote or report content until %(date)s.",
                date=format_datetime(datetime.fromisoformat(data["until"]), "medium"),
            )
        return _(
            "You cannot post, comment, vote or report content until a moderator lifts the block."
        )
    if action == LogAction.UNBLOCK:
        return _("You can post, comment, vote and report content again.")
    values = {"program": program_title, "code": data.get("code", "")}
    sentences = _COMMENT_SENTENCES if data.get("target") == "comment" else _OBSERVATION_SENTENCES
    return str(sentences.get(action, sentences[LogAction.HIDE])) % values


# --- the ``moderation`` kind ---------------------------------------------------------------


def text(note: Notification, lang: str) -> str:
    title = str(localized(note.program.titles, lang)) if note.program is not None else ""
    return describe(note.data or {}, title)


def page_text(note: Notification, lang: str) -> str:
    """The sentence and the reason's title (the mail gives the reason in full below it)."""
    sentence = text(note, lang)
    reason_id = (note.data or {}).get("reason_id")
    reason = db.session.get(ModerationReason, reason_id) if reason_id else None
    if reason is None:
        return sentence
    return " ".join([sentence, _("Reason: %(reason)s", reason=str(reason.title))])


def link(note: Notification) -> str | None:
    code = (note.data or {}).get("code")
    if note.observation_id and code:
        return url_for("observations.detail", code=code)
    if note.program is not None:
        anchor = f"c{note.comment_id}" if note.comment_id else None
        return url_for("programs.detail", program_id=note.program.id, _anchor=anchor)
    return None  # an account block: nothing to open


def subject(notice: Notice) -> object:
    return SUBJECT


def mail_context(notice: Notice, note: Notification, user: User, lang: str) -> Mapping[str, object]:
    reason: ModerationReason | None = notice.objects.get("reason")
    return {
        "text": text(note, lang),
        "reason_title": str(reason.title_in(lang)) if reason else "",
        "reason_message": str(reason.message_in(lang)) if reason else "",
        "url": notice.objects["url"],
        "log_url": external_url("moderation.log"),
    }


register(
    Kind(
        name=KIND,
        category=Category.MODERATION,
        text=text,
        page_text=page_text,
        link=link,
        mail=Mail(
            template="moderation_notice",
            outbox_kind="moderation_notice",
            subject=subject,
            context=mail_context,
        ),
    )
)


# --- telling the person affected ---------------------------------------------------------------


def _tell(
    user: User,
    data: dict[str, Any],
    *,
    url: str,
    reason: ModerationReason | None,
    program: Program | None = None,
    comment_id: int | None = None,
    observation_id: int | None = None,
) -> None:
    if reason is not None:
        data["reason_id"] = reason.id
    notify(
        KIND,
        [user],
        program=program,
        comment_id=comment_id,
        observation_id=observation_id,
        data=data,
        url=url,
        reason=reason,
    )


def tell_author(target: Any, action: LogAction, *, reason: ModerationReason | None = None) -> None:
    """Notify the author of a comment or an observation about a moderation act on it."""
    if isinstance(target, Comment):
        program = db.session.get(Program, target.program_id)
        assert program is not None
        _tell(
            target.author,
            {"action": action.value, "target": "comment"},
            program=program,
            comment_id=target.id,
            url=external_url("programs.detail", program_id=program.id, _anchor=f"c{target.id}"),
            reason=reason,
        )
    elif isinstance(target, Observation) and target.code:
        _tell(
            target.filer,
            {"action": action.value, "target": "observation", "code": target.code},
            observation_id=target.id,
            url=external_url("observations.detail", code=target.code),
            reason=reason,
        )


def tell_blocked(user: User, action: LogAction, reason: ModerationReason | None) -> None:
    data: dict[str, Any] = {"action": action.value, "target": "user"}
    if action == LogAction.BLOCK and user.posting_blocked_until is not None:
        data["until"] = user.posting_blocked_until.isoformat()
    _tell(user, data, url=external_url("accounts.profile"), reason=reason)
