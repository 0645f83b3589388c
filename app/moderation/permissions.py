"""Moderation rules for app.accounts.permissions.can()."""

from __future__ import annotations

from typing import Any

from app.accounts.models import Role, User
from app.accounts.permissions import rule
from app.moderation.services import Target, author_id_of
from app.observations.models import Observation


def _staff(user: User | None) -> bool:
    return user is not None and user.role in (Role.MODERATOR, Role.ADMIN)


@rule("moderation.queue")
def _queue(user: User | None, _obj: Any) -> bool:
    return _staff(user)


@rule("moderation.act")
def _act(user: User | None, target: Target | None) -> bool:
    """Moderators act on content, never on their own."""
    if user is None or not _staff(user) or target is None:
        return _staff(user) and target is None
    return author_id_of(target) != user.id


@rule("moderation.block")
def _block(user: User | None, target: User | None) -> bool:
    """Moderators block citizens; staff accounts are an administrator's business (suspension
    in /admin/users)."""
    if user is None or not _staff(user):
        return False
    return target is None or (target.role == Role.CITIZEN and target.id != user.id)


@rule("moderation.reasons")
def _reasons(user: User | None, _obj: Any) -> bool:
    return user is not None and user.role == Role.ADMIN


@rule("observation.flag")
def _flag_observation(user: User | None, observation: Observation) -> bool:
    return user is not None and user.is_verified and observation.filer_id != user.id
