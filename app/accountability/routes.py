"""Public accountability pages: the overview, the observations behind each figure, one
institution, one territory. Every page runs a fixed number of queries whatever the data size."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from babel.dates import format_skeleton
from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.accountability import charts, services, sessions
from app.accountability.filer_kinds import filer_kinds
from app.accountability.forms import FigureFilterForm, parse_month
from app.accountability.results import InstitutionRow, combine
from app.accountability.scope import (
    EXPLANATIONS,
    LISTABLE,
    MAX_MONTHS,
    Scope,
    default_period,
    figure_query,
)
from app.core.pagination import paginate
from app.extensions import db
from app.institutions.models import Institution, InstitutionKind
from app.maps import services as maps
from app.observations import states
from app.observations.due_dates import overdue
from app.observations.models import Category, Observation
from app.observations.models import ObservationState as S
from app.observations.queries import publicly_visible
from app.programs.models import Plan, Program
from app.territory.models import Department, Municipality

bp = Blueprint("accountability", __name__)


@bp.app_template_filter("pct")
def pct(value: float | None) -> str:
    return "—" if value is None else format_percent(value, "#,##0%")


@bp.app_template_filter("month_label")
def month_label(day: date) -> str:
    return format_skeleton("yMMM", day, locale=get_locale())


@bp.app_template_global("line_chart_data")
def line_chart_data(
    labels: list[str], series: list[tuple[str, list[int], str]]
) -> charts.LineChart:
    return charts.line_chart(labels, series)


@bp.app_template_global("bar_chart_data")
def bar_chart_data(rows: list[tuple[str, float, str]]) -> charts.BarChart:
    return charts.bar_chart(rows)


@bp.app_template_filter("on_time_bar")
def on_time_bar(row: InstitutionRow) -> tuple[str, float, str]:
    share = row.figures.on_time_share
    return str(row.institution.name), share.value or 0, pct(share.value)


@bp.app_template_filter("state_bar")
def state_bar(pair: tuple[S, int]) -> tuple[str, float, str]:
    return pair[0].title, pair[1], format_decimal(pair[1])


@bp.app_template_filter("category_bar")
def category_bar(pair: tuple[Category, int]) -> tuple[str, float, str]:
    return str(pair[0].name), pair[1], format_decimal(pair[1])


@dataclass
class ScopeRequest:
    scope: Scope
    form: FigureFilterForm
    #: Query-string arguments that reproduce the scope (for the figures' links).
    args: dict[str, str] = field(default_factory=dict)
    department: Department | None = None
    municipality: Municipality | None = None


def read_scope(**fixed: object) -> ScopeRequest:
    """The scope from the query string (``start``/``end`` months, ``department`` ISO code,
    ``municipality`` INE code, ``kind``, ``category`` id, ``institution``/``program`` ids), plus
    what the page fixes (an institution's page fixes ``institution``)."""
    form = FigureFilterForm(request.args)
    form.validate()
    start, end = default_period()
    given_start = None if form.start.errors else parse_month(form.start.data)
    given_end = None if form.end.errors else parse_month(form.end.data)
    if given_end:
        end = given_end
    if given_start:
        start = given_start
    if start > end:
        start, end = end, start
    # Bound the period so a URL cannot ask for a thousand months.
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if months > MAX_MONTHS:
        first = end.year * 12 + end.month - MAX_MONTHS  # months since year 0, 0-based
        start = date(first // 12, first % 12 + 1, 1)
    args: dict[str, str] = {"start": start.strftime("%Y-%m"), "end": end.strftime("%Y-%m")}
    values = {**request.args.to_dict(), **{k: str(v) for k, v in fixed.items() if v}}
    department = municipality = None
    if values.get("department"):
        department = db.session.scalar(
            select(Department).where(Department.iso_code == values["department"])
        )
    if values.get("municipality"):
        municipality = db.session.scalar(
            select(Municipality).where(Municipality.code == values["municipality"])
        )
    kind = values.get("kind", "")
    if kind not in {k.value for k in InstitutionKind}:
        kind = ""

    def number(name: str) -> int | None:
        raw = values.get(name, "")
        return int(raw) if raw.isdigit() and len(raw) < 10 else None

    scope = Scope(
        start=start,
        end=end,
        department_id=department.id if department else None,
        municipality_id=municipality.id if municipality else None,
        institution_id=number("institution"),
        kind=kind,
        category_id=number("category"),
        program_id=number("program"),
    )
    if department:
        args["department"] = department.iso_code
    if municipality:
        args["municipality"] = municipality.code
    for name, value in (
        ("institution", scope.institution_id),
        ("kind", scope.kind),
        ("category", scope.category_id),
        ("program", scope.program_id),
    ):
        if value:
            args[name] = str(value)
    return ScopeRequest(scope, form, args, department, municipality)


def _fill_choices(form: FigureFilterForm, categories: list[Category]) -> None:
    departments = db.session.scalars(select(Department).order_by(Department.name)).all()
    form.department.choices = [("", _("All departments"))] + [
        (d.iso_code, d.name) for d in departments
    ]
    form.kind.choices = [("", _("All kinds")), *InstitutionKind.choices()]
    form.category.choices = [("", _("All categories"))] + [(c.id, str(c.name)) for c in categories]


def _categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))


@bp.route("/accountability")
def overview() -> ResponseReturnValue:
    req = read_scope()
    categories = _categories()
    _fill_choices(req.form, categories)
    by_institution = services.figures_by_institution(req.scope)
    figures = combine(list(by_institution.values()), req.scope)
    return render_template(
        "accountability/overview.html",
        req=req,
        figures=figures,
        rows=services.institution_table(by_institution),
        minimum=services.min_ranked(),
        explanations=EXPLANATIONS,
        kinds=filer_kinds(req.scope),
        department_map=maps.for_scope(
            req.scope, req.args, current=req.department.iso_code if req.department else ""
        ),
    )


@bp.route("/accountability/observations")
def observations() -> ResponseReturnValue:
    figure = request.args.get("figure", "accepted")
    if figure not in LISTABLE:
        abort(404)
    req = read_scope()
    page = paginate(figure_query(req.scope, figure), per_page=20)
    return render_template(
        "accountability/observations.html",
        req=req,
        figure=figure,
        page=page,
        explanation=EXPLANATIONS.get(figure, ""),
    )


#: Public states in lifecycle order, for the "by state" table.
STATE_ORDER = [
    S.ACCEPTED,
    S.ACKNOWLEDGED,
    S.CLARIFICATION_REQUESTED,
    S.ANSWERED,
    S.DISPUTED,
    S.RESOLVED,
    S.CLOSED,
]
#: How many of an institution's oldest waiting observations its page lists.
SLOWEST = 10


@bp.route("/institutions/<int:institution_id>")
def institution(institution_id: int) -> ResponseReturnValue:
    found = db.get_or_404(Institution, institution_id)
    req = read_scope(institution=found.id)
    figures = services.figures_for(req.scope)
    categories = _categories()
    _fill_choices(req.form, categories)
    by_state, by_category = services.by_state_and_category(req.scope)
    slowest = db.session.scalars(
        select(Observation)
        .where(
            Observation.institution_id == found.id,
            publicly_visible(),
            Observation.state.in_(states.CLOCK_STATES),
        )
        .order_by(Observation.clock_start, Observation.id)
        .limit(SLOWEST)
    ).all()
    programs = db.session.scalars(
        select(Program).where(Program.institution_id == found.id).order_by(Program.code).limit(50)
    ).all()
    # Issue 19: its plans (the first 20, then a link to the filtered plan list).
    plans_shown = 20
    plans = db.session.scalars(
        select(Plan)
        .where(Plan.institution_id == found.id)
        .order_by(Plan.period_start.desc(), Plan.id)
        .limit(plans_shown)
    ).all()
    held = sessions.sessions_of(found)
    return render_template(
        "accountability/institution.html",
        institution=found,
        req=req,
        figures=figures,
        by_state=[(s, by_state[s]) for s in STATE_ORDER if s in by_state],
        by_category=[(c, by_category[c.id]) for c in categories if c.id in by_category],
        slowest=slowest,
        overdue=overdue,
        programs=programs,
        plans=plans,
        plans_shown=plans_shown,
        sessions=held,
        coverage=sessions.coverage([v.session for v in held]),
        explanations=EXPLANATIONS,
        kinds=filer_kinds(req.scope),
    )


@bp.route("/territories/<territory>")
def territory(territory: str) -> ResponseReturnValue:
    code = territory.strip()
    department = db.session.scalar(select(Department).where(Department.iso_code == code.upper()))
    municipality = None
    if department is not None:
        column, place_id = Program.department_id, department.id
    else:
        municipality = db.session.scalar(select(Municipality).where(Municipality.code == code))
        if municipality is None:
            abort(404)
        column, place_id = Program.municipality_id, municipality.id
    req = read_scope(
        department=department.iso_code if department else "",
        municipality=municipality.code if municipality else "",
    )
    _fill_choices(req.form, _categories())
    figures = services.figures_for(req.scope)
    stances = db.session.execute(
        select(
            func.coalesce(func.sum(Program.stance_for), 0),
            func.coalesce(func.sum(Program.stance_neutral), 0),
            func.coalesce(func.sum(Program.stance_against), 0),
            func.count(),
        ).where(column == place_id)
    ).one()
    place = department or (municipality.department if municipality else None)
    return render_template(
        "accountability/territory.html",
        department=department,
        municipality=municipality,
        req=req,
        figures=figures,
        stances=stances,
        explanations=EXPLANATIONS,
        kinds=filer_kinds(req.scope),
        department_map=maps.for_scope(
            req.scope,
            req.args,
            current=place.iso_code if place else "",
            points=True,
        ),
    )
