"""What a person's "download my data" archive says, one JSON document per kind: here the
profile, sign-in and observations (and the helpers every document uses); comments, supports,
follows, notifications and groups are in ``export_activity``. Read in the archive's language
(``force_language`` is the caller's), with admin content (program titles, institution and
category names) in that language or its fallback.

The rule of every document: the person's own data and public admin content only. Nobody else is
ever named: timeline acts are named by role or institution (never ``actor_id``, never the
assignee, never who hid or redacted), a reply is linked to its parent by id (never the parent's
author), a followed observation by its code (never its filer), a supported comment by its id and
program (never its author or text). Moderation's originals of redacted texts are not exported
(they may hold someone else's personal data): the redacted texts are, as every page shows them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.accounts.deletion import UNUSABLE_PASSWORD_HASH
from app.accounts.models import Role, User, UserIdentity
from app.comments.models import Comment, CommentRevision, CommentVote
from app.core.i18n_content import localized
from app.extensions import db
from app.notifications.models import Category as NoticeCategory
from app.notifications.models import Delivery, Notification, NotificationPreference
from app.observations.lifecycle import ACTIONS
from app.observations.models import (
    ActingAs,
    AnswerOutcome,
    ClosedOutcome,
    Evidence,
    IdentityLevel,
    Observation,
    ObservationEvent,
    ObservationFollow,
    ObservationState,
)
from app.observations.states import FILER, INSTITUTION, ROLE_TITLES
from app.programs.models import Program, ProgramFollow

#: A JSON object.
Doc = dict[str, Any]


def iso(moment: datetime | date | None) -> str | None:
    """ISO 8601 (UTC for instants), or None."""
    return moment.isoformat() if moment is not None else None


def text_in(values: dict[str, str] | None, lang: str) -> str | None:
    """Admin content in ``lang`` (or its fallback), None when there is none."""
    if not values:
        return None
    return str(localized(values, lang)) or None


def titled(enum_type: Callable[[str], Any], value: str | None) -> Doc | None:
    """``{"value": …, "title": …}`` of a stored enumeration value (None stays None; a value the
    code no longer knows keeps its value)."""
    if value is None:
        return None
    try:
        member = enum_type(value)
    except ValueError:
        return {"value": value, "title": value}
    return {"value": str(member), "title": member.title}


def program_doc(program: Program | None, lang: str) -> Doc | None:
    if program is None:
        return None
    return {"id": program.id, "code": program.code, "title": text_in(program.titles, lang)}


def volume(user: User) -> tuple[int, int]:
    """(rows, evidence bytes) the archive of ``user`` would hold, in one query: the route builds
    a small archive at once and leaves a large one to the worker."""
    filed = select(Observation.id).where(Observation.filer_id == user.id)

    def rows(model: Any, *where: Any) -> Any:
        return select(func.count()).select_from(model).where(*where).scalar_subquery()

    mine = Comment.author_id == user.id
    row = db.session.execute(
        select(
            rows(Observation, Observation.filer_id == user.id),
            rows(ObservationEvent, ObservationEvent.observation_id.in_(filed)),
            rows(Comment, mine),
            select(func.count(CommentRevision.id))
            .join(Comment, Comment.id == CommentRevision.comment_id)
            .where(mine)
            .scalar_subquery(),
            rows(CommentVote, CommentVote.user_id == user.id),
            rows(ProgramFollow, ProgramFollow.user_id == user.id),
            rows(ObservationFollow, ObservationFollow.user_id == user.id),
            rows(Notification, Notification.user_id == user.id),
            select(func.coalesce(func.sum(Evidence.size), 0))
            .where(
                Evidence.uploader_id == user.id,
                or_(Evidence.observation_id.in_(filed), Evidence.observation_id.is_(None)),
            )
            .scalar_subquery(),
        )
    ).one()
    *counts, size = row
    return sum(int(n or 0) for n in counts), int(size or 0)


# --- profile.json and sign_in.json --------------------------------------------------------------


def profile(user: User, lang: str) -> Doc:
    """The account: never its password hash, session token or who blocked it."""
    responder = user.role == Role.RESPONDER and user.institution is not None
    preferences = db.session.scalars(
        select(NotificationPreference)
        .where(NotificationPreference.user_id == user.id)
        .order_by(NotificationPreference.category)
    )
    return {
        "email": user.email,
        "display_name": user.display_name,
        "language": user.language,
        "role": titled(Role, user.role),
        "institution": text_in(user.institution.names, lang)
        if responder and user.institution
        else None,
        "institution_admin": bool(user.is_institution_admin) if responder else None,
        "created_at": iso(user.created_at),
        "last_login_at": iso(user.last_login_at),
        "email_verified_at": iso(user.email_verified_at),
        "posting_blocked_from": iso(user.posting_blocked_at),
        "posting_blocked_until": iso(user.posting_blocked_until),
        "deletion_requested_at": iso(user.deletion_requested_at),
        "deletion_due_at": iso(user.deletion_due_at),
        "keep_comments_public": bool(user.keep_comments_public),
        "mail_preferences": [
            {
                "category": titled(NoticeCategory, p.category),
                "delivery": titled(Delivery, p.delivery),
            }
            for p in preferences
        ],
    }


def sign_in(user: User) -> list[Doc]:
    """How the person signs in: the password (never its hash; left out when the account has
    none, as one made by Ciudadanía Digital), then each linked provider with its subject
    (never the identity document's hash)."""
    methods: list[Doc] = []
    if user.password_hash != UNUSABLE_PASSWORD_HASH:
        methods.append(
            {
                "provider": "password",
                "title": _("Email address and password"),
                "since": iso(user.created_at),
                "last_login_at": iso(user.last_login_at),
            }
        )
    linked = db.session.scalars(
        select(UserIdentity).where(UserIdentity.user_id == user.id).order_by(UserIdentity.id)
    )
    for identity in linked:
        methods.append(
            {
                "provider": identity.provider,
                "title": _("Ciudadanía Digital")
                if identity.provider == "ciudadania_digital"
                else identity.provider,
                "subject": identity.subject,
                "since": iso(identity.created_at),
                "last_login_at": iso(identity.last_used_at),
                "identity_verified_at": iso(user.identity_verified_at),
                "shown_publicly": bool(user.show_verified_publicly),
            }
        )
    return methods


# --- observations.json --------------------------------------------------------------------------


def filed_observations(user: User) -> list[Observation]:
    """Every observation the person filed, drafts included, oldest first."""
    return list(
        db.session.scalars(
            select(Observation)
            .options(
                joinedload(Observation.program),
                joinedload(Observation.institution),
                joinedload(Observation.category),
                joinedload(Observation.actor_type),
                joinedload(Observation.department),
                joinedload(Observation.municipality),
                joinedload(Observation.duplicate_of),
                joinedload(Observation.transfer_to),
            )
            .where(Observation.filer_id == user.id)
            .order_by(Observation.created_at, Observation.id)
        )
    )


def my_uploads(user: User, observations: list[Observation]) -> list[Evidence]:
    """The files the person uploaded: to the observations they filed, and uploads still waiting
    for a form to be sent. Files an institution attached to its answers are not theirs."""
    ids = [o.id for o in observations]
    mine = Evidence.observation_id.in_(ids) if ids else Evidence.id.is_(None)
    return list(
        db.session.scalars(
            select(Evidence)
            .where(
                Evidence.uploader_id == user.id,
                or_(mine, Evidence.observation_id.is_(None)),
            )
            .order_by(Evidence.id)
        )
    )


def folder_of(observation: Observation | None) -> str:
    """The evidence folder of an observation inside the archive."""
    if observation is None:
        return "not-filed"
    return observation.code or f"draft-{observation.id}"


def _event(event: ObservationEvent, lang: str) -> Doc:
    """One act of the timeline, named by role or institution. The note only when it is the
    filer's own or the institution's public text."""
    action = ACTIONS.get(event.action)
    if event.actor_role == INSTITUTION:
        actor = text_in(event.institution.names, lang) if event.institution else None
        actor = actor or str(_("The institution"))
    else:
        title = ROLE_TITLES.get(event.actor_role)
        actor = str(title) if title is not None else event.actor_role
    keep_note = event.actor_role in (FILER, INSTITUTION)
    return {
        "date": iso(event.created_at),
        "action": {"value": event.action, "title": str(action.title) if action else event.action},
        "from_state": titled(ObservationState, event.from_state),
        "to_state": titled(ObservationState, event.to_state),
        "by": {"role": event.actor_role, "name": actor},
        "reason": str(event.reason.title) if event.reason is not None else None,
        "note": event.note if keep_note and event.note else None,
    }


def _timelines(observations: list[Observation]) -> dict[int, list[ObservationEvent]]:
    ids = [o.id for o in observations]
    found: dict[int, list[ObservationEvent]] = {i: [] for i in ids}
    if not ids:
        return found
    for event in db.session.scalars(
        select(ObservationEvent)
        .options(joinedload(ObservationEvent.institution), joinedload(ObservationEvent.reason))
        .where(ObservationEvent.observation_id.in_(ids))
        .order_by(ObservationEvent.created_at, ObservationEvent.id)
    ):
        found[event.observation_id].append(event)
    return found


def observations(
    user: User,
    filed: list[Observation],
    files: dict[int, list[Doc]],
    lang: str,
) -> list[Doc]:
    """Each filed observation with its own fields, its timeline and its files (``files``: the
    evidence entries per observation id, as the archive wrote them)."""
    timelines = _timelines(filed)
    result = []
    for o in filed:
        result.append(
            {
                "id": o.id,
                "code": o.code,
                "state": titled(ObservationState, o.state),
                "identity": titled(IdentityLevel, o.identity),
                "acting_as": titled(ActingAs, o.acting_as),
                "organisation_name": o.organisation_name or None,
                "actor_type": text_in(o.actor_type.names, lang) if o.actor_type else None,
                "title": o.title,
                "description": o.description,
                "program": program_doc(o.program, lang),
                "institution": text_in(o.institution.names, lang) if o.institution else None,
                "category": text_in(o.category.names, lang) if o.category else None,
                "department": o.department.name if o.department else None,
                "municipality": o.municipality.name if o.municipality else None,
                "place_description": o.place_description or None,
                "latitude": o.latitude,
                "longitude": o.longitude,
                "created_at": iso(o.created_at),
                "updated_at": iso(o.updated_at),
                "submitted_at": iso(o.submitted_at),
                "accepted_at": iso(o.accepted_at),
                "deadline_working_days": o.deadline_days,
                "due_date": iso(o.due_date),
                "first_answer_at": iso(o.first_answer_at),
                "closed_at": iso(o.closed_at),
                "closed_outcome": titled(ClosedOutcome, o.closed_outcome),
                "answer_outcome": titled(AnswerOutcome, o.answer_outcome),
                "duplicate_of": o.duplicate_of.code if o.duplicate_of else None,
                "rejection_reason": o.rejection_reason or None,
                "dispute_count": o.dispute_count,
                "satisfaction": o.satisfaction,
                "transfer_proposed_to": text_in(o.transfer_to.names, lang)
                if o.transfer_to
                else None,
                "hidden_by_moderation_at": iso(o.hidden_at),
                "redacted_at": iso(o.redacted_at),
                "timeline": [_event(e, lang) for e in timelines.get(o.id, [])],
                "evidence": files.get(o.id, []),
            }
        )
    return result
