"""Sign in with Ciudadanía Digital: what a verified identity does to accounts. The protocol is
``oidc_client``; here the claims become a :class:`Person` and the person is signed in, linked
or given a new account. Plain functions: they flush, never commit.

- A known subject signs in to its account.
- An identity document already held by another account is refused: one person, one verified
  account. The document is kept only as an HMAC-SHA256 under a key of its own
  (``OIDC_DOCUMENT_KEY``, or one derived from ``SECRET_KEY``): never the number itself.
- A signed-in person links the identity to their own account.
- An address that already has an account is linked only once its owner proves it (the
  account's password, or a link mailed to it that is opened in the same browser): until then
  nothing is written and the pending identity stays in the session.
- Otherwise a new account is made from the claims, its address verified by the provider.

Every refusal is an :class:`~app.accounts.oidc_client.OIDCFailure` raised before anything is
written, or with the writes rolled back to a savepoint (nothing half-made)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.accounts import services
from app.accounts.deletion import UNUSABLE_PASSWORD_HASH
from app.accounts.models import Role, User, UserIdentity
from app.accounts.oidc_client import OIDCFailure
from app.core.db import utcnow
from app.core.i18n import current_language
from app.core.urls import external_url
from app.extensions import db
from app.mail.services import queue_mail

#: ``user_identities.provider`` of Ciudadanía Digital.
PROVIDER = "ciudadania_digital"
#: The mailed link that proves an address (for linking) is valid this long, in this browser.
LINK_MAX_AGE = 60 * 60
_LINK_SALT = "qhawaq.oidc-link"


@dataclass(frozen=True)
class Person:
    """What a sign-in tells us: the provider's subject, the keyed hash of the identity document,
    the address and the name to show."""

    subject: str
    document_hash: str
    email: str
    email_verified: bool
    display_name: str


@dataclass(frozen=True)
class Outcome:
    """``signed_in`` (a known identity), ``linked`` (to the signed-in account), ``created`` (a
    new account) or ``needs_proof`` (the address has an account: its owner must prove it)."""

    kind: str
    user: User


# Claims --------------------------------------------------------------------------------------
def _document_key() -> bytes:
    configured = current_app.config.get("OIDC_DOCUMENT_KEY") or ""
    if configured:
        return str(configured).encode()
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"qhawaq.oidc-document-key", hashlib.sha256).digest()


def _normalised(value: object) -> str:
    """Upper case, letters and digits only: "4.780.123" and "4780123", "1a" and "1A" are one."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else "")).upper()
    return "".join(ch for ch in text if ch.isalnum())


def document_hash(document: dict[str, Any]) -> str:
    """HMAC-SHA256 of "type|number|complement", normalised; the number itself is never kept."""
    number = _normalised(document.get("numero_documento"))
    if not number:
        raise OIDCFailure("claims", "profile.documento_identidad: no numero_documento")
    kind = _normalised(document.get("tipo_documento"))
    complement = _normalised(document.get("complemento"))
    message = f"{kind}|{number}|{complement}".encode()
    return hmac.new(_document_key(), message, hashlib.sha256).hexdigest()


def _text(value: object) -> str:
    return " ".join(str(value).split()) if isinstance(value, str | int) else ""


def read_person(claims: dict[str, Any]) -> Person:
    """The person in Ciudadanía Digital's claims, or ``OIDCFailure("claims")`` naming what is
    missing (never its value)."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise OIDCFailure("claims", "no usable sub")
    profile = claims.get("profile")
    if not isinstance(profile, dict):
        raise OIDCFailure("claims", "no profile")
    document = profile.get("documento_identidad")
    if not isinstance(document, dict):
        raise OIDCFailure("claims", "no profile.documento_identidad")
    name = profile.get("nombre")
    if not isinstance(name, dict) or not _text(name.get("nombres")):
        raise OIDCFailure("claims", "no profile.nombre.nombres")
    email = claims.get("email")
    if not isinstance(email, str) or not email.strip():
        raise OIDCFailure("claims", "no email")
    try:
        address = validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise OIDCFailure("claims", "email not valid") from error
    if len(address) > 254:
        raise OIDCFailure("claims", "email too long")
    shown = " ".join(filter(None, (_text(name.get("nombres")), _text(name.get("primer_apellido")))))
    return Person(
        subject=subject,
        document_hash=document_hash(document),
        email=services.normalise_email(address),
        email_verified=claims.get("email_verified", True) is not False,
        display_name=shown[:80],
    )


# Accounts ------------------------------------------------------------------------------------
def identity_of(subject: str) -> UserIdentity | None:
    return db.session.scalar(
        select(UserIdentity).where(
            UserIdentity.provider == PROVIDER, UserIdentity.subject == subject
        )
    )


def identities(user: User) -> list[UserIdentity]:
    return list(
        db.session.scalars(
            select(UserIdentity).where(UserIdentity.user_id == user.id).order_by(UserIdentity.id)
        )
    )


def _document_holder(digest: str) -> UserIdentity | None:
    return db.session.scalar(select(UserIdentity).where(UserIdentity.document_hash == digest))


def _usable(user: User) -> None:
    if user.is_blocked:
        raise OIDCFailure("blocked", f"account {user.id} is blocked")
    if user.is_deleted_placeholder:
        raise OIDCFailure("other_account", "the deleted-account placeholder")


def _attach(user: User, person: Person) -> None:
    """Link the identity to ``user`` inside a savepoint: a concurrent sign-in that took the
    subject or the document first makes this a refusal, with nothing written."""
    now = utcnow()
    try:
        with db.session.begin_nested():
            db.session.add(
                UserIdentity(
                    user_id=user.id,
                    provider=PROVIDER,
                    subject=person.subject,
                    document_hash=person.document_hash,
                    last_used_at=now,
                )
            )
            user.identity_verified_at = now
            user.last_login_at = now
    except IntegrityError as error:
        raise OIDCFailure("document_taken", "a concurrent sign-in took it") from error


def _check_linkable(user: User, person: Person) -> None:
    """Refuse when the document is another account's, or ``user`` already has another
    Ciudadanía Digital identity."""
    _usable(user)
    holder = _document_holder(person.document_hash)
    if holder is not None and holder.user_id != user.id:
        raise OIDCFailure("document_taken", f"document held by account {holder.user_id}")
    if any(i.provider == PROVIDER and i.subject != person.subject for i in identities(user)):
        raise OIDCFailure("other_account", f"account {user.id} has another identity")


def sign_in(person: Person, current: User | None) -> Outcome:
    """What this identity does: see the module's docstring. ``current`` is the signed-in
    account, if any (it links the identity to itself)."""
    known = identity_of(person.subject)
    if known is not None:
        user = db.session.get(User, known.user_id)
        if user is None or (current is not None and current.id != user.id):
            raise OIDCFailure("other_account", "subject linked to another account")
        _usable(user)
        if known.document_hash != person.document_hash:
            # A document the provider corrected (or a first one): still one account per person.
            holder = _document_holder(person.document_hash)
            if holder is not None and holder.id != known.id:
                raise OIDCFailure("document_taken", f"document held by account {holder.user_id}")
            try:
                with db.session.begin_nested():
                    known.document_hash = person.document_hash
            except IntegrityError as error:
                raise OIDCFailure("document_taken", "a concurrent sign-in took it") from error
        known.last_used_at = user.identity_verified_at = user.last_login_at = utcnow()
        db.session.flush()
        return Outcome("signed_in", user)
    holder = _document_holder(person.document_hash)
    if holder is not None:
        raise OIDCFailure("document_taken", f"document held by account {holder.user_id}")
    if current is not None:
        _check_linkable(current, person)
        _attach(current, person)
        return Outcome("linked", current)
    if db.session.scalar(select(User.id).where(User.email == person.email)) is not None:
        existing = services.find_by_email(person.email)
        if existing is None:
            raise OIDCFailure("other_account", "the address of the deleted-account placeholder")
        _check_linkable(existing, person)
        return Outcome("needs_proof", existing)
    return Outcome("created", _create(person))


def _create(person: Person) -> User:
    """A new citizen from the claims, in the page's language. No password: "forgot your
    password" sets one. An address the provider does not vouch for is confirmed by mail."""
    language = current_language()
    user = User(
        email=person.email,
        password_hash=UNUSABLE_PASSWORD_HASH,
        display_name=person.display_name,
        language=language if language in current_app.config["LANGUAGES"] else "es",
        role=Role.CITIZEN,
        email_verified_at=utcnow() if person.email_verified else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError as error:
        raise OIDCFailure("retry", "the address was registered meanwhile") from error
    _attach(user, person)
    if not person.email_verified:
        services.send_verification(user)
    return user


def link(user: User, person: Person) -> None:
    """Link after the owner of ``user`` proved the address (the checks run again: time passed
    since the sign-in)."""
    if identity_of(person.subject) is not None:
        raise OIDCFailure("other_account", "subject linked meanwhile")
    _check_linkable(user, person)
    _attach(user, person)


def set_public(user: User, shown: bool) -> None:
    """The person's choice: show "verified with Ciudadanía Digital" next to their public name."""
    user.show_verified_publicly = bool(shown) and user.identity_verified_at is not None
    db.session.flush()


# The mailed proof ----------------------------------------------------------------------------
def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_LINK_SALT)


def mail_link(user: User) -> str:
    """Mail the owner of ``user`` a link that links the pending identity. Returns the nonce the
    session keeps: the link works only in the browser that signed in (a mail scanner, or the
    account's owner clicking a link someone else asked for, links nothing)."""
    nonce = secrets.token_urlsafe(16)
    token = _serializer().dumps({"u": user.id, "n": nonce})
    queue_mail(
        kind="oidc_link",
        recipient=user.email,
        language=user.language,
        subject=_l("Link Ciudadanía Digital to your account"),
        template="notification",
        user=user,
        text=_l(
            "Someone who signed in with Ciudadanía Digital asked to link that identity to your "
            "account. If it was you, open this link in the same browser within an hour. If it "
            "was not you, ignore this message: nothing changes."
        ),
        program_url=external_url("oidc.confirm_link", token=token),
        site=current_app.config["SITE_NAME"],
    )
    return nonce


def read_link(token: str) -> tuple[int, str] | None:
    """(account id, nonce) of a mailed link still valid, or None."""
    try:
        data = _serializer().loads(token, max_age=LINK_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    return int(data["u"]), str(data.get("n", ""))
