"""Completing an account deletion once its grace period has ended (``flask deletions purge``).

The person's own rows go (notifications and their choices, follows, supports, form tokens, data
exports and their files, drafts never filed and pending uploads); what belongs to the public or
moderation record stays and points at the shared "deleted account" instead (observations,
comments, timeline events, reports, moderation acts), so every counter and accountability figure
keeps its value. Their comments keep their text only if they chose so; otherwise the thread
keeps a placeholder. The outbox keeps no message to them and names them in no other. Then the
account row itself is deleted.

What becomes of the rows behind each foreign key to ``users.id`` is decided once, in
:data:`REFERENCES`. The purge refuses to run while a table has such a key that is not listed
there (and a test fails), so a table added later cannot be forgotten.

Each account is completed in a transaction of its own (the caller commits), under a lock on its
row: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (two runs at once share the accounts out), SQLite's
single write lock there. Completing an account again finds nothing: the row is gone."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import (
    Column,
    ColumnElement,
    Table,
    delete,
    false,
    select,
    update,
)

from app.accounts import deletion_steps as steps
from app.accounts.deletion import placeholder
from app.accounts.models import User
from app.core.storage import storage
from app.extensions import db
from app.groups.services import hand_over_before_leaving_the_site
from app.observations.evidence import referenced


class Treatment(enum.StrEnum):
    #: The person's own data, of use to nobody else: deleted.
    DELETE = "delete"
    #: Part of the public or moderation record: kept, now pointing at the "deleted account".
    PLACEHOLDER = "placeholder"
    #: A duty in progress (an observation's assignee): released, to nobody.
    RELEASE = "release"
    #: Handled by a step of its own below (counters, files, drafts, a unique key, comment text).
    OWN_STEP = "own_step"


T = Treatment

#: Every foreign key to ``users.id`` as (table, column), and what completing a deletion does with
#: the rows that point at the person.
REFERENCES: dict[tuple[str, str], Treatment] = {
    ("users", "blocked_by_id"): T.PLACEHOLDER,
    ("users", "posting_blocked_by_id"): T.PLACEHOLDER,
    ("data_exports", "user_id"): T.OWN_STEP,  # and the stored archives
    ("comments", "author_id"): T.OWN_STEP,  # text kept or removed, counters
    ("comments", "hidden_by_id"): T.PLACEHOLDER,
    ("comment_votes", "user_id"): T.OWN_STEP,  # deleted, comments.vote_count follows
    ("observations", "filer_id"): T.OWN_STEP,  # drafts deleted, filed ones kept
    ("observations", "assignee_id"): T.RELEASE,
    ("observations", "hidden_by_id"): T.PLACEHOLDER,
    ("observation_events", "actor_id"): T.PLACEHOLDER,
    ("evidence", "uploader_id"): T.OWN_STEP,  # pending uploads deleted, filed ones kept
    ("evidence", "hidden_by_id"): T.PLACEHOLDER,
    ("form_tokens", "user_id"): T.DELETE,
    ("observation_follows", "user_id"): T.DELETE,
    ("program_follows", "user_id"): T.DELETE,
    ("notifications", "user_id"): T.DELETE,
    ("notification_preferences", "user_id"): T.DELETE,
    ("notification_digests", "user_id"): T.DELETE,
    ("moderator_digests", "user_id"): T.DELETE,
    ("flags", "reporter_id"): T.OWN_STEP,  # one report per reporter and item
    ("flags", "resolved_by_id"): T.PLACEHOLDER,
    ("redactions", "moderator_id"): T.PLACEHOLDER,
    ("moderation_log", "moderator_id"): T.PLACEHOLDER,
    ("observation_assignments", "assignee_id"): T.PLACEHOLDER,
    ("observation_assignments", "assigned_by_id"): T.PLACEHOLDER,
    ("accountability_sessions", "created_by_id"): T.PLACEHOLDER,
    ("user_identities", "user_id"): T.DELETE,  # the sign-in link and the document hash
    ("group_memberships", "user_id"): T.DELETE,
    ("oversight_groups", "verified_by_id"): T.PLACEHOLDER,
    ("oversight_groups", "created_by_id"): T.PLACEHOLDER,
    ("api_clients", "created_by_id"): T.PLACEHOLDER,
    ("api_clients", "revoked_by_id"): T.PLACEHOLDER,
}


def user_references() -> set[tuple[str, str]]:
    """Every (table, column) of the schema with a foreign key to ``users.id``."""
    return {
        (table.name, fk.parent.name)
        for table in db.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == User.__tablename__ and fk.column.name == "id"
    }


def unclassified() -> set[tuple[str, str]]:
    """Foreign keys to ``users.id`` that :data:`REFERENCES` does not decide about, and entries
    of it that name no such key (a renamed column)."""
    return user_references() ^ set(REFERENCES)


@dataclass
class Purged:
    """An account deletion done in the current transaction; its files are removed after the
    commit (:func:`remove_files`), never before: a rollback must find them still there."""

    user_id: int
    #: Evidence files of deleted drafts and pending uploads (removed if no row uses them).
    evidence_keys: set[str] = field(default_factory=set)
    #: The person's data export archives.
    export_keys: set[str] = field(default_factory=set)


def due(now: datetime) -> list[int]:
    """Ids of the accounts whose grace period has ended, oldest request first."""
    return list(
        db.session.scalars(
            select(User.id).where(*_due_conditions(now)).order_by(User.deletion_due_at, User.id)
        )
    )


def _due_conditions(now: datetime) -> list[ColumnElement[bool]]:
    return [
        User.deletion_requested_at.is_not(None),
        User.deletion_due_at <= now,
        User.is_deleted_placeholder.is_(False),
    ]


def purge_account(user_id: int, now: datetime) -> Purged | None:
    """Complete the deletion of account ``user_id`` if it is due, in the current transaction
    (the caller commits, then calls :func:`remove_files`). None when there is nothing to do:
    not due (a sign-in cancelled it), already deleted, or being deleted by another run."""
    missing = unclassified()
    if missing:
        raise RuntimeError(f"foreign keys to users.id not classified: {sorted(missing)}")
    _sqlite_write_lock()
    user = db.session.scalar(
        select(User)
        .where(User.id == user_id, *_due_conditions(now))
        .with_for_update(skip_locked=True)
    )
    if user is None:
        return None
    stand_in = placeholder().id
    email, name, keep_text = user.email, user.display_name, user.keep_comments_public
    purged = Purged(user_id)
    # A last coordinator's groups get another coordinator before the memberships go.
    hand_over_before_leaving_the_site(user)
    steps.remove_supports(user_id)
    steps.comments(user_id, stand_in, keep_text, now)
    purged.evidence_keys = steps.drafts_and_pending_uploads(user_id)
    steps.filed_observations(user_id, stand_in)
    steps.reports(user_id, stand_in)
    purged.export_keys = steps.exports(user_id)
    _by_reference(user_id, stand_in)
    steps.outbox(email, name)
    db.session.expunge(user)
    db.session.execute(
        delete(User).where(User.id == user_id).execution_options(synchronize_session=False)
    )
    # The id only: the name and address are gone and must not survive in the log either.
    current_app.logger.info(f"account {user_id} deleted", extra={"data": {"user_id": user_id}})
    return purged


def remove_files(purged: Purged) -> None:
    """After the commit: remove the person's export archives, and the evidence files of their
    drafts and pending uploads that no committed row uses (files are stored by content, so the
    same photo may belong to somebody else too). A failure leaves them to ``flask uploads
    sweep``."""
    try:
        files = storage()
        for key in purged.export_keys:
            files.delete(key)
        if purged.evidence_keys:
            for key in purged.evidence_keys - referenced(purged.evidence_keys):
                files.delete(key)
    except Exception as error:  # the deletion itself is committed: log, go on
        current_app.logger.warning(
            "could not remove the files of a deleted account",
            extra={"data": {"user_id": purged.user_id, "error": type(error).__name__}},
        )


# --- locks and the plain treatments ----------------------------------------------------------


def _sqlite_write_lock() -> None:
    """On SQLite, take the database's write lock before reading the account (an empty UPDATE,
    as ``BEGIN IMMEDIATE`` would): a run that read first could not write once another run had
    committed. PostgreSQL locks the account's row instead."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(User).where(false()).values(id=User.id))


def _kept_on_update(table: Table) -> dict[str, Column[Any]]:
    """Columns set automatically on UPDATE (``updated_at``), kept as they were."""
    return {column.name: column for column in table.columns if column.onupdate is not None}


def _by_reference(user_id: int, stand_in: int) -> None:
    """The plain treatments of :data:`REFERENCES`. Core statements on the connection, not the
    ORM session: the moderation log refuses every ORM update (app/moderation/models.py,
    ``AppendOnlyError``) so that no moderator's act is rewritten; replacing the person who acted
    by "Deleted account" changes nobody's act and is the one update it gets."""
    tables = db.metadata.tables
    conn = db.session.connection()
    for (table_name, column_name), treatment in REFERENCES.items():
        table = tables[table_name]
        column = table.c[column_name]
        if treatment == T.DELETE:
            conn.execute(delete(table).where(column == user_id))
        elif treatment in (T.PLACEHOLDER, T.RELEASE):
            value = stand_in if treatment == T.PLACEHOLDER else None
            conn.execute(
                update(table)
                .where(column == user_id)
                .values({column_name: value, **_kept_on_update(table)})
            )
