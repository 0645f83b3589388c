from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import StrEnumType, UTCDateTime, enum_check, utcnow
from app.core.enums import TitledEnum
from app.core.storage import STORED_FILE
from app.extensions import Model
from app.institutions.models import Institution

if TYPE_CHECKING:
    from app.moderation.reason_models import ModerationReason


class Role(TitledEnum):
    CITIZEN = "citizen"
    MODERATOR = "moderator"
    RESPONDER = "responder"
    ADMIN = "admin"

    __titles__ = {
        "citizen": _l("Citizen"),
        "moderator": _l("Moderator"),
        "responder": _l("Institution responder"),
        "admin": _l("Administrator"),
    }


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (enum_check("role", Role, "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased; unique.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80))
    #: Preferred UI language (es, qu, ay, gn, en): pages and mails use it.
    language: Mapped[str] = mapped_column(String(5), default="es")
    role: Mapped[Role] = mapped_column(StrEnumType(Role), default=Role.CITIZEN)
    #: Set for responders: the institution they answer for.
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    #: For responders: may add and remove the institution's responders and gets its digests.
    is_institution_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    blocked_reason: Mapped[str] = mapped_column(Text, default="")
    blocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: A moderation block: the person can log in and read, but not post, comment, vote or flag,
    #: until ``posting_blocked_until`` (None: until lifted).
    posting_blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    posting_blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    posting_block_reason_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_reasons.id"))
    posting_blocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Part of the login cookie; changing it (password change, block) ends every session.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Wrong passwords since ``failed_logins_since``; at LOGIN_LIMIT_PER_ACCOUNT the account
    #: refuses logins until that window ends. Kept here, not in a worker's memory, so it holds
    #: across workers, servers and restarts.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed_logins_since: Mapped[datetime | None] = mapped_column(UTCDateTime)

    #: Deletion asked for (``/account/delete``): the account is signed out and is erased at
    #: ``deletion_due_at`` by ``flask deletions purge`` unless the person signs in before.
    deletion_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deletion_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: Chosen when asking for deletion: keep the text of my comments public (signed "deleted
    #: account") instead of replacing it with a placeholder.
    keep_comments_public: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    #: The one shared account that erased people's observations, comments and records point to
    #: ("deleted account"): it cannot sign in and carries no personal data.
    is_deleted_placeholder: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )

    #: When the person last proved who they are with Ciudadanía Digital (app/accounts/oidc.py).
    identity_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Their choice: show "verified with Ciudadanía Digital" on their public name.
    show_verified_publicly: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )

    institution: Mapped[Institution | None] = relationship()
    posting_block_reason: Mapped[ModerationReason | None] = relationship("ModerationReason")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_blocked(self) -> bool:
        return self.blocked_at is not None

    def posting_blocked(self, now: datetime | None = None) -> bool:
        """True while a moderation block stops this person from posting."""
        if self.posting_blocked_at is None:
            return False
        return self.posting_blocked_until is None or (now or utcnow()) < self.posting_blocked_until

    @property
    def is_posting_blocked(self) -> bool:
        return self.posting_blocked()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return not self.is_blocked

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class ExportStatus(TitledEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"

    __titles__ = {
        "pending": _l("Being prepared"),
        "ready": _l("Ready to download"),
        "failed": _l("Could not be prepared"),
    }


class DataExport(Model):
    """A person's "download my data" archive (app/accounts/export.py): built at once when small,
    else by the worker; kept in the file storage for a week, behind the person's session."""

    __tablename__ = "data_exports"
    __table_args__ = (enum_check("status", ExportStatus, "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[ExportStatus] = mapped_column(
        StrEnumType(ExportStatus, 12), default=ExportStatus.PENDING
    )
    #: The language of the archive's README (the person's language when asked).
    language: Mapped[str] = mapped_column(String(5), default="es")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: After this the file is deleted and the row with it (``flask exports purge``).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: Key in the file storage (app/core/storage); None until built.
    storage_key: Mapped[str | None] = mapped_column(String(120), info={STORED_FILE: True})
    size: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: While the worker builds it: until when the row is that worker's (a crashed build is
    #: taken again after the lease).
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class UserIdentity(Model):
    """A sign-in with an OpenID Connect provider (Ciudadanía Digital) linked to an account: the
    provider's subject, and a keyed hash of the identity document (never the number itself),
    unique, so one person cannot hold two verified accounts."""

    __tablename__ = "user_identities"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    provider: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(255))
    #: HMAC-SHA256 of the normalised document (type, number, complement) under a key of its own.
    document_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
