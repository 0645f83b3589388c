"""Filing and triage: the filer files; moderators accept and forward it, reject it with a listed
reason, ask the filer for more (the filer answers, the state stays) or mark it as a duplicate."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.institutions.models import Institution
from app.moderation.forms import reason_choices
from app.moderation.reason_models import ReasonKind
from app.moderation.reasons import reason_of_kind
from app.observations import due_dates, lookup
from app.observations.action_forms import AcceptForm, DuplicateForm, RejectForm
from app.observations.actions import (
    Action,
    NoteAction,
    Step,
    TransitionData,
    TransitionError,
    choose_first,
    institution_choices,
)
from app.observations.models import Observation
from app.observations.models import ObservationState as S
from app.observations.states import FILER, MODERATOR


class Submit(Action):
    name = "submit"
    sources = frozenset({S.DRAFT})
    target = S.SUBMITTED
    roles = frozenset({FILER})
    title = _l("Filed the observation")
    layout = None  # the filing form submits (app.observations.filing)

    def apply(self, step: Step) -> None:
        step.observation.submitted_at = step.now


class Accept(Action):
    name = "accept"
    sources = frozenset({S.SUBMITTED})
    target = S.ACCEPTED
    roles = frozenset({MODERATOR})
    title = _l("Accepted it and forwarded it to the institution")
    button = _l("Accept and forward")
    layout = "fields"
    form_class = AcceptForm
    refreshes_due_date = True

    def form_defaults(self, observation: Observation) -> dict[str, Any]:
        return {"institution_id": observation.institution_id}

    def fill_choices(self, form: Any, observation: Observation) -> None:
        form.institution_id.choices = choose_first(institution_choices())

    def data_from(self, form: Any, observation: Observation) -> TransitionData:
        return TransitionData(institution=db.session.get(Institution, form.institution_id.data))

    def apply(self, step: Step) -> None:
        observation = step.observation
        institution = step.data.institution or observation.institution
        if institution is None:
            raise TransitionError("target")
        observation.institution = institution
        observation.accepted_at = step.now
        due_dates.start_clock(observation, step.today)


class Reject(Action):
    """A reason from the editable list (its text goes to the filer in their language) and/or a
    public note: a rejection with neither is refused."""

    name = "reject"
    sources = frozenset({S.SUBMITTED})
    target = S.REJECTED
    roles = frozenset({MODERATOR})
    title = _l("Rejected it")
    button = _l("Reject")
    layout = "fields"
    form_class = RejectForm
    prefixed = True

    def fill_choices(self, form: Any, observation: Observation) -> None:
        form.reason_id.choices = reason_choices(ReasonKind.REJECTION)

    def data_from(self, form: Any, observation: Observation) -> TransitionData:
        reason = reason_of_kind(form.reason_id.data, ReasonKind.REJECTION)
        if reason is None:
            form.reason_id.errors = [_("Choose one of the reasons offered for this action.")]
        return TransitionData(reason=reason, note=form.note.data or "")

    def apply(self, step: Step) -> None:
        if step.data.reason is None and not step.note:
            raise TransitionError("note")
        step.observation.rejection_reason = step.note
        step.observation.closed_at = step.now


class RequestInfo(NoteAction):
    """Moderators ask for more before deciding; the state stays."""

    name = "request_info"
    sources = frozenset({S.SUBMITTED})
    roles = frozenset({MODERATOR})
    title = _l("Asked the filer for more information")
    button = _l("Ask the filer for more information")

    def apply(self, step: Step) -> None:
        step.observation.info_requested_at = step.now


class ProvideInfo(NoteAction):
    """The filer answers the moderators' question; the state stays."""

    name = "provide_info"
    sources = frozenset({S.SUBMITTED})
    roles = frozenset({FILER})
    title = _l("Sent more information")
    button = _l("Send the information")

    def unavailable(self, observation: Observation) -> str | None:
        return "state" if observation.info_requested_at is None else None

    def apply(self, step: Step) -> None:
        step.observation.info_requested_at = None


class MarkDuplicate(Action):
    """The filer is told where to follow, and follows the original (an effect, see
    ``services``)."""

    name = "mark_duplicate"
    sources = frozenset({S.SUBMITTED})
    target = S.DUPLICATE
    roles = frozenset({MODERATOR})
    title = _l("Marked it as a duplicate of another observation")
    button = _l("Mark as duplicate")
    layout = "fields"
    form_class = DuplicateForm

    def data_from(self, form: Any, observation: Observation) -> TransitionData:
        original = lookup.by_code(form.original.data)
        if original is None:
            form.original.errors = [_("No observation has that code.")]
        return TransitionData(duplicate_of=original)

    def apply(self, step: Step) -> None:
        original = step.data.duplicate_of
        if original is None or original.id == step.observation.id or original.code is None:
            raise TransitionError("target")
        step.observation.duplicate_of = original
        step.observation.closed_at = step.now


ACTIONS: list[Action] = [
    Submit(),
    Accept(),
    Reject(),
    RequestInfo(),
    ProvideInfo(),
    MarkDuplicate(),
]
