"""Reads of the program page: the program and the viewer's follow in one query per view, its
details when its shared part is built."""

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
    """The program and whether ``viewer`` follows it: one query. What every view of the page
    needs (title, comment and stance counters, consultation dates); its plan, institution,
    status, territory and parent are read by ``with_details`` when the shared part of the page
    is built (app/core/fragments.py), and the thread's pages count the top-level comments then
    too (app/comments/thread_html.py)."""
    following = (
        exists().where(ProgramFollow.user_id == viewer.id, ProgramFollow.program_id == Program.id)
        if viewer is not None
        else false()
    )
    row = db.session.execute(select(Program, following).where(Program.id == program_id)).first()
    if row is None:
        return None
    program, follows = row
    return ProgramFacts(program, bool(follows))


def with_details(program: Program) -> Program:
    """``program`` with its plan, institution, status, department, municipality and parent
    loaded: one query."""
    return db.session.execute(
        select(Program)
        .options(
            joinedload(Program.plan),
            joinedload(Program.institution),
            joinedload(Program.status),
            joinedload(Program.department),
            joinedload(Program.municipality),
            joinedload(Program.parent),
        )
        .where(Program.id == program.id)
        .execution_options(populate_existing=True)
    ).scalar_one()
