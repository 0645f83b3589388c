"""The workflows of oversight groups: creating and editing one, verifying it, its members and
their roles, the programs it follows. Plain functions: they flush, never commit.

Every change of roles or membership that could leave a group without a coordinator locks the
group's row first (``SELECT … FOR UPDATE``), then reads the roles again: two coordinators leaving
at once are served one after the other, and the second finds itself the last one."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.core.db import add_once, utcnow
from app.extensions import db
from app.groups.models import GroupMembership, GroupProgramFollow, GroupRole, OversightGroup
from app.observations.models import ActorType
from app.programs.models import Program
from app.programs.services import ProgramFilters, program_query
from app.territory.models import Department, Municipality

#: Addresses under /groups/ that are pages, not groups: a group named "New" gets "new-2".
RESERVED_SLUGS = frozenset({"new", "invitations"})
SLUG_BASE_LENGTH = 70
#: Tries at a free address when others take the same one at the same moment.
MAX_SLUG_ATTEMPTS = 20


class GroupRefused(Exception):
    """A change the rules refuse, with the translated sentence that says why."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


LAST_COORDINATOR = _l(
    "You are the group's last coordinator: make another member coordinator first."
)
NOT_COORDINATOR = _l("Only the group's coordinators can do that.")


@dataclass(frozen=True)
class GroupData:
    """What the group form gives (checked)."""

    name: str
    actor_type: ActorType | None
    description: str
    department: Department | None
    municipality: Municipality | None
    contact: str


# --- the group itself ---------------------------------------------------------------------------


def slug_base(name: str) -> str:
    """Lower-case ASCII letters, digits and hyphens from ``name`` ("Comité D-6" → "comite-d-6")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:SLUG_BASE_LENGTH].strip("-") or "group"


def _free_slug(base: str) -> str:
    """``base``, or ``base-2``, ``base-3``… the first no group has (a guess: the unique key
    decides, see :func:`create_group`)."""
    taken = set(
        db.session.scalars(
            select(OversightGroup.slug).where(
                (OversightGroup.slug == base) | OversightGroup.slug.like(f"{base}-%")
            )
        )
    )
    taken |= RESERVED_SLUGS
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _apply(group: OversightGroup, data: GroupData) -> None:
    group.name = data.name
    group.actor_type_id = data.actor_type.id if data.actor_type else None
    group.description = data.description
    group.department_id = data.department.id if data.department else None
    group.municipality_id = data.municipality.id if data.municipality else None
    group.contact = data.contact


def create_group(creator: User, data: GroupData) -> OversightGroup:
    """A new group with ``creator`` as its first coordinator. Its address comes from the name;
    when two groups of the same name are created at once, the unique key refuses the second
    insert and it takes the next number."""
    base = slug_base(data.name)
    for _attempt in range(MAX_SLUG_ATTEMPTS):
        group = OversightGroup(slug=_free_slug(base), created_by_id=creator.id)
        _apply(group, data)
        if add_once(group):
            break
    else:
        raise RuntimeError(f"no free address for a group named {base!r}")
    db.session.add(
        GroupMembership(group_id=group.id, user_id=creator.id, role=GroupRole.COORDINATOR)
    )
    db.session.flush()
    return group


def update_group(group: OversightGroup, data: GroupData) -> None:
    """Change what the group says of itself. The address stays: links to it keep working."""
    _apply(group, data)
    db.session.flush()


def set_verified(group: OversightGroup, moderator: User, verified: bool) -> None:
    """Give or take back the "verified" mark."""
    group.verified_at = utcnow() if verified else None
    group.verified_by_id = moderator.id if verified else None
    db.session.flush()


def by_slug(slug: str) -> OversightGroup | None:
    if len(slug) > 80:
        return None
    return db.session.scalar(
        select(OversightGroup)
        .options(
            joinedload(OversightGroup.actor_type),
            joinedload(OversightGroup.department),
            joinedload(OversightGroup.municipality),
        )
        .where(OversightGroup.slug == slug)
    )


def listing() -> Select[OversightGroup]:
    """Every group, verified ones first, then by name (a select for ``paginate``)."""
    return (
        select(OversightGroup)
        .options(joinedload(OversightGroup.actor_type), joinedload(OversightGroup.department))
        .order_by(
            OversightGroup.verified_at.is_(None), func.lower(OversightGroup.name), OversightGroup.id
        )
    )


def groups_of(user: User) -> list[tuple[OversightGroup, GroupRole]]:
    """The groups ``user`` belongs to, with their role, by name."""
    rows = db.session.execute(
        select(OversightGroup, GroupMembership.role)
        .join(GroupMembership, GroupMembership.group_id == OversightGroup.id)
        .where(GroupMembership.user_id == user.id)
        .order_by(func.lower(OversightGroup.name), OversightGroup.id)
    )
    return [(group, role) for group, role in rows]


# --- members ------------------------------------------------------------------------------------


def members(group: OversightGroup) -> list[GroupMembership]:
    """Coordinators first, then by name."""
    return list(
        db.session.scalars(
            select(GroupMembership)
            .join(User, User.id == GroupMembership.user_id)
            .options(joinedload(GroupMembership.user))
            .where(GroupMembership.group_id == group.id)
            .order_by(
                GroupMembership.role != GroupRole.COORDINATOR,
                func.lower(User.display_name),
                GroupMembership.id,
            )
        )
    )


def membership_of(group: OversightGroup, membership_id: int) -> GroupMembership | None:
    found = db.session.get(GroupMembership, membership_id)
    return found if found is not None and found.group_id == group.id else None


def add_member(group: OversightGroup, user: User) -> bool:
    """Make ``user`` a member. False when they already were (an invitation accepted twice, or
    two requests at once: the unique key keeps one membership)."""
    return add_once(GroupMembership(group_id=group.id, user_id=user.id, role=GroupRole.MEMBER))


def _lock(group: OversightGroup) -> None:
    """Wait for, and hold until the commit, the group's row: role changes run one at a time."""
    db.session.execute(
        select(OversightGroup.id).where(OversightGroup.id == group.id).with_for_update()
    )


def _current(group: OversightGroup, user: User) -> GroupMembership | None:
    """``user``'s membership as it is now (read after the lock, never from the session's cache)."""
    return db.session.scalar(
        select(GroupMembership)
        .where(GroupMembership.group_id == group.id, GroupMembership.user_id == user.id)
        .execution_options(populate_existing=True)
    )


def _coordinators(group: OversightGroup) -> int:
    return (
        db.session.scalar(
            select(func.count(GroupMembership.id)).where(
                GroupMembership.group_id == group.id,
                GroupMembership.role == GroupRole.COORDINATOR,
            )
        )
        or 0
    )


def _coordinating(actor: User, group: OversightGroup) -> None:
    _lock(group)
    mine = _current(group, actor)
    if mine is None or mine.role != GroupRole.COORDINATOR:
        raise GroupRefused(NOT_COORDINATOR)


def remove_member(actor: User, group: OversightGroup, membership_id: int) -> User | None:
    """A coordinator removes another member (themself: :func:`leave`). Returns the person
    removed, or None when they were no longer a member."""
    _coordinating(actor, group)
    target = db.session.scalar(
        select(GroupMembership)
        .where(GroupMembership.id == membership_id, GroupMembership.group_id == group.id)
        .execution_options(populate_existing=True)
    )
    if target is None:
        return None
    if target.user_id == actor.id:
        raise GroupRefused(_l("To leave the group yourself, use “Leave the group”."))
    user = target.user
    db.session.delete(target)
    db.session.flush()
    return user


def make_coordinator(actor: User, group: OversightGroup, membership_id: int) -> User | None:
    """A coordinator hands the role to another member too (a group may have several)."""
    _coordinating(actor, group)
    target = db.session.scalar(
        select(GroupMembership)
        .where(GroupMembership.id == membership_id, GroupMembership.group_id == group.id)
        .execution_options(populate_existing=True)
    )
    if target is None:
        return None
    target.role = GroupRole.COORDINATOR
    db.session.flush()
    return target.user


def step_down(actor: User, group: OversightGroup) -> None:
    """A coordinator becomes a plain member, unless they are the last coordinator."""
    _coordinating(actor, group)
    if _coordinators(group) <= 1:
        raise GroupRefused(LAST_COORDINATOR)
    mine = _current(group, actor)
    assert mine is not None
    mine.role = GroupRole.MEMBER
    db.session.flush()


def leave(actor: User, group: OversightGroup) -> bool:
    """``actor`` leaves the group. The last coordinator is refused: the group would have nobody
    to invite, remove or edit. False when they were no longer a member."""
    _lock(group)
    mine = _current(group, actor)
    if mine is None:
        return False
    if mine.role == GroupRole.COORDINATOR and _coordinators(group) <= 1:
        raise GroupRefused(LAST_COORDINATOR)
    db.session.delete(mine)
    db.session.flush()
    return True


def hand_over_before_leaving_the_site(user: User) -> None:
    """Before ``user``'s memberships are deleted with their account: in every group where they
    are the last coordinator, the longest-standing other member becomes coordinator, so no
    group is left without one (a group with no other member is left as it is)."""
    led = db.session.scalars(
        select(GroupMembership.group_id).where(
            GroupMembership.user_id == user.id, GroupMembership.role == GroupRole.COORDINATOR
        )
    ).all()
    for group_id in sorted(led):  # a fixed order: two purges never wait on each other in a ring
        group = db.session.get(OversightGroup, group_id)
        if group is None:
            continue
        _lock(group)
        if _coordinators(group) > 1:
            continue
        successor = db.session.scalar(
            select(GroupMembership)
            .where(GroupMembership.group_id == group_id, GroupMembership.user_id != user.id)
            .order_by(GroupMembership.joined_at, GroupMembership.id)
            .limit(1)
        )
        if successor is not None:
            successor.role = GroupRole.COORDINATOR
    db.session.flush()


# --- followed programs --------------------------------------------------------------------------


def followed_programs(group: OversightGroup) -> list[Program]:
    return list(
        db.session.scalars(
            select(Program)
            .join(GroupProgramFollow, GroupProgramFollow.program_id == Program.id)
            .options(joinedload(Program.institution))
            .where(GroupProgramFollow.group_id == group.id)
            .order_by(Program.code, Program.id)
        )
    )


def follow_program(group: OversightGroup, program: Program) -> bool:
    """False when the group already followed it."""
    return add_once(GroupProgramFollow(group_id=group.id, program_id=program.id))


def unfollow_program(group: OversightGroup, program_id: int) -> bool:
    row = db.session.scalar(
        select(GroupProgramFollow).where(
            GroupProgramFollow.group_id == group.id, GroupProgramFollow.program_id == program_id
        )
    )
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    return True


def find_programs(text: str, limit: int = 10) -> list[Program]:
    """The programs ``text`` names: its code exactly (any case), else a search of the words
    (code, titles, descriptions), newest first."""
    text = text.strip()
    by_code = list(
        db.session.scalars(
            select(Program)
            .options(joinedload(Program.institution))
            .where(func.lower(Program.code) == text.lower())
            .order_by(Program.id)
            .limit(limit)
        )
    )
    if by_code:
        return by_code
    return list(db.session.scalars(program_query(ProgramFilters(q=text)).limit(limit)).unique())
