from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import ForeignKey, Index, Integer, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.db import StrEnumType, UTCDateTime, enum_check, utcnow
from app.core.enums import TitledEnum
from app.core.text import render_user_text, show_user_html, user_text_html
from app.extensions import Model
from app.moderation.models import FlagReason  # noqa: F401  (the comment pages use it)

#: Replies nest to this many levels: a top-level comment is depth 0, the deepest reply depth 2.
MAX_DEPTH = 2


class Stance(TitledEnum):
    FOR = "for"
    NEUTRAL = "neutral"
    AGAINST = "against"

    __titles__ = {"for": _l("In favour"), "neutral": _l("Neutral"), "against": _l("Against")}


class Comment(Model):
    __tablename__ = "comments"
    __table_args__ = (
        enum_check("stance", Stance, "stance"),
        # The top-level page of a program, newest / oldest / most voted first.
        Index("ix_comments_program_top", "program_id", "parent_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    #: The top-level comment of the thread (itself for a top-level comment), so a page loads every
    #: reply of its threads in one query.
    root_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    #: ``body`` as safe HTML (``app.core.text.user_text_html``), made whenever the ORM sets
    #: ``body`` (writing, editing, redacting: see ``_render_body``) so pages do not render it on
    #: every view. Empty for rows written by Core inserts that left it out: pages render those.
    body_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Only top-level comments take a stance.
    stance: Mapped[Stance | None] = mapped_column(StrEnumType(Stance, 10))
    vote_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Soft delete by the author: the thread keeps a "comment deleted" placeholder.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Hidden by moderation (or automatically, pending review); who and when are kept.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Hidden because this ancestor was hidden (restoring the ancestor restores this reply).
    hidden_via_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    #: When moderation last removed personal data from the text (originals: Redaction).
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    parent: Mapped[Comment | None] = relationship(
        remote_side=[id], foreign_keys=[parent_id], back_populates="replies"
    )
    replies: Mapped[list[Comment]] = relationship(
        foreign_keys=[parent_id], back_populates="parent", order_by="Comment.created_at"
    )

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def html(self) -> Markup:
        """The text as safe HTML in the reader's language: the stored rendering, or one made now
        for a row written without it (bulk loads)."""
        if self.body_html or not self.body:
            return show_user_html(self.body_html)
        return render_user_text(self.body)


@event.listens_for(Comment.body, "set", propagate=True)
def _render_body(target: Comment, value: str | None, _old: object, _initiator: object) -> None:
    """The stored HTML follows the text through every ORM write (a Core ``update`` of ``body``
    must set ``body_html`` itself)."""
    target.body_html = user_text_html(value or "")


class CommentRevision(Model):
    """A comment's text before each edit (edit history)."""

    __tablename__ = "comment_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    #: When this text was replaced.
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CommentVote(Model):
    __tablename__ = "comment_votes"
    __table_args__ = (UniqueConstraint("comment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
