"""Admin pages for plans, programs, statuses and milestones (see forms in admin_forms.py).

Every page is for admins only (``programs.admin``). Each POST is: validate the form, call one
admin service, commit once, redirect with a flash; an invalid form comes back (400) with what
was typed and nothing written."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.accounts.permissions import requires
from app.core.clock import local_today
from app.core.pagination import paginate
from app.core.urls import bounded_int
from app.extensions import db
from app.programs import admin_services, services
from app.programs.admin_forms import (
    ConfirmForm,
    MilestoneForm,
    PlanForm,
    ProgramForm,
    ProgramSearchForm,
    StatusForm,
)
from app.programs.models import Milestone, Plan, Program, ProgramStatus

bp = Blueprint("programs_admin", __name__, url_prefix="/admin")

ADMIN = "programs.admin"


def _get(model: type, object_id: int) -> Any:
    found = db.session.get(model, object_id)
    if found is None:
        abort(404)
    return found


@bp.route("/")
@requires(ADMIN)
def home():  # type: ignore[no-untyped-def]
    return render_template("programs_admin/home.html")


# --- plans ----------------------------------------------------------------------------------


@bp.route("/plans")
@requires(ADMIN)
def plans():  # type: ignore[no-untyped-def]
    page = paginate(admin_services.plans_query(), per_page=50)
    counts = admin_services.program_counts([plan.id for plan in page.items])
    return render_template("programs_admin/plans.html", page=page, counts=counts)


@bp.route("/plans/new", methods=["GET", "POST"])
@requires(ADMIN)
def new_plan():  # type: ignore[no-untyped-def]
    return _plan_form(None)


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@requires(ADMIN)
def edit_plan(plan_id: int):  # type: ignore[no-untyped-def]
    return _plan_form(_get(Plan, plan_id))


def _plan_form(plan: Plan | None):  # type: ignore[no-untyped-def]
    form = PlanForm(editing=plan)
    form.load_choices()
    if form.validate_on_submit():
        admin_services.save_plan(plan, form.to_data())
        db.session.commit()
        flash(_("The plan was saved."), "success")
        return redirect(url_for("programs_admin.plans"))
    status = 400 if form.is_submitted() else 200
    return render_template("programs_admin/plan_form.html", form=form, plan=plan), status


# --- programs -------------------------------------------------------------------------------


@bp.route("/programs")
@requires(ADMIN)
def programs():  # type: ignore[no-untyped-def]
    form = ProgramSearchForm(request.args)
    form.plan.choices = [("", _("All plans"))] + [
        (p.id, f"{p.plan_type.value} {p.period_start}\N{EN DASH}{p.period_end}: {p.title}")
        for p in services.plans_for_select()
    ]
    valid = form.validate()
    query = admin_services.admin_program_query(
        (form.q.data or "") if valid else "", form.plan.data if valid else None
    )
    page = paginate(query, per_page=50)
    return render_template("programs_admin/programs.html", form=form, page=page)


@bp.route("/programs/new", methods=["GET", "POST"])
@requires(ADMIN)
def new_program():  # type: ignore[no-untyped-def]
    # ?plan_id=…&parent_id=… preset the plan (and its programs as parents) without JavaScript.
    preset = {
        name: request.args.get(name, type=bounded_int)
        for name in ("plan_id", "parent_id")
        if request.args.get(name, type=bounded_int)
    }
    return _program_form(None, preset)


@bp.route("/programs/<int:program_id>/edit", methods=["GET", "POST"])
@requires(ADMIN)
def edit_program(program_id: int):  # type: ignore[no-untyped-def]
    return _program_form(_get(Program, program_id), {})


def _program_form(program: Program | None, preset: dict[str, int]):  # type: ignore[no-untyped-def]
    form = ProgramForm(editing=program, **preset)
    form.load_choices()
    if form.validate_on_submit():
        saved = admin_services.save_program(program, form.to_data())
        db.session.commit()
        flash(_("The program was saved."), "success")
        return redirect(url_for("programs_admin.edit_program", program_id=saved.id))
    status = 400 if form.is_submitted() else 200
    return (
        render_template("programs_admin/program_form.html", form=form, program=program),
        status,
    )


# --- statuses -------------------------------------------------------------------------------


@bp.route("/statuses")
@requires(ADMIN)
def statuses():  # type: ignore[no-untyped-def]
    return render_template("programs_admin/statuses.html", statuses=services.statuses())


@bp.route("/statuses/new", methods=["GET", "POST"])
@requires(ADMIN)
def new_status():  # type: ignore[no-untyped-def]
    return _status_form(None)


@bp.route("/statuses/<int:status_id>/edit", methods=["GET", "POST"])
@requires(ADMIN)
def edit_status(status_id: int):  # type: ignore[no-untyped-def]
    return _status_form(_get(ProgramStatus, status_id))


def _status_form(status: ProgramStatus | None):  # type: ignore[no-untyped-def]
    form = StatusForm(editing=status)
    form.load_choices()
    if form.validate_on_submit():
        admin_services.save_status(status, form.to_data())
        db.session.commit()
        flash(_("The status was saved."), "success")
        return redirect(url_for("programs_admin.statuses"))
    code = 400 if form.is_submitted() else 200
    return render_template("programs_admin/status_form.html", form=form, status=status), code


# --- milestones -----------------------------------------------------------------------------


@bp.route("/programs/<int:program_id>/milestones", methods=["GET", "POST"])
@requires(ADMIN)
def milestones(program_id: int):  # type: ignore[no-untyped-def]
    program = _get(Program, program_id)
    form = MilestoneForm()
    form.load_choices()
    if form.validate_on_submit():
        admin_services.add_milestone(program, form.to_data())
        db.session.commit()
        flash(_("The milestone was added. Followers of the program will be told."), "success")
        return redirect(url_for("programs_admin.milestones", program_id=program.id))
    code = 400 if form.is_submitted() else 200
    return (
        render_template(
            "programs_admin/milestones.html",
            program=program,
            milestones=program.milestones,
            today=local_today(),
            form=form,
            delete_form=ConfirmForm(),
        ),
        code,
    )


def _get_milestone(program_id: int, milestone_id: int) -> Milestone:
    milestone = _get(Milestone, milestone_id)
    if milestone.program_id != program_id:
        abort(404)
    return milestone


@bp.route("/programs/<int:program_id>/milestones/<int:milestone_id>/edit", methods=["GET", "POST"])
@requires(ADMIN)
def edit_milestone(program_id: int, milestone_id: int):  # type: ignore[no-untyped-def]
    milestone = _get_milestone(program_id, milestone_id)
    form = MilestoneForm(editing=milestone)
    form.load_choices()
    if form.validate_on_submit():
        admin_services.update_milestone(milestone, form.to_data())
        db.session.commit()
        flash(_("The milestone was saved."), "success")
        return redirect(url_for("programs_admin.milestones", program_id=program_id))
    code = 400 if form.is_submitted() else 200
    return (
        render_template(
            "programs_admin/milestone_form.html",
            program=milestone.program,
            milestone=milestone,
            form=form,
        ),
        code,
    )


@bp.route("/programs/<int:program_id>/milestones/<int:milestone_id>/delete", methods=["POST"])
@requires(ADMIN)
def delete_milestone(program_id: int, milestone_id: int):  # type: ignore[no-untyped-def]
    milestone = _get_milestone(program_id, milestone_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    admin_services.delete_milestone(milestone)
    db.session.commit()
    flash(_("The milestone was deleted."), "success")
    return redirect(url_for("programs_admin.milestones", program_id=program_id))
