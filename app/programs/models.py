from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import StrEnumType, UTCDateTime, enum_check, utcnow
from app.core.enums import TitledEnum
from app.core.i18n_content import LocalizedText, localized
from app.extensions import Model
from app.institutions.models import Institution
from app.territory.models import Department, Municipality


class TitledMixin:
    """``title`` and ``description`` in the reader's language (fallback marked), from the
    per-language ``titles`` and ``descriptions`` JSON columns."""

    titles: dict[str, str]
    descriptions: dict[str, str]

    @property
    def title(self) -> LocalizedText:
        return localized(self.titles)

    @property
    def description(self) -> LocalizedText:
        return localized(self.descriptions)


class PlanType(TitledEnum):
    PDES = "PDES"
    PTDI = "PTDI"
    PEI = "PEI"
    POA = "POA"

    __titles__ = {
        "PDES": _l("Economic and Social Development Plan (PDES)"),
        "PTDI": _l("Territorial Plan for Integral Development (PTDI)"),
        "PEI": _l("Institutional Strategic Plan (PEI)"),
        "POA": _l("Annual Operations Plan (POA)"),
    }


class Plan(TitledMixin, Model):
    __tablename__ = "plans"
    __table_args__ = (enum_check("plan_type", PlanType, "plan_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Identifier in the source system, so a CSV re-import updates instead of duplicating.
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    plan_type: Mapped[PlanType] = mapped_column(StrEnumType(PlanType, 8))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"))
    period_start: Mapped[int] = mapped_column(Integer)
    period_end: Mapped[int] = mapped_column(Integer)
    #: Per UI language; Spanish required.
    titles: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    descriptions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    institution: Mapped[Institution] = relationship()
    department: Mapped[Department | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()


class ProgramStatus(Model):
    """Admin-editable list of statuses (e.g. "in execution"), each with a default progress."""

    __tablename__ = "program_statuses"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: Progress given to a program that takes this status without an explicit value.
    default_progress: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def name(self) -> LocalizedText:
        return localized(self.names)


class Program(TitledMixin, Model):
    __tablename__ = "programs"
    __table_args__ = (
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        CheckConstraint("weight > 0", name="weight_positive"),
        Index("ix_programs_plan_code", "plan_id", "code"),
        # The list's default order (newest first) without sorting every program.
        Index("ix_programs_created_at", "created_at", "id"),
        # The home page's consultations closing soon.
        Index("ix_programs_comments_close_on", "comments_close_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    #: A sub-program's progress rolls up into its parent (weighted average).
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    titles: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    descriptions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"), index=True)
    budget_bob: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    status_id: Mapped[int | None] = mapped_column(ForeignKey("program_statuses.id"), index=True)
    #: 0 to 100. For programs with sub-programs it is computed from them (services.rollup).
    progress: Mapped[int] = mapped_column(Integer, default=0)
    #: Weight of this program in its parent's rollup.
    weight: Mapped[int] = mapped_column(Integer, default=1)
    #: Consultation window: comments are accepted from/until these dates (inclusive, La Paz time).
    comments_open_on: Mapped[date | None] = mapped_column(Date)
    comments_close_on: Mapped[date | None] = mapped_column(Date)
    #: Lower-cased, accent-free text of every title and description in every language: the
    #: portable search column (see docs/architecture.md).
    search_text: Mapped[str] = mapped_column(Text, default="")
    #: Denormalised counters, kept by the comment services so list pages need no aggregate.
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    stance_for: Mapped[int] = mapped_column(Integer, default=0)
    stance_neutral: Mapped[int] = mapped_column(Integer, default=0)
    stance_against: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    plan: Mapped[Plan] = relationship()
    parent: Mapped[Program | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Program]] = relationship(back_populates="parent", order_by="Program.code")
    institution: Mapped[Institution] = relationship()
    department: Mapped[Department | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
    status: Mapped[ProgramStatus | None] = relationship()
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="program", order_by="Milestone.on_date", cascade="all, delete-orphan"
    )


class MilestoneState(TitledEnum):
    """Computed from the dates, never stored: reached, still ahead, or past its date unreached."""

    DONE = "done"
    DUE = "due"
    LATE = "late"

    __titles__ = {"done": _l("Reached"), "due": _l("Ahead"), "late": _l("Late")}


class Milestone(TitledMixin, Model):
    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    #: The date the milestone is planned for.
    on_date: Mapped[date] = mapped_column(Date)
    #: The day it was reached (set by an administrator); None while it is not.
    done_on: Mapped[date | None] = mapped_column(Date)
    titles: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    descriptions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    program: Mapped[Program] = relationship(back_populates="milestones")

    def state(self, today: date) -> MilestoneState:
        """Reached once it has a date reached; otherwise late from the day after its date."""
        if self.done_on is not None:
            return MilestoneState.DONE
        return MilestoneState.LATE if self.on_date < today else MilestoneState.DUE


class ProgramFollow(Model):
    __tablename__ = "program_follows"
    __table_args__ = (UniqueConstraint("program_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
