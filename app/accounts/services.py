"""Account workflows. Plain functions: they flush, never commit; mail goes through the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import parse
from sqlalchemy import case, func, literal, or_, select, update

from app.accounts import tokens
from app.accounts.models import Role, User, new_session_token
from app.accounts.passwords import hash_password, needs_rehash, verify_password
from app.core.db import UTCDateTime, utcnow
from app.core.urls import external_url as _external
from app.extensions import db
from app.institutions.models import Institution
from app.mail.services import queue_mail


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    """The person with this address. The shared "deleted account" is nobody: it cannot sign in,
    reset a password, be told of a registration or be added to a team."""
    return db.session.scalar(
        select(User).where(
            User.email == normalise_email(email), User.is_deleted_placeholder.is_(False)
        )
    )


def _site() -> str:
    return current_app.config["SITE_NAME"]


def register(*, email: str, password: str, display_name: str, language: str) -> User | None:
    """Create an unverified citizen and queue the verification mail. When the address is taken,
    create nothing and tell its owner instead, so the form never reveals who has an account."""
    existing = find_by_email(email)
    if existing is not None:
        queue_mail(
            kind="register_existing",
            recipient=existing.email,
            language=existing.language,
            subject=_l("Someone tried to register with your address"),
            template="register_existing",
            user=existing,
            login_url=_external("accounts.login"),
            reset_url=_external("accounts.forgot_password"),
            site=_site(),
        )
        return None
    if db.session.scalar(select(User.id).where(User.email == normalise_email(email))):
        return None  # the placeholder's address: nobody's, and not to be taken
    user = User(
        email=normalise_email(email),
        password_hash=hash_password(password),
        display_name=display_name.strip(),
        language=language,
        role=Role.CITIZEN,
    )
    db.session.add(user)
    db.session.flush()
    send_verification(user)
    return user


def send_verification(user: User) -> None:
    queue_mail(
        kind="verify_email",
        recipient=user.email,
        language=user.language,
        subject=_l("Confirm your email address"),
        template="verify_email",
        user=user,
        verify_url=_external(
            "accounts.verify_email", token=tokens.make_verify_token(user.id, user.email)
        ),
        site=_site(),
        hours=current_app.config["EMAIL_TOKEN_MAX_AGE"] // 3600,
    )


def verify_email(token: str) -> User | None:
    """Mark the address verified if the token is valid, unexpired and for the current address."""
    data = tokens.read_verify_token(token)
    if data is None:
        return None
    user = db.session.get(User, data[0])
    if user is None or not tokens.matches(user.email, data[1]):
        return None
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        db.session.flush()
    return user


class LoginRefused(Exception):
    """Raised with a reason code: ``credentials`` (unknown email or wrong password) or
    ``blocked``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def authenticate(email: str, password: str) -> User:
    """Return the user for these credentials or raise :class:`LoginRefused`. Unknown email and
    wrong password take the same time and give the same answer."""
    user = find_by_email(email)
    if user is not None and login_locked_until(user) is not None:
        # Not even checked: guessing on cannot tell a right password from a wrong one.
        raise LoginRefused("locked")
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise LoginRefused("credentials")
    if user.is_blocked:
        raise LoginRefused("blocked")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    if user.failed_logins:
        user.failed_logins, user.failed_logins_since = 0, None
    db.session.flush()
    return user


def _account_limit() -> tuple[int, timedelta]:
    """LOGIN_LIMIT_PER_ACCOUNT ("5 per 5 minutes"): failures allowed, and the window."""
    item = parse(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"])
    return item.amount, timedelta(seconds=item.get_expiry())


def login_locked_until(user: User, now: datetime | None = None) -> datetime | None:
    """When the account takes logins again, or None if it does now."""
    limit, window = _account_limit()
    since = user.failed_logins_since
    now = now or utcnow()
    if user.failed_logins >= limit and since is not None and since + window > now:
        return since + window
    return None


def record_failed_login(email: str, now: datetime | None = None) -> None:
    """Count a wrong password against the account, in SQL: concurrent guesses on several
    workers all count (a read-then-write in Python would lose some). A window that has ended
    starts again at one. The caller commits, even though the login failed."""
    now = now or utcnow()
    _limit, window = _account_limit()
    stale = or_(
        User.failed_logins_since.is_(None),
        User.failed_logins_since <= literal(now - window, UTCDateTime()),
    )
    db.session.execute(
        update(User)
        .where(User.email == normalise_email(email))
        .values(
            failed_logins=case((stale, 1), else_=User.failed_logins + 1),
            failed_logins_since=case(
                (stale, literal(now, UTCDateTime())), else_=User.failed_logins_since
            ),
        )
        .execution_options(synchronize_session=False)
    )


def request_password_reset(email: str) -> None:
    """Queue a reset link if the address has an account; silently do nothing otherwise."""
    user = find_by_email(email)
    if user is None:
        return
    queue_mail(
        kind="reset_password",
        recipient=user.email,
        language=user.language,
        subject=_l("Reset your password"),
        template="reset_password",
        user=user,
        reset_url=_external(
            "accounts.reset_password", token=tokens.make_reset_token(user.id, user.password_hash)
        ),
        site=_site(),
        minutes=current_app.config["RESET_TOKEN_MAX_AGE"] // 60,
    )


def user_for_reset_token(token: str) -> User | None:
    data = tokens.read_reset_token(token)
    if data is None:
        return None
    user = db.session.get(User, data[0])
    if user is None or not tokens.matches(user.password_hash, data[1]):
        return None
    return user


def end_sessions(user: User) -> None:
    """End every session of the account, on every device: the login and remember-me cookies
    carry the session token, and a cookie with an old token no longer opens anything (logout,
    "sign out everywhere"; a password change and a block do the same)."""
    user.session_token = new_session_token()
    db.session.flush()


def set_password(user: User, password: str) -> None:
    """Change the password and end every other session (the login cookie carries the token)."""
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()
    # Following a reset link proves the address too.
    db.session.flush()


def reset_password(token: str, password: str) -> User | None:
    user = user_for_reset_token(token)
    if user is None:
        return None
    set_password(user, password)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    queue_mail(
        kind="password_changed",
        recipient=user.email,
        language=user.language,
        subject=_l("Your password was changed"),
        template="password_changed",
        user=user,
        reset_url=_external("accounts.forgot_password"),
        site=_site(),
    )
    db.session.flush()
    return user


def change_password(user: User, current: str, new: str) -> bool:
    if not verify_password(user.password_hash, current):
        return False
    set_password(user, new)
    queue_mail(
        kind="password_changed",
        recipient=user.email,
        language=user.language,
        subject=_l("Your password was changed"),
        template="password_changed",
        user=user,
        reset_url=_external("accounts.forgot_password"),
        site=_site(),
    )
    return True


def update_profile(user: User, *, display_name: str, language: str) -> None:
    user.display_name = display_name.strip()
    user.language = language
    db.session.flush()


@dataclass
class RoleChange:
    role: Role
    institution_id: int | None
    #: Only for responders: may manage the institution's team. Cleared for every other role.
    is_institution_admin: bool = False


def set_role(admin: User, user: User, change: RoleChange) -> None:
    """Give ``user`` a role. Responders must be linked to an institution; others never are,
    and only responders can be institution admins."""
    if change.role == Role.RESPONDER:
        if (
            change.institution_id is None
            or db.session.get(Institution, change.institution_id) is None
        ):
            raise ValueError("responder needs an institution")
        user.institution_id = change.institution_id
    else:
        user.institution_id = None
    user.role = change.role
    user.is_institution_admin = change.role == Role.RESPONDER and change.is_institution_admin
    db.session.flush()
    current_app.logger.info(
        "role changed",
        extra={
            "data": {
                "actor_id": admin.id,
                "user_id": user.id,
                "role": str(change.role),
                "institution_admin": user.is_institution_admin,
            }
        },
    )


def block(admin: User, user: User, reason: str) -> None:
    """Block an account: it cannot log in and its open sessions end."""
    user.blocked_at = utcnow()
    user.blocked_by_id = admin.id
    user.blocked_reason = reason.strip()
    user.session_token = new_session_token()
    db.session.flush()
    current_app.logger.info(
        "account blocked", extra={"data": {"actor_id": admin.id, "user_id": user.id}}
    )


def unblock(admin: User, user: User) -> None:
    user.blocked_at = None
    user.blocked_by_id = None
    user.blocked_reason = ""
    db.session.flush()
    current_app.logger.info(
        "account unblocked", extra={"data": {"actor_id": admin.id, "user_id": user.id}}
    )


def create_user(
    *,
    email: str,
    password: str,
    display_name: str,
    role: Role = Role.CITIZEN,
    language: str = "es",
    institution: Institution | None = None,
    verified: bool = True,
) -> User:
    """Create an account directly (CLI, demo data, tests)."""
    user = User(
        email=normalise_email(email),
        password_hash=hash_password(password),
        display_name=display_name,
        role=role,
        language=language,
        institution=institution,
        email_verified_at=utcnow() if verified else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0


def active_moderators() -> list[User]:
    """Moderators and administrators who are not suspended, oldest account first: who is
    alerted about the moderation queue and escalated deadlines."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_((Role.MODERATOR, Role.ADMIN)), User.blocked_at.is_(None))
            .order_by(User.id)
        )
    )
