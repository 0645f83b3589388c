"""The institution and the filer: acknowledge, ask for a clarification (the clock pauses until the
filer clarifies), answer with documents; the filer accepts the answer or disputes it (back to the
institution once, then to moderation)."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.uploads import MAX_FILES_PER_OBSERVATION, CleanFile, UploadRejected, clean_upload
from app.extensions import db
from app.observations import evidence
from app.observations.action_forms import AnswerForm, DisputeForm, VerdictForm
from app.observations.actions import Action, NoteAction, Step, TransitionData
from app.observations.models import (
    AnswerOutcome,
    ClosedOutcome,
    Evidence,
    Observation,
    ObservationEvent,
    ObservationPause,
    ResponseTemplate,
)
from app.observations.models import ObservationState as S
from app.observations.states import FILER, INSTITUTION


class Acknowledge(Action):
    name = "acknowledge"
    sources = frozenset({S.ACCEPTED})
    target = S.ACKNOWLEDGED
    roles = frozenset({INSTITUTION})
    title = _l("Acknowledged receipt")
    button = _l("Acknowledge receipt")
    layout = "button"


class RequestClarification(NoteAction):
    """The clock pauses from today until the filer clarifies."""

    name = "request_clarification"
    sources = frozenset({S.ACCEPTED, S.ACKNOWLEDGED})
    target = S.CLARIFICATION_REQUESTED
    roles = frozenset({INSTITUTION})
    title = _l("Asked the filer for a clarification")
    button = _l("Ask the filer for a clarification")
    refreshes_due_date = True

    def apply(self, step: Step) -> None:
        db.session.add(ObservationPause(observation_id=step.observation.id, started_on=step.today))


class Clarify(NoteAction):
    """The pause ends today: the due date moves by the working days it lasted."""

    name = "clarify"
    sources = frozenset({S.CLARIFICATION_REQUESTED})
    target = S.ACKNOWLEDGED
    roles = frozenset({FILER})
    title = _l("Sent the clarification")
    button = _l("Send the clarification")
    refreshes_due_date = True

    def apply(self, step: Step) -> None:
        pause = db.session.scalar(
            select(ObservationPause).where(
                ObservationPause.observation_id == step.observation.id,
                ObservationPause.ended_on.is_(None),
            )
        )
        if pause is not None:
            pause.ended_on = step.today


class Answer(Action):
    """Public text, what it amounts to, and documents. The first answer is dated once (the
    accountability figures count the working days to it)."""

    name = "answer"
    sources = frozenset({S.ACCEPTED, S.ACKNOWLEDGED})
    target = S.ANSWERED
    roles = frozenset({INSTITUTION})
    title = _l("Sent the answer")
    button = _l("Send the answer")
    layout = "answer"
    needs_note = True
    form_class = AnswerForm
    prefixed = True

    def data_from(self, form: Any, observation: Observation) -> TransitionData:
        return TransitionData(
            note=form.note.data,
            answer_outcome=AnswerOutcome(form.outcome.data),
            files=_clean_attachments(form),
        )

    def apply(self, step: Step) -> None:
        observation = step.observation
        if observation.first_answer_at is None:
            observation.first_answer_at = step.now
            step.first_answer = True
        observation.answer_outcome = (step.data.answer_outcome or AnswerOutcome.OTHER).value

    def after_event(self, step: Step, event: ObservationEvent) -> None:
        for clean in step.data.files:
            db.session.add(
                Evidence(
                    observation_id=event.observation_id,
                    event_id=event.id,
                    uploader_id=step.actor.id if step.actor else None,
                    storage_key=evidence.store(clean),
                    mime=clean.mime,
                    size=len(clean.data),
                    sha256=clean.sha256,
                    original_name=clean.original_name,
                    width=clean.width,
                    height=clean.height,
                )
            )
        db.session.flush()


class AcceptAnswer(Action):
    name = "accept_answer"
    sources = frozenset({S.ANSWERED})
    target = S.RESOLVED
    roles = frozenset({FILER})
    title = _l("Accepted the answer")
    button = _l("Accept the answer")
    layout = "verdict"
    form_class = VerdictForm
    prefixed = True

    def data_from(self, form: Any, observation: Observation) -> TransitionData:
        return TransitionData(satisfaction=_satisfaction(form))

    def apply(self, step: Step) -> None:
        step.observation.satisfaction = step.data.satisfaction
        step.observation.closed_at = step.now
        step.observation.closed_outcome = ClosedOutcome.RESOLVED.value


class Dispute(NoteAction):
    """The first dispute goes back to the institution with a fresh deadline from today, as for a
    new request; a second one goes to moderation."""

    name = "dispute"
    sources = frozenset({S.ANSWERED})
    roles = frozenset({FILER})
    title = _l("Disputed the answer")
    button = _l("Dispute the answer")
    layout = "verdict"
    form_class = DisputeForm
    refreshes_due_date = True

    def target_for(self, observation: Observation) -> S:
        return S.ACKNOWLEDGED if observation.dispute_count == 0 else S.DISPUTED

    def data_from(self, form: Any, observation: Observation) -> TransitionData:
        return TransitionData(note=form.note.data, satisfaction=_satisfaction(form))

    def apply(self, step: Step) -> None:
        observation = step.observation
        observation.satisfaction = step.data.satisfaction
        # In SQL: the UPDATE reads the row as it is when it runs.
        observation.dispute_count = Observation.dispute_count + 1
        if step.target == S.ACKNOWLEDGED:
            observation.clock_start = step.today


ACTIONS: list[Action] = [
    Acknowledge(),
    RequestClarification(),
    Clarify(),
    Answer(),
    AcceptAnswer(),
    Dispute(),
]


def _satisfaction(form: Any) -> int | None:
    return int(form.satisfaction.data) if form.satisfaction.data else None


def _clean_attachments(form: AnswerForm) -> list[CleanFile]:
    """Every document is checked before anything is stored: one refused file refuses the
    answer, so nothing half-written reaches the database."""
    uploads = [f for f in request.files.getlist(form.attachments.name) if f and f.filename]
    errors: list[str] = []
    cleaned: list[CleanFile] = []
    if len(uploads) > MAX_FILES_PER_OBSERVATION:
        errors.append(_("At most %(max)d files.", max=MAX_FILES_PER_OBSERVATION))
    for upload in uploads[:MAX_FILES_PER_OBSERVATION]:
        try:
            cleaned.append(
                clean_upload(
                    upload.read(),
                    upload.filename or "",
                    max_bytes=current_app.config["EVIDENCE_MAX_BYTES"],
                )
            )
        except UploadRejected as refused:
            errors.append(f"{upload.filename}: {refused.message}")
    if errors:
        form.attachments.errors = errors
    return cleaned


# --- saved answers ---------------------------------------------------------------------------


def templates_of(observation: Observation) -> list[ResponseTemplate]:
    """The saved answers of the observation's institution, offered above the answer form."""
    if observation.institution_id is None:
        return []
    return list(
        db.session.scalars(
            select(ResponseTemplate)
            .where(ResponseTemplate.institution_id == observation.institution_id)
            .order_by(ResponseTemplate.language, ResponseTemplate.title)
        )
    )


def template_text(observation: Observation, template_id: int | None) -> str | None:
    """The body of one of the observation's institution's saved answers, if asked for."""
    if not template_id:
        return None
    template = db.session.get(ResponseTemplate, template_id)
    if template is None or template.institution_id != observation.institution_id:
        return None
    return template.body
