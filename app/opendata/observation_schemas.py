"""The columns of the observation datasets (observations, their public events, the answers),
declared once: see ``schema.py``. The privacy rules of each column live here, beside it (the
filer's name only at the public identity level, the group unless its member hid it; the kind of
filer, never a person; never an email, a user id or a staff name)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import url_for
from flask_babel import lazy_gettext as _l

from app.accountability.models import ObservationFigures
from app.observations import permissions, states
from app.observations.due_dates import overdue
from app.observations.models import ActingAs, IdentityLevel, Observation, ObservationEvent
from app.opendata.schema import Column, Schema, es_name, iso


@dataclass(frozen=True, slots=True)
class ObservationRow:
    """What an observation's record is read from. ``filer_name`` is the filer's display name
    and ``group_name`` the name of the oversight group it was filed for, both selected as
    columns (no User object, so never an email in memory)."""

    observation: Observation
    figures: ObservationFigures | None
    filer_name: str
    group_name: str | None
    today: date
    #: Whether the public may know who filed it (``observations.permissions.shown_filer``).
    public_filer: bool
    #: Whether the public may know the group it was filed for (same rule).
    public_group: bool

    @classmethod
    def of(
        cls,
        o: Observation,
        figures: ObservationFigures | None,
        filer_name: str,
        group_name: str | None,
        today: date,
    ) -> ObservationRow:
        shown = permissions.shown_filer(None, o)
        return cls(o, figures, filer_name, group_name, today, shown.person, shown.group)


def status_of(o: Observation) -> str:
    """open or closed: Open311's grouping of the states, also a column of the data."""
    return "open" if o.state in states.OPEN_STATES else "closed"


def institution_name(o: Observation) -> str | None:
    return es_name(o.institution.names) if o.institution else None


def _public_states() -> set[str]:
    return {s.value for s in states.PUBLIC_STATES}


_O = Column[ObservationRow]

OBSERVATIONS = Schema[ObservationRow](
    "observations",
    _l("Observations"),
    (
        _O(
            "code",
            "string",
            lambda r: r.observation.code,
            _l("Public tracking code, CS-<year>-<number>."),
        ),
        _O(
            "url",
            "string",
            lambda r: url_for("observations.detail", code=r.observation.code, _external=True),
            _l("Address of the observation's public page."),
        ),
        _O(
            "state",
            "string",
            lambda r: r.observation.state.value,
            _l(
                "Lifecycle state: accepted, acknowledged, clarification_requested, answered, "
                "disputed, resolved or closed."
            ),
            enum=_public_states,
        ),
        _O(
            "status",
            "string",
            lambda r: status_of(r.observation),
            _l("open or closed (Open311 grouping of the state)."),
            enum=lambda: ("open", "closed"),
        ),
        _O(
            "title",
            "string",
            lambda r: r.observation.title,
            _l(
                "Title written by the filer; personal data removed by moderation shows as a marker."
            ),
        ),
        _O(
            "description",
            "string",
            lambda r: r.observation.description,
            _l("Text written by the filer, with moderation's removals applied."),
        ),
        _O(
            "category",
            "string",
            lambda r: r.observation.category.key if r.observation.category else None,
            _l("Category key (see the categories in the Open311 services list)."),
            nullable=True,
        ),
        _O(
            "institution_id",
            "integer",
            lambda r: r.observation.institution_id,
            _l("Identifier of the institution that must answer."),
            nullable=True,
        ),
        _O(
            "institution",
            "string",
            lambda r: institution_name(r.observation),
            _l("Name of that institution, in Spanish."),
            nullable=True,
        ),
        _O(
            "program_id",
            "integer",
            lambda r: r.observation.program_id,
            _l("Identifier of the program it is about, if any."),
            nullable=True,
        ),
        _O(
            "department",
            "string",
            lambda r: r.observation.department.iso_code if r.observation.department else None,
            _l("Department, ISO 3166-2 code (e.g. BO-L)."),
            nullable=True,
        ),
        _O(
            "municipality",
            "string",
            lambda r: r.observation.municipality.code if r.observation.municipality else None,
            _l("Municipality, INE code."),
            nullable=True,
        ),
        _O(
            "place_description",
            "string",
            lambda r: r.observation.place_description,
            _l("Where, in the filer's words, with moderation's removals applied."),
        ),
        _O(
            "latitude",
            "number",
            lambda r: r.observation.latitude,
            _l("Latitude (WGS 84), if given."),
            nullable=True,
        ),
        _O(
            "longitude",
            "number",
            lambda r: r.observation.longitude,
            _l("Longitude (WGS 84), if given."),
            nullable=True,
        ),
        _O(
            "identity",
            "string",
            lambda r: r.observation.identity.value,
            _l("Identity level chosen by the filer: public, hidden or confidential."),
            enum=lambda: {level.value for level in IdentityLevel},
        ),
        _O(
            "filer_name",
            "string",
            lambda r: r.filer_name if r.public_filer else "",
            _l("Name of the filer, only when the identity level is public; empty otherwise."),
        ),
        _O(
            "organisation_name",
            "string",
            lambda r: r.observation.organisation_name if r.public_filer else "",
            _l("Organisation the filer acts for, only when the identity level is public."),
        ),
        _O(
            "filer_kind",
            "string",
            lambda r: r.observation.acting_as.value,
            _l(
                "Who filed it, as a kind: individual, organisation (a name the filer typed) or "
                "group (an oversight group of this site), whatever the identity level."
            ),
            enum=lambda: {kind.value for kind in ActingAs},
        ),
        _O(
            "actor_type",
            "string",
            lambda r: r.observation.actor_type.key if r.observation.actor_type else None,
            _l("Type of social-control actor (key), for a group the group's own type."),
            nullable=True,
        ),
        _O(
            "group",
            "string",
            lambda r: (r.group_name or "") if r.public_group else "",
            _l(
                "Name of the oversight group it was filed for; empty when filed otherwise or "
                "when the filer hid the group from the public."
            ),
        ),
        _O(
            "submitted_at",
            "string",
            lambda r: iso(r.observation.submitted_at),
            _l("When it was filed (UTC, ISO 8601)."),
            nullable=True,
        ),
        _O(
            "accepted_at",
            "string",
            lambda r: iso(r.observation.accepted_at),
            _l("When moderation accepted and forwarded it (UTC)."),
            nullable=True,
        ),
        _O(
            "deadline_days",
            "integer",
            lambda r: r.observation.deadline_days,
            _l("Working days the institution has to answer."),
            nullable=True,
        ),
        _O(
            "due_date",
            "string",
            lambda r: iso(r.observation.due_date),
            _l("Current due date (La Paz date); empty while the clock is stopped."),
            nullable=True,
        ),
        _O(
            "overdue",
            "boolean",
            lambda r: overdue(r.observation, r.today),
            _l("true when the institution must still answer and the due date has passed."),
        ),
        _O(
            "first_answer_at",
            "string",
            lambda r: iso(r.observation.first_answer_at),
            _l("When the institution first answered (UTC)."),
            nullable=True,
        ),
        _O(
            "answer_working_days",
            "integer",
            lambda r: r.figures.answer_working_days if r.figures else None,
            _l("Working days from acceptance to the first answer."),
            nullable=True,
        ),
        _O(
            "answered_on_time",
            "boolean",
            lambda r: r.figures.answered_on_time if r.figures else None,
            _l("true when the first answer came by the due date then in force."),
            nullable=True,
        ),
        _O(
            "answer_outcome",
            "string",
            lambda r: r.observation.answer_outcome,
            _l(
                "What the latest answer amounts to: information_provided, corrective_action, "
                "not_competent or other."
            ),
            nullable=True,
        ),
        _O(
            "closed_at",
            "string",
            lambda r: iso(r.observation.closed_at),
            _l("When it was closed or resolved (UTC)."),
            nullable=True,
        ),
        _O(
            "closed_outcome",
            "string",
            lambda r: r.observation.closed_outcome,
            _l("resolved, not_resolved or no_answer."),
            nullable=True,
        ),
        _O(
            "satisfaction",
            "integer",
            lambda r: r.observation.satisfaction,
            _l("The filer's score of the answer, 1 to 5."),
            nullable=True,
        ),
        _O(
            "dispute_count",
            "integer",
            lambda r: r.observation.dispute_count,
            _l("How many times the filer disputed an answer."),
        ),
        _O(
            "updated_at",
            "string",
            lambda r: iso(r.observation.updated_at),
            _l("Last change (UTC)."),
            nullable=True,
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class EventRow:
    """A public event and its observation's tracking code; ``documents`` only for answers."""

    event: ObservationEvent
    code: str | None
    documents: tuple[str, ...] = ()


_E = Column[EventRow]

EVENTS = Schema[EventRow](
    "events",
    _l("Observation timelines (events)"),
    (
        _E("id", "integer", lambda r: r.event.id, _l("Event identifier.")),
        _E("observation", "string", lambda r: r.code, _l("Tracking code of the observation.")),
        _E(
            "action",
            "string",
            lambda r: r.event.action,
            _l("What happened (submit, accept, acknowledge, answer, dispute, close…)."),
        ),
        _E(
            "from_state", "string", lambda r: r.event.from_state, _l("State before."), nullable=True
        ),
        _E("to_state", "string", lambda r: r.event.to_state, _l("State after.")),
        _E(
            "actor_role",
            "string",
            lambda r: r.event.actor_role,
            _l("Who acted, by role: filer, moderator, institution or system (never a name)."),
        ),
        _E(
            "institution_id",
            "integer",
            lambda r: r.event.institution_id,
            _l("The institution, for acts of an institution."),
            nullable=True,
        ),
        _E(
            "note",
            "string",
            lambda r: r.event.note,
            _l("The public text of the act (answer, question, reason)."),
        ),
        _E(
            "created_at",
            "string",
            lambda r: iso(r.event.created_at),
            _l("When (UTC)."),
            nullable=True,
        ),
    ),
)

ANSWERS = Schema[EventRow](
    "answers",
    _l("Institutions' answers"),
    (
        _E("id", "integer", lambda r: r.event.id, _l("Identifier of the answer event.")),
        _E("observation", "string", lambda r: r.code, _l("Tracking code of the observation.")),
        _E(
            "institution_id",
            "integer",
            lambda r: r.event.institution_id,
            _l("The institution that answered."),
            nullable=True,
        ),
        _E("note", "string", lambda r: r.event.note, _l("The answer's text.")),
        _E(
            "created_at",
            "string",
            lambda r: iso(r.event.created_at),
            _l("When (UTC)."),
            nullable=True,
        ),
        _E(
            "documents",
            "array",
            lambda r: list(r.documents),
            _l("Addresses of the documents published with the answer (space-separated in CSV)."),
            schema={"type": "array", "items": {"type": "string"}},
        ),
    ),
)
