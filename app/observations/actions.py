"""The forms behind each lifecycle action on the observation page: which form an action uses,
how a posted form becomes ``TransitionData``, and the answer's documents."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.core.uploads import MAX_FILES_PER_OBSERVATION, CleanFile, UploadRejected, clean_upload
from app.extensions import db
from app.institutions.models import Institution
from app.moderation.models import ReasonKind
from app.observations import evidence, queries, services
from app.observations.forms import (
    AcceptForm,
    AnswerForm,
    ButtonForm,
    CloseForm,
    DisputeForm,
    DuplicateForm,
    NoteForm,
    RejectForm,
    TransferForm,
    VerdictForm,
)
from app.observations.models import (
    AnswerOutcome,
    ClosedOutcome,
    Evidence,
    Observation,
    ObservationEvent,
    ResponseTemplate,
)

#: Forms whose fields are prefixed by the action, so several can share one page.
_PREFIXED = {
    "answer": AnswerForm,
    "accept_answer": VerdictForm,
    "dispute": DisputeForm,
    "propose_transfer": TransferForm,
}


def institution_choices() -> list[tuple[object, str]]:
    institutions = db.session.scalars(select(Institution).where(Institution.active)).all()
    return sorted(((i.id, str(i.name)) for i in institutions), key=lambda p: p[1].lower())


def form_for(action: str, observation: Observation, bound: bool = False) -> FlaskForm:
    """The form of ``action``; ``bound`` reads the posted fields and files of the request."""
    kwargs = {} if bound else {"formdata": None}
    if action == "accept":
        form: FlaskForm = AcceptForm(institution_id=observation.institution_id, **kwargs)
        form.institution_id.choices = [("", _("Choose…")), *institution_choices()]
    elif action == "propose_transfer":
        form = TransferForm(prefix=action, **kwargs)
        form.institution_id.choices = [("", _("Choose…"))] + [
            c for c in institution_choices() if c[0] != observation.institution_id
        ]
    elif action in _PREFIXED:
        form = _PREFIXED[action](prefix=action, **kwargs)
    elif action == "mark_duplicate":
        form = DuplicateForm(**kwargs)
    elif action == "reject":
        from app.moderation.forms import reason_choices

        form = RejectForm(prefix=action, **kwargs)
        form.reason_id.choices = reason_choices(ReasonKind.REJECTION)
    elif action == "close":
        form = CloseForm(**kwargs)
    elif services.states.TRANSITIONS[action].needs_note:
        form = NoteForm(prefix=action, **kwargs)
    else:
        form = ButtonForm(**kwargs)
    return form


Posted = tuple[FlaskForm, services.TransitionData, list[CleanFile]]


def read(action: str, observation: Observation) -> Posted:
    """Validate the posted form of ``action``; errors stay on the form."""
    form = form_for(action, observation, bound=True)
    data = services.TransitionData()
    files: list[CleanFile] = []
    if not form.validate_on_submit():
        return form, data, files
    if action == "accept":
        data.institution = db.session.get(Institution, form.institution_id.data)
    elif action == "propose_transfer":
        data.institution = db.session.get(Institution, form.institution_id.data)
        data.note = form.note.data
    elif action == "mark_duplicate":
        data.duplicate_of = queries.by_code(form.original.data)
        if data.duplicate_of is None:
            form.original.errors = [_("No observation has that code.")]
    elif action == "reject":
        from app.moderation.forms import reason_of_kind

        data.reason = reason_of_kind(form.reason_id.data, ReasonKind.REJECTION)
        if data.reason is None:
            form.reason_id.errors = [_("Choose one of the reasons offered for this action.")]
        data.note = form.note.data or ""
    elif action == "close":
        data.outcome = ClosedOutcome(form.outcome.data)
        data.note = form.note.data
    elif action == "answer":
        data.note = form.note.data
        data.answer_outcome = AnswerOutcome(form.outcome.data)
        files = _clean_attachments(form)
    elif action in ("accept_answer", "dispute"):
        data.satisfaction = int(form.satisfaction.data) if form.satisfaction.data else None
        if action == "dispute":
            data.note = form.note.data
    elif hasattr(form, "note"):
        data.note = form.note.data
    return form, data, files


def _clean_attachments(form: AnswerForm) -> list[CleanFile]:
    """Every document is checked before anything is stored: one refused file refuses the
    answer, so nothing half-written reaches the database."""
    from flask import current_app

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


def attach_to_event(files: list[CleanFile], event: ObservationEvent, uploader_id: int) -> None:
    for clean in files:
        db.session.add(
            Evidence(
                observation_id=event.observation_id,
                event_id=event.id,
                uploader_id=uploader_id,
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


def template_text(observation: Observation, template_id: int | None) -> str | None:
    """The body of one of the observation's institution's response templates, if asked for."""
    if not template_id:
        return None
    template = db.session.get(ResponseTemplate, template_id)
    if template is None or template.institution_id != observation.institution_id:
        return None
    return template.body


def templates_of(observation: Observation) -> list[ResponseTemplate]:
    if observation.institution_id is None:
        return []
    return list(
        db.session.scalars(
            select(ResponseTemplate)
            .where(ResponseTemplate.institution_id == observation.institution_id)
            .order_by(ResponseTemplate.language, ResponseTemplate.title)
        )
    )
