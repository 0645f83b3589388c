"""Read-side queries for observation pages, with the privacy rules applied."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.core.clock import local_today
from app.extensions import db
from app.observations import services, states
from app.observations.models import Evidence, Observation, ObservationEvent
from app.observations.models import ObservationState as S
from app.territory.models import Department


def publicly_visible() -> ColumnElement[bool]:
    """The condition every public page, export and API applies: accepted by moderation at some
    point and not hidden by it."""
    return Observation.state.in_(states.PUBLIC_STATES) & Observation.hidden_at.is_(None)


def by_code(code: str | None) -> Observation | None:
    if not code:
        return None
    return db.session.scalar(
        select(Observation).where(Observation.code == services.normalise_code(code))
    )


def timeline(observation: Observation) -> list[ObservationEvent]:
    return list(
        db.session.scalars(
            select(ObservationEvent)
            .options(joinedload(ObservationEvent.institution), joinedload(ObservationEvent.reason))
            .where(ObservationEvent.observation_id == observation.id)
            .order_by(ObservationEvent.created_at, ObservationEvent.id)
        )
    )


def can_see_evidence(item: Evidence, viewer: User | None) -> bool:
    """Pending uploads: their uploader. A draft's files: its filer. Attached files: the filer,
    moderators and the institution;
    the public too once the observation is public, unless the filer is confidential (a photo can
    reveal who took it) or moderators hid the file."""
    if item.observation is None:
        return viewer is not None and item.uploader_id == viewer.id
    observation = item.observation
    roles = services.roles_for(viewer, observation)
    if observation.state == states.S.DRAFT:
        # An unsent draft is the filer's alone, like its page: no moderator, no institution.
        return states.FILER in roles
    if roles & {states.FILER, states.MODERATOR}:
        return True
    if item.hidden_at is not None:
        return False
    if states.INSTITUTION in roles:
        return True
    if item.event_id is not None:
        # Documents attached to an institution's answer are published with the answer.
        return services.can_view(None, observation)
    return (
        services.can_view(None, observation)
        and observation.identity != observation.identity.CONFIDENTIAL
    )


def visible_evidence(observation: Observation, viewer: User | None) -> list[Evidence]:
    return [e for e in observation.evidence if can_see_evidence(e, viewer)]


def filed_by(user: User) -> Select:
    return (
        select(Observation)
        .options(joinedload(Observation.institution))
        .where(Observation.filer_id == user.id)
        .order_by(Observation.updated_at.desc(), Observation.id.desc())
    )


@dataclass
class ListFilters:
    state: str = ""
    category: int | None = None
    institution: int | None = None
    department: str = ""
    program: int | None = None


def public_list(filters: ListFilters) -> Select:
    query = (
        select(Observation)
        .options(joinedload(Observation.institution), joinedload(Observation.category))
        .where(publicly_visible())
    )
    if filters.state == "overdue":
        query = query.where(
            Observation.state.in_(states.CLOCK_STATES), Observation.due_date < local_today()
        )
    elif filters.state == "open":
        query = query.where(Observation.state.in_(states.OPEN_STATES))
    elif filters.state == "closed":
        query = query.where(Observation.state.in_(states.CLOSED_STATES))
    elif filters.state in {s.value for s in S}:
        query = query.where(Observation.state == S(filters.state))
    if filters.category:
        query = query.where(Observation.category_id == filters.category)
    if filters.institution:
        query = query.where(Observation.institution_id == filters.institution)
    if filters.department:
        query = query.join(Department, Observation.department_id == Department.id).where(
            Department.iso_code == filters.department
        )
    if filters.program:
        query = query.where(Observation.program_id == filters.program)
    return query.order_by(Observation.accepted_at.desc(), Observation.id.desc())
