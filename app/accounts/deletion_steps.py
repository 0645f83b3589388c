"""The steps of completing an account deletion (``app.accounts.deletion_purge``): each changes
one kind of record the person left, in the current transaction, in SQL. Counters move by the rows
actually changed (``n = n - d``), never by a recount: under READ COMMITTED a recount reads a
snapshot and would miss a change another transaction commits while it waits for the row."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from app.accounts.models import DataExport
from app.comments.models import Comment, CommentRevision, CommentVote, Stance
from app.core.i18n import force_language
from app.extensions import db
from app.mail.models import OutboxMessage
from app.moderation.models import Flag, Redaction, TargetType
from app.observations.models import Evidence, Observation, ObservationState
from app.programs.models import Program

#: Names shorter than this are not searched for in other people's mail (replacing every "Li"
#: or "Al" in every message would mangle them and identify nobody).
MIN_NAME_LENGTH = 3
#: Ids per ``IN (…)`` list.
CHUNK = 500


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    items = sorted(set(ids))
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _run(statement: Any) -> None:
    db.session.execute(statement.execution_options(synchronize_session=False))


def remove_supports(user_id: int) -> None:
    """Delete the person's supports; each supported comment's ``vote_count`` loses one, in SQL
    (``n = n - 1``): a recount would read a snapshot and miss a support another person commits
    meanwhile. One support per person per comment (a unique key), so one each."""
    supported = list(
        db.session.scalars(select(CommentVote.comment_id).where(CommentVote.user_id == user_id))
    )
    _run(delete(CommentVote).where(CommentVote.user_id == user_id))
    for chunk in _chunks(supported):
        _run(update(Comment).where(Comment.id.in_(chunk)).values(vote_count=Comment.vote_count - 1))


def _blank_redaction_originals(target_type: TargetType, ids: list[int]) -> None:
    """The person's texts as they were before moderators removed personal data from them (likely
    their own): emptied, the record of the redaction (who, when, why) kept."""
    for chunk in _chunks(ids):
        _run(
            update(Redaction)
            .where(Redaction.target_type == target_type, Redaction.target_id.in_(chunk))
            .values(original="")
        )


_STANCE_COLUMNS = {
    Stance.FOR: "stance_for",
    Stance.NEUTRAL: "stance_neutral",
    Stance.AGAINST: "stance_against",
}


def comments(user_id: int, stand_in: int, keep_text: bool, now: datetime) -> None:
    """Sign the person's comments "Deleted account". Their text stays only where they chose to
    keep it public; otherwise the comment becomes "deleted by its author" (the thread and its
    replies stay) and stops counting, as a deletion by the author does. The edit history and the
    pre-redaction originals go either way: the text kept is the text as it is now."""
    ids = list(db.session.scalars(select(Comment.id).where(Comment.author_id == user_id)))
    for chunk in _chunks(ids):
        _run(delete(CommentRevision).where(CommentRevision.comment_id.in_(chunk)))
    _blank_redaction_originals(TargetType.COMMENT, ids)
    if not keep_text:
        live = db.session.execute(
            select(Comment.program_id, Comment.depth, Comment.stance).where(
                Comment.author_id == user_id, Comment.deleted_at.is_(None)
            )
        ).all()
        _run(
            update(Comment)
            .where(Comment.author_id == user_id, Comment.deleted_at.is_(None))
            .values(deleted_at=now)
        )
        _uncount(live)
    # Text the person deleted themselves is erased too, whatever they chose.
    _run(
        update(Comment)
        .where(Comment.author_id == user_id, Comment.deleted_at.is_not(None))
        .values(body="", body_html="")
    )
    _run(update(Comment).where(Comment.author_id == user_id).values(author_id=stand_in))


def _uncount(removed: Iterable[tuple[int, int, Stance | None]]) -> None:
    """Take removed comments out of their programs' counters, in SQL (``n = n - d``), as
    ``comments.services.delete_comment`` does for one."""
    deltas: dict[int, Counter[str]] = {}
    for program_id, depth, stance in removed:
        counts = deltas.setdefault(program_id, Counter())
        counts["comment_count"] += 1
        if depth == 0 and stance is not None:
            counts[_STANCE_COLUMNS[Stance(stance)]] += 1
    for program_id, counts in sorted(deltas.items()):
        _run(
            update(Program)
            .where(Program.id == program_id)
            .values({name: getattr(Program, name) - n for name, n in sorted(counts.items())})
        )


def drafts_and_pending_uploads(user_id: int) -> set[str]:
    """Delete what the person started and never filed: drafts, with every row that points at
    them, and files uploaded with a form never sent. Returns their storage keys, for removing
    the files after the commit."""
    drafts = list(
        db.session.scalars(
            select(Observation.id).where(
                Observation.filer_id == user_id, Observation.state == ObservationState.DRAFT
            )
        )
    )
    pending = (
        Evidence.uploader_id == user_id,
        Evidence.observation_id.is_(None),
        Evidence.event_id.is_(None),
    )
    keys = set(db.session.scalars(select(Evidence.storage_key).where(*pending)))
    _run(delete(Evidence).where(*pending))
    if not drafts:
        return keys
    keys |= set(
        db.session.scalars(select(Evidence.storage_key).where(Evidence.observation_id.in_(drafts)))
    )
    observations = Observation.__table__
    # Dependents first (sorted_tables puts a table after those it points at): evidence before
    # the events it may belong to.
    for table in reversed(db.metadata.sorted_tables):
        for fk in table.foreign_keys:
            if fk.column.table is not observations or table is observations:
                continue
            for chunk in _chunks(drafts):
                db.session.execute(delete(table).where(fk.parent.in_(chunk)))
    for chunk in _chunks(drafts):
        _run(
            update(Observation)
            .where(Observation.duplicate_of_id.in_(chunk))
            .values(duplicate_of_id=None, updated_at=Observation.updated_at)
        )
        _run(delete(Observation).where(Observation.id.in_(chunk)))
    return keys


def filed_observations(user_id: int, stand_in: int) -> None:
    """Filed observations stay as the public record, filed by "Deleted account" whatever their
    identity level; a confidential or hidden one stays so. ``updated_at`` is kept as it was: the
    same new time on several observations would tell that one person filed them all."""
    ids = list(db.session.scalars(select(Observation.id).where(Observation.filer_id == user_id)))
    _blank_redaction_originals(TargetType.OBSERVATION, ids)
    _run(
        update(Observation)
        .where(Observation.filer_id == user_id)
        .values(filer_id=stand_in, updated_at=Observation.updated_at)
    )
    _run(update(Evidence).where(Evidence.uploader_id == user_id).values(uploader_id=stand_in))


def reports(user_id: int, stand_in: int) -> None:
    """Reports stay, by "Deleted account". One report per reporter and item (a unique key): a
    report on an item the placeholder already reported (for another deleted person) is dropped.
    Two runs moving reports on the same item at once: the second meets the key, and tries again
    seeing the first one's report."""
    other = aliased(Flag)
    already = exists().where(
        other.reporter_id == stand_in,
        other.target_type == Flag.target_type,
        other.target_id == Flag.target_id,
    )
    for attempt in range(3):
        try:
            with db.session.begin_nested():
                _run(delete(Flag).where(Flag.reporter_id == user_id, already))
                _run(update(Flag).where(Flag.reporter_id == user_id).values(reporter_id=stand_in))
            return
        except IntegrityError:
            if attempt == 2:
                raise


def exports(user_id: int) -> set[str]:
    keys = set(
        db.session.scalars(
            select(DataExport.storage_key).where(
                DataExport.user_id == user_id, DataExport.storage_key.is_not(None)
            )
        )
    )
    _run(delete(DataExport).where(DataExport.user_id == user_id))
    return {key for key in keys if key}


def outbox(email: str, name: str) -> None:
    """Delete every message to the person; in other messages, replace their name and address
    (whole words) by "Deleted account" in the message's language. The messages are locked first,
    so a message changed by another run at the same moment is read as that run left it."""
    _run(delete(OutboxMessage).where(func.lower(OutboxMessage.recipient) == email.lower()))
    needles = [email]
    if len(name.strip()) >= MIN_NAME_LENGTH:
        needles.append(name.strip())
    found = or_(
        *(
            condition
            for needle in needles
            for column in (OutboxMessage.body, OutboxMessage.subject)
            for condition in (
                column.contains(needle, autoescape=True),
                func.lower(column).contains(needle.lower(), autoescape=True),
            )
        )
    )
    patterns = [_whole_word(needle) for needle in needles]
    for message in db.session.scalars(
        select(OutboxMessage).where(found).order_by(OutboxMessage.id).with_for_update()
    ):
        with force_language(message.language):
            replacement = _("Deleted account")
        for pattern in patterns:
            message.body = pattern.sub(replacement, message.body)
            message.subject = pattern.sub(replacement, message.subject)[:255]
    db.session.flush()


def _whole_word(needle: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w.+-])" + re.escape(needle) + r"(?![\w@-])", re.IGNORECASE)
