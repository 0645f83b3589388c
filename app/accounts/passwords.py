"""Password hashing with Argon2id: argon2-cffi's RFC 9106 low-memory profile everywhere except
under the testing configuration, which sets ``PASSWORD_HASH_CHEAP`` so the suite does not spend
0.1 s per hash (the hashes stay real Argon2id; only their cost differs)."""

from __future__ import annotations

from functools import cache
from typing import TypedDict

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context


class Cost(TypedDict):
    """``PasswordHasher`` arguments."""

    time_cost: int
    memory_cost: int
    parallelism: int
    type: Type


#: The parameters of the testing configuration: real Argon2id at the smallest cost.
CHEAP: Cost = {"time_cost": 1, "memory_cost": 64, "parallelism": 1, "type": Type.ID}


@cache
def _hasher(cheap: bool) -> tuple[PasswordHasher, str]:
    """The hasher and a hash to verify against when the email is unknown (so both paths cost
    the same time), made once per cost."""
    hasher = PasswordHasher(**CHEAP) if cheap else PasswordHasher()
    return hasher, hasher.hash("qhawaq-timing-equaliser")


def hasher() -> PasswordHasher:
    return _current()[0]


def _current() -> tuple[PasswordHasher, str]:
    cheap = has_app_context() and bool(current_app.config.get("PASSWORD_HASH_CHEAP"))
    return _hasher(cheap)


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    chosen, dummy = _current()
    try:
        return chosen.verify(password_hash or dummy, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)
