"""Accountability tables: per-observation answer figures (stored once, at the first answer) and
the public accountability sessions (rendición pública de cuentas, Law 341 Art. 37)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
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


#: The public observations waiting for the institution: the only figures the tallies cannot hold,
#: since whether one is late depends on the day (``tally_sums.waiting_not_late``). Written with
#: constants, not parameters, so both engines can match a query to this partial index.
WAITING = "state IN ('accepted', 'acknowledged', 'clarification_requested') AND hidden_at IS NULL"
#: Those waiting by due date, with every column a scope filters or groups them by: the live count
#: reads the index alone, for the few not yet late (migration 0020). The last two are implied by
#: the condition, but SQLite visits the table to test them unless the index holds them (0024).
Index(
    "ix_observations_waiting",
    Observation.due_date,
    Observation.submitted_at,
    Observation.institution_id,
    Observation.department_id,
    Observation.municipality_id,
    Observation.category_id,
    Observation.program_id,
    Observation.first_answer_at,
    Observation.state,
    Observation.hidden_at,
    sqlite_where=text(WAITING),
    postgresql_where=text(WAITING),
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


class ScopeTally(Model):
    """The figures of one (La Paz filing month, institution) group split along one dimension a
    scope can filter on: ``dimension`` names it (``scope_tallies.DIMENSIONS``), ``value`` is the
    observations' id in it (department, municipality, category, program, or for ``filer`` the
    actor type; NULL: none given). Unlike ``ObservationTally`` the counts are already classified
    (public, answered, waiting, …), so a scope reads one row per month, institution and value.
    Recounted with ``ObservationTally``, group by group (``tallies``)."""

    __tablename__ = "scope_tallies"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: La Paz month of ``submitted_at`` as YYYYMM.
    month: Mapped[int] = mapped_column(Integer)
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE")
    )
    dimension: Mapped[str] = mapped_column(String(24))
    value: Mapped[int | None] = mapped_column(Integer)
    #: The id in the dimension the row is crossed with: the department on ``category`` and
    #: ``filer`` rows, the municipality on ``filer_municipality`` rows, the category on
    #: ``filer_category`` rows (``scope_tallies.DIMENSIONS``).
    within: Mapped[int | None] = mapped_column(Integer)
    #: The filer kind (``acting_as``) on ``filer`` rows; empty on the others.
    label: Mapped[str] = mapped_column(String(16), default="")
    #: Every filed observation (hidden, rejected and not yet moderated ones too).
    received: Mapped[int] = mapped_column(Integer)
    #: The others count public observations only (public state, not hidden).
    accepted: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    answered_on_time: Mapped[int] = mapped_column(Integer)
    rated: Mapped[int] = mapped_column(Integer)
    satisfaction_sum: Mapped[int] = mapped_column(Integer)
    #: Closed ones (their deadline was put to the test).
    due_closed: Mapped[int] = mapped_column(Integer)
    #: Answered ones neither closed nor waiting.
    due_answered: Mapped[int] = mapped_column(Integer)
    #: Waiting for the institution (answered or not): late or not is decided on the day read.
    clock: Mapped[int] = mapped_column(Integer)
    open: Mapped[int] = mapped_column(Integer)
    accepted_by_filer: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_scope_tallies_month_institution", "month", "institution_id"),
        Index("ix_scope_tallies_dimension_value_month", "dimension", "value", "month"),
        Index("ix_scope_tallies_dimension_within_month", "dimension", "within", "month"),
    )


class ScopeAnswerDays(Model):
    """The working-days histogram of ``AnswerDaysTally`` split like ``ScopeTally`` (no ``filer``
    rows: no page shows a filer kind's answer times)."""

    __tablename__ = "scope_answer_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[int] = mapped_column(Integer)
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE")
    )
    dimension: Mapped[str] = mapped_column(String(24))
    value: Mapped[int | None] = mapped_column(Integer)
    within: Mapped[int | None] = mapped_column(Integer)
    working_days: Mapped[int] = mapped_column(Integer)
    observations: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_scope_answer_days_month_institution", "month", "institution_id"),
        Index("ix_scope_answer_days_dimension_value_month", "dimension", "value", "month"),
    )
