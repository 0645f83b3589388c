"""Oversight groups, their members and the programs they follow."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from app.accounts.models import User
from app.core.db import StrEnumType, UTCDateTime, enum_check, utcnow
from app.core.enums import TitledEnum
from app.extensions import Model
from app.observations.models import ActorType, Observation
from app.territory.models import Department, Municipality


class GroupRole(TitledEnum):
    COORDINATOR = "coordinator"
    MEMBER = "member"

    __titles__ = {
        "coordinator": _l("Coordinator"),
        "member": _l("Member"),
    }


class OversightGroup(Model):
    """An organised social-control actor: its public page is ``/groups/<slug>``."""

    __tablename__ = "oversight_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The address of its public page; unique, lower-case ASCII letters, digits and hyphens.
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    actor_type_id: Mapped[int | None] = mapped_column(ForeignKey("actor_types.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"))
    #: How to reach the group (an address, a phone, a mail), as the group wishes to publish it.
    contact: Mapped[str] = mapped_column(String(200), default="")
    #: Set by a moderator who checked that the group exists as it says.
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor_type: Mapped[ActorType | None] = relationship()
    department: Mapped[Department | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
    #: The observations filed for the group; the backref gives ``Observation.group`` (declared
    #: here: observations know nothing of groups).
    observations: Mapped[list[Observation]] = relationship(
        backref=backref("group"), viewonly=True, order_by=lambda: Observation.id
    )

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class GroupMembership(Model):
    __tablename__ = "group_memberships"
    __table_args__ = (
        UniqueConstraint("group_id", "user_id"),
        enum_check("role", GroupRole, "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("oversight_groups.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[GroupRole] = mapped_column(StrEnumType(GroupRole), default=GroupRole.MEMBER)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[OversightGroup] = relationship()
    user: Mapped[User] = relationship()


class GroupProgramFollow(Model):
    """A program the group follows (shown on its page and dashboard)."""

    __tablename__ = "group_program_follows"
    __table_args__ = (UniqueConstraint("group_id", "program_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("oversight_groups.id"), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
