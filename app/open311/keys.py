"""API keys of the applications that file through Open311: issued by an administrator, shown
once, kept as a SHA-256 digest, revocable, and limited per key (``OPEN311_LIMIT_PER_KEY``)."""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from limits import parse_many
from sqlalchemy import select, update

from app.accounts.models import User
from app.core.db import utcnow
from app.extensions import db, limiter
from app.open311.models import ApiClient

#: Keys start with this, so one pasted in the wrong place is recognisable (and greppable).
PREFIX = "q311_"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def issue(admin: User, name: str, contact: str) -> tuple[ApiClient, str]:
    """Register an application; returns it and its key (the only time the key exists in
    clear: the caller shows it once)."""
    key = PREFIX + secrets.token_urlsafe(32)
    client = ApiClient(
        name=name.strip(),
        contact=contact.strip(),
        key_prefix=key[: len(PREFIX) + 4],
        key_hash=digest(key),
        created_by_id=admin.id,
    )
    db.session.add(client)
    db.session.flush()
    return client, key


def revoke(admin: User, client: ApiClient) -> bool:
    """Revoke the key at once (its next request is refused); False when it already was."""
    result = db.session.execute(
        update(ApiClient)
        .where(ApiClient.id == client.id, ApiClient.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_by_id=admin.id)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(client)
    return bool(getattr(result, "rowcount", 0))


def client_for(key: str | None) -> ApiClient | None:
    """The active application holding ``key``, or None (unknown, malformed or revoked)."""
    if not key or len(key) > 200:
        return None
    return db.session.scalar(
        select(ApiClient).where(ApiClient.key_hash == digest(key), ApiClient.revoked_at.is_(None))
    )


def allow(client: ApiClient) -> bool:
    """Count one filing against the key's limits; False when one is reached. Each window is
    counted by one atomic increment (``hit``), so requests arriving together cannot all slip
    under the limit between a test and a hit."""
    config = current_app.config
    if not config.get("RATELIMIT_ENABLED", True):
        return True
    strategy = limiter.limiter
    key = f"client:{client.id}"
    return all(
        strategy.hit(item, "open311", key) for item in parse_many(config["OPEN311_LIMIT_PER_KEY"])
    )


def mark_used(client: ApiClient) -> None:
    db.session.execute(
        update(ApiClient)
        .where(ApiClient.id == client.id)
        .values(last_used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
