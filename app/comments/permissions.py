"""Who may do what with comments (registered into app.accounts.permissions)."""

from __future__ import annotations

from typing import Any

from app.accounts.models import Role, User
from app.accounts.permissions import rule
from app.comments.models import MAX_DEPTH, Comment
from app.comments.services import can_still_edit, comment_program
from app.programs.models import Program
from app.programs.services import Consultation, consultation_state


def _open(program: Program) -> bool:
    return consultation_state(program) == Consultation.OPEN


@rule("comment.create")
def _create(user: User | None, program: Program) -> bool:
    return user is not None and user.is_verified and _open(program)


@rule("comment.reply")
def _reply(user: User | None, comment: Comment) -> bool:
    return (
        user is not None
        and user.is_verified
        and comment.depth < MAX_DEPTH
        and not comment.is_deleted
        and not comment.is_hidden
        and _open(comment_program(comment))
    )


@rule("comment.author")
def _author(user: User | None, comment: Comment) -> bool:
    """Its author: the edit page answers them (and says when the time to edit is over)."""
    return user is not None and comment.author_id == user.id


@rule("comment.edit")
def _edit(user: User | None, comment: Comment) -> bool:
    return _author(user, comment) and can_still_edit(comment)


@rule("comment.delete")
def _delete(user: User | None, comment: Comment) -> bool:
    return _author(user, comment) and not comment.is_deleted


@rule("comment.vote")
def _vote(user: User | None, comment: Comment) -> bool:
    return (
        user is not None
        and user.is_verified
        and comment.author_id != user.id
        and not comment.is_deleted
        and not comment.is_hidden
    )


@rule("comment.flag")
def _flag(user: User | None, comment: Comment) -> bool:
    return user is not None and comment.author_id != user.id and not comment.is_deleted


@rule("program.follow")
def _follow(user: User | None, _program: Any) -> bool:
    return user is not None


@rule("programs.admin")
def _programs_admin(user: User | None, _obj: Any) -> bool:
    return user is not None and user.role == Role.ADMIN
