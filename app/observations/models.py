from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.db import StrEnumType, UTCDateTime, enum_check, utcnow
from app.core.enums import TitledEnum
from app.core.i18n_content import LocalizedText, localized
from app.core.storage import STORED_FILE
from app.extensions import Model
from app.institutions.models import Institution
from app.moderation.reason_models import ModerationReason
from app.programs.models import Program
from app.territory.models import Department, Municipality


class IdentityLevel(TitledEnum):
    #: Everyone sees who filed it.
    PUBLIC = "public"
    #: The public does not; the institution that must answer does.
    HIDDEN = "hidden"
    #: Only moderators ever see who filed it.
    CONFIDENTIAL = "confidential"

    __titles__ = {
        "public": _l("Public: my name is shown"),
        "hidden": _l("Hidden from the public: only the institution sees my name"),
        "confidential": _l("Confidential: only the moderators know who I am"),
    }


class ActingAs(TitledEnum):
    INDIVIDUAL = "individual"
    #: A free-text organisation name (before oversight groups existed, or not a member of one).
    ORGANISATION = "organisation"
    #: On behalf of an oversight group the filer belongs to (``group_id``).
    GROUP = "group"

    __titles__ = {
        "individual": _l("As an individual"),
        "organisation": _l("On behalf of an organisation"),
        "group": _l("On behalf of my oversight group"),
    }


class ObservationState(TitledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    ACKNOWLEDGED = "acknowledged"
    CLARIFICATION_REQUESTED = "clarification_requested"
    ANSWERED = "answered"
    #: The filer disputed the answer a second time: moderators decide.
    DISPUTED = "disputed"
    RESOLVED = "resolved"
    CLOSED = "closed"

    __titles__ = {
        "draft": _l("Draft"),
        "submitted": _l("Submitted, awaiting moderation"),
        "accepted": _l("Accepted and forwarded"),
        "rejected": _l("Rejected"),
        "duplicate": _l("Duplicate"),
        "acknowledged": _l("Received by the institution"),
        "clarification_requested": _l("Clarification requested from the filer"),
        "answered": _l("Answered"),
        "disputed": _l("Answer disputed, under review"),
        "resolved": _l("Resolved"),
        "closed": _l("Closed"),
    }


class ClosedOutcome(TitledEnum):
    RESOLVED = "resolved"
    NOT_RESOLVED = "not_resolved"
    NO_ANSWER = "no_answer"

    __titles__ = {
        "resolved": _l("Resolved"),
        "not_resolved": _l("Not resolved"),
        "no_answer": _l("No answer"),
    }


class AnswerOutcome(TitledEnum):
    INFORMATION_PROVIDED = "information_provided"
    CORRECTIVE_ACTION = "corrective_action"
    NOT_COMPETENT = "not_competent"
    OTHER = "other"

    __titles__ = {
        "information_provided": _l("Information provided"),
        "corrective_action": _l("Corrective action taken or planned"),
        "not_competent": _l("Not within our competence"),
        "other": _l("Other"),
    }


class Category(Model):
    """Admin-editable list of observation categories, each with its response deadline."""

    __tablename__ = "observation_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: Working days the institution has to answer (DS 28168 Art. 13: 15 for information).
    deadline_days: Mapped[int] = mapped_column(Integer, default=15)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def name(self) -> LocalizedText:
        return localized(self.names)


class ActorType(Model):
    """Law 341 actor types (orgánico, comunitario, circunstancial) as editable data."""

    __tablename__ = "actor_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def name(self) -> LocalizedText:
        return localized(self.names)


class HolidayScope(TitledEnum):
    NATIONAL = "national"
    DEPARTMENT = "department"
    INSTITUTION = "institution"

    __titles__ = {
        "national": _l("National: the whole country"),
        "department": _l("One department"),
        "institution": _l("One institution"),
    }


class AdminHoliday(Model):
    """A holiday an admin added on top of the national ones from the ``holidays`` package."""

    __tablename__ = "admin_holidays"
    __table_args__ = (enum_check("scope", HolidayScope, "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    on_date: Mapped[date] = mapped_column(Date, index=True)
    name: Mapped[str] = mapped_column(String(120))
    scope: Mapped[HolidayScope] = mapped_column(StrEnumType(HolidayScope, 12))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department | None] = relationship()
    institution: Mapped[Institution | None] = relationship()


class Observation(Model):
    __tablename__ = "observations"
    __table_args__ = (
        enum_check("state", ObservationState, "state"),
        enum_check("identity", IdentityLevel, "identity"),
        enum_check("acting_as", ActingAs, "acting_as"),
        Index("ix_observations_state_due", "state", "due_date"),
        # The inbox: one institution's observations by state, in due-date order.
        Index("ix_observations_institution_state_due", "institution_id", "state", "due_date"),
        # The home page's latest answers, newest first without sorting every observation.
        Index("ix_observations_first_answer_at", "first_answer_at"),
        # The maps' points: the newest observations that have coordinates.
        Index(
            "ix_observations_located",
            "id",
            sqlite_where=text("latitude IS NOT NULL"),
            postgresql_where=text("latitude IS NOT NULL"),
        ),
    )

    __mapper_args__ = {"version_id_col": "version"}

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Public tracking code, e.g. CS-2026-00042; None while a draft.
    code: Mapped[str | None] = mapped_column(String(20), unique=True)
    filer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    identity: Mapped[IdentityLevel] = mapped_column(
        StrEnumType(IdentityLevel, 16), default=IdentityLevel.PUBLIC
    )
    acting_as: Mapped[ActingAs] = mapped_column(
        StrEnumType(ActingAs, 16), default=ActingAs.INDIVIDUAL
    )
    actor_type_id: Mapped[int | None] = mapped_column(ForeignKey("actor_types.id"))
    #: Shown only where the identity level allows, like the filer's name.
    organisation_name: Mapped[str] = mapped_column(String(200), default="")
    #: Filed on behalf of this oversight group (``acting_as`` = group). The identity level covers
    #: the group too: public shows it, hidden and confidential protect the member; the member may
    #: also hide the group (``hide_group``) and, at the public level, show their own name with
    #: the group's (``show_member_name``).
    group_id: Mapped[int | None] = mapped_column(ForeignKey("oversight_groups.id"), index=True)
    show_member_name: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hide_group: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), index=True)
    #: The institution that must answer (the program's, or chosen; moderators may change it).
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("observation_categories.id"))
    title: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"), index=True)
    place_description: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    state: Mapped[ObservationState] = mapped_column(
        StrEnumType(ObservationState, 32), default=ObservationState.DRAFT
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: La Paz date the working-day count starts from (the acceptance date).
    clock_start: Mapped[date | None] = mapped_column(Date)
    #: Working days allowed (category or institution override), fixed at acceptance.
    deadline_days: Mapped[int | None] = mapped_column(Integer)
    #: Computed at acceptance and after each pause; None while paused. Overdue is derived from it.
    due_date: Mapped[date | None] = mapped_column(Date)
    first_answer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_outcome: Mapped[str | None] = mapped_column(String(20))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("observations.id"))
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    dispute_count: Mapped[int] = mapped_column(Integer, default=0)
    #: What the institution's latest answer amounts to (AnswerOutcome).
    answer_outcome: Mapped[str | None] = mapped_column(String(32))
    #: 1 to 5, given by the filer when accepting or disputing an answer.
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    #: A transfer the institution proposed, waiting for a moderator to confirm or decline it.
    transfer_to_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    #: The responder of the institution who handles it (app/inbox/assignment.py); None: nobody
    #: yet. Known to the institution only, never shown publicly. Changed with a compare-and-set
    #: on the value shown, not through ``version``: assigning does not make an open answer form
    #: out of date.
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    transfer_reason: Mapped[str] = mapped_column(Text, default="")
    #: Hidden by moderation (or automatically after reports, pending review): the public no
    #: longer sees it anywhere; the filer, moderators and the institution still do.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Bumped by every UPDATE of the row: two requests acting on one observation at once apply
    #: once (the second UPDATE finds another version and is refused), and a form sent from a
    #: page that showed an older version is answered with what changed meanwhile.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Moderators asked the filer for more information before deciding (triage).
    info_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When moderation last removed personal data from its texts (originals: Redaction).
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    filer: Mapped[User] = relationship(foreign_keys=[filer_id])
    hidden_by: Mapped[User | None] = relationship(foreign_keys=[hidden_by_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    actor_type: Mapped[ActorType | None] = relationship()
    program: Mapped[Program | None] = relationship()
    institution: Mapped[Institution | None] = relationship(foreign_keys=[institution_id])
    transfer_to: Mapped[Institution | None] = relationship(foreign_keys=[transfer_to_id])
    category: Mapped[Category | None] = relationship()
    department: Mapped[Department | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
    duplicate_of: Mapped[Observation | None] = relationship(remote_side=[id])
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="observation", order_by="Evidence.id"
    )


class ObservationEvent(Model):
    """Every transition, with who (internally), which role, when and the note. Append-only."""

    __tablename__ = "observation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    #: Internal only: the staff member or filer who acted. Never shown publicly.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: filer | moderator | institution | system — what the public timeline shows.
    actor_role: Mapped[str] = mapped_column(String(20))
    #: The institution for institutional acts (shown by name on the timeline).
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    #: Public text of the act (a rejection reason, a clarification question or reply, an answer).
    note: Mapped[str] = mapped_column(Text, default="")
    #: Moderation acts (rejection): the reason from the editable list, shown in each reader's
    #: language.
    reason_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_reasons.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    institution: Mapped[Institution | None] = relationship()
    reason: Mapped[ModerationReason | None] = relationship()


class ObservationPause(Model):
    """The clock stops while a clarification from the filer is awaited."""

    __tablename__ = "observation_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id"), index=True)
    #: La Paz dates: the day asked still counts; counting resumes after the answer day.
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)


class Evidence(Model):
    """A cleaned evidence file (images re-encoded without metadata, or a checked PDF). Uploaded
    files wait linked to the form's submission token until the observation is filed."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int | None] = mapped_column(ForeignKey("observations.id"), index=True)
    #: Set for files attached to an institution's answer rather than to the filing.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("observation_events.id"), index=True)
    #: The one-time form token the file was uploaded with, while the form is not yet filed.
    form_token: Mapped[str | None] = mapped_column(String(64), index=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: Where the bytes are, relative to the uploads folder (named by content hash).
    storage_key: Mapped[str] = mapped_column(String(120), info={STORED_FILE: True})
    mime: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(120))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    observation: Mapped[Observation | None] = relationship(back_populates="evidence")

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/")


class FormToken(Model):
    """A one-time token per filing form: a double tap or a resent POST files once."""

    __tablename__ = "form_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The draft this form edits, if any.
    observation_id: Mapped[int | None] = mapped_column(ForeignKey("observations.id"))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ObservationFollow(Model):
    __tablename__ = "observation_follows"
    __table_args__ = (UniqueConstraint("observation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeadlineNotice(Model):
    """A reminder or escalation already sent, so ``flask deadlines run`` never sends it twice."""

    __tablename__ = "deadline_notices"
    __table_args__ = (UniqueConstraint("observation_id", "kind", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id"), index=True)
    #: due_soon | overdue | escalated
    kind: Mapped[str] = mapped_column(String(20))
    #: The due date the notice was about (a new due date may deserve a new reminder).
    due_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DigestNotice(Model):
    """A weekly overdue digest already sent to an institution's admins."""

    __tablename__ = "digest_notices"
    __table_args__ = (UniqueConstraint("institution_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    #: ISO week, e.g. 2026-W48.
    period: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ResponseTemplate(Model):
    """A reusable answer text an institution keeps, in one language."""

    __tablename__ = "response_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(5), default="es")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class TrackingCodeCounter(Model):
    """The last tracking-code number given out in a year. A filing takes the next number with one
    short ``UPDATE … RETURNING`` committed at once, so filers never wait for each other's whole
    request (app/observations/codes.py)."""

    __tablename__ = "tracking_code_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
