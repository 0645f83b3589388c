"""Telling the person affected: every hide, restore, redaction and block reaches its author as an
in-app notification and a mail, in their language, with the reason's full text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.core.i18n import force_language
from app.core.i18n_content import localized
from app.core.urls import external_url
from app.extensions import db
from app.mail.services import queue_mail
from app.moderation.models import LogAction, ModerationReason
from app.notifications.models import Notification

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


def describe(data: dict[str, Any], program_title: str = "") -> str:
    """The notification sentence (shared by the in-app list and the mail), in the current
    language. ``data`` holds only keys and codes, never personal data."""
    action = data.get("action", "")
    if action == LogAction.BLOCK:
        if data.get("until"):
            from flask_babel import format_datetime

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


def _send(
    user: User,
    data: dict[str, Any],
    *,
    program: Any = None,
    comment_id: int | None = None,
    observation_id: int | None = None,
    url: str,
    reason: ModerationReason | None,
) -> None:
    if reason is not None:
        data["reason_id"] = reason.id
    db.session.add(
        Notification(
            user_id=user.id,
            kind="moderation",
            program_id=program.id if program is not None else None,
            comment_id=comment_id,
            observation_id=observation_id,
            data=data,
        )
    )
    with force_language(user.language) as lang:
        title = str(localized(program.titles, lang)) if program is not None else ""
        text = describe(data, title)
        reason_title = str(reason.title_in(lang)) if reason else ""
        reason_message = str(reason.message_in(lang)) if reason else ""
    queue_mail(
        kind="moderation_notice",
        recipient=user.email,
        language=user.language,
        subject=SUBJECT,
        template="moderation_notice",
        user=user,
        text=text,
        reason_title=reason_title,
        reason_message=reason_message,
        url=url,
        log_url=external_url("moderation.log"),
        site=current_app.config["SITE_NAME"],
    )
    db.session.flush()


def tell_author(target: Any, action: LogAction, *, reason: ModerationReason | None = None) -> None:
    """Notify the author of a comment or an observation about a moderation act on it."""
    from app.comments.models import Comment
    from app.observations.models import Observation

    if isinstance(target, Comment):
        program = target.program if hasattr(target, "program") else None
        if program is None:
            from app.comments.services import comment_program

            program = comment_program(target)
        _send(
            target.author,
            {"action": action.value, "target": "comment"},
            program=program,
            comment_id=target.id,
            url=external_url("programs.detail", program_id=program.id, _anchor=f"c{target.id}"),
            reason=reason,
        )
    elif isinstance(target, Observation) and target.code:
        _send(
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
    _send(user, data, url=external_url("accounts.profile"), reason=reason)
