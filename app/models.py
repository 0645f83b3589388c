"""Imports every model module so Alembic and the app see the whole schema."""

from app.accountability import tallies  # noqa: F401 - keeps the tallies exact on every flush
from app.accountability.models import (  # noqa: F401
    AccountabilitySession,
    AnswerDaysTally,
    ObservationFigures,
    ObservationTally,
    SessionObservation,
)
from app.accounts.models import DataExport, User, UserIdentity  # noqa: F401
from app.comments.models import Comment, CommentRevision, CommentVote  # noqa: F401
from app.groups.models import GroupMembership, GroupProgramFollow, OversightGroup  # noqa: F401
from app.inbox.models import Assignment  # noqa: F401
from app.institutions.models import Institution  # noqa: F401
from app.mail.models import OutboxMessage  # noqa: F401
from app.moderation.models import (  # noqa: F401
    Flag,
    ModerationLogEntry,
    ModeratorDigest,
    Redaction,
)
from app.moderation.reason_models import ModerationReason  # noqa: F401
from app.notifications.models import (  # noqa: F401
    Notification,
    NotificationDigest,
    NotificationPreference,
)
from app.observations.models import (  # noqa: F401
    ActorType,
    AdminHoliday,
    Category,
    DeadlineNotice,
    DigestNotice,
    Evidence,
    FormToken,
    Observation,
    ObservationEvent,
    ObservationFollow,
    ObservationPause,
    ResponseTemplate,
)
from app.open311.models import ApiClient, Open311Filing  # noqa: F401
from app.programs.models import Milestone, Plan, Program, ProgramFollow, ProgramStatus  # noqa: F401
from app.territory.models import Department, Municipality  # noqa: F401
