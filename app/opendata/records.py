"""Public records, one function per kind: the only place that decides which rows of
observations, events, programs... leave the site (the columns are declared in the ``*_schemas``
modules). Open data files, the JSON API and Open311 all build their output from these, so the
privacy rules are applied once:

- observations: only ``publicly_visible()`` ones (accepted, not hidden by moderation); texts are
  read from the columns, which moderators' redactions rewrite; the filer's name and organisation,
  and the oversight group, only as ``observations.permissions.shown_filer`` lets the public see
  them; never an email, never a user id;
- events: only those of public observations and only the public lifecycle actions (moderation's
  triage exchanges before acceptance stay out); never ``actor_id``, never a staff member's name;
- answer documents: only those the public may see (``can(None, "evidence.view", item)``);
- accountability sessions: every one (their institution's page lists them all), with the codes
  of the public observations raised at them only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import url_for
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from app.accountability.models import AccountabilitySession, ObservationFigures, SessionObservation
from app.accounts.models import User
from app.extensions import db
from app.groups import filing as group_filing
from app.institutions.models import Institution
from app.observations import permissions, queries
from app.observations.models import Evidence, Observation, ObservationEvent
from app.observations.queries import ListFilters
from app.opendata.catalogue_schemas import INSTITUTIONS, MILESTONES, PLANS, PROGRAMS
from app.opendata.observation_schemas import ANSWERS, EVENTS, OBSERVATIONS, EventRow, ObservationRow
from app.programs.models import Milestone, Plan, Program

#: Any select, whatever it selects.
AnySelect = Select[*tuple[Any, ...]]

#: Streaming batch size (rows fetched from the database at a time).
CHUNK = 1000

#: Lifecycle actions published on the timeline and in the data (an allow-list: a new internal
#: action stays out until someone decides it is public).
PUBLIC_ACTIONS = frozenset(
    {
        "submit",
        "accept",
        "acknowledge",
        "request_clarification",
        "clarify",
        "answer",
        "accept_answer",
        "dispute",
        "propose_transfer",
        "confirm_transfer",
        "decline_transfer",
        "close",
    }
)


def batches(query: AnySelect) -> Iterator[list[Any]]:
    """Rows in batches of ``CHUNK`` (a server-side cursor on PostgreSQL; SQLite steps its
    cursor), so an export never holds the whole table in memory."""
    result = db.session.execute(query.execution_options(yield_per=CHUNK))
    for partition in result.partitions():
        yield list(partition)
        # The batch's own rows are not needed again: the session forgets them (shared related
        # rows such as institutions stay, there are few of them).
        for row in partition:
            for item in row:
                if isinstance(item, db.Model) and item in db.session:
                    db.session.expunge(item)


# --- observations -------------------------------------------------------------------------------


def public_observations(filters: ListFilters | None = None) -> Select[Observation]:
    """Public observations (with what their records and Open311's read loaded), narrowed to
    ``filters``."""
    query = (
        select(Observation)
        .options(
            joinedload(Observation.institution),
            joinedload(Observation.category),
            joinedload(Observation.department),
            joinedload(Observation.municipality),
            joinedload(Observation.actor_type),
        )
        .where(queries.publicly_visible())
    )
    return queries.filter_observations(query, filters) if filters is not None else query


def observations_query(
    filters: ListFilters | None = None,
) -> Select[Observation, ObservationFigures | None, str, str | None]:
    """(observation, figures, filer's display name, group's name) of public observations. The
    names are selected as columns (no User object: never an email in memory) and published only
    where ``shown_filer`` lets the public see them."""
    return (
        public_observations(filters)
        .add_columns(ObservationFigures, User.display_name, group_filing.group_name())
        .join(User, User.id == Observation.filer_id)
        .outerjoin(ObservationFigures, ObservationFigures.observation_id == Observation.id)
    )


def observation_record(
    o: Observation,
    figures: ObservationFigures | None,
    filer_name: str,
    group_name: str | None,
    today: date,
) -> dict[str, Any]:
    return OBSERVATIONS.record(ObservationRow.of(o, figures, filer_name, group_name, today))


# --- events and answers -------------------------------------------------------------------------


def events_query(filters: ListFilters | None = None) -> Select[ObservationEvent, str | None]:
    """(event, tracking code) of the public events of public observations (narrowed to
    ``filters``), oldest first."""
    query = (
        select(ObservationEvent, Observation.code)
        .join(Observation, Observation.id == ObservationEvent.observation_id)
        .where(queries.publicly_visible(), ObservationEvent.action.in_(PUBLIC_ACTIONS))
        .order_by(ObservationEvent.id)
    )
    return queries.filter_observations(query, filters) if filters is not None else query


def answers_query(filters: ListFilters | None = None) -> Select[ObservationEvent, str | None]:
    return events_query(filters).where(ObservationEvent.action == "answer")


def answer_documents(event_ids: list[int]) -> dict[int, list[str]]:
    """Public document URLs per answer event (one query per batch of events)."""
    if not event_ids:
        return {}
    found: dict[int, list[str]] = {}
    items = db.session.scalars(
        select(Evidence)
        .options(joinedload(Evidence.observation))
        .where(Evidence.event_id.in_(event_ids))
        .order_by(Evidence.id)
    )
    for item in items:
        if item.event_id is not None and permissions.can(None, "evidence.view", item):
            found.setdefault(item.event_id, []).append(
                url_for("observations.evidence_file", evidence_id=item.id, _external=True)
            )
    return found


def event_record(event: ObservationEvent, code: str | None) -> dict[str, Any]:
    return EVENTS.record(EventRow(event, code))


def answer_record(
    event: ObservationEvent, code: str | None, documents: list[str]
) -> dict[str, Any]:
    return ANSWERS.record(EventRow(event, code, tuple(documents)))


# --- institutions, plans, programs, milestones --------------------------------------------------


def institutions_query() -> Select[Institution]:
    return (
        select(Institution)
        .options(joinedload(Institution.department), joinedload(Institution.municipality))
        .order_by(Institution.id)
    )


def institution_record(i: Institution) -> dict[str, Any]:
    return INSTITUTIONS.record(i)


def plans_query() -> Select[Plan]:
    return select(Plan).order_by(Plan.id)


def plan_record(p: Plan) -> dict[str, Any]:
    return PLANS.record(p)


def programs_query() -> Select[Program]:
    return (
        select(Program)
        .options(
            joinedload(Program.department),
            joinedload(Program.municipality),
            joinedload(Program.status),
        )
        .order_by(Program.id)
    )


def program_record(p: Program) -> dict[str, Any]:
    return PROGRAMS.record(p)


def milestones_query() -> Select[Milestone]:
    return select(Milestone).order_by(Milestone.id)


def milestone_record(m: Milestone) -> dict[str, Any]:
    return MILESTONES.record(m)


# --- accountability sessions --------------------------------------------------------------------


def sessions_query() -> Select[AccountabilitySession]:
    return (
        select(AccountabilitySession)
        .options(joinedload(AccountabilitySession.institution))
        .order_by(AccountabilitySession.id)
    )


def session_codes(session_ids: list[int]) -> dict[int, list[str]]:
    """Tracking codes of the public observations raised at each session, as the institution's
    page lists them (one query per batch of sessions)."""
    if not session_ids:
        return {}
    found: dict[int, list[str]] = {}
    rows = db.session.execute(
        select(SessionObservation.session_id, Observation.code)
        .join(Observation, Observation.id == SessionObservation.observation_id)
        .where(SessionObservation.session_id.in_(session_ids), queries.publicly_visible())
        .order_by(Observation.code)
    )
    for session_id, code in rows:
        if code:
            found.setdefault(session_id, []).append(code)
    return found
