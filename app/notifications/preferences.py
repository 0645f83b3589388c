"""Each person's choice of mail per category (at once, a daily digest, or none) and the signed
links that turn a category's mail off without signing in (RFC 8058 one-click unsubscribe).

The in-app notification is always written; only its mail follows the choice. No row means
"at once"."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update

from app.accounts.models import Role, User
from app.core.db import add_once, utcnow
from app.core.urls import external_url
from app.extensions import db
from app.mail.services import queue_mail
from app.notifications.models import Category, Delivery, NotificationPreference

UNSUBSCRIBE_SALT = "qhawaq.unsubscribe"
DEFAULT = Delivery.INSTANT


def categories_for(user: User) -> list[Category]:
    """The categories a person can hear of: institution work for responders, the moderation
    queue's alerts for moderators; everyone can be told that their content was moderated."""
    shown = [
        Category.PROGRAM_UPDATES,
        Category.REPLIES,
        Category.MY_OBSERVATIONS,
        Category.FOLLOWED_OBSERVATIONS,
    ]
    if user.role == Role.RESPONDER or user.institution_id is not None:
        shown.append(Category.INSTITUTION_WORK)
    shown.append(Category.MODERATION)
    return shown


def choices(user_id: int) -> dict[Category, Delivery]:
    """Every category with the person's choice (the default where they made none)."""
    found = dict.fromkeys(Category, DEFAULT)
    for row in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id)
    ):
        found[Category(row.category)] = Delivery(row.delivery)
    return found


def deliveries(user_ids: Iterable[int]) -> dict[tuple[int, Category], Delivery]:
    """The choices made by ``user_ids`` (one query for a whole notification's audience); a
    missing pair means the default."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            NotificationPreference.user_id,
            NotificationPreference.category,
            NotificationPreference.delivery,
        ).where(NotificationPreference.user_id.in_(ids))
    )
    return {(uid, Category(cat)): Delivery(mode) for uid, cat, mode in rows}


def set_delivery(user_id: int, category: Category, delivery: Delivery) -> None:
    """Record a choice. Two at once (two tabs, a click and a mail client's one-click POST)
    leave one row with the last value: the unique key refuses the second insert, which then
    updates. Flushes, never commits."""
    changed = db.session.execute(
        update(NotificationPreference)
        .where(
            NotificationPreference.user_id == user_id,
            NotificationPreference.category == category,
        )
        .values(delivery=delivery, updated_at=utcnow())
    )
    if changed.rowcount:  # type: ignore[attr-defined]
        return
    row = NotificationPreference(user_id=user_id, category=category, delivery=delivery)
    if not add_once(row):
        set_delivery(user_id, category, delivery)


# --- one-click unsubscribe ---------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, categories: Sequence[Category]) -> str:
    """A link token that turns ``categories`` off for ``user_id``: signed, so it needs no
    session and no CSRF token (nobody can forge one for someone else)."""
    return _serializer().dumps([user_id, [str(c) for c in categories]])


def read_unsubscribe_token(token: str) -> tuple[int, list[Category]] | None:
    try:
        user_id, names = _serializer().loads(token)
        categories = [Category(name) for name in names]
        return int(user_id), categories
    except (BadSignature, ValueError, TypeError):
        return None


def unsubscribe_url(user_id: int, categories: Sequence[Category]) -> str:
    return external_url(
        "notification_preferences.unsubscribe", token=unsubscribe_token(user_id, categories)
    )


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058: mail clients show an "unsubscribe" button that POSTs
    ``List-Unsubscribe=One-Click`` to the link."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def unsubscribe_parts(user_id: int, categories: Sequence[Category]) -> dict[str, Any]:
    """What every mail of ``categories`` carries to turn them off: the headers, and the link and
    names the mail footer shows (``mail/_footer.txt``). Nothing when there is no category."""
    if not categories:
        return {}
    url = unsubscribe_url(user_id, categories)
    return {
        "headers": unsubscribe_headers(url),
        "unsubscribe_url": url,
        "unsubscribe_categories": list(categories),
        "preferences_url": external_url("notification_preferences.edit"),
    }


def queue_unless_off(
    user: User, category: Category, *, kind: str, subject: object, template: str, **context: Any
) -> bool:
    """A mail outside the notification rows (the weekly overdue digest, the moderators' daily
    digest): queued to ``user`` in their language with the one-click unsubscribe link of
    ``category``, unless they turned that category's mail off. Returns whether it was queued."""
    if choices(user.id)[category] == Delivery.OFF:
        return False
    queue_mail(
        kind=kind,
        recipient=user.email,
        language=user.language,
        subject=subject,
        template=template,
        user=user,
        **unsubscribe_parts(user.id, [category]),
        **context,
    )
    return True
