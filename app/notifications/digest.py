"""The daily digest: one mail per person listing the notifications whose mail they chose to get
once a day (``digest_pending``), sent by ``flask notifications digest`` from cron.

Once per La Paz day, whatever happens: a ``NotificationDigest(user, day)`` row is inserted
before the mail is queued, and its unique key refuses a second one (a second run that day, two
runs at once). The digest row, the mail and the cleared flags are committed together, per
person, so a crash half-way leaves the others for the next run and sends nobody two."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from flask import current_app, has_request_context
from flask_babel import ngettext
from sqlalchemy import select, update

from app.accounts.models import User
from app.core.clock import local_today
from app.core.db import add_once
from app.core.i18n import force_language
from app.core.urls import external_url
from app.extensions import db
from app.mail.services import queue_mail
from app.notifications import preferences
from app.notifications.models import Delivery, Notification, NotificationDigest
from app.notifications.services import Entry, entry


@dataclass(frozen=True)
class Line:
    """One notification in a digest mail: its sentence and an absolute link."""

    text: str
    url: str | None


def send_digests(today: date | None = None) -> dict[str, int]:
    """Queue today's digests. Returns how many people got one and how many notifications they
    listed."""
    day = today or local_today()
    counts = {"people": 0, "items": 0}
    user_ids = db.session.scalars(
        select(Notification.user_id).where(Notification.digest_pending.is_(True)).distinct()
    ).all()
    for user_id in sorted(user_ids):
        listed = _send_one(user_id, day)
        db.session.commit()
        if listed:
            counts["people"] += 1
            counts["items"] += listed
    return counts


def _send_one(user_id: int, day: date) -> int:
    user = db.session.get(User, user_id)
    if user is None:
        return 0
    if user.is_blocked:
        # A suspended account hears nothing: its waiting mail is dropped, the rows stay in-app.
        _clear(user_id, None)
        return 0
    digest = NotificationDigest(user_id=user_id, day=day, item_count=0)
    if not add_once(digest):
        return 0  # already sent today: what waits goes in tomorrow's
    notes = list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id, Notification.digest_pending.is_(True))
            .order_by(Notification.created_at, Notification.id)
        )
    )
    if not notes:
        return 0
    _clear(user_id, [note.id for note in notes])
    digest.item_count = len(notes)
    chosen = preferences.choices(user_id)
    in_digest = [c for c in preferences.categories_for(user) if chosen[c] == Delivery.DIGEST]
    with force_language(user.language) as lang:
        lines = _lines(notes, lang)
        subject = ngettext(
            "Your daily digest: %(num)d notification",
            "Your daily digest: %(num)d notifications",
            len(notes),
        )
    queue_mail(
        kind="notification_digest",
        recipient=user.email,
        language=user.language,
        subject=subject,
        template="notification_digest",
        user=user,
        lines=lines,
        day=day,
        notifications_url=external_url("notifications.index"),
        **preferences.unsubscribe_parts(user_id, in_digest),
        site=current_app.config["SITE_NAME"],
    )
    return len(notes)


def _clear(user_id: int, ids: list[int] | None) -> None:
    query = update(Notification).where(
        Notification.user_id == user_id, Notification.digest_pending.is_(True)
    )
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    db.session.execute(query.values(digest_pending=False))


def _lines(notes: list[Notification], lang: str) -> list[Line]:
    """Each entry's sentence and link, the links made absolute on BASE_URL (entries link with
    ``url_for``, which needs a request: the command runs outside one)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    if has_request_context():
        return [_line(entry(note, lang), base) for note in notes]
    with current_app.test_request_context("/", base_url=base):
        return [_line(entry(note, lang), base) for note in notes]


def _line(found: Entry, base: str) -> Line:
    if found.url is None:
        return Line(found.text, None)
    parts = urlsplit(base)
    return Line(found.text, f"{parts.scheme}://{parts.netloc}{found.url}")
