"""Phase 1 of the programs CSV import: read every row and check it against the file itself and
the database, collecting every problem (``line 7: unknown institution 'XYZ'``); nothing is
written. ``rows`` of the result is meaningful only when ``errors`` is empty: such a file goes
to phase 2 (importer.py)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import IO, Literal

from flask_babel import lazy_gettext as _l

from app.programs.import_rows import (
    PLAN_COLUMNS,
    PROGRAM_COLUMNS,
    CheckedFile,
    KnownRecords,
    PlanRow,
    Problem,
    ProgramRow,
    RawRow,
    read_rows,
)
from app.programs.models import PlanType

#: A program in the tree after the import: a row of the file (by external id) or one of the
#: database (by id).
_Node = tuple[Literal["row"], str] | tuple[Literal["db"], int]


def check_file(path: Path) -> CheckedFile:
    """Read ``path`` and check every row; nothing is written. ``rows`` is meaningful only when
    ``errors`` is empty."""
    return _check(lambda: path.open(newline="", encoding="utf-8-sig"))


def check_bytes(data: bytes) -> CheckedFile:
    """``check_file`` for a file's bytes (an upload to the web admin)."""
    return _check(lambda: io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline=""))


def _check(open_text: Callable[[], IO[str]]) -> CheckedFile:
    result = CheckedFile()
    raw_rows = read_rows(open_text, result.errors)
    if not raw_rows:
        return result
    Checker(KnownRecords.load(), result).check(raw_rows)
    return result


class Checker:
    def __init__(self, known: KnownRecords, result: CheckedFile) -> None:
        self.known = known
        self.result = result
        self.errors = result.errors
        #: external id → line, for the rows already read (references must point backwards).
        self.plan_lines: dict[str, int] = {}
        self.program_lines: dict[str, int] = {}
        #: The program rows without problems, by external id.
        self.program_rows: dict[str, ProgramRow] = {}

    def check(self, raw_rows: list[tuple[int, dict[str, str]]]) -> None:
        later_plans = {
            values.get("external_id") for _line, values in raw_rows if values.get("kind") == "plan"
        }
        self.later_plans = later_plans
        for line, values in raw_rows:
            row = RawRow(line, values, self.errors)
            kind = values.get("kind", "")
            if kind == "plan":
                self._plan(row)
            elif kind == "program":
                self._program(row)
            else:
                row.error(
                    _l(
                        "unknown %(column)s %(value)s (use %(plan)s or %(program)s)",
                        column="kind",
                        value=repr(kind),
                        plan="plan",
                        program="program",
                    )
                )
        self._check_tree()

    # -- shared pieces --

    def _external_id(self, row: RawRow, seen: dict[str, int], kind: str) -> str:
        external_id = row.text("external_id", required=True, max_length=64)
        if external_id and external_id in seen:
            if kind == "plan":
                message = _l(
                    "duplicate plan %(column)s %(value)s (first on line %(first_line)d)",
                    column="external_id",
                    value=repr(external_id),
                    first_line=seen[external_id],
                )
            else:
                message = _l(
                    "duplicate program %(column)s %(value)s (first on line %(first_line)d)",
                    column="external_id",
                    value=repr(external_id),
                    first_line=seen[external_id],
                )
            row.error(message)
        elif external_id:
            seen[external_id] = row.line
        return external_id

    def _institution(self, row: RawRow, required: bool) -> int | None:
        value = row.text("institution", required=required)
        if not value:
            return None
        if value.isdigit():
            if int(value) in self.known.institutions:
                return int(value)
        else:
            found = self.known.acronyms.get(value.casefold(), [])
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                row.error(
                    _l(
                        "%(column)s %(value)s is ambiguous: use its numeric id",
                        column="institution",
                        value=repr(value),
                    )
                )
                return None
        row.error(_l("unknown %(column)s %(value)s", column="institution", value=repr(value)))
        return None

    def _territory(self, row: RawRow) -> tuple[int | None, int | None]:
        iso, code = row.text("department"), row.text("municipality")
        department_id = municipality_id = None
        if iso:
            department_id = self.known.departments.get(iso)
            if department_id is None:
                row.error(
                    _l(
                        "unknown %(column)s %(value)s (use an ISO 3166-2 code like %(example)s)",
                        column="department",
                        value=repr(iso),
                        example="BO-H",
                    )
                )
        if code:
            found = self.known.municipalities.get(code)
            if found is None:
                row.error(
                    _l(
                        "unknown %(column)s %(value)s (use its INE code like %(example)s)",
                        column="municipality",
                        value=repr(code),
                        example="010101",
                    )
                )
            elif iso and department_id is not None and found[1] != department_id:
                row.error(
                    _l(
                        "%(municipality_column)s %(municipality)s is not in "
                        "%(department_column)s %(department)s",
                        municipality_column="municipality",
                        municipality=repr(code),
                        department_column="department",
                        department=repr(iso),
                    )
                )
            else:
                municipality_id = found[0]
                department_id = department_id or found[1]
        return department_id, municipality_id

    # -- plans --

    def _plan(self, row: RawRow) -> None:
        external_id = self._external_id(row, self.plan_lines, "plan")
        row.must_be_empty(PROGRAM_COLUMNS, "plan")
        plan_type = row.text("plan_type", required=True)
        if plan_type and plan_type not in PlanType.__members__:
            row.error(
                _l(
                    "unknown %(column)s %(value)s (use %(choices)s)",
                    column="plan_type",
                    value=repr(plan_type),
                    choices=", ".join(PlanType.__members__),
                )
            )
        start = row.integer("period_start", 1990, 2100, required=True)
        end = row.integer("period_end", 1990, 2100, required=True)
        if start is not None and end is not None and end < start:
            row.error(_l("%(end)s before %(start)s", end="period_end", start="period_start"))
        institution_id = self._institution(row, required=True)
        department_id, municipality_id = self._territory(row)
        titles = row.translations("title", 300)
        if not titles.get("es"):
            row.error(_l("%(column)s is required", column="title_es"))
        descriptions = row.translations("description", 5000)
        # A required value that is missing or wrong is a row error: all three are set when ok.
        if not row.ok or start is None or end is None or institution_id is None:
            return
        self.result.rows.append(
            PlanRow(
                line=row.line,
                external_id=external_id,
                plan_type=PlanType(plan_type),
                period_start=start,
                period_end=end,
                institution_id=institution_id,
                department_id=department_id,
                municipality_id=municipality_id,
                titles=titles,
                descriptions=descriptions,
            )
        )
        if external_id in self.known.plans:
            self.result.plans_updated += 1
        else:
            self.result.plans_new += 1

    # -- programs --

    def _program(self, row: RawRow) -> None:
        external_id = self._external_id(row, self.program_lines, "program")
        row.must_be_empty(PLAN_COLUMNS, "program")
        plan_ext = row.text("plan_external_id", required=True)
        if plan_ext and plan_ext not in self.plan_lines and plan_ext not in self.known.plans:
            if plan_ext in self.later_plans:
                message = _l(
                    "%(column)s %(value)s not found (plans must come before their programs)",
                    column="plan_external_id",
                    value=repr(plan_ext),
                )
            else:
                message = _l(
                    "%(column)s %(value)s not found",
                    column="plan_external_id",
                    value=repr(plan_ext),
                )
            row.error(message)
        parent_ext = row.text("parent_external_id") or None
        if parent_ext is not None:
            if parent_ext == external_id:
                row.error(_l("a program cannot be its own parent"))
            elif parent_ext not in self.program_lines and parent_ext not in self.known.program_ids:
                row.error(
                    _l(
                        "%(column)s %(value)s not found (a parent must come before its "
                        "sub-programs or already exist)",
                        column="parent_external_id",
                        value=repr(parent_ext),
                    )
                )
        code = row.text("code", required=True, max_length=40)
        institution_id = self._institution(row, required=False)
        department_id, municipality_id = self._territory(row)
        titles = row.translations("title", 300)
        if not titles.get("es"):
            row.error(_l("%(column)s is required", column="title_es"))
        descriptions = row.translations("description", 5000)
        budget = row.amount("budget_bob")
        start, end = row.day("start_date"), row.day("end_date")
        if start and end and end < start:
            row.error(_l("%(end)s before %(start)s", end="end_date", start="start_date"))
        status_key = row.text("status")
        status_id = self.known.statuses.get(status_key) if status_key else None
        if status_key and status_id is None:
            row.error(_l("unknown %(column)s %(value)s", column="status", value=repr(status_key)))
        progress = row.integer("progress", 0, 100)
        weight = row.integer("weight", 1, 1000)
        opens, closes = row.day("comments_open_on"), row.day("comments_close_on")
        if opens and closes and closes < opens:
            row.error(
                _l("%(end)s before %(start)s", end="comments_close_on", start="comments_open_on")
            )
        if not row.ok:
            return
        program = ProgramRow(
            line=row.line,
            external_id=external_id,
            plan_external_id=plan_ext,
            parent_external_id=parent_ext,
            code=code,
            institution_id=institution_id,
            department_id=department_id,
            municipality_id=municipality_id,
            titles=titles,
            descriptions=descriptions,
            budget_bob=budget,
            start_date=start,
            end_date=end,
            status_id=status_id,
            progress=progress,
            weight=weight or 1,
            comments_open_on=opens,
            comments_close_on=closes,
        )
        self.program_rows[external_id] = program
        self.result.rows.append(program)
        if external_id in self.known.program_ids:
            self.result.programs_updated += 1
        else:
            self.result.programs_new += 1

    # -- the tree after the import --

    def _check_tree(self) -> None:
        """Check the program tree as it will be once every row is applied: a parent in the same
        plan, no cycle, and no sub-program left behind in another plan. A program is
        ``("row", external_id)`` when the file sets it, else ``("db", id)``."""
        known, rows = self.known, self.program_rows
        plan_exts = {pid: ext for ext, pid in known.plans.items()}

        def db_node(program_id: int) -> _Node:
            ext = known.programs[program_id][0]
            return ("row", ext) if ext and ext in rows else ("db", program_id)

        def parent_of(key: _Node) -> _Node | None:
            if key[0] == "row":
                parent = rows[key[1]].parent_external_id
                if parent is None or parent in rows:
                    return ("row", parent) if parent else None
                # A parent row with problems of its own: judge by the database, if it is there.
                return db_node(known.program_ids[parent]) if parent in known.program_ids else None
            parent_id = known.programs[key[1]][2]
            return db_node(parent_id) if parent_id is not None else None

        def plan_of(key: _Node) -> tuple[str, str | int]:
            if key[0] == "row":
                return ("ext", rows[key[1]].plan_external_id)
            plan_id = known.programs[key[1]][1]
            return ("ext", plan_exts[plan_id]) if plan_id in plan_exts else ("db", plan_id)

        for ext, row in rows.items():
            key: _Node = ("row", ext)
            parent = parent_of(key)
            if parent is not None and plan_of(parent) != plan_of(key):
                self.errors.append(
                    Problem(
                        row.line,
                        _l(
                            "%(column)s %(value)s belongs to another plan",
                            column="parent_external_id",
                            value=repr(row.parent_external_id),
                        ),
                    )
                )
            seen = {key}
            while parent is not None:
                if parent in seen:
                    self.errors.append(
                        Problem(
                            row.line,
                            _l(
                                "%(column)s %(value)s would put the program inside itself",
                                column="parent_external_id",
                                value=repr(row.parent_external_id),
                            ),
                        )
                    )
                    break
                seen.add(parent)
                parent = parent_of(parent)
        left_behind: set[str] = set()  # parents reported once, however many sub-programs
        for program_id, (program_ext, _plan, parent_id) in known.programs.items():
            if (program_ext and program_ext in rows) or parent_id is None:
                continue
            parent = db_node(parent_id)
            if (
                parent[0] == "row"
                and parent[1] not in left_behind
                and plan_of(parent) != plan_of(("db", program_id))
            ):
                left_behind.add(parent[1])
                self.errors.append(
                    Problem(
                        rows[parent[1]].line,
                        _l(
                            "program %(value)s has sub-programs that would stay in its old "
                            "plan; move them too",
                            value=repr(parent[1]),
                        ),
                    )
                )
        self.errors.sort(key=lambda problem: problem.line or 0)
