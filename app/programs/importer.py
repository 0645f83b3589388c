"""CSV import of plans and programs (``flask programs import FILE.csv``); the column format is
documented in docs/programs-import.md.

Two phases. Phase 1 (import_check.py: ``check_file``, ``check_bytes``) reads every row and
checks it against the file itself and the database, collecting every problem; it writes
nothing. Only a file without problems reaches phase 2, here: ``Importer`` writes each row
through the same services as the admin forms (``admin_services.save_plan`` / ``save_program``:
rollup, search text and follower notifications), so the caller can commit once or roll
everything back. Rows are matched by ``external_id``: importing the same file again updates in
place.

The web admin (admin_routes.py, "Import programs from CSV") runs the same two phases on an
uploaded file: ``check_bytes`` for its preview, then, at apply time, ``lock()``, the check again
and ``apply_checked`` in one transaction. Between the two it keeps the file in the app's storage
(import_uploads.py), under a random token of the admin's."""

from __future__ import annotations

from typing import TypeVar

from app.core.locks import one_run_at_a_time
from app.extensions import db
from app.institutions.models import Institution
from app.programs import admin_services, services
from app.programs.import_rows import CheckedFile, PlanRow, ProgramRow
from app.programs.models import Plan, Program, ProgramStatus
from app.territory.models import Department, Municipality

M = TypeVar("M")


class Importer:
    """Applies checked rows in file order; the caller commits once (or rolls back)."""

    def __init__(self) -> None:
        self.touched: list[Program] = []
        self.old_parents: list[Program] = []
        self.progress: dict[int, int | None] = {}

    def apply(self, row: PlanRow | ProgramRow) -> None:
        if isinstance(row, PlanRow):
            self._plan(row)
        else:
            self._program(row)

    def _plan(self, row: PlanRow) -> None:
        admin_services.save_plan(
            admin_services.find_plan_by_external_id(row.external_id),
            admin_services.PlanData(
                plan_type=row.plan_type,
                institution=db.session.get_one(Institution, row.institution_id),
                department=_get(Department, row.department_id),
                municipality=_get(Municipality, row.municipality_id),
                period_start=row.period_start,
                period_end=row.period_end,
                titles=row.titles,
                descriptions=row.descriptions,
                external_id=row.external_id,
            ),
        )

    def _program(self, row: ProgramRow) -> None:
        plan = admin_services.find_plan_by_external_id(row.plan_external_id)
        assert plan is not None, row.plan_external_id  # checked in phase 1
        parent = (
            admin_services.find_program_by_external_id(row.parent_external_id)
            if row.parent_external_id
            else None
        )
        program = admin_services.find_program_by_external_id(row.external_id)
        if program is not None and program.parent is not None and program.parent is not parent:
            self.old_parents.append(program.parent)
        institution = (
            db.session.get_one(Institution, row.institution_id)
            if row.institution_id is not None
            else plan.institution
        )
        program = admin_services.save_program(
            program,
            admin_services.ProgramData(
                plan=plan,
                parent=parent,
                code=row.code,
                titles=row.titles,
                descriptions=row.descriptions,
                institution=institution,
                department=_get(Department, row.department_id),
                municipality=_get(Municipality, row.municipality_id),
                budget_bob=row.budget_bob,
                start_date=row.start_date,
                end_date=row.end_date,
                status=_get(ProgramStatus, row.status_id),
                progress=row.progress,
                weight=row.weight,
                comments_open_on=row.comments_open_on,
                comments_close_on=row.comments_close_on,
                external_id=row.external_id,
            ),
        )
        self.touched.append(program)
        self.progress[program.id] = row.progress

    def finish(self) -> None:
        """After the last row: a program that became a leaf later in the file gets the progress
        its row asked for, then every affected parent is rolled up, deepest first."""
        for program in self.touched:
            wanted = self.progress.get(program.id)
            if wanted is not None and not program.children and program.progress != wanted:
                services.set_progress(program, wanted)
        parents = {p.id: p for p in [*self.touched, *self.old_parents] if p.children}
        for program in sorted(parents.values(), key=_depth, reverse=True):
            services.refresh_rollup(program)
        db.session.flush()


def _get(model: type[M], object_id: int | None) -> M | None:
    return db.session.get(model, object_id) if object_id is not None else None


def _depth(program: Program) -> int:
    depth, node = 0, program
    while node.parent is not None and depth < 100:
        depth, node = depth + 1, node.parent
    return depth


def apply_checked(checked: CheckedFile) -> None:
    """Write every row of a file checked without errors, then roll up; the caller commits once
    (or rolls back, and nothing is written)."""
    assert not checked.errors, "only a file without problems is imported"
    job = Importer()
    for row in checked.rows:
        job.apply(row)
    job.finish()


def lock() -> None:
    """Wait until no other import is writing; the lock ends with this transaction. Take it before
    the check that precedes ``apply_checked``: rows are found by ``external_id`` and inserted
    when missing, so two imports of the same file at once (two admins, a double click) would
    both decide to insert the same rows. Under the lock the second one waits, then its check
    sees what the first wrote and it updates those rows in place. The unique constraints on
    ``external_id`` stay as the last guard (an import run without the lock fails on them)."""
    one_run_at_a_time("programs-import", Plan.__table__)
