"""After a bulk load, every derived figure is recounted from the rows themselves: the
accountability tallies with the app's own ``tallies.rebuild``; the tracking-code counters as
``codes.catch_up`` does; and, in SQL, the programs' comment and stance counters and the comments'
vote counts, counted the way the comment services keep them (a comment counts until it is deleted;
a stance is a top-level comment's)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, ScalarSelect, and_, func, select, update

from app.accountability import tallies
from app.comments.models import Comment, CommentVote, Stance
from app.extensions import db
from app.observations.models import Observation, TrackingCodeCounter
from app.programs.models import Program


def _comments(*conditions: ColumnElement[bool]) -> ScalarSelect[int]:
    return (
        select(func.count(Comment.id))
        .where(Comment.program_id == Program.id, Comment.deleted_at.is_(None), *conditions)
        .scalar_subquery()
    )


def recount_program_counters() -> None:
    """``comment_count`` and ``stance_*`` of every program from its comments."""
    top = Comment.parent_id.is_(None)
    db.session.execute(
        update(Program)
        .values(
            comment_count=_comments(),
            stance_for=_comments(and_(top, Comment.stance == Stance.FOR)),
            stance_neutral=_comments(and_(top, Comment.stance == Stance.NEUTRAL)),
            stance_against=_comments(and_(top, Comment.stance == Stance.AGAINST)),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Comment)
        .values(
            vote_count=select(func.count(CommentVote.id))
            .where(CommentVote.comment_id == Comment.id)
            .scalar_subquery()
        )
        .execution_options(synchronize_session=False)
    )


def catch_up_codes() -> None:
    """Every year with observations gets a counter at least as high as its highest code, so the
    next filing takes a fresh number. Like ``codes.catch_up``, but inside the demo's own
    transaction: on PostgreSQL ``catch_up`` uses a connection of its own, which would neither see
    the uncommitted observations nor get the counter rows this transaction holds."""
    highest: dict[int, int] = {}
    for code in db.session.scalars(select(Observation.code).where(Observation.code.is_not(None))):
        assert code is not None
        year_part, number_part = code.split("-")[1:]
        year = int(year_part)
        highest[year] = max(highest.get(year, 0), int(number_part))
    for year, last in sorted(highest.items()):
        counter = db.session.get(TrackingCodeCounter, year)
        if counter is None:
            db.session.add(TrackingCodeCounter(year=year, last_number=last))
        elif counter.last_number < last:
            counter.last_number = last
    db.session.flush()


def recount_everything() -> None:
    """Flushes, never commits."""
    db.session.flush()
    recount_program_counters()
    catch_up_codes()
    tallies.rebuild(db.session.connection())
    db.session.expire_all()
