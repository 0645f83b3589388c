"""Writing plans, programs, statuses and milestones for the admin forms and the CSV importer.

Plain functions that flush and never commit. Both entry points go through ``save_plan`` and
``save_program``, so a program saved from a form or from a CSV row gets the same rollup, search
text and follower notifications (those come from ``services``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, func, select

from app.extensions import db
from app.institutions.models import Institution
from app.programs import services
from app.programs.models import Milestone, Plan, PlanType, Program, ProgramStatus
from app.territory.models import Department, Municipality

#: An amount in bolivianos: digits, optionally a decimal point (or comma) and one or two decimals.
#: No sign (budgets are ≥ 0) and no thousands separators ("1.500.000" would be ambiguous).
AMOUNT = re.compile(r"^(\d{1,14})(?:[.,](\d{1,2}))?$")
#: A status key: what URLs, filters and the CSV import use.
STATUS_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def parse_amount(text: str) -> Decimal | None:
    """``"1500000.5"`` → ``Decimal("1500000.50")``; None when ``text`` is not such an amount."""
    match = AMOUNT.match(text.strip())
    if match is None:
        return None
    return Decimal(f"{match.group(1)}.{(match.group(2) or '').ljust(2, '0')}")


# --- plans ----------------------------------------------------------------------------------


@dataclass
class PlanData:
    plan_type: PlanType
    institution: Institution
    department: Department | None
    municipality: Municipality | None
    period_start: int
    period_end: int
    titles: dict[str, str]
    descriptions: dict[str, str]
    external_id: str | None = None


def save_plan(plan: Plan | None, data: PlanData) -> Plan:
    """Create a plan (``plan`` None) or overwrite an existing one with ``data``."""
    if plan is None:
        plan = Plan()
    plan.plan_type = data.plan_type
    plan.institution = data.institution
    plan.department = data.department
    plan.municipality = data.municipality
    plan.period_start = data.period_start
    plan.period_end = data.period_end
    plan.titles = dict(data.titles)
    plan.descriptions = dict(data.descriptions)
    plan.external_id = data.external_id or None
    db.session.add(plan)
    db.session.flush()
    return plan


# --- programs -------------------------------------------------------------------------------


@dataclass
class ProgramData:
    plan: Plan
    parent: Program | None
    code: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    institution: Institution
    department: Department | None
    municipality: Municipality | None
    budget_bob: Decimal | None
    start_date: date | None
    end_date: date | None
    status: ProgramStatus | None
    #: None: keep the current progress, or take the status default when the status changes.
    #: Ignored for a program with sub-programs (its progress is rolled up).
    progress: int | None
    weight: int
    comments_open_on: date | None
    comments_close_on: date | None
    external_id: str | None = None


def descendant_ids(program: Program) -> set[int]:
    """Ids of every sub-program of ``program``, at any depth (one query)."""
    if program.id is None:
        return set()
    children: dict[int | None, list[int]] = {}  # (the query leaves out the None key)
    for child_id, parent_id in db.session.execute(
        select(Program.id, Program.parent_id).where(Program.parent_id.is_not(None))
    ):
        children.setdefault(parent_id, []).append(child_id)
    found: set[int] = set()
    pending = [program.id]
    while pending:
        for child_id in children.get(pending.pop(), []):
            if child_id not in found:
                found.add(child_id)
                pending.append(child_id)
    return found


def save_program(program: Program | None, data: ProgramData) -> Program:
    """Create a program (``program`` None) or overwrite an existing one with ``data``, then keep
    what derives from it right: status and progress through ``services.apply_status`` (which
    rolls up and notifies followers), the rollup of the old and the new parent, the search text.
    The caller has checked the data (same plan as the parent, no cycle)."""
    if (
        data.parent is not None
        and program is not None
        and program.id is not None
        and (data.parent.id == program.id or data.parent.id in descendant_ids(program))
    ):
        raise ValueError("a program cannot be its own ancestor")
    is_new = program is None
    if program is None:
        program = Program(progress=0)
    old_parent = program.parent
    status_changed = program.status is not data.status

    program.plan = data.plan
    program.parent = data.parent
    program.code = data.code
    program.titles = dict(data.titles)
    program.descriptions = dict(data.descriptions)
    program.institution = data.institution
    program.department = data.department
    program.municipality = data.municipality
    program.budget_bob = data.budget_bob
    program.start_date = data.start_date
    program.end_date = data.end_date
    program.weight = data.weight
    program.comments_open_on = data.comments_open_on
    program.comments_close_on = data.comments_close_on
    program.external_id = data.external_id or None
    services.refresh_search_text(program)
    if is_new:
        db.session.add(program)
    db.session.flush()

    progress = data.progress
    if progress is None and not status_changed:
        progress = program.progress
    services.apply_status(program, data.status, progress)
    # The program may have moved or been re-weighted: recompute both parent chains.
    services.refresh_rollup(program)
    if old_parent is not None and old_parent is not program.parent and old_parent.children:
        services.refresh_rollup(old_parent)
    db.session.flush()
    return program


# --- statuses and milestones ----------------------------------------------------------------


@dataclass
class StatusData:
    key: str
    names: dict[str, str]
    default_progress: int | None
    position: int


def save_status(status: ProgramStatus | None, data: StatusData) -> ProgramStatus:
    """Create or overwrite a status. Programs that already have it keep their progress."""
    if status is None:
        status = ProgramStatus()
    status.key = data.key
    status.names = dict(data.names)
    status.default_progress = data.default_progress
    status.position = data.position
    db.session.add(status)
    db.session.flush()
    return status


@dataclass
class MilestoneData:
    on_date: date
    titles: dict[str, str]
    descriptions: dict[str, str]
    done_on: date | None = None


def add_milestone(program: Program, data: MilestoneData) -> Milestone:
    """A new milestone; ``services.add_milestone`` notifies the program's followers."""
    milestone = services.add_milestone(
        program, data.on_date, dict(data.titles), dict(data.descriptions)
    )
    milestone.done_on = data.done_on
    db.session.flush()
    return milestone


def update_milestone(milestone: Milestone, data: MilestoneData) -> None:
    """Correct a milestone. Followers were told when it was added and are not told again."""
    milestone.on_date = data.on_date
    milestone.done_on = data.done_on
    milestone.titles = dict(data.titles)
    milestone.descriptions = dict(data.descriptions)
    db.session.flush()


def delete_milestone(milestone: Milestone) -> None:
    db.session.delete(milestone)
    db.session.flush()


# --- lists and lookups for the admin pages --------------------------------------------------


def plans_query() -> Select:
    """Plans, newest period first."""
    return select(Plan).order_by(Plan.period_start.desc(), Plan.id.desc())


def program_counts(plan_ids: list[int]) -> dict[int, int]:
    """Number of programs of each plan in ``plan_ids`` (one query)."""
    if not plan_ids:
        return {}
    rows = db.session.execute(
        select(Program.plan_id, func.count(Program.id))
        .where(Program.plan_id.in_(plan_ids))
        .group_by(Program.plan_id)
    )
    return {plan_id: count for plan_id, count in rows}


def admin_program_query(q: str, plan_id: int | None) -> Select:
    return services.program_query(services.ProgramFilters(q=q, plan=plan_id))


def institutions() -> list[Institution]:
    found = db.session.scalars(select(Institution)).all()
    return sorted(found, key=lambda i: (not i.active, str(i.name).lower()))


def departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.name)))


def municipalities_by_department() -> list[tuple[Department, list[Municipality]]]:
    municipalities: dict[int, list[Municipality]] = {}
    for municipality in db.session.scalars(select(Municipality).order_by(Municipality.name)):
        municipalities.setdefault(municipality.department_id, []).append(municipality)
    return [(d, municipalities.get(d.id, [])) for d in departments()]


def programs_of_plan(plan_id: int | None) -> list[Program]:
    if plan_id is None:
        return []
    return list(
        db.session.scalars(
            select(Program).where(Program.plan_id == plan_id).order_by(Program.code, Program.id)
        )
    )


def find_plan_by_external_id(external_id: str) -> Plan | None:
    return db.session.scalar(select(Plan).where(Plan.external_id == external_id))


def find_program_by_external_id(external_id: str) -> Program | None:
    return db.session.scalar(select(Program).where(Program.external_id == external_id))


def find_status_by_key(key: str) -> ProgramStatus | None:
    return db.session.scalar(select(ProgramStatus).where(ProgramStatus.key == key))
