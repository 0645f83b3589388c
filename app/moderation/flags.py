"""Reports (flags) on comments and observations: one per person per item; an item reaching the
threshold of distinct reporters is hidden automatically, pending review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.comments.models import Comment
from app.core.db import add_once
from app.core.pagination import Page
from app.core.urls import id_or_none
from app.extensions import db
from app.moderation import alerts, services
from app.moderation.models import Flag, FlagReason, TargetType
from app.moderation.reason_models import ModerationReason
from app.moderation.services import Target
from app.observations.models import Observation


def has_reported(user: User, target_type: TargetType, target_id: int) -> bool:
    return (
        db.session.scalar(
            select(Flag.id).where(
                Flag.target_type == target_type,
                Flag.target_id == target_id,
                Flag.reporter_id == user.id,
            )
        )
        is not None
    )


def open_reporters(target_type: TargetType, target_id: int) -> int:
    """Distinct people with an unresolved report on the item (one row per person by design)."""
    return (
        db.session.scalar(
            select(func.count(func.distinct(Flag.reporter_id))).where(
                Flag.target_type == target_type,
                Flag.target_id == target_id,
                Flag.resolved_at.is_(None),
            )
        )
        or 0
    )


def report(
    user: User, target_type: TargetType, target: Target, reason: FlagReason, details: str = ""
) -> Flag:
    """Record one person's report; at the threshold the item is hidden pending review and the
    moderators are alerted. The caller checked that the person may report it."""
    target_id = target.id
    # One report at a time per item: the row lock makes the reporter count below include every
    # committed report, so two people reaching the threshold together still hide it.
    db.session.refresh(target, with_for_update=True)
    first = open_reporters(target_type, target_id) == 0
    flag = Flag(
        target_type=target_type,
        target_id=target_id,
        reporter_id=user.id,
        reason=reason,
        details=(details or "").strip(),
    )
    if not add_once(flag):
        # The same person's second click: their first report stands.
        existing = db.session.scalar(
            select(Flag).where(
                Flag.target_type == target_type,
                Flag.target_id == target_id,
                Flag.reporter_id == user.id,
            )
        )
        assert existing is not None
        return existing
    threshold = current_app.config["FLAG_HIDE_THRESHOLD"]
    if open_reporters(target_type, target_id) >= threshold and not services.is_hidden(target):
        services.auto_hide(target)
    if first:
        alerts.queue_grew()
    return flag


# --- the flag queue ------------------------------------------------------------------------


@dataclass
class FlagGroup:
    """One reported item with its open reports."""

    target_type: TargetType
    target_id: int
    target: Target | None
    reporters: int
    reasons: dict[FlagReason, int]
    details: list[str]
    first_at: datetime

    @property
    def key(self) -> str:
        return f"{self.target_type.value}:{self.target_id}"


class GroupPage(Page):
    """A page of reported items; ``groups`` are its items."""

    @property
    def groups(self) -> list[FlagGroup]:
        return self.items


PER_PAGE = 30


def grouped_page(number: int = 1) -> GroupPage:
    """Open reports grouped per item, most reported first, in a fixed number of queries: the
    page of items, their reports, and one query per kind of item (comments with their authors
    and programs, observations with their filers)."""
    grouped = (
        select(
            Flag.target_type,
            Flag.target_id,
            func.count(func.distinct(Flag.reporter_id)).label("reporters"),
            func.min(Flag.created_at).label("first_at"),
        )
        .where(Flag.resolved_at.is_(None))
        .group_by(Flag.target_type, Flag.target_id)
    )
    total = db.session.scalar(select(func.count()).select_from(grouped.subquery())) or 0
    page = GroupPage.window(number, total, PER_PAGE)
    rows = db.session.execute(
        grouped.order_by(
            func.count(func.distinct(Flag.reporter_id)).desc(),
            func.min(Flag.created_at),
            Flag.target_type,
            Flag.target_id,
        )
        .limit(PER_PAGE)
        .offset(page.offset)
    ).all()
    if not rows:
        return page
    ids: dict[TargetType, list[int]] = {TargetType.COMMENT: [], TargetType.OBSERVATION: []}
    for row in rows:
        ids[TargetType(row.target_type)].append(row.target_id)
    reports = db.session.scalars(
        select(Flag).where(
            Flag.resolved_at.is_(None),
            or_(
                *(
                    (Flag.target_type == kind) & Flag.target_id.in_(values)
                    for kind, values in ids.items()
                    if values
                )
            ),
        )
    ).all()
    targets: dict[tuple[TargetType, int], Target] = {}
    if ids[TargetType.COMMENT]:
        for comment in db.session.scalars(
            select(Comment)
            .options(joinedload(Comment.author))
            .where(Comment.id.in_(ids[TargetType.COMMENT]))
        ):
            targets[(TargetType.COMMENT, comment.id)] = comment
    if ids[TargetType.OBSERVATION]:
        for observation in db.session.scalars(
            select(Observation)
            .options(joinedload(Observation.filer))
            .where(Observation.id.in_(ids[TargetType.OBSERVATION]))
        ):
            targets[(TargetType.OBSERVATION, observation.id)] = observation
    groups = page.items
    for row in rows:
        kind = TargetType(row.target_type)
        mine = [r for r in reports if r.target_type == kind and r.target_id == row.target_id]
        reasons: dict[FlagReason, int] = {}
        for r in mine:
            reasons[r.reason] = reasons.get(r.reason, 0) + 1
        groups.append(
            FlagGroup(
                kind,
                row.target_id,
                targets.get((kind, row.target_id)),
                row.reporters,
                reasons,
                [r.details for r in mine if r.details],
                row.first_at,
            )
        )
    return page


def parse_items(values: list[str]) -> list[tuple[TargetType, int]]:
    """``comment:12`` / ``observation:7`` checkbox values; anything else is ignored."""
    found = []
    for value in values:
        kind, _sep, number = value.partition(":")
        target_id = id_or_none(number)
        if kind in (TargetType.COMMENT, TargetType.OBSERVATION) and target_id is not None:
            item = (TargetType(kind), target_id)
            if item not in found:
                found.append(item)
    return found[: PER_PAGE * 2]


def apply(
    action: str,
    items: list[tuple[TargetType, int]],
    moderator: User,
    reason: ModerationReason | None,
    note: str,
) -> tuple[int, int]:
    """Hide, restore or dismiss several items; returns (done, skipped). Each item is done in a
    savepoint, so one refused item (the moderator's own content, say) does not undo the rest."""
    done = skipped = 0
    for kind, target_id in items:
        target = services.load_target(kind, target_id)
        if target is None:
            skipped += 1
            continue
        try:
            with db.session.begin_nested():
                if action == "hide":
                    services.hide(target, moderator, reason, note)
                elif action == "restore":
                    services.restore(target, moderator, reason, note)
                else:
                    services.dismiss(target, moderator, reason, note)
        except services.ModerationError:
            skipped += 1
        else:
            done += 1
    return done, skipped


def open_reports(target_type: TargetType, target_id: int) -> list[Flag]:
    return list(
        db.session.scalars(
            select(Flag)
            .where(
                Flag.target_type == target_type,
                Flag.target_id == target_id,
                Flag.resolved_at.is_(None),
            )
            .order_by(Flag.created_at)
        )
    )
