"""Transfers and closing: the institution proposes another institution, a moderator confirms it
(a fresh deadline at the new institution) or declines it; proposing and declining leave the state
as it is. Moderators close what stays open."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.institutions.models import Institution
from app.observations import due_dates
from app.observations.action_forms import CloseForm, TransferForm
from app.observations.actions import (
    Action,
    NoteAction,
    Step,
    TransitionData,
    TransitionError,
    choose_first,
    institution_choices,
)
from app.observations.models import ClosedOutcome, Observation
from app.observations.models import ObservationState as S
from app.observations.states import (
    INSTITUTION,
    MODERATOR,
    OPEN_WITH_INSTITUTION,
    WITH_INSTITUTION_BEFORE_ANSWER,
)


def _no_proposal(observation: Observation) -> str | None:
    return "target" if observation.transfer_to is None else None


class ProposeTransfer(NoteAction):
    name = "propose_transfer"
    sources = WITH_INSTITUTION_BEFORE_ANSWER
    roles = frozenset({INSTITUTION})
    title = _l("Proposed to transfer it to another institution")
    button = _l("Propose a transfer to another institution")
    layout = "fields"
    form_class = TransferForm

    def unavailable(self, observation: Observation) -> str | None:
        # One proposal at a time: a moderator confirms or declines it first.
        return "state" if observation.transfer_to is not None else None

    def fill_choices(self, form: Any, observation: Observation) -> None:
        form.institution_id.choices = choose_first(
            [c for c in institution_choices() if c[0] != observation.institution_id]
        )

    def data_from(self, form: Any, observation: Observation) -> TransitionData:
        return TransitionData(
            institution=db.session.get(Institution, form.institution_id.data),
            note=form.note.data,
        )

    def apply(self, step: Step) -> None:
        destination = step.data.institution
        if destination is None or destination.id == step.observation.institution_id:
            raise TransitionError("target")
        step.observation.transfer_to = destination
        step.observation.transfer_reason = step.note


class ConfirmTransfer(Action):
    name = "confirm_transfer"
    sources = WITH_INSTITUTION_BEFORE_ANSWER
    target = S.ACCEPTED
    roles = frozenset({MODERATOR})
    title = _l("Transferred it to another institution")
    button = _l("Confirm the transfer")
    layout = "button"
    refreshes_due_date = True

    def unavailable(self, observation: Observation) -> str | None:
        return _no_proposal(observation)

    def apply(self, step: Step) -> None:
        observation = step.observation
        observation.institution = observation.transfer_to
        observation.accepted_at = step.now
        due_dates.start_clock(observation, step.today)
        observation.transfer_to = None
        observation.transfer_reason = ""


class DeclineTransfer(NoteAction):
    name = "decline_transfer"
    sources = WITH_INSTITUTION_BEFORE_ANSWER
    roles = frozenset({MODERATOR})
    title = _l("Declined the proposed transfer")
    button = _l("Decline the transfer")

    def unavailable(self, observation: Observation) -> str | None:
        return _no_proposal(observation)

    def apply(self, step: Step) -> None:
        step.observation.transfer_to = None
        step.observation.transfer_reason = ""


class Close(NoteAction):
    name = "close"
    sources = frozenset({*OPEN_WITH_INSTITUTION, S.DISPUTED})
    target = S.CLOSED
    roles = frozenset({MODERATOR})
    title = _l("Closed it")
    button = _l("Close the observation")
    layout = "fields"
    form_class = CloseForm
    prefixed = False

    def data_from(self, form: Any, observation: Observation) -> TransitionData:
        return TransitionData(outcome=ClosedOutcome(form.outcome.data), note=form.note.data)

    def apply(self, step: Step) -> None:
        if step.data.outcome is None:
            raise TransitionError("target")
        step.observation.closed_outcome = step.data.outcome.value
        step.observation.closed_at = step.now


ACTIONS: list[Action] = [ProposeTransfer(), ConfirmTransfer(), DeclineTransfer(), Close()]
