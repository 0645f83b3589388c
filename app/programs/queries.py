"""Reads of the program page: the program with everything its facts show, in one query."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, false, select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.extensions import db
from app.programs.models import Program, ProgramFollow


@dataclass(frozen=True)
class ProgramFacts:
    program: Program
    #: The viewer follows the program.
    following: bool


def program_facts(program_id: int, viewer: User | None) -> ProgramFacts | None:
    """The program with its plan, institution, status, territory and parent, and whether
    ``viewer`` follows it: one query (the comment and stance counters are columns of the
    program; the thread's pages count the top-level comments when they are built, which the
    shared copy of a page saves on most views: app/comments/thread_html.py)."""
    following = (
        exists().where(ProgramFollow.user_id == viewer.id, ProgramFollow.program_id == Program.id)
        if viewer is not None
        else false()
    )
    row = db.session.execute(
        select(Program, following)
        .options(
            joinedload(Program.plan),
            joinedload(Program.institution),
            joinedload(Program.status),
            joinedload(Program.department),
            joinedload(Program.municipality),
            joinedload(Program.parent),
        )
        .where(Program.id == program_id)
    ).first()
    if row is None:
        return None
    program, follows = row
    return ProgramFacts(program, bool(follows))
