"""Comment workflows and the thread page loader. Plain functions: flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import CursorResult, Select, delete, func, literal, select, union_all
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.comments import notify
from app.comments.models import (
    MAX_DEPTH,
    Comment,
    CommentRevision,
    CommentVote,
    FlagReason,
    Stance,
)
from app.comments.rights import EDIT_WINDOW, can_still_edit
from app.core.db import add_once, add_to_counters, utcnow
from app.extensions import db
from app.moderation import flags
from app.moderation.models import Flag, TargetType
from app.programs.models import Program

__all__ = ["EDIT_WINDOW", "can_still_edit"]  # re-exported: callers know them from here

MIN_LENGTH = 2
MAX_LENGTH = 4000
PER_PAGE = 20

ORDERS = ("newest", "oldest", "most_voted")


class CommentError(Exception):
    """A refused comment action; ``code`` says why (closed, depth, window, already, own)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _stance_column(stance: Stance) -> str:
    return {"for": "stance_for", "neutral": "stance_neutral", "against": "stance_against"}[
        stance.value
    ]


def _count(program: Program, comment: Comment, delta: int) -> None:
    deltas = {"comment_count": delta}
    if comment.depth == 0 and comment.stance is not None:
        deltas[_stance_column(comment.stance)] = delta
    add_to_counters(program, **deltas)


def add_comment(
    author: User,
    program: Program,
    body: str,
    stance: Stance | None = None,
    parent: Comment | None = None,
) -> Comment:
    """Add a top-level comment (with a stance) or a reply (without), notify the replied-to author.
    The caller has checked the consultation window and the author's rights."""
    if parent is not None:
        if parent.program_id != program.id:
            raise CommentError("parent")
        if parent.depth >= MAX_DEPTH:
            raise CommentError("depth")
        if parent.is_deleted or parent.is_hidden:
            raise CommentError("parent")
        stance = None
    elif stance is None:
        stance = Stance.NEUTRAL
    comment = Comment(
        program_id=program.id,
        parent_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent else 0,
        author_id=author.id,
        body=body.strip(),
        stance=stance,
    )
    db.session.add(comment)
    db.session.flush()
    comment.root_id = parent.root_id if parent else comment.id
    _count(program, comment, +1)
    db.session.flush()
    if parent is not None:
        notify.replied(author, parent, comment, program)
    return comment


def edit_comment(comment: Comment, body: str, now: datetime | None = None) -> None:
    """Replace the text within the edit window, keeping the previous text in the history."""
    now = now or utcnow()
    if not can_still_edit(comment, now):
        raise CommentError("window")
    body = body.strip()
    if body == comment.body:
        return
    db.session.add(CommentRevision(comment_id=comment.id, body=comment.body, replaced_at=now))
    comment.body = body
    comment.edited_at = now
    db.session.flush()


def delete_comment(comment: Comment) -> None:
    """Soft delete: the thread keeps a placeholder; counters stop counting it."""
    if comment.is_deleted:
        return
    comment.deleted_at = utcnow()
    _count(comment_program(comment), comment, -1)
    db.session.flush()


def comment_program(comment: Comment) -> Program:
    program = db.session.get(Program, comment.program_id)
    assert program is not None
    return program


def vote(user: User, comment: Comment) -> bool:
    """One up-vote per user per comment; returns False when the user had already voted."""
    if comment.author_id == user.id:
        raise CommentError("own")
    existing = db.session.scalar(
        select(CommentVote.id).where(
            CommentVote.comment_id == comment.id, CommentVote.user_id == user.id
        )
    )
    # A double click's second request may pass the check while the first is still running: the
    # unique key then refuses its row, and it answers like the first.
    if existing is not None or not add_once(CommentVote(comment_id=comment.id, user_id=user.id)):
        return False
    add_to_counters(comment, vote_count=+1)
    return True


def unvote(user: User, comment: Comment) -> bool:
    existing = db.session.scalar(
        select(CommentVote).where(
            CommentVote.comment_id == comment.id, CommentVote.user_id == user.id
        )
    )
    if existing is None:
        return False
    # Only the request whose DELETE removed the row moves the counter (a DELETE's result is a
    # cursor result: it has the row count).
    removed = cast(
        "CursorResult[()]",
        db.session.execute(
            delete(CommentVote)
            .where(CommentVote.id == existing.id)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    db.session.expunge(existing)
    if removed != 1:
        return False
    add_to_counters(comment, vote_count=-1)
    return True


def flag(user: User, comment: Comment, reason: FlagReason, details: str = "") -> Flag:
    """Report a comment once per user (the moderation package counts reporters and may hide
    it pending review)."""
    if comment.author_id == user.id:
        raise CommentError("own")
    if has_flagged(user, comment):
        raise CommentError("already")
    return flags.report(user, TargetType.COMMENT, comment, reason, details)


def has_flagged(user: User, comment: Comment) -> bool:
    return flags.has_reported(user, TargetType.COMMENT, comment.id)


def revisions(comment: Comment) -> list[CommentRevision]:
    return list(
        db.session.scalars(
            select(CommentRevision)
            .where(CommentRevision.comment_id == comment.id)
            .order_by(CommentRevision.replaced_at.desc())
        )
    )


# --- the thread page ----------------------------------------------------------------------


@dataclass
class Node:
    comment: Comment
    children: list[Node] = field(default_factory=list)


@dataclass
class ThreadPage:
    """A page of threads as every viewer of one kind sees it (the viewer's own buttons are put
    in per request: app/comments/thread_html.py)."""

    nodes: list[Node]
    number: int
    pages: int
    total: int
    order: str
    #: Moderators' copy: hidden texts shown.
    moderates: bool = False

    @property
    def rows(self) -> list[tuple[Node, int]]:
        """The comments in page order, each with the number of reply lists that end after it,
        so the page prints nested lists from one loop (no recursive macro)."""
        rows: list[tuple[Node, int]] = []

        def walk(nodes: list[Node], depth: int) -> None:
            for node in nodes:
                rows.append((node, 0))
                if node.children:
                    walk(node.children, depth + 1)
            if depth and rows:
                last, closes = rows[-1]
                rows[-1] = (last, closes + 1)

        walk(self.nodes, 0)
        return rows


def load_thread_page(
    program: Program, order: str = "newest", number: int = 1, moderates: bool = False
) -> ThreadPage:
    """A page of top-level comments with every reply of their threads and their authors, in a
    fixed number of queries whatever the size of the thread (three: the count, the page's
    threads, their comments)."""
    order = order if order in ORDERS else "newest"
    top_level = select(Comment.id).where(
        Comment.program_id == program.id, Comment.parent_id.is_(None)
    )
    total = db.session.scalar(top_level_count(program.id)) or 0
    pages = max(1, -(-total // PER_PAGE))
    number = max(1, min(number, pages))
    ordering = {
        "newest": (Comment.created_at.desc(), Comment.id.desc()),
        "oldest": (Comment.created_at.asc(), Comment.id.asc()),
        "most_voted": (Comment.vote_count.desc(), Comment.created_at.desc(), Comment.id.desc()),
    }[order]
    root_ids = list(
        db.session.scalars(
            top_level.order_by(*ordering).limit(PER_PAGE).offset((number - 1) * PER_PAGE)
        )
    )
    if not root_ids:
        return ThreadPage([], number, pages, total, order, moderates)
    comments = list(
        db.session.scalars(
            select(Comment)
            .options(joinedload(Comment.author))
            .where(Comment.root_id.in_(root_ids))
            .order_by(Comment.created_at, Comment.id)
        )
    )
    nodes = {c.id: Node(c) for c in comments}
    for node in nodes.values():
        parent_id = node.comment.parent_id
        if parent_id is not None and parent_id in nodes:
            nodes[parent_id].children.append(node)
    return ThreadPage(
        [nodes[i] for i in root_ids if i in nodes], number, pages, total, order, moderates
    )


def viewer_marks(viewer: User | None, root_ids: list[int]) -> tuple[set[int], set[int]]:
    """Which comments of the threads ``root_ids`` the viewer supports, and which they reported:
    one query (none for an anonymous visitor)."""
    if viewer is None or not root_ids:
        return set(), set()
    on_page = select(Comment.id).where(Comment.root_id.in_(root_ids)).scalar_subquery()
    votes = select(CommentVote.comment_id, literal(True).label("vote")).where(
        CommentVote.user_id == viewer.id, CommentVote.comment_id.in_(on_page)
    )
    flags = select(Flag.target_id, literal(False).label("vote")).where(
        Flag.target_type == TargetType.COMMENT,
        Flag.reporter_id == viewer.id,
        Flag.target_id.in_(on_page),
    )
    voted: set[int] = set()
    flagged: set[int] = set()
    for comment_id, vote in db.session.execute(union_all(votes, flags)):
        (voted if vote else flagged).add(comment_id)
    return voted, flagged


def top_level_count(program_id: object) -> Select[int]:
    """The number of top-level comments of a program (``program_id`` may be a column, for a
    correlated subquery)."""
    return (
        select(func.count())
        .select_from(Comment)
        .where(Comment.program_id == program_id, Comment.parent_id.is_(None))
    )
