"""Signed, expiring links for email verification and password reset (itsdangerous)."""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

VERIFY_SALT = "qhawaq.verify-email"
RESET_SALT = "qhawaq.reset-password"


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def make_verify_token(user_id: int, email: str) -> str:
    return _serializer(VERIFY_SALT).dumps({"u": user_id, "e": _fingerprint(email)})


def make_reset_token(user_id: int, password_hash: str) -> str:
    # The current hash is part of the token: once the password changes, the link is spent.
    return _serializer(RESET_SALT).dumps({"u": user_id, "p": _fingerprint(password_hash)})


def read_verify_token(token: str) -> tuple[int, str] | None:
    try:
        data = _serializer(VERIFY_SALT).loads(
            token, max_age=current_app.config["EMAIL_TOKEN_MAX_AGE"]
        )
    except BadSignature:
        return None
    return int(data["u"]), str(data["e"])


def read_reset_token(token: str) -> tuple[int, str] | None:
    try:
        data = _serializer(RESET_SALT).loads(
            token, max_age=current_app.config["RESET_TOKEN_MAX_AGE"]
        )
    except BadSignature:
        return None
    return int(data["u"]), str(data["p"])


def matches(value: str, fingerprint: str) -> bool:
    return _fingerprint(value) == fingerprint
