"""Accountability tables: per-observation answer figures (stored once, at the first answer) and
the public accountability sessions (rendición pública de cuentas, Law 341 Art. 37)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, utcnow
from app.core.storage import STORED_FILE
from app.extensions import Model
from app.institutions.models import Institution
from app.observations.models import Observation


class ObservationFigures(Model):
    """What the accountability pages need about an observation's first answer, computed once when
    it is given (``record_first_answer``): counting working days needs each observation's own
    calendar and pauses, which SQL cannot do over 100,000 rows within a page request."""

    __tablename__ = "observation_figures"

    observation_id: Mapped[int] = mapped_column(
        ForeignKey("observations.id", ondelete="CASCADE"), primary_key=True
    )
    #: Working days from the clock start to the La Paz date of the first answer (pauses excluded).
    answer_working_days: Mapped[int] = mapped_column(Integer)
    #: The due date in force when the first answer came (a later dispute moves ``due_date``).
    answer_due_date: Mapped[date | None] = mapped_column(Date)
    #: First answer's La Paz date <= ``answer_due_date``.
    answered_on_time: Mapped[bool] = mapped_column(Boolean)


#: The accountability counting queries (``services._count_rows``, ``services._answer_rows``) seek
#: this index per (institution, state) and filing-time range and read every column they need from
#: it: rows come out grouped by institution and state, without a sort and without reading the
#: (wide) observation rows. Declared here, on the observations table, because only these pages
#: need it (migration 0008).
Index(
    "ix_observations_institution_state_filed",
    Observation.institution_id,
    Observation.state,
    Observation.submitted_at,
    Observation.hidden_at,
    Observation.first_answer_at,
    Observation.due_date,
    Observation.satisfaction,
)


class AccountabilitySession(Model):
    """A public accountability session an institution held (Law 341 Art. 37: at least one per
    semester)."""

    __tablename__ = "accountability_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    #: "2026-1" (January to June) or "2026-2", derived from ``held_on``.
    semester: Mapped[str] = mapped_column(String(7), index=True)
    place: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    #: The report PDF, cleaned (rewritten without metadata), stored like evidence.
    report_key: Mapped[str | None] = mapped_column(String(120), info={STORED_FILE: True})
    report_size: Mapped[int | None] = mapped_column(Integer)
    #: Internal only (who recorded it); never published.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    institution: Mapped[Institution] = relationship()


class SessionObservation(Model):
    """An observation raised at a session (linked by its public code)."""

    __tablename__ = "accountability_session_observations"
    __table_args__ = (UniqueConstraint("session_id", "observation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("accountability_sessions.id", ondelete="CASCADE"), index=True
    )
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id"), index=True)


class ObservationTally(Model):
    """Filed observations counted per (La Paz filing month, institution, state, hidden or not):
    what the accountability pages sum instead of reading every observation. Kept exact in the
    same transaction as every change (``tallies``): each flush that touches an observation, or
    its answer figures, recounts the one or two (month, institution) groups it belongs to."""

    __tablename__ = "observation_tallies"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: La Paz month of ``submitted_at`` as YYYYMM.
    month: Mapped[int] = mapped_column(Integer)
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE")
    )
    state: Mapped[str] = mapped_column(String(32))
    hidden: Mapped[bool] = mapped_column(Boolean)
    observations: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    answered_on_time: Mapped[int] = mapped_column(Integer)
    rated: Mapped[int] = mapped_column(Integer)
    satisfaction_sum: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_observation_tallies_month_institution", "month", "institution_id"),)


class AnswerDaysTally(Model):
    """Public answered observations per (filing month, institution, working days to the first
    answer): the histogram behind the median and the 90th percentile. Kept like
    ``ObservationTally``."""

    __tablename__ = "answer_days_tallies"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[int] = mapped_column(Integer)
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE")
    )
    working_days: Mapped[int] = mapped_column(Integer)
    observations: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_answer_days_tallies_month_institution", "month", "institution_id"),)
