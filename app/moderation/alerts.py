"""Moderators hear when the queues grow: an in-app notification (the ``moderation_queue`` kind,
one unread at a time, so a busy day does not bury them) and a daily digest mail from
``flask moderation digest``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts.services import active_moderators as moderators
from app.core.clock import local_today
from app.core.db import utcnow
from app.core.i18n import force_language
from app.core.locks import one_run_at_a_time
from app.core.urls import external_url
from app.extensions import db
from app.moderation.models import Flag, ModeratorDigest
from app.notifications import preferences
from app.notifications.models import Category, Notification
from app.notifications.registry import Kind, register
from app.notifications.services import notify
from app.observations.effects import Transitioned, after_transition
from app.observations.models import Observation, ObservationState

KIND = "moderation_queue"

DIGEST_SUBJECT = _l("Moderation: items waiting for you")


def counts() -> dict[str, int]:
    """What waits: observations to triage and distinct reported items."""
    observations = db.session.scalar(
        select(func.count(Observation.id)).where(
            Observation.state.in_([ObservationState.SUBMITTED, ObservationState.DISPUTED])
        )
    )
    items = db.session.scalar(
        select(func.count()).select_from(
            select(Flag.target_type, Flag.target_id)
            .where(Flag.resolved_at.is_(None))
            .group_by(Flag.target_type, Flag.target_id)
            .subquery()
        )
    )
    return {"observations": observations or 0, "flags": items or 0}


def describe(data: Mapping[str, Any]) -> str:
    return _(
        "The moderation queue grew. Observations to triage: %(observations)d. "
        "Reported items to review: %(flags)d.",
        observations=int(data.get("observations", 0)),
        flags=int(data.get("flags", 0)),
    )


# --- the ``moderation_queue`` kind (in-app only; the daily digest mail goes separately) ------


def queue_text(note: Notification, lang: str) -> str:
    return describe(note.data or {})


def queue_link(note: Notification) -> str | None:
    return url_for("moderation.queue")


register(Kind(name=KIND, text=queue_text, category=Category.MODERATION, link=queue_link))


#: Observation actions that put something (back) in front of the moderators.
_QUEUE_ACTIONS = frozenset({"submit", "provide_info"})


@after_transition("moderation.queue_alert")
def _after_transition(done: Transitioned) -> None:
    """A new filing, the filer's answer to the moderators' question, or a second dispute."""
    if done.event.action in _QUEUE_ACTIONS or done.event.to_state == ObservationState.DISPUTED:
        queue_grew()


def queue_grew() -> None:
    """Give each moderator an in-app alert unless one is still unread."""
    people = moderators()
    if not people:
        return
    unread = set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.kind == KIND,
                Notification.read_at.is_(None),
                Notification.user_id.in_([u.id for u in people]),
            )
        )
    )
    missing = [user for user in people if user.id not in unread]
    if not missing:  # the usual case on a busy day: nothing to count
        return
    notify(KIND, missing, data=counts())


def send_digests(now: datetime | None = None) -> int:
    """One mail per moderator per La Paz day while something waits; returns how many were
    queued. Safe to run often (cron) and twice at once: a day's digest is recorded (unique per
    moderator and day) and never sent twice. Flushes, never commits: the caller's commit ends
    the run's lock."""
    now = now or utcnow()
    # Before reading: a second run started at the same moment waits here, then finds the
    # digests this one recorded (app/core/locks.py).
    one_run_at_a_time("moderation_digest", ModeratorDigest.__table__)
    waiting = counts()
    if not waiting["observations"] and not waiting["flags"]:
        return 0
    period = local_today(now).isoformat()
    people = moderators()
    done = set(
        db.session.scalars(select(ModeratorDigest.user_id).where(ModeratorDigest.period == period))
    )
    sent = 0
    for user in people:
        if user.id in done:
            continue
        try:
            with db.session.begin_nested():
                db.session.add(ModeratorDigest(user_id=user.id, period=period, created_at=now))
        except IntegrityError:
            continue
        with force_language(user.language):
            text = describe(waiting)
        if preferences.queue_unless_off(
            user,
            Category.MODERATION,
            kind="moderation_digest",
            subject=DIGEST_SUBJECT,
            template="moderation_digest",
            text=text,
            queue_url=external_url("moderation.queue"),
            flags_url=external_url("moderation.flags"),
            site=current_app.config["SITE_NAME"],
        ):
            sent += 1
    db.session.flush()
    return sent
