"""Notifications: an in-app row per recipient plus a mail through the outbox, both in the
recipient's language, with an unfollow link for program notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select, update

from app.accounts.models import User
from app.core.db import utcnow
from app.core.i18n import force_language
from app.core.i18n_content import localized
from app.core.urls import external_url as _external
from app.extensions import db
from app.mail.services import queue_mail
from app.notifications.models import Notification

if TYPE_CHECKING:
    from app.comments.models import Comment
    from app.programs.models import Program

UNFOLLOW_SALT = "qhawaq.unfollow-program"

SUBJECTS = {
    "milestone": _l("New milestone in a program you follow"),
    "progress": _l("Progress changed in a program you follow"),
    "reply": _l("Someone replied to your comment"),
}


def describe(kind: str, program_title: str, data: dict[str, Any]) -> str:
    """One translated sentence for a notification, shared by the in-app list and the mail."""
    if kind == "milestone":
        return _(
            'A new milestone was added to "%(program)s": %(milestone)s',
            program=program_title,
            milestone=data.get("milestone_title", ""),
        )
    if kind == "progress":
        return _(
            'The progress of "%(program)s" changed from %(old)d%% to %(new)d%%.',
            program=program_title,
            old=int(data.get("old", 0)),
            new=int(data.get("new", 0)),
        )
    if kind == "reply":
        return _('Someone replied to your comment on "%(program)s".', program=program_title)
    if kind == "observation":
        from app.observations.models import ObservationState

        state = data.get("state", "")
        known = {member.value for member in ObservationState}
        title = ObservationState(state).title if state in known else state
        return _("Observation %(code)s is now: %(state)s.", code=data.get("code", ""), state=title)
    if kind == "moderation":
        from app.moderation.notify import describe as describe_moderation

        return describe_moderation(data, program_title)
    if kind == "moderation_queue":
        from app.moderation.alerts import describe as describe_queue

        return describe_queue(data)
    return _('There is news about "%(program)s".', program=program_title)


def unfollow_token(user_id: int, program_id: int) -> str:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNFOLLOW_SALT).dumps(
        [user_id, program_id]
    )


def read_unfollow_token(token: str) -> tuple[int, int] | None:
    try:
        user_id, program_id = URLSafeSerializer(
            current_app.config["SECRET_KEY"], salt=UNFOLLOW_SALT
        ).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    return int(user_id), int(program_id)


def notify(
    users: list[User],
    kind: str,
    *,
    program: Program,
    comment: Comment | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Create a notification and queue its mail for each user (blocked accounts are skipped)."""
    data = dict(data or {})
    if kind == "milestone" and "milestone_id" in data:
        from app.programs.models import Milestone

        milestone = db.session.get(Milestone, data["milestone_id"])
        if milestone is not None:
            data["milestone_titles"] = milestone.titles
    for user in users:
        if user.is_blocked:  # suspended accounts (a posting block still reads its mail)
            continue
        db.session.add(
            Notification(
                user_id=user.id,
                kind=kind,
                program_id=program.id,
                comment_id=comment.id if comment else None,
                data=data,
            )
        )
        with force_language(user.language) as lang:
            text = describe(kind, str(localized(program.titles, lang)), _with_titles(data, lang))
        queue_mail(
            kind=f"notify_{kind}",
            recipient=user.email,
            language=user.language,
            subject=SUBJECTS.get(kind, SUBJECTS["progress"]),
            template="notification",
            user=user,
            text=text,
            program_url=_external("programs.detail", program_id=program.id),
            unfollow_url=_external(
                "programs.unfollow_link", token=unfollow_token(user.id, program.id)
            )
            if kind != "reply"
            else None,
            site=current_app.config["SITE_NAME"],
        )
    db.session.flush()


def _with_titles(data: dict[str, Any], lang: str) -> dict[str, Any]:
    if "milestone_titles" in data:
        return data | {"milestone_title": str(localized(data["milestone_titles"], lang))}
    return data


def notify_followers(program: Program, kind: str, data: dict[str, Any] | None = None) -> None:
    from app.programs.models import ProgramFollow

    followers = list(
        db.session.scalars(
            select(User)
            .join(ProgramFollow, ProgramFollow.user_id == User.id)
            .where(ProgramFollow.program_id == program.id)
            .order_by(User.id)
        )
    )
    notify(followers, kind, program=program, data=data)


def unread_count(user_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user_id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def mark_all_read(user_id: int) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )


def render_text(notification: Notification, program: Program | None) -> str:
    title = str(program.title) if program else ""
    from app.core.i18n import current_language

    text = describe(
        notification.kind, title, _with_titles(notification.data or {}, current_language())
    )
    reason_id = (notification.data or {}).get("reason_id")
    if notification.kind == "moderation" and reason_id:
        from app.moderation.models import ModerationReason

        reason = db.session.get(ModerationReason, reason_id)
        if reason is not None:
            text = " ".join([text, _("Reason: %(reason)s", reason=str(reason.title))])
    return text
