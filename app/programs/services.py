"""Programs: search, consultation windows, progress rollup, milestones and follows. Plain functions
that flush and never commit; notifications leave through the outbox."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.core.clock import local_today
from app.core.db import add_once
from app.core.text import search_key
from app.extensions import db
from app.notifications import services as notifications
from app.programs.models import Milestone, Plan, Program, ProgramFollow, ProgramStatus
from app.search import engine
from app.search.text import SearchQuery
from app.territory.models import Department, Municipality


def refresh_search_text(program: Program) -> None:
    parts = [program.code, *program.titles.values(), *program.descriptions.values()]
    program.search_text = search_key(" ".join(p for p in parts if p))


class Consultation(enum.StrEnum):
    OPEN = "open"
    NOT_YET = "not_yet"
    CLOSED = "closed"


def consultation_state(program: Program, today: date | None = None) -> Consultation:
    """Comments are accepted from ``comments_open_on`` to ``comments_close_on`` inclusive (La Paz
    dates); a missing bound means no limit on that side."""
    today = today or local_today()
    if program.comments_open_on and today < program.comments_open_on:
        return Consultation.NOT_YET
    if program.comments_close_on and today > program.comments_close_on:
        return Consultation.CLOSED
    return Consultation.OPEN


@dataclass
class ProgramFilters:
    q: str = ""
    department: str = ""  # ISO code
    municipality: str = ""  # INE code
    institution: int | None = None
    plan: int | None = None
    status: str = ""  # status key
    open_only: bool = False


def program_query(filters: ProgramFilters, today: date | None = None) -> Select:
    """The programs matching ``filters``, newest first; with search words (every word in some
    language's code, title or description, accents and case ignored, word forms found: see
    app/search), the best matches first."""
    query = select(Program).options(
        joinedload(Program.institution), joinedload(Program.status), joinedload(Program.plan)
    )
    if filters.department:
        query = query.join(Department, Program.department_id == Department.id).where(
            Department.iso_code == filters.department
        )
    if filters.municipality:
        query = query.join(Municipality, Program.municipality_id == Municipality.id).where(
            Municipality.code == filters.municipality
        )
    if filters.institution:
        query = query.where(Program.institution_id == filters.institution)
    if filters.plan:
        query = query.where(Program.plan_id == filters.plan)
    if filters.status:
        query = query.join(ProgramStatus, Program.status_id == ProgramStatus.id).where(
            ProgramStatus.key == filters.status
        )
    if filters.open_only:
        today = today or local_today()
        query = query.where(
            and_(
                or_(Program.comments_open_on.is_(None), Program.comments_open_on <= today),
                or_(Program.comments_close_on.is_(None), Program.comments_close_on >= today),
            )
        )
    searched = SearchQuery.parse(filters.q)
    if searched:
        query, found = engine.narrow_programs(query, searched)
        return query.order_by(found.c.score.desc(), Program.id.desc())
    return query.order_by(Program.created_at.desc(), Program.id.desc())


# --- progress -------------------------------------------------------------------------------


def rolled_up_progress(children: list[Program]) -> int:
    """Weighted average of the children's progress, rounded to a whole percent."""
    total_weight = sum(child.weight for child in children)
    if not total_weight:
        return 0
    return round(sum(child.progress * child.weight for child in children) / total_weight)


def set_progress(program: Program, progress: int) -> None:
    """Change a program's progress, roll it up through its parents, and notify the followers of
    every program whose progress changed."""
    if program.children:
        raise ValueError("the progress of a program with sub-programs is computed from them")
    _apply_progress(program, max(0, min(100, progress)))


def _apply_progress(program: Program, progress: int) -> None:
    old = program.progress
    program.progress = progress
    db.session.flush()
    if old != progress:
        notifications.notify_followers(program, "progress", data={"old": old, "new": progress})
    if program.parent is not None:
        _apply_progress(program.parent, rolled_up_progress(program.parent.children))


def refresh_rollup(program: Program) -> None:
    """Recompute ``program``'s parent chain (after a child was added, moved or re-weighted)."""
    if program.children:
        _apply_progress(program, rolled_up_progress(program.children))
    elif program.parent is not None:
        _apply_progress(program.parent, rolled_up_progress(program.parent.children))


def apply_status(program: Program, status: ProgramStatus | None, progress: int | None) -> None:
    """Set the status; without an explicit progress a leaf program takes the status default."""
    program.status = status
    if program.children:
        return
    if progress is None and status is not None and status.default_progress is not None:
        progress = status.default_progress
    if progress is not None and progress != program.progress:
        set_progress(program, progress)


# --- milestones -----------------------------------------------------------------------------


def add_milestone(
    program: Program, on_date: date, titles: dict[str, str], descriptions: dict[str, str]
) -> Milestone:
    milestone = Milestone(
        program=program, on_date=on_date, titles=titles, descriptions=descriptions
    )
    db.session.add(milestone)
    db.session.flush()
    notifications.notify_followers(program, "milestone", data={"milestone_id": milestone.id})
    return milestone


# --- follows --------------------------------------------------------------------------------


def is_following(user: User | None, program: Program) -> bool:
    if user is None:
        return False
    return (
        db.session.scalar(
            select(ProgramFollow.id).where(
                ProgramFollow.user_id == user.id, ProgramFollow.program_id == program.id
            )
        )
        is not None
    )


def follow(user: User, program: Program) -> None:
    if not is_following(user, program):
        add_once(ProgramFollow(user_id=user.id, program_id=program.id))


def unfollow(user_id: int, program_id: int) -> bool:
    follow_row = db.session.scalar(
        select(ProgramFollow).where(
            ProgramFollow.user_id == user_id, ProgramFollow.program_id == program_id
        )
    )
    if follow_row is None:
        return False
    db.session.delete(follow_row)
    db.session.flush()
    return True


def plans_for_select() -> list[Plan]:
    return list(db.session.scalars(select(Plan).order_by(Plan.period_start.desc(), Plan.id)))


def statuses() -> list[ProgramStatus]:
    return list(
        db.session.scalars(select(ProgramStatus).order_by(ProgramStatus.position, ProgramStatus.id))
    )
