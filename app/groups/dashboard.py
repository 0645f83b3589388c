"""What the group's members see together: its observations (overdue first), what each waits for
and from whom, the recent activity, and the CSV of its observations; and the public page's list.

Members are the group, so the dashboard shows the group's observations at every identity level
and whether or not they hide the group. Which member filed one is shown as the observation page
shows it (``observation.see_filer``: fellow members are the public as far as the filer is
concerned, so a confidential filing stays confidential among members too). The activity and the
CSV are named by role or institution, never a person."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, select
from sqlalchemy.orm import joinedload

from app.core.clock import local_today
from app.extensions import db
from app.groups import filing
from app.groups.models import OversightGroup
from app.observations import states
from app.observations.due_dates import overdue
from app.observations.lifecycle import ACTIONS
from app.observations.models import (
    ActingAs,
    Observation,
    ObservationEvent,
)
from app.observations.models import ObservationState as S
from app.observations.services import AWAITING

#: What the group waits for, per state, and from whom. Only the member who filed it can answer
#: for it (the lifecycle's filer), so those states name them, without a name.
GROUP_AWAITING: dict[S, LazyString] = {
    **{state: text for state, text in AWAITING.items() if state != S.DRAFT},
    S.CLARIFICATION_REQUESTED: _l("The member who filed it: send the clarification"),
    S.ANSWERED: _l("The member who filed it: accept or dispute the answer"),
}
#: How the activity names the filer's acts: the group acted, whoever it was.
GROUP_ROLE = _l("A member of the group")
ACTIVITY_SIZE = 30


def _of_group(group: OversightGroup) -> Select[Observation]:
    return select(Observation).where(Observation.group_id == group.id, Observation.state != S.DRAFT)


def public_observations(group: OversightGroup, limit: int = 50) -> list[Observation]:
    """The group's page: the observations the public sees as filed for it (``filing``'s rule),
    and never one whose member hid the group, whatever else it says; newest first. Nothing here
    names a member."""
    return list(
        db.session.scalars(
            filing.public_filings(group.id)
            .options(joinedload(Observation.institution))
            .where(Observation.acting_as == ActingAs.GROUP, Observation.hide_group.is_(False))
            .limit(limit)
        )
    )


def observations_query(group: OversightGroup, today: date | None = None) -> Select[Observation]:
    """The dashboard's list: overdue first, then open ones by due date, then the rest."""
    today = today or local_today()
    late = and_(Observation.state.in_(states.CLOCK_STATES), Observation.due_date < today)
    return (
        _of_group(group)
        .options(
            joinedload(Observation.institution),
            joinedload(Observation.category),
            joinedload(Observation.filer),
        )
        .order_by(
            case((late, 0), else_=1),
            case((Observation.state.in_(states.OPEN_STATES), 0), else_=1),
            Observation.due_date.is_(None),
            Observation.due_date,
            Observation.id.desc(),
        )
    )


@dataclass(frozen=True)
class Activity:
    when: datetime
    code: str | None
    who: str
    what: str


def activity(group: OversightGroup, limit: int = ACTIVITY_SIZE) -> list[Activity]:
    """The latest events of the group's observations, each named by role or institution."""
    events = db.session.execute(
        select(ObservationEvent, Observation.code)
        .join(Observation, Observation.id == ObservationEvent.observation_id)
        .options(joinedload(ObservationEvent.institution))
        .where(Observation.group_id == group.id, Observation.state != S.DRAFT)
        .order_by(ObservationEvent.created_at.desc(), ObservationEvent.id.desc())
        .limit(limit)
    )
    return [Activity(event.created_at, code, _who(event), _what(event)) for event, code in events]


def _who(event: ObservationEvent) -> str:
    if event.actor_role == states.INSTITUTION and event.institution is not None:
        return str(event.institution.name)
    if event.actor_role == states.FILER:
        return str(GROUP_ROLE)
    return str(states.ROLE_TITLES.get(event.actor_role, event.actor_role))


def _what(event: ObservationEvent) -> str:
    action = ACTIONS.get(event.action)
    return str(action.title) if action is not None else event.action


# --- the CSV download ---------------------------------------------------------------------------

CSV_FIELDS = (
    "code",
    "title",
    "state",
    "state_title",
    "category",
    "institution",
    "identity",
    "group_shown",
    "filed_on",
    "due_date",
    "overdue",
    "waiting_for",
)
#: A text cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text, never runs: a leading apostrophe before a formula
    (as the open data downloads do)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_rows(group: OversightGroup, today: date | None = None) -> Iterator[dict[str, object]]:
    """One row per observation of the group: no member is named, whatever the level."""
    today = today or local_today()
    for o in db.session.scalars(observations_query(group, today)).unique():
        yield {
            "code": o.code,
            "title": o.title,
            "state": o.state.value,
            "state_title": o.state.title,
            "category": o.category.name if o.category else "",
            "institution": o.institution.name if o.institution else "",
            "identity": o.identity.value,
            "group_shown": "no" if o.hide_group else "yes",
            "filed_on": o.submitted_at.date().isoformat() if o.submitted_at else "",
            "due_date": o.due_date.isoformat() if o.due_date else "",
            "overdue": "yes" if overdue(o, today) else "no",
            "waiting_for": GROUP_AWAITING.get(o.state, ""),
        }


def csv_text(group: OversightGroup, today: date | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_FIELDS)
    for row in csv_rows(group, today):
        writer.writerow([safe_cell(row[name]) for name in CSV_FIELDS])
    return buffer.getvalue()
