"""The API's query-string parameters, declared once per list: the routes read them with
``read_params`` (a bad value is a ``FilterError``, answered as a JSON 400) and the OpenAPI
document lists them from the same declarations. The observation list's are the public list's
own (``queries.LIST_PARAMS``), shared with the /observations page and the downloads."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from app.accountability.forms import parse_month
from app.accountability.scope import MAX_MONTHS, Scope, default_period
from app.extensions import db
from app.institutions.models import InstitutionKind
from app.observations.models import Category
from app.observations.queries import LIST_PARAMS, FilterError, Param
from app.territory.models import Department

MAX_PER_PAGE = 100
MAX_PAGE = 10_000
MONTH_PATTERN = "^[0-9]{4}-[0-9]{2}$"


def _kinds() -> set[str]:
    return {k.value for k in InstitutionKind}


PAGE = Param("page", "id", "Page number, from 1.", high=MAX_PAGE)
PER_PAGE = Param("per_page", "id", "Items per page.", high=MAX_PER_PAGE)
PAGING = (PAGE, PER_PAGE)

INSTITUTION = Param("institution", "id", "Institution id.")
DEPARTMENT = Param("department", "text", "ISO 3166-2 code, e.g. BO-L.")
KIND = Param("kind", "choice", "Kind of institution.", choices=_kinds)
CATEGORY = Param("category", "id", "Category id.")
PROGRAM = Param("program", "id", "Program id.")
START = Param(
    "start", "text", "First month of filing, YYYY-MM.", max_length=7, pattern=MONTH_PATTERN
)
END = Param("end", "text", "Last month of filing, YYYY-MM.", max_length=7, pattern=MONTH_PATTERN)

OBSERVATION_PARAMS = LIST_PARAMS
INSTITUTION_PARAMS = (KIND, DEPARTMENT)
PLAN_PARAMS = (INSTITUTION,)
PROGRAM_PARAMS = (Param("plan", "id", "Plan id."), INSTITUTION, DEPARTMENT)
STATISTICS_PARAMS = (START, END, DEPARTMENT, KIND, CATEGORY, INSTITUTION, PROGRAM)


def statistics_scope(args: Mapping[str, str]) -> Scope:
    """The statistics' scope: a period of at most ``MAX_MONTHS`` months (the last twelve by
    default) and filters naming things that exist."""
    start, end = default_period()
    months = {}
    for param in (START, END):
        raw = param.read(args)
        if raw and parse_month(raw) is None:
            raise FilterError(f"{param.name}: expected a month as YYYY-MM")
        months[param.name] = parse_month(raw)
    start = months["start"] or start
    end = months["end"] or end
    if start > end:
        raise FilterError("start: after end")
    if (end.year - start.year) * 12 + end.month - start.month >= MAX_MONTHS:
        raise FilterError(f"period: at most {MAX_MONTHS} months")
    department_id = None
    department = DEPARTMENT.read(args)
    if department:
        department_id = db.session.scalar(
            select(Department.id).where(Department.iso_code == department)
        )
        if department_id is None:
            raise FilterError("department: unknown ISO 3166-2 code")
    kind = KIND.read(args)
    category = CATEGORY.read(args)
    if category and db.session.get(Category, category) is None:
        raise FilterError("category: unknown id")
    return Scope(
        start=start,
        end=end,
        department_id=department_id,
        institution_id=INSTITUTION.read(args),
        kind=kind,
        category_id=category,
        program_id=PROGRAM.read(args),
    )
