"""The responder inbox, read side: which observations an institution sees, what each tab means,
the counts of every tab, search, and how many working days are left or late.

Every query is filtered on the viewer's institution: an institution never sees another one's
observations. A page costs a fixed number of queries whatever the inbox holds: the admin holidays
(one), the counts of every tab (one, conditional aggregates) and the page of rows with their
category, filer and assignee joined (one). "Due soon" needs a working-day cut-off; it is computed
once in Python and compared in SQL, so no row is examined in Python except the (at most 50) shown.
"Assigned to me" and "Unassigned" say who handles an observation inside the institution
(app/inbox/assignment.py); the assignee is never shown outside the institution.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.orm import QueryableAttribute, joinedload

from app.accounts.models import User
from app.core.clock import local_today
from app.core.pagination import Page
from app.core.text import like_escape
from app.core.workdays import Holiday, WorkCalendar, add_working_days
from app.extensions import db
from app.inbox.assignment import ASSIGNABLE_STATES
from app.institutions.models import Institution
from app.observations import states
from app.observations.lookup import normalise_code
from app.observations.models import AdminHoliday, HolidayScope, Observation
from app.observations.models import ObservationState as S
from app.observations.permissions import filer_visible

#: "Due soon" means due today or within this many working days.
DUE_SOON_DAYS = 3
PER_PAGE = 50
#: At most this many characters and words of a search are used.
MAX_QUERY = 100
MAX_TERMS = 8
#: The institution's clock runs. A clarification request stops it (its due date is unknown
#: until the filer answers), so it is neither due soon nor overdue.
RUNNING_STATES = states.CLOCK_STATES - {S.CLARIFICATION_REQUESTED}
CLOSED_STATES = frozenset({S.RESOLVED, S.CLOSED})
#: "Assigned to me" and "Unassigned" list what can still be assigned (not what is closed).
_ASSIGNABLE = Observation.state.in_(sorted(ASSIGNABLE_STATES))
#: "cs 2026 42", "CS-2026-00042", "2026-42": what a typed tracking code looks like.
_CODE_LIKE = re.compile(r"(?i)\s*(?:cs)?[\s-]*\d{4}[\s-]+\d{1,5}\s*")


@dataclass(frozen=True)
class Tab:
    key: str
    title: object


TABS = (
    Tab("all", _l("All")),
    Tab("mine", _l("Assigned to me")),
    Tab("unassigned", _l("Unassigned")),
    Tab("new", _l("New")),
    Tab("due_soon", _l("Due soon")),
    Tab("overdue", _l("Overdue")),
    Tab("clarification", _l("Awaiting clarification")),
    Tab("answered", _l("Answered")),
    Tab("closed", _l("Closed")),
)
TAB_KEYS = tuple(tab.key for tab in TABS)


def definitions() -> dict[str, str]:
    """One sentence per tab, in the current language (call inside a request)."""
    return {
        "all": _(
            "Every observation assigned to your institution since moderation accepted it, "
            "answered and closed ones included."
        ),
        "mine": _(
            "Assigned to you inside your institution (you took it or a colleague assigned it "
            "to you), not yet resolved or closed."
        ),
        "unassigned": _(
            "Nobody in your institution handles it yet, and it is not yet resolved or closed."
        ),
        "new": _(
            "Accepted by moderation and forwarded to your institution, not yet acknowledged "
            "or answered."
        ),
        "due_soon": ngettext(
            "The clock is running and the answer is due today or within the next %(num)d "
            "working day; weekends and holidays do not count.",
            "The clock is running and the answer is due today or within the next %(num)d "
            "working days; weekends and holidays do not count.",
            DUE_SOON_DAYS,
        ),
        "overdue": _("The clock is running and the due date has passed."),
        "clarification": _(
            "Your institution asked the filer for a clarification; the clock is stopped until "
            "the filer answers."
        ),
        "answered": _(
            "Your institution answered; the filer has not yet accepted or disputed the answer."
        ),
        "closed": _("The filer accepted the answer, or moderation closed the observation."),
    }


def normalise_tab(raw: str | None) -> str:
    return raw if raw in TAB_KEYS else "all"


# --- working days ------------------------------------------------------------------------------


def inbox_calendar(institution_id: int) -> WorkCalendar:
    """National holidays (the ``holidays`` package) plus the admin holidays that apply to the
    institution: national ones, its department's and its own. One query."""
    department_id = (
        select(Institution.department_id).where(Institution.id == institution_id).scalar_subquery()
    )
    found = db.session.execute(
        select(AdminHoliday.on_date, AdminHoliday.name).where(
            or_(
                AdminHoliday.scope == HolidayScope.NATIONAL,
                and_(
                    AdminHoliday.scope == HolidayScope.INSTITUTION,
                    AdminHoliday.institution_id == institution_id,
                ),
                and_(
                    AdminHoliday.scope == HolidayScope.DEPARTMENT,
                    AdminHoliday.department_id == department_id,
                ),
            )
        )
    )
    return WorkCalendar([Holiday(day, name, "admin") for day, name in found])


def due_soon_cutoff(today: date, calendar: WorkCalendar) -> date:
    """The last due date that counts as "due soon": the DUE_SOON_DAYS-th working day after today
    (the same counting as deadlines: day 1 is the next working day)."""
    due = add_working_days(today, DUE_SOON_DAYS, calendar).due
    assert due is not None  # no pauses given
    return due


def _weekdays_through(day: date) -> int:
    """Monday-to-Friday days from 0001-01-01 (a Monday, ordinal 1) up to ``day`` inclusive."""
    ordinal = day.toordinal()
    return ordinal // 7 * 5 + min(ordinal % 7, 5)


class WorkingDayCounter:
    """Working days between dates for one page, with one calendar: weekdays are counted by
    arithmetic and the holidays of the span are read once, so a row late by years costs two
    bisections rather than a walk day by day. Agrees with ``workdays.working_days_between``
    without pauses (tested); pauses are already folded into the stored due dates."""

    def __init__(self, calendar: WorkCalendar, first: date, last: date) -> None:
        self.first, self.last = first, last
        self._holidays = sorted(
            {h.day for h in calendar.holidays_between(first, last) if h.day.weekday() < 5}
        )

    def between(self, start: date, end: date) -> int:
        """Working days in ``(start, end]``; 0 when ``end <= start``."""
        if end <= start:
            return 0
        if start < self.first or end > self.last:
            raise ValueError(f"{start}..{end} is outside {self.first}..{self.last}")
        weekdays = _weekdays_through(end) - _weekdays_through(start)
        holidays = bisect_right(self._holidays, end) - bisect_right(self._holidays, start)
        return weekdays - holidays


@dataclass(frozen=True)
class Deadline:
    """Where a running clock stands: ``overdue`` by ``days`` working days (0 on a weekend or
    holiday right after the due date), due ``today``, or due in ``days`` working days
    (``ahead``)."""

    kind: str
    days: int = 0


def deadlines(items: list[Observation], today: date, calendar: WorkCalendar) -> dict[int, Deadline]:
    """The deadline of each row whose clock runs (by observation id)."""
    running = [o for o in items if o.state in RUNNING_STATES and o.due_date is not None]
    if not running:
        return {}
    dues = [o.due_date for o in running if o.due_date is not None]
    counter = WorkingDayCounter(calendar, min(today, *dues), max(today, *dues))
    found: dict[int, Deadline] = {}
    for o in running:
        due = o.due_date
        assert due is not None
        if due < today:
            found[o.id] = Deadline("overdue", counter.between(due, today))
        elif due == today:
            found[o.id] = Deadline("today")
        else:
            found[o.id] = Deadline("ahead", counter.between(today, due))
    return found


# --- queries -----------------------------------------------------------------------------------


def search_condition(q: str) -> ColumnElement[bool] | None:
    """A tracking code finds that observation; otherwise every word must appear in the code,
    the title or the description, case ignored (LIKE with its wildcards escaped)."""
    q = q.strip()[:MAX_QUERY]
    if not q:
        return None
    if _CODE_LIKE.fullmatch(q):
        return Observation.code == normalise_code(q)
    terms: list[str] = []
    for word in q.lower().split():
        if word not in terms:
            terms.append(word)
    conditions = []
    for term in terms[:MAX_TERMS]:
        pattern = f"%{like_escape(term)}%"
        conditions.append(or_(*(_contains(column, pattern) for column in _SEARCHED)))
    return and_(*conditions)


_SEARCHED = (Observation.code, Observation.title, Observation.description)


def _contains(column: QueryableAttribute[str | None], pattern: str) -> ColumnElement[bool]:
    """Case-insensitive LIKE. PostgreSQL: ILIKE. SQLite's LIKE already ignores (ASCII) case,
    exactly like its lower() does, so SQLAlchemy's ``lower(x) LIKE lower(y)`` would only add a
    function call per row and column (about twice the time over 10,000 observations)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return column.like(pattern, escape="\\")
    return column.ilike(pattern, escape="\\")


def base_conditions(institution_id: int, q: str = "") -> list[ColumnElement[bool]]:
    """The institution's observations that moderation accepted (and what followed), searched."""
    conditions = [
        Observation.institution_id == institution_id,
        Observation.state.in_(states.PUBLIC_STATES),
    ]
    searched = search_condition(q)
    if searched is not None:
        conditions.append(searched)
    return conditions


def tab_condition(
    key: str, today: date, cutoff: date, viewer_id: int | None = None
) -> ColumnElement[bool] | None:
    """What a tab adds to the base conditions (None for "all"). "mine" is ``viewer_id``'s
    (nothing without one)."""
    if key == "mine":
        if viewer_id is None:
            return false()
        return and_(Observation.assignee_id == viewer_id, _ASSIGNABLE)
    if key == "unassigned":
        return and_(Observation.assignee_id.is_(None), _ASSIGNABLE)
    if key == "new":
        return Observation.state == S.ACCEPTED
    if key == "due_soon":
        return and_(
            Observation.state.in_(RUNNING_STATES),
            Observation.due_date >= today,
            Observation.due_date <= cutoff,
        )
    if key == "overdue":
        return and_(Observation.state.in_(RUNNING_STATES), Observation.due_date < today)
    if key == "clarification":
        return Observation.state == S.CLARIFICATION_REQUESTED
    if key == "answered":
        return Observation.state == S.ANSWERED
    if key == "closed":
        return Observation.state.in_(CLOSED_STATES)
    return None


def tab_counts(
    institution_id: int, today: date, cutoff: date, q: str = "", viewer_id: int | None = None
) -> dict[str, int]:
    """The count of every tab (for the current search) in one query."""
    columns = []
    for key in TAB_KEYS:
        condition = tab_condition(key, today, cutoff, viewer_id)
        column = func.count() if condition is None else func.count(case((condition, 1)))
        columns.append(column.label(key))
    row = db.session.execute(select(*columns).where(*base_conditions(institution_id, q))).one()
    return {key: int(value or 0) for key, value in row._mapping.items()}


_ORDER = (Observation.due_date.is_(None), Observation.due_date, Observation.id)


def page_query(
    institution_id: int,
    tab: str,
    today: date,
    cutoff: date,
    q: str = "",
    page: int = 1,
    viewer_id: int | None = None,
) -> Select[Observation]:
    """One page of a tab, by due date (none last), then by id, with category, filer and
    assignee.

    The rows are sorted and cut as bare ids in a subquery, and only the page's rows are then
    read whole: sorting thousands of whole rows (descriptions, joined filer and category) to keep
    50 cost several times more (docs/performance.md)."""
    query = select(Observation.id).where(*base_conditions(institution_id, q))
    condition = tab_condition(tab, today, cutoff, viewer_id)
    if condition is not None:
        query = query.where(condition)
    ids = query.order_by(*_ORDER).limit(PER_PAGE).offset((page - 1) * PER_PAGE).subquery()
    return (
        select(Observation)
        .join(ids, ids.c.id == Observation.id)
        .options(
            joinedload(Observation.category),
            joinedload(Observation.filer),
            joinedload(Observation.assignee),
        )
        .order_by(*_ORDER)
    )


# --- the page ----------------------------------------------------------------------------------


@dataclass
class Inbox:
    tab: str
    q: str
    today: date
    cutoff: date
    counts: dict[str, int]
    page: Page
    deadlines: dict[int, Deadline] = field(default_factory=dict)
    #: By observation id: may the viewer see who filed it (``filer_visible``).
    filer_shown: dict[int, bool] = field(default_factory=dict)


def load(
    viewer: User, *, tab: str = "all", q: str = "", page: int = 1, today: date | None = None
) -> Inbox:
    """One page of ``viewer``'s institution inbox. The viewer must be a responder with an
    institution (``inbox.view``); only that institution's observations are ever read."""
    institution_id = viewer.institution_id
    if institution_id is None:
        raise ValueError("the inbox belongs to an institution")
    tab = normalise_tab(tab)
    q = q.strip()[:MAX_QUERY]
    today = today or local_today()
    page = max(1, min(page, 10_000))
    calendar = inbox_calendar(institution_id)
    cutoff = due_soon_cutoff(today, calendar)
    counts = tab_counts(institution_id, today, cutoff, q, viewer.id)
    items = list(
        db.session.scalars(page_query(institution_id, tab, today, cutoff, q, page, viewer.id))
    )
    return Inbox(
        tab=tab,
        q=q,
        today=today,
        cutoff=cutoff,
        counts=counts,
        page=Page(items=items, number=page, per_page=PER_PAGE, total=counts[tab]),
        deadlines=deadlines(items, today, calendar),
        filer_shown={o.id: filer_visible(viewer, o) for o in items},
    )
