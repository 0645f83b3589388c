"""Read side of the plan pages. Each function is a fixed number of queries whatever the number of
plans, programs or milestones: figures are grouped in SQL, and one plan's tree is read a page of
top-level programs at a time, each with its subtree (capped), so a plan of thousands of programs
costs what a plan of ten does.

Progress: a program with sub-programs already stores the weighted average of its children
(app/programs/services.py keeps it on every change); a plan's progress is the same weighted
average over its top-level programs (``rolled_up_progress``). Budgets: a program's own budget is
what it was given itself; its subtree total adds every sub-program's, at any depth."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased, joinedload

from app.core.pagination import Page
from app.extensions import db
from app.institutions.models import Institution
from app.observations.models import Observation
from app.observations.queries import publicly_visible
from app.programs.models import Milestone, MilestoneState, Plan, PlanType, Program
from app.territory.models import Department, Municipality

#: Top-level programs per page of a plan's tree.
ROOTS_PER_PAGE = 10
#: Sub-programs shown under one top-level program; the rest are counted and linked.
SHOWN_PER_ROOT = 15
#: No tree is read deeper than this (the importer refuses cycles; this bounds a bad row anyway).
MAX_DEPTH = 12
#: Milestones per page of the timeline.
MILESTONES_PER_PAGE = 20
#: Plans per page of the list.
PLANS_PER_PAGE = 20

#: Plan types in planning order (PDES → PTDI → PEI → POA): the list's first sort key.
TYPE_ORDER = {plan_type: n for n, plan_type in enumerate(PlanType)}


# --- the list -------------------------------------------------------------------------------


@dataclass
class PlanFilters:
    plan_type: str = ""  # a PlanType value
    institution: int | None = None
    department: str = ""  # ISO code


def plan_query(filters: PlanFilters) -> Select[Any]:
    """The plans matching ``filters``: by type in planning order, newest period first. A
    department matches its own plans and those of its municipalities."""
    query = select(Plan).options(
        joinedload(Plan.institution), joinedload(Plan.department), joinedload(Plan.municipality)
    )
    if filters.plan_type in {t.value for t in PlanType}:
        query = query.where(Plan.plan_type == PlanType(filters.plan_type))
    if filters.institution:
        query = query.where(Plan.institution_id == filters.institution)
    if filters.department:
        department_ids = select(Department.id).where(Department.iso_code == filters.department)
        query = query.where(
            or_(
                Plan.department_id.in_(department_ids),
                Plan.municipality_id.in_(
                    select(Municipality.id).where(Municipality.department_id.in_(department_ids))
                ),
            )
        )
    type_rank = case(
        *((Plan.plan_type == t, rank) for t, rank in TYPE_ORDER.items()), else_=len(TYPE_ORDER)
    )
    return query.order_by(type_rank, Plan.period_start.desc(), Plan.period_end.desc(), Plan.id)


def institutions_with_plans() -> list[Institution]:
    found = db.session.scalars(
        select(Institution).where(Institution.id.in_(select(Plan.institution_id)))
    ).all()
    return sorted(found, key=lambda i: str(i.name).lower())


def departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.name)))


@dataclass
class PlanFigures:
    """One plan's programs summed."""

    programs: int = 0
    top_level: int = 0
    comments: int = 0
    budget: Decimal | None = None
    #: Weighted average of the top-level programs' progress, 0 to 100.
    progress: int = 0


def _rolled_up(weighted_sum: int | None, weights: int | None) -> int:
    """``app.programs.services.rolled_up_progress`` from the sums SQL gave."""
    return round(int(weighted_sum or 0) / int(weights)) if weights else 0


def _money(value: Any) -> Decimal | None:
    # SQLite sums NUMERIC as a float: back to whole cents.
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def plan_figures(plan_ids: list[int]) -> dict[int, PlanFigures]:
    """Figures of each plan in ``plan_ids`` (one grouped query)."""
    if not plan_ids:
        return {}
    top = Program.parent_id.is_(None)
    rows = db.session.execute(
        select(
            Program.plan_id,
            func.count(),
            func.sum(case((top, 1), else_=0)),
            func.sum(Program.comment_count),
            func.sum(Program.budget_bob),
            func.sum(case((top, Program.progress * Program.weight), else_=0)),
            func.sum(case((top, Program.weight), else_=0)),
        )
        .where(Program.plan_id.in_(plan_ids))
        .group_by(Program.plan_id)
    )
    return {
        plan_id: PlanFigures(
            programs=int(n),
            top_level=int(top_level or 0),
            comments=int(comments or 0),
            budget=_money(budget),
            progress=_rolled_up(weighted, weights),
        )
        for plan_id, n, top_level, comments, budget, weighted, weights in rows
    }


# --- one plan -------------------------------------------------------------------------------


def get_plan(plan_id: int) -> Plan | None:
    return db.session.scalar(
        select(Plan)
        .options(
            joinedload(Plan.institution),
            joinedload(Plan.department),
            joinedload(Plan.municipality).joinedload(Municipality.department),
        )
        .where(Plan.id == plan_id)
    )


def _public_count() -> ColumnElement[Any]:
    """How many of the rows are publicly visible, counted rather than filtered on: given as a
    WHERE condition, ``publicly_visible()`` leads the planner to the state index (every public
    observation) instead of the program index (this page's few)."""
    return func.coalesce(func.sum(case((publicly_visible(), 1), else_=0)), 0)


def public_observation_count(plan: Plan) -> int:
    """Publicly visible observations about any of the plan's programs."""
    return int(
        db.session.scalar(
            select(_public_count())
            .select_from(Observation)
            .join(Program, Observation.program_id == Program.id)
            .where(Program.plan_id == plan.id)
        )
        or 0
    )


@dataclass
class Node:
    """A program in the tree, with what the plan page shows beside it."""

    program: Program
    depth: int
    #: Own budget plus every sub-program's at any depth (None: nobody in the subtree has one).
    subtree_budget: Decimal | None
    #: Sub-programs at any depth.
    descendants: int
    observations: int = 0
    children: list[Node] = field(default_factory=list)
    #: Sub-programs under this top-level program left out of the page (SHOWN_PER_ROOT).
    not_shown: int = 0


@dataclass
class _Row:
    id: int
    parent_id: int | None
    budget: Decimal | None
    depth: int
    children: list[_Row] = field(default_factory=list)
    subtree_budget: Decimal | None = None
    descendants: int = 0


def _sum_subtree(row: _Row) -> None:
    """Subtree budget and size, children first (iterative: no recursion limit to hit)."""
    order: list[_Row] = []
    stack = [row]
    while stack:
        current = stack.pop()
        order.append(current)
        stack.extend(current.children)
    for current in reversed(order):
        budgets = [current.budget] if current.budget is not None else []
        budgets += [c.subtree_budget for c in current.children if c.subtree_budget is not None]
        current.subtree_budget = sum(budgets, Decimal(0)) if budgets else None
        current.descendants = sum(1 + c.descendants for c in current.children)


def _shown(root: _Row, limit: int) -> list[_Row]:
    """The root and its first ``limit`` descendants in reading order (depth first, by code)."""
    found: list[_Row] = []
    stack = [root]
    while stack and len(found) <= limit:
        current = stack.pop()
        found.append(current)
        stack.extend(reversed(current.children))
    return found


def program_tree(plan: Plan, number: int, top_level: int) -> Page:
    """Page ``number`` of the plan's top-level programs (``top_level`` of them) as ``Node``s, each
    with its subtree: four queries (the page's roots, their subtrees' ids and budgets in one
    recursive query, the programs shown, their public observation counts)."""
    page = Page.window(number, top_level, ROOTS_PER_PAGE)
    root_ids = list(
        db.session.scalars(
            select(Program.id)
            .where(Program.plan_id == plan.id, Program.parent_id.is_(None))
            .order_by(Program.code, Program.id)
            .offset(page.offset)
            .limit(ROOTS_PER_PAGE)
        )
    )
    if not root_ids:
        return page
    subtree = (
        select(
            Program.id.label("id"),
            literal(0).label("depth"),
        )
        .where(Program.id.in_(root_ids))
        .cte("subtree", recursive=True)
    )
    child = aliased(Program)
    subtree = subtree.union_all(
        select(child.id, subtree.c.depth + 1)
        .join(subtree, child.parent_id == subtree.c.id)
        .where(child.plan_id == plan.id, subtree.c.depth < MAX_DEPTH)
    )
    rows: dict[int, _Row] = {}
    for program_id, parent_id, budget, depth in db.session.execute(
        select(Program.id, Program.parent_id, Program.budget_bob, subtree.c.depth)
        .join(subtree, Program.id == subtree.c.id)
        .order_by(Program.code, Program.id)
    ):
        rows[program_id] = _Row(program_id, parent_id, _money(budget), int(depth))
    for row in rows.values():  # in code order, so children are too
        if row.parent_id is not None and row.parent_id in rows and row.depth > 0:
            rows[row.parent_id].children.append(row)
    roots = [rows[i] for i in root_ids if i in rows]
    shown: list[_Row] = []
    for root in roots:
        _sum_subtree(root)
        shown += _shown(root, SHOWN_PER_ROOT)
    shown_ids = [row.id for row in shown]
    programs = {
        p.id: p
        for p in db.session.scalars(
            select(Program).options(joinedload(Program.status)).where(Program.id.in_(shown_ids))
        )
    }
    observed: dict[int | None, int] = {
        program_id: int(n)
        for program_id, n in db.session.execute(
            select(Observation.program_id, _public_count())
            .where(Observation.program_id.in_(shown_ids))
            .group_by(Observation.program_id)
        )
    }
    nodes: dict[int, Node] = {}
    for row in shown:
        nodes[row.id] = Node(
            program=programs[row.id],
            depth=row.depth,
            subtree_budget=row.subtree_budget,
            descendants=row.descendants,
            observations=observed.get(row.id, 0),
        )
        if row.depth > 0 and row.parent_id in nodes:
            nodes[row.parent_id].children.append(nodes[row.id])
    for root in roots:
        nodes[root.id].not_shown = root.descendants - (len(_shown(root, SHOWN_PER_ROOT)) - 1)
    page.items = [nodes[root.id] for root in roots]
    return page


# --- milestones -----------------------------------------------------------------------------


@dataclass
class MilestoneCounts:
    done: int = 0
    due: int = 0
    late: int = 0
    #: Milestones dated before today (where the timeline opens by default).
    before_today: int = 0

    @property
    def total(self) -> int:
        return self.done + self.due + self.late


def _state_conditions(today: date) -> dict[MilestoneState, ColumnElement[bool]]:
    """``Milestone.state(today)`` in SQL (the same rule, for counting)."""
    pending = Milestone.done_on.is_(None)
    return {
        MilestoneState.DONE: Milestone.done_on.is_not(None),
        MilestoneState.LATE: and_(pending, Milestone.on_date < today),
        MilestoneState.DUE: and_(pending, Milestone.on_date >= today),
    }


def milestone_counts(plan: Plan, today: date) -> MilestoneCounts:
    """How many of the plan's milestones are reached, ahead and late (one query)."""
    conditions = _state_conditions(today)

    def total(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    done, due, late, before = db.session.execute(
        select(
            total(conditions[MilestoneState.DONE]),
            total(conditions[MilestoneState.DUE]),
            total(conditions[MilestoneState.LATE]),
            total(Milestone.on_date < today),
        )
        .join(Program, Milestone.program_id == Program.id)
        .where(Program.plan_id == plan.id)
    ).one()
    return MilestoneCounts(int(done), int(due), int(late), int(before))


def milestone_page(plan: Plan, counts: MilestoneCounts, number: int | None) -> Page:
    """A page of the plan's milestones in date order (one query). Without a page number, the
    page holding the first milestone dated today or later: the timeline opens on what is next."""
    if number is None:
        number = min(counts.before_today, max(counts.total - 1, 0)) // MILESTONES_PER_PAGE + 1
    page = Page.window(number, counts.total, MILESTONES_PER_PAGE)
    if counts.total:
        page.items = list(
            db.session.scalars(
                # The page is chosen among the milestones alone, then joined to its programs
                # (sorting milestones joined to whole program rows costs far more).
                select(Milestone)
                .options(joinedload(Milestone.program))
                .where(
                    Milestone.program_id.in_(select(Program.id).where(Program.plan_id == plan.id))
                )
                .order_by(Milestone.on_date, Milestone.id)
                .offset(page.offset)
                .limit(MILESTONES_PER_PAGE)
            )
        )
    return page
