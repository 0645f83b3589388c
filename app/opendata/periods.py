"""The time each dataset covers (the catalogue's ``dct:temporal``): the first and last date of
its public rows, one aggregate query each, over the same rows the files carry (the conditions
come from ``records`` and ``observations.queries``, never written again here). ``None`` for an
end when the dataset has no rows."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from app.accountability.models import AccountabilitySession
from app.accountability.scope import default_period
from app.core.clock import local_today
from app.extensions import db
from app.institutions.models import Institution
from app.observations.models import Observation, ObservationEvent
from app.observations.queries import publicly_visible
from app.opendata.records import PUBLIC_ACTIONS, AnySelect
from app.programs.models import Milestone, Plan, Program

#: (first day, last day) of what a dataset covers.
Period = tuple[date | None, date | None]


def _day(value: date | datetime | None) -> date | None:
    """A timestamp's La Paz date (stored timestamps are UTC); a date as it is."""
    if isinstance(value, datetime):
        return local_today(value)
    return value


def _span(query: AnySelect) -> Period:
    first, last = db.session.execute(query).one()
    return _day(first), _day(last)


def observations() -> Period:
    column = Observation.submitted_at
    return _span(select(func.min(column), func.max(column)).where(publicly_visible()))


def _events(*conditions: object) -> Period:
    column = ObservationEvent.created_at
    return _span(
        select(func.min(column), func.max(column))
        .join(Observation, Observation.id == ObservationEvent.observation_id)
        .where(publicly_visible(), *conditions)  # type: ignore[arg-type]
    )


def events() -> Period:
    return _events(ObservationEvent.action.in_(PUBLIC_ACTIONS))


def answers() -> Period:
    return _events(ObservationEvent.action == "answer")


def institutions() -> Period:
    column = Institution.created_at
    return _span(select(func.min(column), func.max(column)))


def plans() -> Period:
    first, last = db.session.execute(
        select(func.min(Plan.period_start), func.max(Plan.period_end))
    ).one()
    return (
        date(first, 1, 1) if first is not None else None,
        date(last, 12, 31) if last is not None else None,
    )


def programs() -> Period:
    return _span(select(func.min(Program.start_date), func.max(Program.end_date)))


def milestones() -> Period:
    return _span(select(func.min(Milestone.on_date), func.max(Milestone.on_date)))


def figures() -> Period:
    """The figures file covers the default period: the last twelve months, this one included."""
    start, _month = default_period()
    return start, local_today()


def sessions() -> Period:
    column = AccountabilitySession.held_on
    return _span(select(func.min(column), func.max(column)))
