"""Read-only JSON API: paginated, filterable lists and details of observations, institutions,
plans and programs, and the accountability statistics. The records come from
``app.opendata.records``, so the API shows exactly what the public pages and open data show.
Bad parameters answer 400 and unknown ids 404, both as JSON; responses carry an ETag and may be
cached for a minute."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for
from sqlalchemy import Select, func, select

from app.accountability import services as figures_services
from app.accountability.forms import parse_month
from app.api.openapi import ENDPOINTS, openapi_document
from app.core.clock import local_today
from app.extensions import db
from app.institutions.models import Institution, InstitutionKind
from app.observations import queries, states
from app.observations.models import Category, Observation, ObservationEvent
from app.observations.models import ObservationState as S
from app.opendata import exports
from app.opendata import records as r
from app.programs.models import Milestone, Plan, Program
from app.territory.models import Department, Municipality

bp = Blueprint("api", __name__)

MAX_PER_PAGE = 100
MAX_PAGE = 10_000
#: Largest id a path or filter may name (beyond it nothing exists, and SQLite would overflow).
MAX_ID = 2**31 - 1


class BadRequest(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@bp.errorhandler(BadRequest)
def _bad_request(error: BadRequest):  # type: ignore[no-untyped-def]
    return jsonify(error="Bad request", status=400, detail=error.message), 400


def _text(name: str, max_length: int = 40) -> str:
    value = request.args.get(name, "")
    if len(value) > max_length or any(ord(ch) < 32 for ch in value):
        raise BadRequest(f"{name}: invalid value")
    return value.strip()


def _int(name: str, default: int | None = None, low: int = 1, high: int = MAX_ID) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or not low <= int(raw) <= high:
        raise BadRequest(f"{name}: expected a whole number from {low} to {high}")
    return int(raw)


def _json(payload: Any) -> Response:
    response = jsonify(payload)
    response.headers["Cache-Control"] = "public, max-age=60"
    response.add_etag()
    return response.make_conditional(request)


def _page(query: Select, record: Callable[[Any], dict[str, Any]], scalars: bool = True) -> Response:
    page = _int("page", 1, 1, MAX_PAGE) or 1
    per_page = _int("per_page", 20, 1, MAX_PER_PAGE) or 20
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
            "licence": r.LICENCE,
        }
    )


@bp.route("/api")
def index():  # type: ignore[no-untyped-def]
    return render_template("api/index.html", endpoints=ENDPOINTS)


@bp.route("/api/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    return _json(openapi_document(request.host_url.rstrip("/")))


# --- observations -------------------------------------------------------------------------------

_STATE_FILTERS = {s.value for s in states.PUBLIC_STATES} | {"open", "closed", "overdue"}


@bp.route("/api/v1/observations")
def observations():  # type: ignore[no-untyped-def]
    query = r.observations_query()
    state = _text("state")
    if state and state not in _STATE_FILTERS:
        raise BadRequest("state: unknown value")
    if state == "open":
        query = query.where(Observation.state.in_(states.OPEN_STATES))
    elif state == "closed":
        query = query.where(Observation.state.in_(states.CLOSED_STATES))
    elif state == "overdue":
        query = query.where(
            Observation.state.in_(states.CLOCK_STATES), Observation.due_date < local_today()
        )
    elif state:
        query = query.where(Observation.state == S(state))
    for name, column in (
        ("institution", Observation.institution_id),
        ("category", Observation.category_id),
        ("program", Observation.program_id),
    ):
        value = _int(name)
        if value:
            query = query.where(column == value)
    department = _text("department")
    if department:
        query = query.where(
            Observation.department_id.in_(
                select(Department.id).where(Department.iso_code == department)
            )
        )
    municipality = _text("municipality")
    if municipality:
        query = query.where(
            Observation.municipality_id.in_(
                select(Municipality.id).where(Municipality.code == municipality)
            )
        )
    query = query.order_by(Observation.accepted_at.desc(), Observation.id.desc())
    today = local_today()
    return _page(query, lambda row: r.observation_record(*row, today), scalars=False)


@bp.route("/api/v1/observations/<code>")
def observation(code: str):  # type: ignore[no-untyped-def]
    if len(code) > 40:
        abort(404)
    from app.observations.services import normalise_code

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
def institutions():  # type: ignore[no-untyped-def]
    query = r.institutions_query()
    kind = _text("kind")
    if kind:
        if kind not in {k.value for k in InstitutionKind}:
            raise BadRequest("kind: unknown value")
        query = query.where(Institution.kind == kind)
    department = _text("department")
    if department:
        query = query.where(
            Institution.department_id.in_(
                select(Department.id).where(Department.iso_code == department)
            )
        )
    return _page(query, r.institution_record)


def _get(model: type, object_id: int) -> Any:
    found = db.session.get(model, object_id) if object_id <= MAX_ID else None
    if found is None:
        abort(404)
    return found


@bp.route("/api/v1/institutions/<int:institution_id>")
def institution(institution_id: int):  # type: ignore[no-untyped-def]
    found = _get(Institution, institution_id)
    record = r.institution_record(found)
    start, end = figures_services.default_period()
    scope = figures_services.Scope(start=start, end=end, institution_id=found.id)
    record["figures"] = next(exports.figure_rows(scope), None)
    return _json(record)


@bp.route("/api/v1/plans")
def plans():  # type: ignore[no-untyped-def]
    query = r.plans_query()
    value = _int("institution")
    if value:
        query = query.where(Plan.institution_id == value)
    return _page(query, r.plan_record)


@bp.route("/api/v1/programs")
def programs():  # type: ignore[no-untyped-def]
    query = r.programs_query()
    for name, column in (("plan", Program.plan_id), ("institution", Program.institution_id)):
        value = _int(name)
        if value:
            query = query.where(column == value)
    department = _text("department")
    if department:
        query = query.where(
            Program.department_id.in_(
                select(Department.id).where(Department.iso_code == department)
            )
        )
    return _page(query, r.program_record)


@bp.route("/api/v1/programs/<int:program_id>")
def program(program_id: int):  # type: ignore[no-untyped-def]
    found = _get(Program, program_id)
    record = r.program_record(found)
    record["milestones"] = [
        r.milestone_record(m)
        for m in db.session.scalars(
            select(Milestone).where(Milestone.program_id == found.id).order_by(Milestone.on_date)
        )
    ]
    public = queries.publicly_visible()
    record["observation_count"] = db.session.scalar(
        select(func.count())
        .select_from(Observation)
        .where(Observation.program_id == found.id, public)
    )
    return _json(record)


# --- statistics ---------------------------------------------------------------------------------


@bp.route("/api/v1/statistics")
def statistics():  # type: ignore[no-untyped-def]
    start, end = figures_services.default_period()
    for name in ("start", "end"):
        raw = _text(name, 7)
        if raw and parse_month(raw) is None:
            raise BadRequest(f"{name}: expected a month as YYYY-MM")
    start = parse_month(_text("start", 7)) or start
    end = parse_month(_text("end", 7)) or end
    if start > end:
        raise BadRequest("start: after end")
    if (end.year - start.year) * 12 + end.month - start.month >= figures_services.MAX_MONTHS:
        raise BadRequest(f"period: at most {figures_services.MAX_MONTHS} months")
    department_id = None
    department = _text("department")
    if department:
        department_id = db.session.scalar(
            select(Department.id).where(Department.iso_code == department)
        )
        if department_id is None:
            raise BadRequest("department: unknown ISO 3166-2 code")
    kind = _text("kind")
    if kind and kind not in {k.value for k in InstitutionKind}:
        raise BadRequest("kind: unknown value")
    category = _int("category")
    if category and db.session.get(Category, category) is None:
        raise BadRequest("category: unknown id")
    scope = figures_services.Scope(
        start=start,
        end=end,
        department_id=department_id,
        institution_id=_int("institution"),
        kind=kind,
        category_id=category,
        program_id=_int("program"),
    )
    f = figures_services.figures_for(scope)
    c = f.counts

    def share(s):  # type: ignore[no-untyped-def]
        return {"count": s.count, "total": s.total, "value": s.value, "low": s.low, "high": s.high}

    return _json(
        {
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "received": c.received,
            "accepted": c.accepted,
            "answered": c.answered,
            "due": c.due,
            "answered_on_time": c.answered_on_time,
            "open": c.open,
            "overdue": c.overdue,
            "accepted_by_filer": c.accepted_by_filer,
            "answered_share": share(f.answered_share),
            "on_time_share": share(f.on_time_share),
            "filer_share": share(f.filer_share),
            "median_working_days": f.median_days,
            "p90_working_days": f.p90_days,
            "satisfaction": f.satisfaction,
            "satisfaction_count": c.rated,
            "months": [
                {
                    "month": m.start.strftime("%Y-%m"),
                    "received": m.counts.received,
                    "accepted": m.counts.accepted,
                    "answered": m.counts.answered,
                }
                for m in f.months
            ],
            "definitions": {k: str(v) for k, v in figures_services.EXPLANATIONS.items()},
            "licence": r.LICENCE,
        }
    )
