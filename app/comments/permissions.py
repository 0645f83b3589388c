"""Who may do what with comments (registered into app.accounts.permissions)."""

from __future__ import annotations

from typing import Any

from app.accounts.models import Role, User
from app.accounts.permissions import rule
from app.comments.models import Comment
from app.comments.rights import ThreadRights
from app.comments.services import comment_program
from app.programs.models import Program
from app.programs.services import Consultation, consultation_state


def _open(program: Program) -> bool:
    return consultation_state(program) == Consultation.OPEN


@rule("comment.create")
def _create(user: User | None, program: Program) -> bool:
    return user is not None and user.is_verified and _open(program)


# The rules on one comment are ThreadRights' (app/comments/rights.py), which the thread page asks
# once for the viewer and then per comment.


@rule("comment.reply")
def _reply(user: User | None, comment: Comment) -> bool:
    rights = ThreadRights.of(user, consultation_open=True)
    return rights.reply(comment) and _open(comment_program(comment))


@rule("comment.author")
def _author(user: User | None, comment: Comment) -> bool:
    """Its author: the edit page answers them (and says when the time to edit is over)."""
    return ThreadRights.of(user, consultation_open=False).author(comment)


@rule("comment.edit")
def _edit(user: User | None, comment: Comment) -> bool:
    return ThreadRights.of(user, consultation_open=False).edit(comment)


@rule("comment.delete")
def _delete(user: User | None, comment: Comment) -> bool:
    return ThreadRights.of(user, consultation_open=False).delete(comment)


@rule("comment.vote")
def _vote(user: User | None, comment: Comment) -> bool:
    return ThreadRights.of(user, consultation_open=False).vote(comment)


@rule("comment.flag")
def _flag(user: User | None, comment: Comment) -> bool:
    return ThreadRights.of(user, consultation_open=False).flag(comment)


@rule("program.follow")
def _follow(user: User | None, _program: Any) -> bool:
    return user is not None


@rule("programs.admin")
def _programs_admin(user: User | None, _obj: Any) -> bool:
    return user is not None and user.role == Role.ADMIN
