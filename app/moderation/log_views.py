"""The public moderation log (what was done and why, never by whom or about whom) with monthly
counts by action and reason, and the moderators' page about one account."""

from __future__ import annotations

from flask import render_template, request
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.comments.models import Comment
from app.core.clock import local_today
from app.core.pagination import paginate
from app.extensions import db
from app.moderation.models import LogAction, ModerationLogEntry, TargetType
from app.moderation.reason_models import ModerationReason
from app.observations.models import Observation
from app.observations.queries import publicly_visible

MONTHS_SHOWN = 12


def public_link(entry: ModerationLogEntry, codes: dict[int, str | None]) -> str | None:
    """A link target only for what the public may open anyway: a public observation's code."""
    if entry.target_type == TargetType.OBSERVATION and entry.target_id in codes:
        return codes[entry.target_id]
    return None


def monthly_counts(month: str) -> list[tuple[LogAction, ModerationReason | None, int]]:
    rows = db.session.execute(
        select(
            ModerationLogEntry.action,
            ModerationLogEntry.reason_id,
            func.sum(ModerationLogEntry.item_count),
        )
        .where(ModerationLogEntry.month == month)
        .group_by(ModerationLogEntry.action, ModerationLogEntry.reason_id)
    ).all()
    reasons = {r.id: r for r in db.session.scalars(select(ModerationReason))}
    counted = [(LogAction(a), reasons.get(rid) if rid else None, int(n or 0)) for a, rid, n in rows]
    return sorted(counted, key=lambda row: (-row[2], row[0].value))


def months() -> list[str]:
    today = local_today()
    year, month = today.year, today.month
    found = []
    for _i in range(MONTHS_SHOWN):
        found.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return found


def render_log() -> str:
    choices = months()
    month = request.args.get("month", "")
    if month not in choices:
        month = choices[0]
    page = paginate(
        select(ModerationLogEntry)
        .options(joinedload(ModerationLogEntry.reason))
        .order_by(ModerationLogEntry.created_at.desc(), ModerationLogEntry.id.desc()),
        per_page=50,
    )
    observation_ids = [
        e.target_id for e in page.items if e.target_type == TargetType.OBSERVATION and e.target_id
    ]
    codes = (
        dict(
            db.session.execute(
                select(Observation.id, Observation.code).where(
                    Observation.id.in_(observation_ids), publicly_visible()
                )
            ).all()
        )
        if observation_ids
        else {}
    )
    return render_template(
        "moderation/log.html",
        page=page,
        links={e.id: public_link(e, codes) for e in page.items},
        month=month,
        months=choices,
        counts=monthly_counts(month),
    )


def render_user(
    person: User, block_form: FlaskForm, unblock_form: FlaskForm, status: int = 200
) -> tuple[str, int]:
    history = db.session.scalars(
        select(ModerationLogEntry)
        .options(joinedload(ModerationLogEntry.reason), joinedload(ModerationLogEntry.moderator))
        .where(
            ModerationLogEntry.target_type == TargetType.USER,
            ModerationLogEntry.target_id == person.id,
        )
        .order_by(ModerationLogEntry.created_at.desc())
        .limit(50)
    ).all()
    counts = {
        "comments": db.session.scalar(
            select(func.count(Comment.id)).where(Comment.author_id == person.id)
        ),
        "hidden_comments": db.session.scalar(
            select(func.count(Comment.id)).where(
                Comment.author_id == person.id, Comment.hidden_at.is_not(None)
            )
        ),
        "observations": db.session.scalar(
            select(func.count(Observation.id)).where(Observation.filer_id == person.id)
        ),
    }
    return (
        render_template(
            "moderation/user.html",
            person=person,
            block_form=block_form,
            unblock_form=unblock_form,
            history=history,
            counts=counts,
        ),
        status,
    )
