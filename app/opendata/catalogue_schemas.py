"""The columns of the catalogue datasets (institutions, plans, programs, milestones), declared
once: see ``schema.py``. An institution's contact email is left out on purpose: no email
address leaves the site in data."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l

from app.institutions.models import Institution, InstitutionKind
from app.opendata.schema import Column, Schema, es_name, iso
from app.programs.models import Milestone, Plan, PlanType, Program

#: A per-language name or title: {"es": …, "qu": …}.
NAMES: dict[str, Any] = {"type": "object", "additionalProperties": {"type": "string"}}

_I = Column[Institution]

INSTITUTIONS = Schema[Institution](
    "institutions",
    _l("Institutions"),
    (
        _I("id", "integer", lambda i: i.id, _l("Institution identifier.")),
        _I("name", "string", lambda i: es_name(i.names), _l("Name in Spanish.")),
        _I(
            "names",
            "object",
            lambda i: dict(i.names or {}),
            _l("Names per language (JSON object)."),
            schema=NAMES,
        ),
        _I("acronym", "string", lambda i: i.acronym, _l("Acronym.")),
        _I(
            "kind",
            "string",
            lambda i: i.kind.value,
            _l(
                "ministry, departmental_government, municipal_government, indigenous_autonomy, "
                "public_company, decentralised_entity or other."
            ),
            enum=lambda: {k.value for k in InstitutionKind},
        ),
        _I(
            "department",
            "string",
            lambda i: i.department.iso_code if i.department else None,
            _l("Department, ISO 3166-2 code."),
            nullable=True,
        ),
        _I(
            "municipality",
            "string",
            lambda i: i.municipality.code if i.municipality else None,
            _l("Municipality, INE code."),
            nullable=True,
        ),
        _I(
            "deadline_days",
            "integer",
            lambda i: i.deadline_days,
            _l("Its own answer deadline in working days, if it overrides the category's."),
            nullable=True,
        ),
        _I("active", "boolean", lambda i: i.active, _l("true while it takes part.")),
        _I(
            "url",
            "string",
            lambda i: url_for("accountability.institution", institution_id=i.id, _external=True),
            _l("Address of its accountability page."),
        ),
    ),
)

_P = Column[Plan]

PLANS = Schema[Plan](
    "plans",
    _l("Plans"),
    (
        _P("id", "integer", lambda p: p.id, _l("Plan identifier.")),
        _P(
            "plan_type",
            "string",
            lambda p: p.plan_type.value,
            _l("PDES, PTDI, PEI or POA."),
            enum=lambda: {t.value for t in PlanType},
        ),
        _P(
            "institution_id",
            "integer",
            lambda p: p.institution_id,
            _l("The institution that owns the plan."),
        ),
        _P("period_start", "integer", lambda p: p.period_start, _l("First year.")),
        _P("period_end", "integer", lambda p: p.period_end, _l("Last year.")),
        _P("title", "string", lambda p: es_name(p.titles), _l("Title in Spanish.")),
        _P(
            "titles",
            "object",
            lambda p: dict(p.titles or {}),
            _l("Titles per language (JSON object)."),
            schema=NAMES,
        ),
    ),
)

_R = Column[Program]

PROGRAMS = Schema[Program](
    "programs",
    _l("Programs"),
    (
        _R("id", "integer", lambda p: p.id, _l("Program identifier.")),
        _R("code", "string", lambda p: p.code, _l("Code within its plan.")),
        _R("plan_id", "integer", lambda p: p.plan_id, _l("The plan it belongs to.")),
        _R(
            "parent_id",
            "integer",
            lambda p: p.parent_id,
            _l("The parent program, for sub-programs."),
            nullable=True,
        ),
        _R("title", "string", lambda p: es_name(p.titles), _l("Title in Spanish.")),
        _R(
            "titles",
            "object",
            lambda p: dict(p.titles or {}),
            _l("Titles per language (JSON object)."),
            schema=NAMES,
        ),
        _R(
            "institution_id",
            "integer",
            lambda p: p.institution_id,
            _l("The institution in charge."),
        ),
        _R(
            "department",
            "string",
            lambda p: p.department.iso_code if p.department else None,
            _l("Department, ISO 3166-2 code."),
            nullable=True,
        ),
        _R(
            "municipality",
            "string",
            lambda p: p.municipality.code if p.municipality else None,
            _l("Municipality, INE code."),
            nullable=True,
        ),
        _R(
            "budget_bob",
            "string",
            lambda p: str(p.budget_bob) if p.budget_bob is not None else None,
            _l("Budget in bolivianos."),
            nullable=True,
            decimal=True,
        ),
        _R(
            "start_date",
            "string",
            lambda p: iso(p.start_date),
            _l("Start date."),
            nullable=True,
        ),
        _R("end_date", "string", lambda p: iso(p.end_date), _l("End date."), nullable=True),
        _R(
            "status",
            "string",
            lambda p: p.status.key if p.status else None,
            _l("Status key."),
            nullable=True,
        ),
        _R("progress", "integer", lambda p: p.progress, _l("Progress, percent.")),
        _R("comment_count", "integer", lambda p: p.comment_count, _l("Comments (not deleted).")),
        _R("stance_for", "integer", lambda p: p.stance_for, _l("Top-level comments in favour.")),
        _R(
            "stance_neutral",
            "integer",
            lambda p: p.stance_neutral,
            _l("Neutral top-level comments."),
        ),
        _R(
            "stance_against",
            "integer",
            lambda p: p.stance_against,
            _l("Top-level comments against."),
        ),
        _R(
            "url",
            "string",
            lambda p: url_for("programs.detail", program_id=p.id, _external=True),
            _l("Address of the program page."),
        ),
    ),
)

_M = Column[Milestone]

MILESTONES = Schema[Milestone](
    "milestones",
    _l("Program milestones"),
    (
        _M("id", "integer", lambda m: m.id, _l("Milestone identifier.")),
        _M("program_id", "integer", lambda m: m.program_id, _l("The program.")),
        _M("on_date", "string", lambda m: iso(m.on_date), _l("Date."), nullable=True),
        _M("title", "string", lambda m: es_name(m.titles), _l("Title in Spanish.")),
        _M(
            "titles",
            "object",
            lambda m: dict(m.titles or {}),
            _l("Titles per language (JSON object)."),
            schema=NAMES,
        ),
    ),
)
