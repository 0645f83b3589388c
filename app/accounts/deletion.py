"""Delete my account: asking for it, the grace period, cancelling by signing in, and the shared
"deleted account" that erased people's records point to. Completing a deletion once the grace
period has ended is ``app.accounts.deletion_purge`` (``flask deletions purge``, for cron).

Plain functions: they flush, never commit; the mail goes through the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.accounts import services
from app.accounts.models import Role, User
from app.accounts.passwords import verify_password
from app.core.db import add_once, utcnow
from app.core.urls import external_url
from app.extensions import db
from app.mail.services import queue_mail

#: A sign-in before this much time has passed since asking cancels the deletion.
GRACE = timedelta(days=14)

#: The one shared account erased people's records point to. The address can never be registered
#: (``invalid`` is a reserved name the email validator refuses) and the hash is no Argon2 hash,
#: so no password matches it; the account is also suspended, so it can never sign in and gets
#: no notification.
PLACEHOLDER_EMAIL = "deleted-account@invalid"
UNUSABLE_PASSWORD_HASH = "!"  # noqa: S105 - not a hash at all, so nothing matches it


class DeletionRefused(Exception):
    """Raised with a reason code: ``password`` (not the account's password), ``locked`` (too
    many wrong passwords lately) or ``last_admin`` (nobody would be left to administer the
    site)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def shown_name(user: User | None) -> str:
    """The name to print for a person: "Deleted account" (translated) for the shared placeholder
    (whose name is empty) and for a missing one. The ``shown_name`` template filter."""
    if user is None or user.is_deleted_placeholder:
        return _("Deleted account")
    return user.display_name


def is_pending(user: User) -> bool:
    return user.deletion_requested_at is not None


def is_last_admin(user: User) -> bool:
    """True for an administrator no other active administrator (not suspended, not leaving)
    could replace: the site would be left without one."""
    if user.role != Role.ADMIN:
        return False
    others = db.session.scalar(
        select(func.count(User.id)).where(
            User.role == Role.ADMIN,
            User.id != user.id,
            User.blocked_at.is_(None),
            User.deletion_requested_at.is_(None),
            User.is_deleted_placeholder.is_(False),
        )
    )
    return not others


def _lock_admins() -> None:
    """Lock every administrator row, in id order: two administrators asking at the same moment
    then decide one after the other, so they cannot both leave the site without one (each
    would have seen the other still there). SQLite serializes writers by itself."""
    db.session.scalars(
        select(User.id).where(User.role == Role.ADMIN).order_by(User.id).with_for_update()
    ).all()


def request_deletion(
    user: User, password: str, *, keep_comments_public: bool, now: datetime | None = None
) -> datetime:
    """Schedule the deletion of ``user`` after :data:`GRACE`, once ``password`` is theirs: every
    session ends (the caller logs this one out) and a mail says when, and that signing in before
    cancels it. Returns the moment the account is due to go. Raises :class:`DeletionRefused`."""
    if services.login_locked_until(user) is not None:
        raise DeletionRefused("locked")
    if not verify_password(user.password_hash, password):
        raise DeletionRefused("password")
    if user.role == Role.ADMIN:
        _lock_admins()
        if is_last_admin(user):
            raise DeletionRefused("last_admin")
    now = now or utcnow()
    user.deletion_requested_at = now
    user.deletion_due_at = now + GRACE
    user.keep_comments_public = keep_comments_public
    services.end_sessions(user)
    queue_mail(
        kind="account_deletion_scheduled",
        recipient=user.email,
        language=user.language,
        subject=_l("Your account will be deleted"),
        template="account_deletion_scheduled",
        user=user,
        due_at=user.deletion_due_at,
        keep_comments_public=keep_comments_public,
        login_url=external_url("accounts.login"),
        site=current_app.config["SITE_NAME"],
    )
    current_app.logger.info(
        "account deletion requested",
        extra={"data": {"user_id": user.id, "due_at": user.deletion_due_at.isoformat()}},
    )
    return user.deletion_due_at


def cancel(user: User) -> bool:
    """Cancel a pending deletion (the person signed in during the grace period). Returns True
    when there was one to cancel."""
    if not is_pending(user):
        return False
    user.deletion_requested_at = None
    user.deletion_due_at = None
    user.keep_comments_public = False
    db.session.flush()
    current_app.logger.info("account deletion cancelled", extra={"data": {"user_id": user.id}})
    return True


def find_placeholder() -> User | None:
    return db.session.scalar(
        select(User).where(User.email == PLACEHOLDER_EMAIL, User.is_deleted_placeholder.is_(True))
    )


def placeholder() -> User:
    """The shared "deleted account", created on first use. Two runs creating it at the same
    moment make one: the unique address refuses the second insert, which then reads the first."""
    found = find_placeholder()
    if found is not None:
        return found
    now = utcnow()
    add_once(
        User(
            email=PLACEHOLDER_EMAIL,
            password_hash=UNUSABLE_PASSWORD_HASH,
            display_name="",
            role=Role.CITIZEN,
            is_deleted_placeholder=True,
            blocked_at=now,
        )
    )
    found = find_placeholder()
    if found is None:
        # The address is held by an account that is not the placeholder: refuse to merge
        # anybody's records into it.
        raise RuntimeError("the deleted-account placeholder address is taken by another account")
    return found
