"""What a set of accountability figures is about, and what each figure counts.

A *scope* is a period of filing (months, La Paz) plus optional filters: department or
municipality, institution or institution kind, category, program. Every figure's SQL condition is
defined once (``conditions``) and used both to count (app/accountability/counting.py) and to list
the observations behind the figure (``figure_query``), so a number and its list always agree."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import joinedload

from app.accountability.models import ObservationFigures
from app.core.clock import local_midnight, local_today, next_month
from app.institutions.models import Institution
from app.observations import states
from app.observations.models import Observation
from app.observations.models import ObservationState as S
from app.observations.queries import publicly_visible

#: The longest period a page may ask for, in months (keeps the trend readable and queries bounded).
MAX_MONTHS = 60


@dataclass(frozen=True)
class Scope:
    """Which observations a set of figures is about. ``start``/``end`` are first days of months
    (La Paz); ``end`` is inclusive (its whole month counts)."""

    start: date
    end: date
    department_id: int | None = None
    municipality_id: int | None = None
    institution_id: int | None = None
    kind: str = ""
    category_id: int | None = None
    program_id: int | None = None

    @property
    def months(self) -> list[date]:
        found, current = [], self.start
        while current <= self.end:
            found.append(current)
            current = next_month(current)
        return found


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last 12 months, this one included."""
    today = today or local_today()
    end = today.replace(day=1)
    start = (
        date(end.year - 1, end.month, 1)
        if end.month == 12
        else date(end.year - 1, end.month + 1, 1)
    )
    return start, end


def with_period(scope: Scope, start: date, end: date) -> Scope:
    return replace(scope, start=start, end=end)


# --- figures: names, conditions, explanations ---------------------------------------------------

#: Figure name → one sentence saying how it is computed (shown beside it).
EXPLANATIONS = {
    "received": _l(
        "Observations filed in the period, whatever moderation decided; the list shows only "
        "those accepted and public."
    ),
    "accepted": _l(
        "Observations filed in the period that moderation accepted and that are public."
    ),
    "answered": _l("Accepted observations that received at least one answer from the institution."),
    "answered_share": _l("Answered observations divided by accepted observations."),
    "due": _l(
        "Accepted observations that were answered, are past their due date, or were closed: "
        "those whose deadline has been put to the test."
    ),
    "answered_on_time": _l(
        "Observations whose first answer came on or before the due date in force at that "
        "moment (La Paz dates)."
    ),
    "on_time_share": _l(
        "Observations answered on time divided by those whose deadline has been put to the test."
    ),
    "open": _l("Accepted observations filed in the period that are still open today."),
    "overdue": _l(
        "Observations waiting for the institution today whose due date has passed (the due day "
        "itself is still on time)."
    ),
    "median_days": _l(
        "Working days from acceptance to the first answer, counted with the observation's own "
        "holidays and pauses; the middle value (the mean of the two middle values for an even "
        "count)."
    ),
    "p90_days": _l(
        "Working days to the first answer within which 90% of the answers came (nearest rank)."
    ),
    "accepted_by_filer": _l("Answered observations whose filer accepted the answer."),
    "filer_share": _l("Answers accepted by the filer divided by answered observations."),
    "satisfaction": _l(
        "Average of the 1 to 5 scores filers gave when accepting or disputing an answer."
    ),
}

#: Figures whose observations can be listed (the "open" and "overdue" ones regardless of period
#: only as far as the scope's filing period goes).
LISTABLE = (
    "received",
    "accepted",
    "answered",
    "due",
    "answered_on_time",
    "open",
    "overdue",
    "accepted_by_filer",
    "rated",
)


def conditions(today: date) -> dict[str, ColumnElement[bool]]:
    """The SQL condition of each countable figure (on ``Observation`` outer-joined with
    ``ObservationFigures``)."""
    public = publicly_visible()
    waiting_late = Observation.state.in_(states.CLOCK_STATES) & (Observation.due_date < today)
    return {
        "received": Observation.state != S.DRAFT,
        "accepted": public,
        "answered": public & Observation.first_answer_at.is_not(None),
        "due": public
        & (
            Observation.first_answer_at.is_not(None)
            | waiting_late
            | Observation.state.in_(states.CLOSED_STATES)
        ),
        "answered_on_time": public & ObservationFigures.answered_on_time.is_(True),
        "open": public & Observation.state.in_(states.OPEN_STATES),
        "overdue": public & waiting_late,
        "accepted_by_filer": public & (Observation.state == S.RESOLVED),
        "rated": public & Observation.satisfaction.is_not(None),
    }


def scope_where(scope: Scope) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        Observation.submitted_at >= local_midnight(scope.start),
        Observation.submitted_at < local_midnight(next_month(scope.end)),
    ]
    if scope.department_id:
        where.append(Observation.department_id == scope.department_id)
    if scope.municipality_id:
        where.append(Observation.municipality_id == scope.municipality_id)
    if scope.institution_id:
        where.append(Observation.institution_id == scope.institution_id)
    if scope.kind:
        where.append(
            Observation.institution_id.in_(
                select(Institution.id).where(Institution.kind == scope.kind)
            )
        )
    if scope.category_id:
        where.append(Observation.category_id == scope.category_id)
    if scope.program_id:
        where.append(Observation.program_id == scope.program_id)
    return where


def figure_query(scope: Scope, figure: str, today: date | None = None) -> Select[Any]:
    """The public observations behind one figure (always publicly visible ones, whatever the
    figure counts), newest filing first."""
    today = today or local_today()
    return (
        select(Observation)
        .options(joinedload(Observation.institution))
        .outerjoin(ObservationFigures, ObservationFigures.observation_id == Observation.id)
        .where(*scope_where(scope), publicly_visible(), conditions(today)[figure])
        .order_by(Observation.submitted_at.desc(), Observation.id.desc())
    )
