"""Posting limits counted inside the view, so a limited person gets their form back with what
they typed and a translated message, instead of an error page. Each kind (comment, observation,
vote, flag) has a limit per account and one per client address, both from the config
(``<KIND>_LIMIT_PER_USER`` / ``<KIND>_LIMIT_PER_IP``), counted in Flask-Limiter's storage."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from limits import parse_many

from app.core.net import client_ip
from app.extensions import limiter

KINDS = ("comment", "observation", "vote", "flag")


def allow(kind: str, user_id: int) -> bool:
    """Count one attempt of ``kind``; False (and nothing counted) when a limit is reached."""
    assert kind in KINDS, kind
    config = current_app.config
    if not config.get("RATELIMIT_ENABLED", True):
        return True
    prefix = kind.upper()
    checks = [
        (parse_many(config[f"{prefix}_LIMIT_PER_USER"]), f"user:{user_id}"),
        (parse_many(config[f"{prefix}_LIMIT_PER_IP"]), f"ip:{client_ip()}"),
    ]
    strategy = limiter.limiter
    for items, key in checks:
        if not all(strategy.test(item, "posting", kind, key) for item in items):
            return False
    for items, key in checks:
        for item in items:
            strategy.hit(item, "posting", kind, key)
    return True


def message() -> str:
    return _(
        "You have posted a lot in a short time. Wait a few minutes and send it again: "
        "what you wrote is still here."
    )
