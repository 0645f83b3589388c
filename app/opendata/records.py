"""Public records, one function per kind: the only place that decides which columns of an
observation, event, program... leave the site. Open data files, the JSON API and Open311 all
build their output from these, so the privacy rules are applied once:

- observations: only ``publicly_visible()`` ones (accepted, not hidden by moderation); texts are
  read from the columns, which moderators' redactions rewrite; the filer's name and organisation
  only when the identity level is public; never an email, never a user id;
- events: only those of public observations and only the public lifecycle actions (moderation's
  triage exchanges before acceptance stay out); never ``actor_id``, never a staff member's name;
- answer documents: only through ``queries.can_see_evidence(item, None)``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from flask import url_for
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from app.accountability.models import ObservationFigures
from app.accounts.models import User
from app.extensions import db
from app.institutions.models import Institution
from app.observations import queries, states
from app.observations import services as observation_services
from app.observations.models import (
    Evidence,
    Observation,
    ObservationEvent,
)
from app.programs.models import Milestone, Plan, Program

LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
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


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _es(names: dict[str, str] | None) -> str:
    names = names or {}
    return names.get("es") or next((v for v in names.values() if v), "")


# --- observations -------------------------------------------------------------------------------

OBSERVATION_FIELDS = (
    "code",
    "url",
    "state",
    "status",
    "title",
    "description",
    "category",
    "institution_id",
    "institution",
    "program_id",
    "department",
    "municipality",
    "place_description",
    "latitude",
    "longitude",
    "identity",
    "filer_name",
    "organisation_name",
    "submitted_at",
    "accepted_at",
    "deadline_days",
    "due_date",
    "overdue",
    "first_answer_at",
    "answer_working_days",
    "answered_on_time",
    "answer_outcome",
    "closed_at",
    "closed_outcome",
    "satisfaction",
    "dispute_count",
    "updated_at",
)


def observations_query() -> Select:
    """(observation, figures, filer's display name) of public observations. The name is selected
    as a column (no User object: never an email in memory) and published only at the public
    identity level."""
    return (
        select(Observation, ObservationFigures, User.display_name)
        .join(User, User.id == Observation.filer_id)
        .outerjoin(ObservationFigures, ObservationFigures.observation_id == Observation.id)
        .options(
            joinedload(Observation.institution),
            joinedload(Observation.category),
            joinedload(Observation.department),
            joinedload(Observation.municipality),
        )
        .where(queries.publicly_visible())
    )


def observation_record(
    o: Observation, figures: ObservationFigures | None, filer_name: str, today: date
) -> dict[str, Any]:
    public_filer = observation_services.filer_visible(None, o)
    return {
        "code": o.code,
        "url": url_for("observations.detail", code=o.code, _external=True),
        "state": o.state.value,
        "status": "open" if o.state in states.OPEN_STATES else "closed",
        "title": o.title,
        "description": o.description,
        "category": o.category.key if o.category else None,
        "institution_id": o.institution_id,
        "institution": _es(o.institution.names) if o.institution else None,
        "program_id": o.program_id,
        "department": o.department.iso_code if o.department else None,
        "municipality": o.municipality.code if o.municipality else None,
        "place_description": o.place_description,
        "latitude": o.latitude,
        "longitude": o.longitude,
        "identity": o.identity.value,
        "filer_name": filer_name if public_filer else "",
        "organisation_name": o.organisation_name if public_filer else "",
        "submitted_at": iso(o.submitted_at),
        "accepted_at": iso(o.accepted_at),
        "deadline_days": o.deadline_days,
        "due_date": iso(o.due_date),
        "overdue": observation_services.overdue(o, today),
        "first_answer_at": iso(o.first_answer_at),
        "answer_working_days": figures.answer_working_days if figures else None,
        "answered_on_time": figures.answered_on_time if figures else None,
        "answer_outcome": o.answer_outcome,
        "closed_at": iso(o.closed_at),
        "closed_outcome": o.closed_outcome,
        "satisfaction": o.satisfaction,
        "dispute_count": o.dispute_count,
        "updated_at": iso(o.updated_at),
    }


def batches(query: Select) -> Iterator[list[Any]]:
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


# --- events and answers -------------------------------------------------------------------------

EVENT_FIELDS = (
    "id",
    "observation",
    "action",
    "from_state",
    "to_state",
    "actor_role",
    "institution_id",
    "note",
    "created_at",
)


def events_query() -> Select:
    return (
        select(ObservationEvent, Observation.code)
        .join(Observation, Observation.id == ObservationEvent.observation_id)
        .where(queries.publicly_visible(), ObservationEvent.action.in_(PUBLIC_ACTIONS))
        .order_by(ObservationEvent.id)
    )


def event_record(event: ObservationEvent, code: str) -> dict[str, Any]:
    return {
        "id": event.id,
        "observation": code,
        "action": event.action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "actor_role": event.actor_role,
        "institution_id": event.institution_id,
        "note": event.note,
        "created_at": iso(event.created_at),
    }


ANSWER_FIELDS = ("id", "observation", "institution_id", "note", "created_at", "documents")


def answers_query() -> Select:
    return events_query().where(ObservationEvent.action == "answer")


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
        if queries.can_see_evidence(item, None):
            found.setdefault(item.event_id, []).append(  # type: ignore[arg-type]
                url_for("observations.evidence_file", evidence_id=item.id, _external=True)
            )
    return found


def answer_record(event: ObservationEvent, code: str, documents: list[str]) -> dict[str, Any]:
    return {
        "id": event.id,
        "observation": code,
        "institution_id": event.institution_id,
        "note": event.note,
        "created_at": iso(event.created_at),
        "documents": documents,
    }


# --- institutions, plans, programs, milestones --------------------------------------------------

INSTITUTION_FIELDS = (
    "id",
    "name",
    "names",
    "acronym",
    "kind",
    "department",
    "municipality",
    "deadline_days",
    "active",
    "url",
)


def institutions_query() -> Select:
    return (
        select(Institution)
        .options(joinedload(Institution.department), joinedload(Institution.municipality))
        .order_by(Institution.id)
    )


def institution_record(i: Institution) -> dict[str, Any]:
    # contact_email is left out on purpose: no email address leaves the site in data.
    return {
        "id": i.id,
        "name": _es(i.names),
        "names": dict(i.names or {}),
        "acronym": i.acronym,
        "kind": i.kind.value,
        "department": i.department.iso_code if i.department else None,
        "municipality": i.municipality.code if i.municipality else None,
        "deadline_days": i.deadline_days,
        "active": i.active,
        "url": url_for("accountability.institution", institution_id=i.id, _external=True),
    }


PLAN_FIELDS = ("id", "plan_type", "institution_id", "period_start", "period_end", "title", "titles")


def plans_query() -> Select:
    return select(Plan).order_by(Plan.id)


def plan_record(p: Plan) -> dict[str, Any]:
    return {
        "id": p.id,
        "plan_type": p.plan_type.value,
        "institution_id": p.institution_id,
        "period_start": p.period_start,
        "period_end": p.period_end,
        "title": _es(p.titles),
        "titles": dict(p.titles or {}),
    }


PROGRAM_FIELDS = (
    "id",
    "code",
    "plan_id",
    "parent_id",
    "title",
    "titles",
    "institution_id",
    "department",
    "municipality",
    "budget_bob",
    "start_date",
    "end_date",
    "status",
    "progress",
    "comment_count",
    "stance_for",
    "stance_neutral",
    "stance_against",
    "url",
)


def programs_query() -> Select:
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
    return {
        "id": p.id,
        "code": p.code,
        "plan_id": p.plan_id,
        "parent_id": p.parent_id,
        "title": _es(p.titles),
        "titles": dict(p.titles or {}),
        "institution_id": p.institution_id,
        "department": p.department.iso_code if p.department else None,
        "municipality": p.municipality.code if p.municipality else None,
        "budget_bob": str(p.budget_bob) if p.budget_bob is not None else None,
        "start_date": iso(p.start_date),
        "end_date": iso(p.end_date),
        "status": p.status.key if p.status else None,
        "progress": p.progress,
        "comment_count": p.comment_count,
        "stance_for": p.stance_for,
        "stance_neutral": p.stance_neutral,
        "stance_against": p.stance_against,
        "url": url_for("programs.detail", program_id=p.id, _external=True),
    }


MILESTONE_FIELDS = ("id", "program_id", "on_date", "title", "titles")


def milestones_query() -> Select:
    return select(Milestone).order_by(Milestone.id)


def milestone_record(m: Milestone) -> dict[str, Any]:
    return {
        "id": m.id,
        "program_id": m.program_id,
        "on_date": iso(m.on_date),
        "title": _es(m.titles),
        "titles": dict(m.titles or {}),
    }
