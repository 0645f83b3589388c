"""Oversight group rules for ``app.accounts.permissions.can()``.

Who may do what is decided by the person's membership of the group (coordinator or member), asked
of the database each time (a membership changes between two requests); moderators and admins
have no right inside a group they do not belong to, only the verification mark."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.accounts.models import Role, User
from app.accounts.permissions import rule
from app.extensions import db
from app.groups.models import GroupMembership, GroupRole, OversightGroup


def membership(user: User | None, group: OversightGroup | None) -> GroupMembership | None:
    """``user``'s membership of ``group``, or None."""
    if user is None or group is None or group.id is None:
        return None
    return db.session.scalar(
        select(GroupMembership).where(
            GroupMembership.group_id == group.id, GroupMembership.user_id == user.id
        )
    )


def role_in(user: User | None, group: OversightGroup | None) -> GroupRole | None:
    found = membership(user, group)
    return found.role if found is not None else None


@rule("group.create")
def _create(user: User | None, _obj: Any) -> bool:
    """Citizens with a confirmed address start groups (and coordinate them). Staff (responders,
    moderators, admins) do not: a group is civil society watching the institutions, and
    moderators verify groups. A moderation block also stops this (a group's page is public)."""
    return (
        user is not None
        and user.role == Role.CITIZEN
        and user.is_verified
        and not user.is_posting_blocked
    )


@rule("group.edit")
def _edit(user: User | None, group: OversightGroup) -> bool:
    """The group's page, its followed programs: its coordinators."""
    return role_in(user, group) == GroupRole.COORDINATOR


@rule("group.manage_members")
def _manage_members(user: User | None, group: OversightGroup) -> bool:
    """Invite, remove, make coordinator: its coordinators."""
    return role_in(user, group) == GroupRole.COORDINATOR


@rule("group.dashboard")
def _dashboard(user: User | None, group: OversightGroup) -> bool:
    """The shared dashboard, the member list, the CSV, leaving: every member."""
    return role_in(user, group) is not None


@rule("group.verify")
def _verify(user: User | None, group: OversightGroup | None) -> bool:
    """Moderators and admins mark a group as verified (or take the mark back), never for a group
    they belong to."""
    return (
        user is not None
        and user.role in (Role.MODERATOR, Role.ADMIN)
        and (group is None or role_in(user, group) is None)
    )
