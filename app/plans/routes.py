"""Public plan pages: the filtered list of plans and one plan's page."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.core.clock import local_today
from app.core.pagination import MAX_PAGE, paginate, requested_page
from app.core.urls import bounded_int
from app.plans import services
from app.plans.forms import PlanFilterForm
from app.programs.models import PlanType

bp = Blueprint("plans", __name__)


def _filter_form() -> PlanFilterForm:
    form = PlanFilterForm(request.args)
    form.type.choices = [("", _("All types")), *PlanType.choices()]
    form.institution.choices = [
        ("", _("All institutions")),
        *((i.id, str(i.name)) for i in services.institutions_with_plans()),
    ]
    form.department.choices = [("", _("All departments"))] + [
        (d.iso_code, d.name) for d in services.departments()
    ]
    return form


@bp.route("/plans")
def index() -> ResponseReturnValue:
    form = _filter_form()
    form.validate()
    filters = services.PlanFilters(
        plan_type=form.type.data or "",
        institution=form.institution.data,
        department=form.department.data or "",
    )
    page = paginate(services.plan_query(filters), per_page=services.PLANS_PER_PAGE)
    figures = services.plan_figures([plan.id for plan in page.items])
    return render_template(
        "plans/index.html",
        form=form,
        page=page,
        figures=figures,
        empty=services.PlanFigures(),
    )


def _page_arg(name: str) -> int | None:
    """A page number from the query string (1 to MAX_PAGE), or None when absent or not one."""
    number = request.args.get(name, type=bounded_int)
    return None if number is None else max(1, min(number, MAX_PAGE))


@bp.route("/plans/<int:plan_id>")
def detail(plan_id: int) -> ResponseReturnValue:
    plan = services.get_plan(plan_id)
    if plan is None:
        abort(404)
    today = local_today()
    figures = services.plan_figures([plan.id]).get(plan.id, services.PlanFigures())
    counts = services.milestone_counts(plan, today)
    return render_template(
        "plans/detail.html",
        plan=plan,
        figures=figures,
        observation_total=services.public_observation_count(plan),
        tree=services.program_tree(plan, requested_page(), figures.top_level),
        milestone_counts=counts,
        milestones=services.milestone_page(plan, counts, _page_arg("milestones")),
        today=today,
        shown_per_root=services.SHOWN_PER_ROOT,
    )
