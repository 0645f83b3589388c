"""The one notification pipeline: :func:`notify` writes an in-app row per recipient and queues
its mail through the outbox, in the recipient's language, as the kind's registry entry says
(``app.notifications.registry``). The notifications page renders its entries through the
registry too."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select, update

from app.accounts.models import User
from app.core.db import utcnow
from app.core.i18n import force_language
from app.core.i18n_content import localized
from app.extensions import db
from app.mail.services import queue_mail
from app.notifications import preferences, registry
from app.notifications.models import Delivery, Notification
from app.notifications.registry import Kind, Notice, Titled

UNFOLLOW_SALT = "qhawaq.unfollow-program"


def notify(
    kind: str,
    to: Iterable[User | None] | None = None,
    *,
    program: Titled | None = None,
    comment_id: int | None = None,
    observation_id: int | None = None,
    actor: User | None = None,
    data: dict[str, Any] | None = None,
    **objects: Any,
) -> list[Notification]:
    """Tell ``to`` (default: the kind's recipients) about something of ``kind``: one in-app row
    each and, if the kind has one, its mail through the outbox, in the recipient's language.

    Nobody hears twice, nor about what they did themselves (``actor``), and suspended accounts
    hear nothing (a posting block still reads its mail). The mail follows each recipient's
    choice for the kind's category: sent now, kept for their daily digest
    (``digest_pending``), or none; the in-app row is always written. ``data`` is stored with
    each row (keys and codes, never personal data); ``objects`` are what the kind's recipients
    and mail need (the observation, the event, the reason, a link), never stored. Flushes,
    never commits: the rows and the mails become real with the caller's commit."""
    spec = registry.get(kind)
    notice = Notice(
        kind=kind,
        data=dict(data or {}),
        program=program,
        comment_id=comment_id,
        observation_id=observation_id,
        actor=actor,
        objects=objects,
    )
    if spec.data is not None:
        notice = replace(notice, data=spec.data(notice))
    if to is None:
        if spec.recipients is None:
            raise ValueError(f"notification kind {kind!r} needs its recipients named")
        to = spec.recipients(notice)
    rows = []
    people = audience(to, actor)
    chosen = preferences.deliveries(user.id for user in people) if spec.mail else {}
    for user in people:
        row = Notification(
            user_id=user.id,
            kind=kind,
            program=program,
            comment_id=comment_id,
            observation_id=observation_id,
            data=dict(notice.data),
        )
        db.session.add(row)
        rows.append(row)
        if spec.mail is None:
            continue
        category = spec.category_for(notice, user)
        delivery = chosen.get((user.id, category), preferences.DEFAULT)
        if delivery == Delivery.INSTANT:
            _queue(spec, notice, row, user)
        elif delivery == Delivery.DIGEST:
            row.digest_pending = True
    db.session.flush()
    return rows


def audience(people: Iterable[User | None], actor: User | None = None) -> list[User]:
    """``people`` in their order, once each, without the actor and suspended accounts."""
    seen = {actor.id} if actor is not None else set()
    found = []
    for user in people:
        if user is None or user.id in seen or user.is_blocked:
            continue
        seen.add(user.id)
        found.append(user)
    return found


def _queue(spec: Kind, notice: Notice, row: Notification, user: User) -> None:
    mail = spec.mail
    assert mail is not None
    language = spec.language(user)
    with force_language(language) as lang:
        subject = mail.subject(notice)
        context = dict(mail.context(notice, row, user, lang))
        unfollow_url = spec.unfollow_url(notice, user) if spec.unfollow_url else None
        unsubscribe = preferences.unsubscribe_parts(user.id, [spec.category_for(notice, user)])
    queue_mail(
        kind=mail.outbox_kind,
        recipient=user.email,
        language=language,
        subject=subject,
        template=mail.template,
        user=user,
        headers=unsubscribe.pop("headers"),
        unfollow_url=unfollow_url,
        **unsubscribe,
        site=current_app.config["SITE_NAME"],
        **context,
    )


def notify_followers(program: Titled, kind: str, data: dict[str, Any] | None = None) -> None:
    """Tell the followers of ``program`` (the kind's recipients) about a milestone or progress."""
    notify(kind, program=program, data=data)


# --- the unfollow link in program mails -----------------------------------------------------


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


# --- the notifications page ------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One line of the notifications page."""

    note: Notification
    text: str
    url: str | None


def entry(note: Notification, lang: str) -> Entry:
    """The sentence and link of ``note`` in the current language (``lang``), through its kind. A
    row of a kind no longer registered still says which program it was about."""
    spec = registry.find(note.kind)
    if spec is None:
        title = str(localized(note.program.titles, lang)) if note.program is not None else ""
        return Entry(note, _('There is news about "%(program)s".', program=title), None)
    return Entry(note, spec.page_sentence(note, lang), spec.link(note))


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
