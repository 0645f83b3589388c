"""The states of an observation and the roles people hold towards one. The actions that move an
observation between states, each with its form, check and effect, are in
``app/observations/lifecycle.py``; nothing else sets ``state``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.observations.models import ObservationState as S

#: Roles an actor can hold towards one observation.
FILER = "filer"
MODERATOR = "moderator"
INSTITUTION = "institution"
SYSTEM = "system"

OPEN_WITH_INSTITUTION = frozenset(
    {S.ACCEPTED, S.ACKNOWLEDGED, S.CLARIFICATION_REQUESTED, S.ANSWERED}
)
WITH_INSTITUTION_BEFORE_ANSWER = frozenset({S.ACCEPTED, S.ACKNOWLEDGED, S.CLARIFICATION_REQUESTED})

#: Public groups for listings: what "open" and "closed" mean.
OPEN_STATES = frozenset(
    {S.SUBMITTED, S.ACCEPTED, S.ACKNOWLEDGED, S.CLARIFICATION_REQUESTED, S.ANSWERED, S.DISPUTED}
)
CLOSED_STATES = frozenset({S.REJECTED, S.DUPLICATE, S.RESOLVED, S.CLOSED})
#: States shown in the public listing (accepted by moderation at some point).
PUBLIC_STATES = frozenset(
    {
        S.ACCEPTED,
        S.ACKNOWLEDGED,
        S.CLARIFICATION_REQUESTED,
        S.ANSWERED,
        S.DISPUTED,
        S.RESOLVED,
        S.CLOSED,
    }
)
#: States in which the institution's clock runs (overdue can only be computed here).
CLOCK_STATES = frozenset({S.ACCEPTED, S.ACKNOWLEDGED, S.CLARIFICATION_REQUESTED})

#: Who the timeline names for an event (an institution's acts are named by the institution).
ROLE_TITLES = {
    FILER: _l("The filer"),
    MODERATOR: _l("Moderation"),
    SYSTEM: _l("The system"),
}
