"""Observation rules for app.accounts.permissions.can()."""

from __future__ import annotations

from typing import Any

from app.accounts.models import Role, User
from app.accounts.permissions import rule


@rule("observation.file")
def _file(user: User | None, _obj: Any) -> bool:
    return user is not None and user.is_verified


@rule("observations.admin")
def _admin(user: User | None, _obj: Any) -> bool:
    return user is not None and user.role == Role.ADMIN


@rule("observations.moderate")
def _moderate(user: User | None, _obj: Any) -> bool:
    return user is not None and user.role in (Role.MODERATOR, Role.ADMIN)
