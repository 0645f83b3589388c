"""The filing pages: a new observation, a draft (with its evidence), and filing it."""

from __future__ import annotations

from collections.abc import Sequence

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.permissions import requires
from app.core import ratelimit
from app.core.db import writes_on_get
from app.core.urls import bounded_int, id_or_none
from app.extensions import db
from app.observations import evidence, filing, program_picker
from app.observations.blueprint import bp
from app.observations.forms import ObservationForm, group_choice
from app.observations.models import ActingAs, FormToken, Observation
from app.observations.permissions import can
from app.programs.models import Program


def _fill_choices(form: ObservationForm) -> None:
    filing.fill_choices(form, current_user)


def _render_form(
    form: ObservationForm,
    token: FormToken,
    observation: Observation | None = None,
    upload_errors: Sequence[str] = (),
    status: int = 200,
) -> tuple[str, int]:
    files = evidence.pending(token.token, current_user) + (
        evidence.attached(observation) if observation is not None else []
    )
    program = program_picker.choosable_program(form.program_id.data)
    results: list[Program] = []
    more = False
    if program is None:
        form.program_id.data = ""  # a refused id is not sent again; its error is shown
        query = (form.program_q.data or "").strip()
        if query and not form.program_q.errors:
            results, more = program_picker.search_programs(query)
    return (
        render_template(
            "observations/form.html",
            form=form,
            token=token,
            files=files,
            program=program,
            program_results=results,
            more_programs=more,
            draft=observation,
            upload_errors=upload_errors,
        ),
        status,
    )


@bp.route("/observations/new", methods=["GET"])
@writes_on_get
@requires("observation.file")
def new() -> ResponseReturnValue:
    form = ObservationForm()
    _fill_choices(form)
    program = program_picker.choosable_program(request.args.get("program", type=bounded_int))
    if program is not None:
        filing.prefill_from_program(form, program)
    else:
        # The picker's search also works as a link: /observations/new?program_q=agua
        form.program_q.data = request.args.get("program_q", "")[:100]
    token = filing.new_token(current_user)
    form.token.data = token.token
    db.session.commit()
    return _render_form(form, token)


@bp.route("/observations/drafts/<int:observation_id>", methods=["GET"])
@writes_on_get
@login_required
def edit_draft(observation_id: int) -> ResponseReturnValue:
    draft = db.session.get(Observation, observation_id)
    if draft is None or not can(current_user, "observation.edit_draft", draft):
        abort(404)
    form = ObservationForm(obj=draft, formdata=None)
    _fill_choices(form)
    form.program_id.data = str(draft.program_id) if draft.program_id else ""
    form.department.data = draft.department.iso_code if draft.department else ""
    form.municipality.data = draft.municipality.code if draft.municipality else ""
    form.acting_as.data = draft.acting_as.value
    if draft.acting_as == ActingAs.GROUP and draft.group_id is not None:
        form.acting_as.data = group_choice(draft.group_id)
        if form.chosen_group() is None:
            form.acting_as.errors = [
                _("You are no longer a member of the group of this draft: choose again.")
            ]
    form.identity.data = draft.identity.value
    token = filing.new_token(current_user, draft)
    form.token.data = token.token
    db.session.commit()
    return _render_form(form, token, draft)


@bp.route("/observations/new", methods=["POST"])
@requires("observation.file")
def create() -> ResponseReturnValue:
    form = ObservationForm()
    _fill_choices(form)
    token = filing.find_token(form.token.data, current_user)
    if token is None:
        abort(400)
    draft = db.session.get(Observation, token.observation_id) if token.observation_id else None
    if token.used_at is not None:
        # A double tap or a resent POST: the observation exists already.
        if draft is not None and draft.code:
            flash(_("This observation was already filed."), "info")
            return redirect(url_for("observations.detail", code=draft.code))
        abort(400)
    form.take_program_choice()
    form_ok = form.validate()  # CSRF, lengths, numbers, program, municipality in department
    removed = [n for v in request.form.getlist("remove_evidence") if (n := id_or_none(v))]
    if removed:
        evidence.remove(removed, token=token.token, user=current_user)
    already = len(evidence.pending(token.token, current_user)) + len(
        evidence.attached(draft) if draft else []
    )
    uploads = [
        (f.filename or "", f.read())
        for f in request.files.getlist(form.evidence.name)
        if f and (f.filename or "")
    ]
    upload_errors = evidence.accept_files(
        uploads, token=token.token, user=current_user, already=already
    )
    if form.picking():
        # The program picker: show the form again as typed (accepted files stay), save nothing.
        program = program_picker.choosable_program(form.program_id.data)
        if program is not None:
            filing.prefill_from_program(form, program)
        elif form.program_choose.data and not form.program_id.errors:
            form.program_id.errors = [_("Pick one of the programs found, then choose it.")]
            form_ok = False
        db.session.commit()
        return _render_form(form, token, draft, upload_errors, 200 if form_ok else 400)
    if form.save_draft.data:
        if not form_ok:
            db.session.commit()  # keep the files that were accepted
            return _render_form(form, token, draft, upload_errors, 400)
        draft = filing.save_draft(current_user, form, token)
        db.session.commit()
        if upload_errors:
            return _render_form(form, token, draft, upload_errors, 400)
        flash(_("Your draft was saved. You can come back to it from “My observations”."), "success")
        return redirect(url_for("observations.edit_draft", observation_id=draft.id))
    filing_ok = form.validate_for_filing() and form_ok and not upload_errors
    if filing_ok and filing.filed_today(current_user) >= current_app.config["OBSERVATIONS_PER_DAY"]:
        form.form_errors.append(
            _("You filed many observations today. Please continue tomorrow; your text is kept.")
        )
        filing_ok = False
    status = 400
    if filing_ok and not ratelimit.allow("observation", current_user.id):
        form.form_errors.append(ratelimit.message())
        filing_ok, status = False, 429
    if not filing_ok:
        db.session.commit()  # accepted files stay with the form; nothing else is written
        return _render_form(form, token, draft, upload_errors, status)
    if not filing.claim(token):
        db.session.rollback()
        return redirect(url_for("observations.mine"))
    observation = filing.file(current_user, form, token)
    db.session.commit()
    flash(
        _("Your observation was filed. Its tracking code is %(code)s.", code=observation.code),
        "success",
    )
    return redirect(url_for("observations.detail", code=observation.code))
