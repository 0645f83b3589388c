"""Observation pages: file (with drafts and evidence), track by code, act, list."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from app.accounts.permissions import can, require
from app.core import ratelimit
from app.core.db import writes_on_get
from app.core.pagination import paginate
from app.core.storage import send_stored
from app.core.urls import bounded_int, id_or_none
from app.extensions import db
from app.observations import actions as actions_module
from app.observations import evidence, filing, queries, services, states
from app.observations.forms import (
    ButtonForm,
    DepartmentGroup,
    ListFilterForm,
    LookupForm,
    ObservationForm,
)
from app.observations.models import (
    ActorType,
    AnswerOutcome,
    Category,
    Evidence,
    Observation,
    ObservationState,
)
from app.programs.models import Program
from app.territory.models import Department, Municipality

bp = Blueprint("observations", __name__)


def _viewer():  # type: ignore[no-untyped-def]
    return current_user._get_current_object() if current_user.is_authenticated else None


def _fill_choices(form: ObservationForm) -> None:
    form.institution_id.choices = [("", _("Choose…")), *actions_module.institution_choices()]
    categories = db.session.scalars(
        select(Category).where(Category.active).order_by(Category.position, Category.id)
    ).all()
    form.category_id.choices = [("", _("Choose…"))] + [(c.id, str(c.name)) for c in categories]
    departments = db.session.scalars(select(Department).order_by(Department.name)).all()
    form.department.choices = [("", _("Choose…"))] + [(d.iso_code, d.name) for d in departments]
    # One <optgroup> per department, so the list is complete and usable without JavaScript;
    # static/js/filing.js narrows it to the chosen department (data-department on each group).
    groups: dict[object, list[tuple[str, str]]] = {None: [("", _("Not sure / several"))]}
    labels = {d.id: DepartmentGroup(d.name, d.iso_code) for d in departments}
    for m in db.session.scalars(
        select(Municipality).join(Department).order_by(Department.name, Municipality.name)
    ):
        groups.setdefault(labels[m.department_id], []).append((m.code, m.name))
    form.municipality.choices = groups
    actor_types = db.session.scalars(select(ActorType).order_by(ActorType.position)).all()
    form.actor_type_id.choices = [("", _("Not applicable"))] + [
        (a.id, str(a.name)) for a in actor_types
    ]


def _render_form(form, token, observation=None, upload_errors=(), status=200):  # type: ignore[no-untyped-def]
    files = evidence.pending(token.token, current_user) + (
        evidence.attached(observation) if observation is not None else []
    )
    program = filing.choosable_program(form.program_id.data)
    results: list[Program] = []
    more = False
    if program is None:
        form.program_id.data = ""  # a refused id is not sent again; its error is shown
        query = (form.program_q.data or "").strip()
        if query and not form.program_q.errors:
            results, more = filing.search_programs(query)
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
@login_required
def new():  # type: ignore[no-untyped-def]
    require("observation.file")
    form = ObservationForm()
    _fill_choices(form)
    program = filing.choosable_program(request.args.get("program", type=bounded_int))
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
def edit_draft(observation_id: int):  # type: ignore[no-untyped-def]
    draft = db.session.get(Observation, observation_id)
    if draft is None or draft.filer_id != current_user.id or draft.state != ObservationState.DRAFT:
        abort(404)
    form = ObservationForm(obj=draft, formdata=None)
    _fill_choices(form)
    form.program_id.data = str(draft.program_id) if draft.program_id else ""
    form.department.data = draft.department.iso_code if draft.department else ""
    form.municipality.data = draft.municipality.code if draft.municipality else ""
    form.acting_as.data = draft.acting_as.value
    form.identity.data = draft.identity.value
    token = filing.new_token(current_user, draft)
    form.token.data = token.token
    db.session.commit()
    return _render_form(form, token, draft)


@bp.route("/observations/new", methods=["POST"])
@login_required
def create():  # type: ignore[no-untyped-def]
    require("observation.file")
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
        program = filing.choosable_program(form.program_id.data)
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


@bp.route("/observations/<code>")
def detail(code: str):  # type: ignore[no-untyped-def]
    observation = queries.by_code(code)
    viewer = _viewer()
    if observation is None or not services.can_view(viewer, observation):
        abort(404)
    return render_detail(observation, viewer)


def render_detail(observation: Observation, viewer, forms=None, status=200):  # type: ignore[no-untyped-def]
    roles = services.roles_for(viewer, observation)
    actions = {t.action for t in states.allowed_actions(observation.state, roles)}
    if states.FILER in roles and states.MODERATOR in roles:
        actions -= {"accept", "reject", "mark_duplicate", "close", "request_info"}
    if observation.info_requested_at is None:
        actions -= {"provide_info"}
    if viewer is not None and viewer.is_posting_blocked:
        actions -= {a for a in actions if states.FILER in states.TRANSITIONS[a].roles}
    if observation.transfer_to_id is None:
        actions -= {"confirm_transfer", "decline_transfer"}
    else:
        actions -= {"propose_transfer"}
    forms = dict(forms or {})
    for action in actions:
        forms.setdefault(action, actions_module.form_for(action, observation))
    templates = []
    if "answer" in actions:
        templates = actions_module.templates_of(observation)
        chosen = actions_module.template_text(
            observation, request.args.get("template", type=bounded_int)
        )
        if chosen and not forms["answer"].note.data:
            forms["answer"].note.data = chosen
    return (
        render_template(
            "observations/detail.html",
            observation=observation,
            show_filer=services.filer_visible(viewer, observation),
            timeline=queries.timeline(observation),
            files=queries.visible_evidence(observation, viewer),
            due=services.due_date_info(observation),
            overdue=services.overdue(observation),
            actions=actions,
            forms=forms,
            response_templates=templates,
            button_form=ButtonForm(),
            following=services.is_following(viewer, observation),
            is_filer=states.FILER in roles,
            role_titles=states.ROLE_TITLES,
            transition_titles={a: t.title for a, t in states.TRANSITIONS.items()},
            transition_buttons=states.BUTTONS,
            answer_outcomes={o.value: o.title for o in AnswerOutcome},
            moderation=moderation_panel(observation, viewer, roles),
        ),
        status,
    )


def moderation_panel(observation: Observation, viewer, roles: set[str]):  # type: ignore[no-untyped-def]
    """What the observation page adds for moderators (never for the filer themself), and the
    report link for everyone else."""
    from app.moderation import flags, triage
    from app.moderation.models import TargetType

    if states.MODERATOR in roles and states.FILER not in roles:
        return {
            "moderator": True,
            "similar": triage.similar(observation)
            if observation.state == ObservationState.SUBMITTED
            else [],
            "reports": len(flags.open_reports(TargetType.OBSERVATION, observation.id)),
        }
    can_report = (
        viewer is not None
        and observation.code is not None
        and can(viewer, "observation.flag", observation)
        and not flags.has_reported(viewer, TargetType.OBSERVATION, observation.id)
    )
    return {"moderator": False, "can_report": can_report}


@bp.route("/observations/<code>/report", methods=["GET", "POST"])
@login_required
def report(code: str):  # type: ignore[no-untyped-def]
    """A citizen reports an observation to the moderators (once; three people hide it)."""
    from app.core import ratelimit
    from app.moderation import flags
    from app.moderation.forms import ReportForm
    from app.moderation.models import FlagReason, TargetType

    observation = queries.by_code(code)
    viewer = _viewer()
    if observation is None or not services.can_view(viewer, observation):
        abort(404)
    require("observation.flag", observation)
    if flags.has_reported(viewer, TargetType.OBSERVATION, observation.id):
        flash(_("You already reported this observation. Moderators will review it."), "info")
        return redirect(url_for("observations.detail", code=observation.code))
    form = ReportForm()
    status = 200
    if form.validate_on_submit():
        if ratelimit.allow("flag", viewer.id):
            flags.report(
                viewer,
                TargetType.OBSERVATION,
                observation,
                FlagReason(form.reason.data),
                form.details.data or "",
            )
            db.session.commit()
            flash(_("Thank you. Moderators will review this observation."), "success")
            return redirect(url_for("observations.detail", code=observation.code))
        form.form_errors.append(ratelimit.message())
        status = 429
    elif form.is_submitted():
        status = 400
    return render_template("observations/report.html", observation=observation, form=form), status


@bp.route("/observations/<code>/act/<action>", methods=["POST"])
@login_required
def act(code: str, action: str):  # type: ignore[no-untyped-def]
    observation = queries.by_code(code)
    viewer = _viewer()
    if observation is None or not services.can_view(viewer, observation):
        abort(404)
    if action not in states.TRANSITIONS:
        abort(404)
    roles = services.roles_for(viewer, observation)
    seen = request.form.get("version", type=bounded_int)
    if seen is not None and seen != observation.version:
        # The page the person acted from is out of date: show what is there now instead.
        return changed_meanwhile(observation, viewer)
    allowed = states.allowed_actions(observation.state, roles)
    if action not in {t.action for t in allowed}:
        abort(403)  # before reading the form: a wrong state or role is not a form error
    if {states.FILER, states.MODERATOR} <= roles and states.FILER not in states.TRANSITIONS[
        action
    ].roles:
        abort(403)  # moderators never moderate what they filed themselves
    form, data, files = actions_module.read(action, observation)
    if form.errors or not form.is_submitted():
        return render_detail(observation, viewer, {action: form}, 400)
    try:
        event = services.transition(observation, action, viewer, data)
        actions_module.attach_to_event(files, event, viewer.id)
        db.session.commit()
    except services.TransitionError as refused:
        db.session.rollback()
        if refused.code in ("role", "state"):
            abort(403)
        if refused.code == "blocked":
            flash(_("Your account is blocked from posting; what you wrote was not sent."), "error")
            return render_detail(observation, viewer, {action: form}, 403)
        flash(_("That action is not possible with what was sent."), "error")
        return render_detail(observation, viewer, {action: form}, 400)
    except StaleDataError:
        # Another request changed the observation between our read and our write (a double
        # click, or a responder and a moderator at once): theirs stands, ours is not applied.
        db.session.rollback()
        current = queries.by_code(code)
        if current is None or not services.can_view(viewer, current):
            abort(404)
        return changed_meanwhile(current, viewer)
    flash(_("Done: %(state)s.", state=observation.state.title), "success")
    return redirect(url_for("observations.detail", code=observation.code))


def changed_meanwhile(observation: Observation, viewer):  # type: ignore[no-untyped-def]
    """409: what the person asked was not applied because the observation changed since the
    page they acted from; they see it as it is now, with the actions open to them now."""
    flash(
        _(
            "This observation changed while you were acting on it. It is now “%(state)s”; "
            "nothing was applied. Check it and act again if you still need to.",
            state=observation.state.title,
        ),
        "error",
    )
    return render_detail(observation, viewer, None, 409)


@bp.route("/observations/<code>/follow", methods=["POST"])
@login_required
def follow(code: str):  # type: ignore[no-untyped-def]
    observation = queries.by_code(code)
    if observation is None or not services.can_view(_viewer(), observation):
        abort(404)
    if ButtonForm().validate_on_submit():
        if services.is_following(current_user, observation):
            services.unfollow(current_user, observation)
            flash(_("You no longer follow this observation."), "success")
        else:
            services.follow(current_user, observation)
            flash(_("You follow this observation. We will tell you about each step."), "success")
        db.session.commit()
    return redirect(url_for("observations.detail", code=observation.code))


@bp.route("/observations/lookup")
def lookup():  # type: ignore[no-untyped-def]
    form = LookupForm(request.args)
    if request.args and form.validate():
        code = services.normalise_code(form.code.data)
        observation = queries.by_code(code)
        if observation is not None and services.can_view(_viewer(), observation):
            return redirect(url_for("observations.detail", code=observation.code))
        if observation is not None and observation.state == ObservationState.SUBMITTED:
            # It exists and waits for triage: say so, and nothing else about it.
            return render_template("observations/lookup.html", form=form, waiting=code)
        form.code.errors = [_("No observation has that code. Check it and try again.")]
        return render_template("observations/lookup.html", form=form), 404
    return render_template("observations/lookup.html", form=form)


@bp.route("/observations/mine")
@login_required
def mine():  # type: ignore[no-untyped-def]
    page = paginate(queries.filed_by(current_user), per_page=20)
    return render_template(
        "observations/mine.html",
        page=page,
        awaiting=services.AWAITING,
        overdue=services.overdue,
    )


@bp.route("/observations")
def index():  # type: ignore[no-untyped-def]
    form = ListFilterForm(request.args)
    form.state.choices = [
        ("", _("Any state")),
        ("overdue", _("Overdue")),
        ("open", _("Open")),
        ("closed", _("Closed")),
    ] + [(s.value, s.title) for s in ObservationState if s in states.PUBLIC_STATES]
    form.category.choices = [("", _("All categories"))] + [
        (c.id, str(c.name))
        for c in db.session.scalars(select(Category).order_by(Category.position))
    ]
    form.institution.choices = [("", _("All institutions")), *actions_module.institution_choices()]
    form.department.choices = [("", _("All departments"))] + [
        (d.iso_code, d.name)
        for d in db.session.scalars(select(Department).order_by(Department.name))
    ]
    form.validate()
    filters = queries.ListFilters(
        state=form.state.data or "",
        category=form.category.data,
        institution=form.institution.data,
        department=form.department.data or "",
        program=id_or_none(form.program.data),
    )
    page = paginate(queries.public_list(filters), per_page=20)
    return render_template(
        "observations/index.html",
        form=form,
        page=page,
        overdue=services.overdue,
        lookup_form=LookupForm(formdata=None),
    )


@bp.route("/observations/pending")
@login_required
def pending():  # type: ignore[no-untyped-def]
    """The first moderation page; the triage queue now lives at /moderation."""
    require("observations.moderate")
    return redirect(url_for("moderation.queue"), 301)


@bp.route("/evidence/<int:evidence_id>")
def evidence_file(evidence_id: int):  # type: ignore[no-untyped-def]
    item = db.session.get(Evidence, evidence_id)
    viewer = _viewer()
    if item is None or not queries.can_see_evidence(item, viewer):
        abort(404)
    response = send_stored(
        item.storage_key,
        mimetype=item.mime,
        as_attachment=not item.is_image,
        download_name=item.original_name,
        max_age=0,
        etag=item.sha256,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
