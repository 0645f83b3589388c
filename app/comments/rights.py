"""What a viewer may do with comments, worked out once per page.

The comment rules of ``app.comments.permissions`` are built on :class:`ThreadRights`, so a thread
page that asks it once for the viewer and then once per comment (plain attribute comparisons,
no query) answers exactly what ``can(user, "comment.vote", comment)`` and the others answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from app.accounts.models import User
from app.accounts.permissions import can
from app.comments.models import MAX_DEPTH
from app.core.db import utcnow

EDIT_WINDOW = timedelta(minutes=15)


class CommentLike(Protocol):
    """What the rules read of a comment: a ``Comment``, or the facts a shared thread page keeps
    of one (app/comments/thread_html.py)."""

    @property
    def author_id(self) -> int | None: ...
    @property
    def depth(self) -> int: ...
    @property
    def is_deleted(self) -> bool: ...
    @property
    def is_hidden(self) -> bool: ...
    @property
    def created_at(self) -> datetime: ...


def can_still_edit(comment: CommentLike, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return not comment.is_deleted and now - comment.created_at <= EDIT_WINDOW


@dataclass(frozen=True, slots=True)
class CommentActions:
    """The links and buttons one comment shows to the viewer."""

    vote: bool = False
    reply: bool = False
    edit: bool = False
    delete: bool = False
    flag: bool = False
    #: The link to the moderation page of the comment.
    moderate: bool = False


NOTHING = CommentActions()


@dataclass(frozen=True, slots=True)
class ThreadRights:
    """The viewer's side of every comment rule, for one request."""

    #: None for anonymous visitors and blocked accounts (``can`` treats them alike).
    user_id: int | None = None
    verified: bool = False
    #: A moderation block on posting (voting, replying, reporting) is in force.
    posting_blocked: bool = False
    #: Moderators and administrators: hidden texts and the moderation link.
    moderates: bool = False
    #: The program's consultation takes comments today.
    consultation_open: bool = False
    now: datetime | None = None

    @classmethod
    def of(cls, user: User | None, consultation_open: bool) -> ThreadRights:
        if user is None or not getattr(user, "is_authenticated", False) or user.is_blocked:
            return cls(consultation_open=consultation_open, now=utcnow())
        return cls(
            user_id=user.id,
            verified=user.is_verified,
            posting_blocked=user.is_posting_blocked,
            moderates=can(user, "moderation.queue"),
            consultation_open=consultation_open,
            now=utcnow(),
        )

    @property
    def may_post(self) -> bool:
        return self.user_id is not None and self.verified and not self.posting_blocked

    def author(self, c: CommentLike) -> bool:
        return self.user_id is not None and c.author_id == self.user_id

    def reply(self, c: CommentLike) -> bool:
        return (
            self.may_post
            and self.consultation_open
            and c.depth < MAX_DEPTH
            and not c.is_deleted
            and not c.is_hidden
        )

    def vote(self, c: CommentLike) -> bool:
        return self.may_post and not self.author(c) and not c.is_deleted and not c.is_hidden

    def flag(self, c: CommentLike) -> bool:
        return (
            self.user_id is not None
            and not self.posting_blocked
            and not self.author(c)
            and not c.is_deleted
        )

    def edit(self, c: CommentLike) -> bool:
        return self.author(c) and can_still_edit(c, self.now)

    def delete(self, c: CommentLike) -> bool:
        return self.author(c) and not c.is_deleted

    def moderate(self, c: CommentLike) -> bool:
        return self.moderates and not self.author(c)

    def actions(self, c: CommentLike) -> CommentActions:
        """Everything the comment shows this viewer (``NOTHING`` for anonymous visitors)."""
        if self.user_id is None:
            return NOTHING
        return CommentActions(
            vote=self.vote(c),
            reply=self.reply(c),
            edit=self.edit(c),
            delete=self.delete(c),
            flag=self.flag(c),
            moderate=self.moderate(c),
        )
