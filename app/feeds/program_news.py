"""Feed entries about programs: their milestones, their progress and the comments the program
page shows to everyone. A program's feed and a plan's (the news of all its programs) are the
same entries over a different set of programs.

Comments: the page prints the text of a comment that is neither deleted by its author nor hidden
by moderation (hidden covers "pending review" too: an automatically hidden comment waits hidden);
the feed carries those only, with the name the page prints."""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import joinedload

from app.accounts.deletion import shown_name
from app.comments.models import Comment
from app.core.clock import local_midnight, local_today
from app.core.text import show_redactions
from app.core.urls import external_url
from app.extensions import db
from app.feeds.atom import MAX_ENTRIES, Entry, newest
from app.programs.models import Milestone, Program


def program_url(program_id: int) -> str:
    return external_url("programs.detail", program_id=program_id)


def _progress(programs: ColumnElement[bool]) -> list[Entry]:
    """One entry per program with some progress, dated by the program's last change: a new
    percentage is a new entry (its id carries the value)."""
    found = db.session.scalars(
        select(Program)
        .where(programs, Program.progress > 0)
        .order_by(Program.updated_at.desc(), Program.id.desc())
        .limit(MAX_ENTRIES)
    )
    return [
        Entry(
            id=f"{program_url(p.id)}#progress-{p.progress}",
            title=_(
                'Progress of "%(program)s": %(percent)d%%', program=p.title, percent=p.progress
            ),
            link=program_url(p.id),
            updated=p.updated_at,
            summary=_(
                'The progress of "%(program)s" is now %(percent)d%%.',
                program=p.title,
                percent=p.progress,
            ),
        )
        for p in found
    ]


def _milestone_entry(m: Milestone) -> Entry:
    today = local_today()
    updated = m.created_at
    if m.done_on is not None:
        updated = max(updated, local_midnight(m.done_on))
        title = _(
            'Milestone reached in "%(program)s": %(milestone)s',
            program=m.program.title,
            milestone=m.title,
        )
    else:
        title = _(
            'Milestone of "%(program)s": %(milestone)s',
            program=m.program.title,
            milestone=m.title,
        )
    lines = [
        _("Planned for %(date)s", date=format_date(m.on_date, "long")),
        _("State: %(state)s", state=m.state(today).title),
    ]
    if m.done_on is not None:
        lines.append(_("reached on %(date)s", date=format_date(m.done_on, "long")))
    return Entry(
        id=f"{program_url(m.program_id)}#milestone-{m.id}",
        title=title,
        link=program_url(m.program_id),
        updated=updated,
        published=m.created_at,
        summary="\n".join(lines),
        content=m.description.text,
    )


def _milestones(programs: ColumnElement[bool]) -> list[Entry]:
    """The newest milestones and the latest reached ones (an entry is updated when its
    milestone is reached). Two queries."""
    base = (
        select(Milestone)
        .join(Program, Program.id == Milestone.program_id)
        .options(joinedload(Milestone.program))
        .where(programs)
    )
    added = db.session.scalars(
        base.order_by(Milestone.created_at.desc(), Milestone.id.desc()).limit(MAX_ENTRIES)
    ).all()
    reached = db.session.scalars(
        base.where(Milestone.done_on.is_not(None))
        .order_by(Milestone.done_on.desc(), Milestone.id.desc())
        .limit(MAX_ENTRIES)
    ).all()
    unique = {m.id: m for m in [*added, *reached]}
    return [_milestone_entry(m) for m in unique.values()]


def _comments(programs: ColumnElement[bool]) -> list[Entry]:
    """The newest comments the program page shows with their text (neither deleted nor
    hidden), with the name the page prints. One query."""
    found = db.session.execute(
        select(Comment, Program)
        .join(Program, Program.id == Comment.program_id)
        .options(joinedload(Comment.author))
        .where(programs, Comment.deleted_at.is_(None), Comment.hidden_at.is_(None))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(MAX_ENTRIES)
    )
    entries = []
    for c, program in found:
        updated: datetime = max(c.created_at, c.edited_at) if c.edited_at else c.created_at
        name = shown_name(c.author)
        summary = ""
        if c.stance is not None and c.depth == 0:
            summary = _("Stance: %(stance)s", stance=c.stance.title)
        entries.append(
            Entry(
                id=f"{program_url(c.program_id)}#c{c.id}",
                title=_('Comment by %(name)s on "%(program)s"', name=name, program=program.title),
                link=f"{program_url(c.program_id)}#c{c.id}",
                updated=updated,
                published=c.created_at,
                summary=summary,
                content=show_redactions(c.body),
                author=name,
            )
        )
    return entries


def news(programs: ColumnElement[bool]) -> list[Entry]:
    """The newest news of the programs ``programs`` selects: milestones, progress and
    comments, newest first (four queries)."""
    return newest([*_milestones(programs), *_progress(programs), *_comments(programs)])
