"""Writing the observation reference lists for the admin pages: categories (each with its
response deadline), actor types, and the holidays admins add on top of the national ones.

Plain functions that flush and never commit. A category's deadline is fixed on an observation
when it is accepted, so editing it changes only later acceptances. A holiday, though, changes
which days are working days for deadlines that are already running: saving or deleting one
recomputes the stored due dates it touches (the same computation as ``due_dates.due_date_info``),
so lists, "overdue" and the explanation on the page keep agreeing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import holidays
from sqlalchemy import ColumnElement, extract, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from app.extensions import db
from app.institutions.models import Institution
from app.observations import states
from app.observations.due_dates import due_date_info
from app.observations.models import (
    ActorType,
    AdminHoliday,
    Category,
    HolidayScope,
    Observation,
    ObservationState,
)
from app.territory.models import Department

#: Country of the national holidays the ``holidays`` package knows (see app/core/workdays.py).
COUNTRY = "BO"


# --- categories -----------------------------------------------------------------------------


@dataclass
class CategoryData:
    key: str
    names: dict[str, str]
    #: Working days the institution has to answer (an institution's own deadline wins).
    deadline_days: int
    position: int
    #: False: no longer offered for new observations; filed ones keep it.
    active: bool


def categories() -> list[Category]:
    """Every category, in list order, inactive ones included."""
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))


def save_category(category: Category | None, data: CategoryData) -> Category:
    """Create a category (``category`` None) or overwrite one. Observations already accepted
    keep the deadline they were given."""
    if category is None:
        category = Category()
    category.key = data.key
    category.names = dict(data.names)
    category.deadline_days = data.deadline_days
    category.position = data.position
    category.active = data.active
    db.session.add(category)
    db.session.flush()
    return category


def observation_counts(column: InstrumentedAttribute[int | None]) -> dict[int, int]:
    """Observations per value of ``column`` (``Observation.category_id`` or
    ``Observation.actor_type_id``), drafts excluded; one query."""
    rows = db.session.execute(
        select(column, func.count(Observation.id))
        .where(column.is_not(None), Observation.state != ObservationState.DRAFT)
        .group_by(column)
    )
    return {key: total for key, total in rows if key is not None}


# --- actor types ----------------------------------------------------------------------------


@dataclass
class ActorTypeData:
    key: str
    names: dict[str, str]
    position: int


def actor_types() -> list[ActorType]:
    return list(db.session.scalars(select(ActorType).order_by(ActorType.position, ActorType.id)))


def save_actor_type(actor_type: ActorType | None, data: ActorTypeData) -> ActorType:
    if actor_type is None:
        actor_type = ActorType()
    actor_type.key = data.key
    actor_type.names = dict(data.names)
    actor_type.position = data.position
    db.session.add(actor_type)
    db.session.flush()
    return actor_type


# --- holidays -------------------------------------------------------------------------------


@dataclass
class HolidayData:
    on_date: date
    name: str
    scope: HolidayScope
    #: Set for (and only for) a departmental holiday.
    department: Department | None
    #: Set for (and only for) an institution's holiday.
    institution: Institution | None


@dataclass(frozen=True)
class HolidayList:
    year: int
    #: From today on, soonest first.
    upcoming: list[AdminHoliday]
    #: Before today, most recent first.
    past: list[AdminHoliday]


def holidays_of_year(year: int, today: date) -> HolidayList:
    """The admin holidays of ``year``, split into upcoming and past ones."""
    found = list(
        db.session.scalars(
            select(AdminHoliday)
            .where(AdminHoliday.on_date.between(date(year, 1, 1), date(year, 12, 31)))
            .order_by(AdminHoliday.on_date, AdminHoliday.id)
        )
    )
    return HolidayList(
        year=year,
        upcoming=[h for h in found if h.on_date >= today],
        past=[h for h in reversed(found) if h.on_date < today],
    )


def holiday_years(today: date) -> list[int]:
    """Years worth offering in the year filter: those with admin holidays, this year and the
    next (holidays are often entered ahead), newest first."""
    found = {
        int(year)
        for year in db.session.scalars(
            select(extract("year", AdminHoliday.on_date)).distinct()
        ).all()
        if year is not None
    }
    return sorted(found | {today.year, today.year + 1}, reverse=True)


def package_holidays(year: int, language: str = "es") -> list[tuple[date, str]]:
    """The national holidays the ``holidays`` package already provides for ``year`` (a day can
    carry several names); deadlines skip them without any admin entry."""
    national = holidays.country_holidays(COUNTRY, years=year, language=language)
    return [(day, name) for day in sorted(national) for name in national.get_list(day)]


def package_holiday_on(day: date, language: str = "es") -> str | None:
    """The package's name for ``day`` when it is already a national holiday, else None."""
    names = [name for found, name in package_holidays(day.year, language) if found == day]
    return ", ".join(names) or None


def same_holiday_exists(data: HolidayData, editing: AdminHoliday | None) -> bool:
    """Is there already an admin holiday on that date for the same place (nation, department
    or institution)?"""
    department_id = data.department.id if data.department else None
    institution_id = data.institution.id if data.institution else None
    query = select(AdminHoliday.id).where(
        AdminHoliday.on_date == data.on_date,
        AdminHoliday.scope == data.scope,
        AdminHoliday.department_id.is_(None)
        if department_id is None
        else AdminHoliday.department_id == department_id,
        AdminHoliday.institution_id.is_(None)
        if institution_id is None
        else AdminHoliday.institution_id == institution_id,
    )
    if editing is not None:
        query = query.where(AdminHoliday.id != editing.id)
    return db.session.scalar(query) is not None


def save_holiday(holiday: AdminHoliday | None, data: HolidayData) -> tuple[AdminHoliday, int]:
    """Create a holiday (``holiday`` None) or overwrite one; returns it and how many running
    deadlines moved (both the old and the new date and place are recomputed)."""
    touched: list[tuple[date, HolidayScope, int | None, int | None]] = []
    if holiday is None:
        holiday = AdminHoliday()
    else:
        touched.append(_where(holiday))
    holiday.on_date = data.on_date
    holiday.name = data.name
    holiday.scope = data.scope
    holiday.department = data.department if data.scope == HolidayScope.DEPARTMENT else None
    holiday.institution = data.institution if data.scope == HolidayScope.INSTITUTION else None
    db.session.add(holiday)
    db.session.flush()
    touched.append(_where(holiday))
    return holiday, _refresh_due_dates(touched)


def delete_holiday(holiday: AdminHoliday) -> int:
    """Delete a holiday; returns how many running deadlines moved (earlier)."""
    where = _where(holiday)
    db.session.delete(holiday)
    db.session.flush()
    return _refresh_due_dates([where])


def _where(holiday: AdminHoliday) -> tuple[date, HolidayScope, int | None, int | None]:
    return holiday.on_date, holiday.scope, holiday.department_id, holiday.institution_id


def _refresh_due_dates(places: list[tuple[date, HolidayScope, int | None, int | None]]) -> int:
    """Recompute the stored due date of every observation whose clock runs and whose count
    can include one of these holidays: it applies to the observation, the count started
    before that day, and the due date is not before it. Returns how many due dates changed."""
    conditions = []
    for day, scope, department_id, institution_id in places:
        applies: ColumnElement[bool]
        if scope == HolidayScope.DEPARTMENT:
            applies = Observation.department_id == department_id
        elif scope == HolidayScope.INSTITUTION:
            applies = Observation.institution_id == institution_id
        else:
            applies = Observation.id.is_not(None)
        conditions.append(applies & (Observation.clock_start < day) & (Observation.due_date >= day))
    if not conditions:
        return 0
    changed = 0
    for observation in db.session.scalars(
        select(Observation).where(Observation.state.in_(states.CLOCK_STATES), or_(*conditions))
    ):
        info = due_date_info(observation, "es")
        due = info.due if info else None
        if due != observation.due_date:
            observation.due_date = due
            changed += 1
    db.session.flush()
    return changed
