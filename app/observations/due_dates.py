"""When the institution must answer: the deadline fixed at acceptance, counted in working days on
the observation's own calendar (national, departmental and institutional holidays), paused while
the filer is asked for a clarification. Overdue is computed, never stored."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select

from app.core.clock import local_today
from app.core.i18n import current_language
from app.core.workdays import (
    DueDate,
    Holiday,
    WorkCalendar,
    add_working_days,
    holiday_names_language,
    is_overdue,
)
from app.extensions import db
from app.observations import states
from app.observations.models import AdminHoliday, HolidayScope, Observation, ObservationPause

#: Working days when neither the institution nor the category says otherwise.
DEFAULT_DEADLINE_DAYS = 15


def calendar_for(observation: Observation, lang: str | None = None) -> WorkCalendar:
    """National holidays plus the admin holidays that apply to this observation: national ones,
    its department's, and its institution's."""
    conditions = [AdminHoliday.scope == HolidayScope.NATIONAL]
    if observation.department_id:
        conditions.append(
            (AdminHoliday.scope == HolidayScope.DEPARTMENT)
            & (AdminHoliday.department_id == observation.department_id)
        )
    if observation.institution_id:
        conditions.append(
            (AdminHoliday.scope == HolidayScope.INSTITUTION)
            & (AdminHoliday.institution_id == observation.institution_id)
        )
    extra = [
        Holiday(h.on_date, h.name, "admin")
        for h in db.session.scalars(select(AdminHoliday).where(or_(*conditions)))
    ]
    return WorkCalendar(extra, language=holiday_names_language(lang or current_language()))


def pauses_of(observation: Observation) -> list[tuple[date, date | None]]:
    return [
        (p.started_on, p.ended_on)
        for p in db.session.scalars(
            select(ObservationPause)
            .where(ObservationPause.observation_id == observation.id)
            .order_by(ObservationPause.started_on, ObservationPause.id)
        )
    ]


def due_date_info(observation: Observation, lang: str | None = None) -> DueDate | None:
    """The due date with how it was computed, or None before acceptance."""
    if observation.clock_start is None or observation.deadline_days is None:
        return None
    return add_working_days(
        observation.clock_start,
        observation.deadline_days,
        calendar_for(observation, lang),
        pauses_of(observation),
    )


def refresh_due_date(observation: Observation) -> None:
    """Store the due date in force (for listings and reminders), after the clock changed."""
    info = due_date_info(observation, "es")
    observation.due_date = info.due if info else None


def overdue(observation: Observation, today: date | None = None) -> bool:
    """Overdue is computed, never stored: the clock runs, and today is past the due date."""
    return observation.state in states.CLOCK_STATES and is_overdue(
        observation.due_date, today or local_today()
    )


def deadline_days_for(observation: Observation) -> int:
    if observation.institution is not None and observation.institution.deadline_days:
        return observation.institution.deadline_days
    if observation.category is not None:
        return observation.category.deadline_days
    return DEFAULT_DEADLINE_DAYS


def start_clock(observation: Observation, today: date) -> None:
    """The institution's clock starts today, with that institution's deadline (acceptance, and a
    confirmed transfer: a fresh deadline at the new institution)."""
    observation.clock_start = today
    observation.deadline_days = deadline_days_for(observation)
