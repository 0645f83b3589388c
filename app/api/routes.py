"""Read-only JSON API: paginated, filterable lists and details of observations, institutions,
plans and programs, and the accountability statistics. The records come from
``app.opendata.records``, so the API shows exactly what the public pages and open data show;
the query parameters are read from their declarations in ``params.py``, which the OpenAPI
document lists too. Bad parameters answer 400 and unknown ids 404, both as JSON; responses carry
an ETag and may be cached for a minute."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for
from sqlalchemy import Row, func, select

from app.accountability import services as figures_services
from app.accountability.filer_kinds import filer_kinds
from app.accountability.models import ObservationFigures
from app.accountability.scope import Scope, default_period
from app.api import params as p
from app.api.openapi import ENDPOINTS, openapi_document
from app.core.clock import local_today
from app.core.i18n import force_language
from app.core.urls import MAX_ID
from app.extensions import db
from app.institutions.models import Institution
from app.observations import queries
from app.observations.lookup import normalise_code
from app.observations.models import Observation, ObservationEvent
from app.observations.queries import FilterError, ListFilters, read_params
from app.opendata import exports
from app.opendata import records as r
from app.opendata.figure_schemas import STATISTICS, StatisticsRow
from app.opendata.schema import LICENCE
from app.programs.models import Milestone, Plan, Program
from app.territory.models import Department

bp = Blueprint("api", __name__)


@bp.errorhandler(FilterError)
def _bad_request(error: FilterError) -> tuple[Response, int]:
    return jsonify(error="Bad request", status=400, detail=error.message), 400


def _json(payload: Any) -> Response:
    response = jsonify(payload)
    response.headers["Cache-Control"] = "public, max-age=60"
    response.add_etag()
    response.make_conditional(request)
    return response


def _page(
    query: r.AnySelect, record: Callable[[Any], dict[str, Any]], scalars: bool = True
) -> Response:
    paging = read_params(request.args, p.PAGING)
    page = paging["page"] or 1
    per_page = paging["per_page"] or 20
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    window = query.limit(per_page).offset((page - 1) * per_page)
    rows = db.session.scalars(window) if scalars else db.session.execute(window)
    items = [record(row) for row in rows]

    def link(number: int) -> str:
        args = request.args.to_dict()
        args.update(page=str(number), per_page=str(per_page))
        return url_for(request.endpoint or "api.index", _external=True, **args)

    return _json(
        {
            "items": items,
            "page": page,
            "per_page": per_page,
            "total": total or 0,
            "next": link(page + 1) if page * per_page < (total or 0) else None,
            "previous": link(page - 1) if page > 1 else None,
            "licence": LICENCE,
        }
    )


def _in_department(column: Any, iso_code: str) -> Any:
    return column.in_(select(Department.id).where(Department.iso_code == iso_code))


@bp.route("/api")
def index() -> str:
    return render_template("api/index.html", endpoints=ENDPOINTS)


@bp.route("/api/openapi.json")
def openapi() -> Response:
    # One document for every visitor (it is cached publicly): descriptions in English.
    with force_language("en"):
        document = openapi_document(request.host_url.rstrip("/"))
    return _json(document)


# --- observations -------------------------------------------------------------------------------


@bp.route("/api/v1/observations")
def observations() -> Response:
    filters = ListFilters.from_args(request.args)
    query = r.observations_query(filters).order_by(
        Observation.accepted_at.desc(), Observation.id.desc()
    )
    today = local_today()

    def record(row: Row[Observation, ObservationFigures | None, str, str | None]) -> dict[str, Any]:
        observation, figures, filer_name, group_name = row
        return r.observation_record(observation, figures, filer_name, group_name, today)

    return _page(query, record, scalars=False)


@bp.route("/api/v1/observations/<code>")
def observation(code: str) -> Response:
    if len(code) > 40:
        abort(404)
    row = db.session.execute(
        r.observations_query().where(Observation.code == normalise_code(code))
    ).first()
    if row is None:
        abort(404)
    record = r.observation_record(*row, local_today())
    events = db.session.execute(
        r.events_query().where(ObservationEvent.observation_id == row[0].id)
    ).all()
    documents = r.answer_documents([e.id for e, _c in events if e.action == "answer"])
    record["events"] = [r.event_record(e, c) for e, c in events]
    record["answers"] = [
        r.answer_record(e, c, documents.get(e.id, [])) for e, c in events if e.action == "answer"
    ]
    return _json(record)


# --- institutions, plans, programs ---------------------------------------------------------------


@bp.route("/api/v1/institutions")
def institutions() -> Response:
    args = read_params(request.args, p.INSTITUTION_PARAMS)
    query = r.institutions_query()
    if args["kind"]:
        query = query.where(Institution.kind == args["kind"])
    if args["department"]:
        query = query.where(_in_department(Institution.department_id, args["department"]))
    return _page(query, r.institution_record)


def _get(model: type, object_id: int) -> Any:
    found = db.session.get(model, object_id) if object_id <= MAX_ID else None
    if found is None:
        abort(404)
    return found


@bp.route("/api/v1/institutions/<int:institution_id>")
def institution(institution_id: int) -> Response:
    found = _get(Institution, institution_id)
    record = r.institution_record(found)
    start, end = default_period()
    scope = Scope(start=start, end=end, institution_id=found.id)
    record["figures"] = next(exports.figure_rows(scope), None)
    return _json(record)


@bp.route("/api/v1/plans")
def plans() -> Response:
    args = read_params(request.args, p.PLAN_PARAMS)
    query = r.plans_query()
    if args["institution"]:
        query = query.where(Plan.institution_id == args["institution"])
    return _page(query, r.plan_record)


@bp.route("/api/v1/programs")
def programs() -> Response:
    args = read_params(request.args, p.PROGRAM_PARAMS)
    query = r.programs_query()
    for name, column in (("plan", Program.plan_id), ("institution", Program.institution_id)):
        if args[name]:
            query = query.where(column == args[name])
    if args["department"]:
        query = query.where(_in_department(Program.department_id, args["department"]))
    return _page(query, r.program_record)


@bp.route("/api/v1/programs/<int:program_id>")
def program(program_id: int) -> Response:
    found = _get(Program, program_id)
    record = r.program_record(found)
    record["milestones"] = [
        r.milestone_record(m)
        for m in db.session.scalars(
            select(Milestone).where(Milestone.program_id == found.id).order_by(Milestone.on_date)
        )
    ]
    record["observation_count"] = db.session.scalar(
        select(func.count())
        .select_from(Observation)
        .where(Observation.program_id == found.id, queries.publicly_visible())
    )
    return _json(record)


# --- statistics ---------------------------------------------------------------------------------


@bp.route("/api/v1/statistics")
def statistics() -> Response:
    scope = p.statistics_scope(request.args)
    figures = figures_services.figures_for(scope)
    return _json(STATISTICS.record(StatisticsRow(scope, figures, tuple(filer_kinds(scope)))))
