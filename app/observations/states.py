"""The observation lifecycle in one place: which action moves which state to which, and who may
take it. Every transition goes through ``services.transition``; nothing else sets ``state``."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.observations.models import ObservationState as S

#: Roles an actor can hold towards one observation.
FILER = "filer"
MODERATOR = "moderator"
INSTITUTION = "institution"
SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[S]
    #: None when the target depends on the observation (see ``target_for``).
    target: S | None
    roles: frozenset[str]
    #: The timeline sentence (the actor is named separately, by role).
    title: object
    #: True when the action needs a public note (reason, question, answer).
    needs_note: bool = False


def _t(action, sources, target, roles, title, needs_note=False) -> Transition:  # type: ignore[no-untyped-def]
    return Transition(action, frozenset(sources), target, frozenset(roles), title, needs_note)


OPEN_WITH_INSTITUTION = {S.ACCEPTED, S.ACKNOWLEDGED, S.CLARIFICATION_REQUESTED, S.ANSWERED}
WITH_INSTITUTION_BEFORE_ANSWER = {S.ACCEPTED, S.ACKNOWLEDGED, S.CLARIFICATION_REQUESTED}
#: Actions whose target is "stay where you are".
SAME_STATE = {"propose_transfer", "decline_transfer", "request_info", "provide_info"}

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("submit", {S.DRAFT}, S.SUBMITTED, {FILER}, _l("Filed the observation")),
        _t(
            "accept",
            {S.SUBMITTED},
            S.ACCEPTED,
            {MODERATOR},
            _l("Accepted it and forwarded it to the institution"),
        ),
        # A reason from the editable list (its text goes to the filer in their language) and/or
        # a note: services.transition refuses a rejection with neither.
        _t("reject", {S.SUBMITTED}, S.REJECTED, {MODERATOR}, _l("Rejected it")),
        # Triage: moderators ask for more before deciding; the filer answers; the state stays.
        _t(
            "request_info",
            {S.SUBMITTED},
            None,
            {MODERATOR},
            _l("Asked the filer for more information"),
            needs_note=True,
        ),
        _t(
            "provide_info",
            {S.SUBMITTED},
            None,
            {FILER},
            _l("Sent more information"),
            needs_note=True,
        ),
        _t(
            "mark_duplicate",
            {S.SUBMITTED},
            S.DUPLICATE,
            {MODERATOR},
            _l("Marked it as a duplicate of another observation"),
        ),
        _t(
            "acknowledge",
            {S.ACCEPTED},
            S.ACKNOWLEDGED,
            {INSTITUTION},
            _l("Acknowledged receipt"),
        ),
        _t(
            "request_clarification",
            {S.ACCEPTED, S.ACKNOWLEDGED},
            S.CLARIFICATION_REQUESTED,
            {INSTITUTION},
            _l("Asked the filer for a clarification"),
            needs_note=True,
        ),
        _t(
            "clarify",
            {S.CLARIFICATION_REQUESTED},
            S.ACKNOWLEDGED,
            {FILER},
            _l("Sent the clarification"),
            needs_note=True,
        ),
        _t(
            "answer",
            {S.ACCEPTED, S.ACKNOWLEDGED},
            S.ANSWERED,
            {INSTITUTION},
            _l("Sent the answer"),
            needs_note=True,
        ),
        _t("accept_answer", {S.ANSWERED}, S.RESOLVED, {FILER}, _l("Accepted the answer")),
        # The first dispute goes back to the institution; a second one goes to moderation.
        _t(
            "dispute",
            {S.ANSWERED},
            None,
            {FILER},
            _l("Disputed the answer"),
            needs_note=True,
        ),
        # Transfers: the institution proposes, a moderator confirms (a fresh deadline at the new
        # institution) or declines; proposing and declining leave the state as it is.
        _t(
            "propose_transfer",
            WITH_INSTITUTION_BEFORE_ANSWER,
            None,
            {INSTITUTION},
            _l("Proposed to transfer it to another institution"),
            needs_note=True,
        ),
        _t(
            "confirm_transfer",
            WITH_INSTITUTION_BEFORE_ANSWER,
            S.ACCEPTED,
            {MODERATOR},
            _l("Transferred it to another institution"),
        ),
        _t(
            "decline_transfer",
            WITH_INSTITUTION_BEFORE_ANSWER,
            None,
            {MODERATOR},
            _l("Declined the proposed transfer"),
            needs_note=True,
        ),
        _t(
            "close",
            {*OPEN_WITH_INSTITUTION, S.DISPUTED},
            S.CLOSED,
            {MODERATOR},
            _l("Closed it"),
            needs_note=True,
        ),
    ]
}


def target_for(transition: Transition, dispute_count: int, current: S | None = None) -> S:
    if transition.target is not None:
        return transition.target
    if transition.action in SAME_STATE:
        assert current is not None
        return current
    # dispute: back to the institution once, then to moderation
    return S.ACKNOWLEDGED if dispute_count == 0 else S.DISPUTED


def allowed_actions(state: S, roles: set[str]) -> list[Transition]:
    """The transitions these roles may take from ``state`` (for buttons and tests)."""
    return [t for t in TRANSITIONS.values() if state in t.sources and t.roles & roles]


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

ROLE_TITLES = {
    FILER: _l("The filer"),
    MODERATOR: _l("Moderation"),
    SYSTEM: _l("The system"),
}

#: Button labels for each action.
BUTTONS = {
    "acknowledge": _l("Acknowledge receipt"),
    "accept_answer": _l("Accept the answer"),
    "request_clarification": _l("Ask the filer for a clarification"),
    "clarify": _l("Send the clarification"),
    "answer": _l("Send the answer"),
    "dispute": _l("Dispute the answer"),
    "reject": _l("Reject"),
    "accept": _l("Accept and forward"),
    "mark_duplicate": _l("Mark as duplicate"),
    "close": _l("Close the observation"),
    "request_info": _l("Ask the filer for more information"),
    "provide_info": _l("Send the information"),
    "propose_transfer": _l("Propose a transfer to another institution"),
    "confirm_transfer": _l("Confirm the transfer"),
    "decline_transfer": _l("Decline the transfer"),
}
