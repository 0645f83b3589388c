"""Observation workflows: filing, the one transition function, due dates, and who sees what.
Plain functions: they flush, never commit; notifications leave through the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.accounts.models import Role, User
from app.core.clock import local_today
from app.core.db import add_once, utcnow
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
from app.institutions.models import Institution
from app.moderation.models import ModerationReason
from app.observations import states
from app.observations.models import (
    AdminHoliday,
    AnswerOutcome,
    ClosedOutcome,
    HolidayScope,
    IdentityLevel,
    Observation,
    ObservationEvent,
    ObservationFollow,
    ObservationPause,
)
from app.observations.models import ObservationState as S


class TransitionError(Exception):
    """``code``: unknown | state | role | note | target | blocked."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --- who is who ------------------------------------------------------------------------------


def is_moderator(user: User | None) -> bool:
    return user is not None and user.role in (Role.MODERATOR, Role.ADMIN) and not user.is_blocked


def roles_for(user: User | None, observation: Observation) -> set[str]:
    """The roles ``user`` holds towards this observation."""
    if user is None or not getattr(user, "is_authenticated", True) or user.is_blocked:
        return set()
    roles: set[str] = set()
    if user.id == observation.filer_id:
        roles.add(states.FILER)
    if is_moderator(user):
        roles.add(states.MODERATOR)
    if (
        user.role == Role.RESPONDER
        and user.institution_id is not None
        and user.institution_id == observation.institution_id
        and observation.state in states.PUBLIC_STATES
        # A responder who filed about their own institution does not answer themself.
        and user.id != observation.filer_id
    ):
        roles.add(states.INSTITUTION)
    return roles


def can_view(user: User | None, observation: Observation) -> bool:
    """Drafts: the filer. Not yet accepted or refused: the filer and moderators. Accepted ones
    (and what followed): everyone, unless moderation hid it."""
    if observation.state == S.DRAFT:
        return user is not None and user.id == observation.filer_id
    if observation.state in states.PUBLIC_STATES and observation.hidden_at is None:
        return True
    # Hidden by moderation: still visible to those who work on it.
    return bool(roles_for(user, observation) & {states.FILER, states.MODERATOR, states.INSTITUTION})


def filer_visible(user: User | None, observation: Observation) -> bool:
    """May ``user`` see who filed it (name, organisation)? The one rule every page, export, API
    and mail asks."""
    roles = roles_for(user, observation)
    if states.FILER in roles or states.MODERATOR in roles:
        return True
    if observation.identity == IdentityLevel.PUBLIC:
        return True
    if observation.identity == IdentityLevel.HIDDEN:
        return states.INSTITUTION in roles
    return False


# --- due dates -------------------------------------------------------------------------------


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


def _refresh_due_date(observation: Observation) -> None:
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
    return 15


# --- codes -----------------------------------------------------------------------------------


def normalise_code(raw: str) -> str:
    """'cs 2026 42' or 'CS-2026-00042' → 'CS-2026-00042'."""
    digits = "".join(ch if ch.isdigit() else " " for ch in raw).split()
    if len(digits) != 2 or len(digits[0]) != 4:
        return raw.strip().upper()
    return f"CS-{digits[0]}-{int(digits[1]):05d}"


# --- the one transition function ---------------------------------------------------------------


@dataclass
class TransitionData:
    note: str = ""
    #: accept: where to forward it; propose_transfer: where to transfer it.
    institution: Institution | None = None
    duplicate_of: Observation | None = None
    outcome: ClosedOutcome | None = None
    #: answer: what the institution's answer amounts to.
    answer_outcome: AnswerOutcome | None = None
    #: accept_answer / dispute: the filer's satisfaction, 1 to 5.
    satisfaction: int | None = None
    #: reject: the reason from the editable list (app.moderation.models.ModerationReason).
    reason: ModerationReason | None = None


def transition(
    observation: Observation,
    action: str,
    actor: User | None,
    data: TransitionData | None = None,
    *,
    now: datetime | None = None,
    system: bool = False,
) -> ObservationEvent:
    """Apply ``action`` if the table allows it for the actor's role, record the event and queue
    the notifications. Raises :class:`TransitionError` otherwise."""
    data = data or TransitionData()
    now = now or utcnow()
    spec = states.TRANSITIONS.get(action)
    if spec is None:
        raise TransitionError("unknown")
    if observation.state not in spec.sources:
        raise TransitionError("state")
    roles = {states.SYSTEM} if system else roles_for(actor, observation)
    acting_role = next(
        (
            r
            for r in (states.FILER, states.INSTITUTION, states.MODERATOR)
            if r in roles and r in spec.roles
        ),
        None,
    )
    if system and states.SYSTEM in spec.roles:
        acting_role = states.SYSTEM
    if acting_role is None:
        raise TransitionError("role")
    if acting_role == states.MODERATOR and states.FILER in roles:
        # Moderators never moderate what they filed themselves.
        raise TransitionError("role")
    if acting_role == states.FILER and actor is not None and actor.is_posting_blocked:
        # A moderation block: the person reads, but does not post.
        raise TransitionError("blocked")
    note = data.note.strip()
    if spec.needs_note and not note:
        raise TransitionError("note")
    today = local_today(now)
    source = observation.state
    target = states.target_for(spec, observation.dispute_count, observation.state)
    if data.satisfaction is not None and not 1 <= data.satisfaction <= 5:
        raise TransitionError("target")

    if action == "submit":
        observation.submitted_at = now
    elif action == "accept":
        institution = data.institution or observation.institution
        if institution is None:
            raise TransitionError("target")
        observation.institution = institution
        observation.accepted_at = now
        observation.clock_start = today
        observation.deadline_days = deadline_days_for(observation)
    elif action == "reject":
        if data.reason is None and not note:
            raise TransitionError("note")
        observation.rejection_reason = note
        observation.closed_at = now
    elif action == "request_info":
        observation.info_requested_at = now
    elif action == "provide_info":
        if observation.info_requested_at is None:
            raise TransitionError("state")
        observation.info_requested_at = None
    elif action == "mark_duplicate":
        original = data.duplicate_of
        if original is None or original.id == observation.id or original.code is None:
            raise TransitionError("target")
        observation.duplicate_of = original
        observation.closed_at = now
    elif action == "request_clarification":
        db.session.add(ObservationPause(observation_id=observation.id, started_on=today))
    elif action == "clarify":
        pause = db.session.scalar(
            select(ObservationPause).where(
                ObservationPause.observation_id == observation.id,
                ObservationPause.ended_on.is_(None),
            )
        )
        if pause is not None:
            pause.ended_on = today
    elif action == "answer":
        if observation.first_answer_at is None:
            observation.first_answer_at = now
            # Issue 7 (accountability): store working days to this first answer, once.
            from app.accountability.figures import record_first_answer

            record_first_answer(observation, now)
        observation.answer_outcome = (data.answer_outcome or AnswerOutcome.OTHER).value
    elif action == "propose_transfer":
        destination = data.institution
        if destination is None or destination.id == observation.institution_id:
            raise TransitionError("target")
        observation.transfer_to = destination
        observation.transfer_reason = note
    elif action in ("confirm_transfer", "decline_transfer"):
        if observation.transfer_to is None:
            raise TransitionError("target")
        if action == "confirm_transfer":
            observation.institution = observation.transfer_to
            observation.accepted_at = now
            observation.clock_start = today
            observation.deadline_days = deadline_days_for(observation)
        observation.transfer_to = None
        observation.transfer_reason = ""
    elif action == "dispute":
        observation.satisfaction = data.satisfaction
        # In SQL: the UPDATE reads the row as it is when it runs.
        observation.dispute_count = Observation.dispute_count + 1  # type: ignore[assignment]
        if target == S.ACKNOWLEDGED:
            # Back to the institution: a fresh deadline from today, as for a new request.
            observation.clock_start = today
    elif action == "accept_answer":
        observation.satisfaction = data.satisfaction
        observation.closed_at = now
        observation.closed_outcome = ClosedOutcome.RESOLVED.value
    elif action == "close":
        if data.outcome is None:
            raise TransitionError("target")
        observation.closed_outcome = data.outcome.value
        observation.closed_at = now

    observation.state = target
    db.session.flush()
    if action in ("accept", "request_clarification", "clarify", "dispute", "confirm_transfer"):
        _refresh_due_date(observation)
    event = ObservationEvent(
        observation_id=observation.id,
        action=action,
        from_state=source.value,
        to_state=target.value,
        actor_id=actor.id if actor else None,
        actor_role=acting_role,
        institution_id=observation.institution_id if acting_role == states.INSTITUTION else None,
        note=note,
        reason_id=data.reason.id if data.reason else None,
        created_at=now,
    )
    db.session.add(event)
    db.session.flush()
    from app.moderation import services as moderation
    from app.observations import notify

    if acting_role == states.MODERATOR:
        moderation.log_transition(observation, event, actor)
    if action in ("submit", "provide_info") or target == S.DISPUTED:
        from app.moderation import alerts

        alerts.queue_grew()
    if action == "mark_duplicate" and observation.duplicate_of is not None:
        # The filer is told where to follow: they now follow the original.
        follow(observation.filer, observation.duplicate_of)
    notify.transition_happened(observation, event, actor)
    return event


# --- following -------------------------------------------------------------------------------


def is_following(user: User | None, observation: Observation) -> bool:
    if user is None:
        return False
    return (
        db.session.scalar(
            select(ObservationFollow.id).where(
                ObservationFollow.user_id == user.id,
                ObservationFollow.observation_id == observation.id,
            )
        )
        is not None
    )


def follow(user: User, observation: Observation) -> None:
    if not is_following(user, observation):
        add_once(ObservationFollow(user_id=user.id, observation_id=observation.id))


def unfollow(user: User, observation: Observation) -> None:
    row = db.session.scalar(
        select(ObservationFollow).where(
            ObservationFollow.user_id == user.id,
            ObservationFollow.observation_id == observation.id,
        )
    )
    if row is not None:
        db.session.delete(row)
        db.session.flush()


#: What the filer is waiting for, per state ("what is awaited from whom").
AWAITING = {
    S.DRAFT: _l("You: finish and file it"),
    S.SUBMITTED: _l("Moderators: review it"),
    S.ACCEPTED: _l("The institution: acknowledge and answer"),
    S.ACKNOWLEDGED: _l("The institution: answer"),
    S.CLARIFICATION_REQUESTED: _l("You: send the clarification"),
    S.ANSWERED: _l("You: accept or dispute the answer"),
    S.DISPUTED: _l("Moderators: review the dispute"),
}
