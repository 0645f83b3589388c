"""Who handles an observation inside its institution: every take, assignment and release, kept
for the institution's view of the observation (never on the public timeline)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.db import UTCDateTime, utcnow
from app.extensions import Model


class Assignment(Model):
    __tablename__ = "observation_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id"), index=True)
    #: The institution at the time (a transfer ends its assignments).
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    #: Who handles it from now on; None: released (nobody).
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Who did it (the assignee when they took it).
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])
