"""The person's activity in the "download my data" archive: comments (with their edit
history), supports, follows, notifications and groups. The rules of ``export_records`` hold:
nobody else is named; a reply points at its parent by id, a supported comment is given by id and
program, a followed observation by its code."""

from __future__ import annotations

from urllib.parse import urljoin

from flask import request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.export_records import Doc, iso, program_doc, titled
from app.accounts.models import User
from app.comments.models import Comment, CommentRevision, CommentVote, Stance
from app.extensions import db
from app.groups.services import groups_of
from app.notifications.models import Notification
from app.notifications.services import entry
from app.observations import permissions
from app.observations.models import Observation, ObservationFollow, ObservationState
from app.programs.models import Program, ProgramFollow

# --- comments.json and supports.json ------------------------------------------------------------


def comments(user: User, lang: str) -> list[Doc]:
    """The person's comments with their edit history; replies point at their parent by id."""
    rows = list(
        db.session.scalars(select(Comment).where(Comment.author_id == user.id).order_by(Comment.id))
    )
    programs = _programs({c.program_id for c in rows})
    history: dict[int, list[CommentRevision]] = {c.id: [] for c in rows}
    if rows:
        for revision in db.session.scalars(
            select(CommentRevision)
            .where(CommentRevision.comment_id.in_(list(history)))
            .order_by(CommentRevision.replaced_at, CommentRevision.id)
        ):
            history[revision.comment_id].append(revision)
    return [
        {
            "id": c.id,
            "program": program_doc(programs.get(c.program_id), lang),
            "in_reply_to_comment": c.parent_id,
            "stance": titled(Stance, c.stance),
            "body": c.body,
            "created_at": iso(c.created_at),
            "edited_at": iso(c.edited_at),
            "deleted_at": iso(c.deleted_at),
            "hidden_by_moderation_at": iso(c.hidden_at),
            "redacted_at": iso(c.redacted_at),
            "supports_received": c.vote_count,
            "edit_history": [
                {"body": r.body, "replaced_at": iso(r.replaced_at)} for r in history[c.id]
            ],
        }
        for c in rows
    ]


def _programs(ids: set[int]) -> dict[int, Program]:
    if not ids:
        return {}
    return {p.id: p for p in db.session.scalars(select(Program).where(Program.id.in_(ids)))}


def supports(user: User, lang: str) -> Doc:
    """The comments the person supported (by id and program, never their author or text) and
    the stances they took on programs (with their top-level comments)."""
    votes = list(
        db.session.execute(
            select(CommentVote.comment_id, CommentVote.created_at, Comment.program_id)
            .join(Comment, Comment.id == CommentVote.comment_id)
            .where(CommentVote.user_id == user.id)
            .order_by(CommentVote.created_at, CommentVote.id)
        )
    )
    stances = list(
        db.session.scalars(
            select(Comment)
            .where(
                Comment.author_id == user.id,
                Comment.parent_id.is_(None),
                Comment.stance.is_not(None),
            )
            .order_by(Comment.created_at, Comment.id)
        )
    )
    programs = _programs({v.program_id for v in votes} | {c.program_id for c in stances})
    return {
        "comment_supports": [
            {
                "comment": v.comment_id,
                "program": program_doc(programs.get(v.program_id), lang),
                "given_at": iso(v.created_at),
            }
            for v in votes
        ],
        "program_stances": [
            {
                "program": program_doc(programs.get(c.program_id), lang),
                "stance": titled(Stance, c.stance),
                "comment": c.id,
                "taken_at": iso(c.created_at),
            }
            for c in stances
        ],
    }


# --- follows.json -------------------------------------------------------------------------------


def follows(user: User, lang: str) -> Doc:
    """Programs and observations followed. A followed observation is named by its code, its
    title and state only while the person may still see it; its filer never."""
    program_rows = list(
        db.session.execute(
            select(ProgramFollow.created_at, Program)
            .join(Program, Program.id == ProgramFollow.program_id)
            .where(ProgramFollow.user_id == user.id)
            .order_by(ProgramFollow.created_at, ProgramFollow.id)
        )
    )
    observation_rows = list(
        db.session.execute(
            select(ObservationFollow.created_at, Observation)
            .join(Observation, Observation.id == ObservationFollow.observation_id)
            .where(ObservationFollow.user_id == user.id)
            .order_by(ObservationFollow.created_at, ObservationFollow.id)
        )
    )
    followed = []
    for since, o in observation_rows:
        visible = permissions.can_view(user, o)
        followed.append(
            {
                "code": o.code,
                "title": o.title if visible else None,
                "state": titled(ObservationState, o.state) if visible else None,
                "following_since": iso(since),
            }
        )
    return {
        "programs": [
            {**(program_doc(p, lang) or {}), "following_since": iso(since)}
            for since, p in program_rows
        ],
        "observations": followed,
    }


# --- notifications.json -------------------------------------------------------------------------


def notifications(user: User, lang: str) -> list[Doc]:
    """The person's notifications, with the sentence and the link the notifications page shows
    (the caller provides a request context: the worker's is one on ``BASE_URL``)."""
    rows = db.session.scalars(
        select(Notification)
        .options(joinedload(Notification.program))
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at, Notification.id)
    )
    result = []
    for note in rows:
        line = entry(note, lang)
        result.append(
            {
                "kind": note.kind,
                "created_at": iso(note.created_at),
                "read_at": iso(note.read_at),
                "read": note.read_at is not None,
                "text": line.text,
                "link": urljoin(request.url_root, line.url) if line.url else None,
            }
        )
    return result


def groups(user: User) -> list[Doc]:
    """The oversight groups the person belongs to, with their role (no other member named)."""
    return [
        {
            "group": group.name,
            "address": urljoin(request.url_root, f"groups/{group.slug}"),
            "role": str(role),
            "verified": group.is_verified,
        }
        for group, role in groups_of(user)
    ]
