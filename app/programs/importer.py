"""CSV import of plans and programs (``flask programs import FILE.csv``); the column format is
documented in docs/programs-import.md.

Two phases. ``check_file`` reads every row and checks it against the file itself and the
database, collecting every problem (``line 7: unknown institution 'XYZ'``); it writes nothing.
Each problem is a ``Problem``: its line and a lazy translatable message, turned into text by
whoever shows it (the web admin in the reader's language, the command line in English).
Only a file without problems reaches ``Importer``, which writes each row through the same
services as the admin forms (``admin_services.save_plan`` / ``save_program``: rollup, search text
and follower notifications), so the caller can commit once or roll everything back. Rows are
matched by ``external_id``: importing the same file again updates in place.

The web admin (admin_routes.py, "Import programs from CSV") runs the same two phases on an
uploaded file: ``check_bytes`` for its preview, then, at apply time, ``lock()``, the check again
and ``apply_checked`` in one transaction. Between the two it keeps the file in the app's storage
(``keep_upload`` / ``read_upload`` / ``drop_upload``), under a random token of the admin's."""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.i18n import LANGUAGE_TITLES
from app.core.locks import one_run_at_a_time
from app.core.storage import StoredFileMissing, storage
from app.extensions import db
from app.institutions.models import Institution
from app.programs import admin_services, services
from app.programs.models import Plan, PlanType, Program, ProgramStatus
from app.territory.models import Department, Municipality

LANGUAGES = tuple(LANGUAGE_TITLES)
PLAN_COLUMNS = ("plan_type", "period_start", "period_end")
PROGRAM_COLUMNS = (
    "plan_external_id",
    "parent_external_id",
    "code",
    "budget_bob",
    "start_date",
    "end_date",
    "status",
    "progress",
    "weight",
    "comments_open_on",
    "comments_close_on",
)
COLUMNS = (
    "kind",
    "external_id",
    *PLAN_COLUMNS,
    *PROGRAM_COLUMNS,
    "institution",
    "department",
    "municipality",
    *(f"title_{lang}" for lang in LANGUAGES),
    *(f"description_{lang}" for lang in LANGUAGES),
)
REQUIRED_COLUMNS = ("kind", "external_id", "title_es")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^-?\d+$")


@dataclass
class PlanRow:
    line: int
    external_id: str
    plan_type: PlanType
    period_start: int
    period_end: int
    institution_id: int
    department_id: int | None
    municipality_id: int | None
    titles: dict[str, str]
    descriptions: dict[str, str]


@dataclass
class ProgramRow:
    line: int
    external_id: str
    plan_external_id: str
    parent_external_id: str | None
    code: str
    #: None: the plan's institution.
    institution_id: int | None
    department_id: int | None
    municipality_id: int | None
    titles: dict[str, str]
    descriptions: dict[str, str]
    budget_bob: Decimal | None
    start_date: date | None
    end_date: date | None
    status_id: int | None
    progress: int | None
    weight: int
    comments_open_on: date | None
    comments_close_on: date | None


@dataclass(frozen=True)
class Problem:
    """One problem of a file: its line (the header is line 1; None: the file as a whole) and
    what is wrong, a lazy string translated when it is shown. ``str()`` gives the line and the
    message in the current language (``line 7: unknown institution 'XYZ'`` in English)."""

    line: int | None
    message: LazyString

    def __str__(self) -> str:
        if self.line is None:
            return str(self.message)
        return _("line %(line)d: %(problem)s", line=self.line, problem=self.message)


@dataclass
class CheckedFile:
    rows: list[PlanRow | ProgramRow] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    plans_new: int = 0
    plans_updated: int = 0
    programs_new: int = 0
    programs_updated: int = 0

    def summary(self) -> LazyString:
        return _l(
            "plans: %(plans_new)d new, %(plans_updated)d updated; "
            "programs: %(programs_new)d new, %(programs_updated)d updated",
            plans_new=self.plans_new,
            plans_updated=self.plans_updated,
            programs_new=self.programs_new,
            programs_updated=self.programs_updated,
        )


# --- phase 1: read and check ----------------------------------------------------------------


@dataclass
class _Known:
    """What the database already holds, loaded once."""

    institutions: dict[int, Institution]
    acronyms: dict[str, list[int]]
    departments: dict[str, int]
    municipalities: dict[str, tuple[int, int]]  # INE code → (id, department id)
    statuses: dict[str, int]
    plans: dict[str, int]  # external id → id
    #: Every program: id → (external id, plan id, parent id).
    programs: dict[int, tuple[str | None, int, int | None]]
    program_ids: dict[str, int]  # external id → id

    @classmethod
    def load(cls) -> _Known:
        institutions = {i.id: i for i in db.session.scalars(select(Institution))}
        acronyms: dict[str, list[int]] = {}
        for institution in institutions.values():
            if institution.acronym:
                acronyms.setdefault(institution.acronym.casefold(), []).append(institution.id)
        programs = {
            pid: (ext, plan_id, parent_id)
            for pid, ext, plan_id, parent_id in db.session.execute(
                select(Program.id, Program.external_id, Program.plan_id, Program.parent_id)
            )
        }
        return cls(
            institutions=institutions,
            acronyms=acronyms,
            departments=dict(db.session.execute(select(Department.iso_code, Department.id)).all()),
            municipalities={
                code: (mid, did)
                for code, mid, did in db.session.execute(
                    select(Municipality.code, Municipality.id, Municipality.department_id)
                )
            },
            statuses=dict(db.session.execute(select(ProgramStatus.key, ProgramStatus.id)).all()),
            plans={
                ext: pid
                for ext, pid in db.session.execute(
                    select(Plan.external_id, Plan.id).where(Plan.external_id.is_not(None))
                )
            },
            programs=programs,
            program_ids={ext: pid for pid, (ext, _p, _q) in programs.items() if ext},
        )


class _Row:
    """One CSV row being checked; every problem is added to ``errors`` with its line number."""

    def __init__(self, line: int, values: dict[str, str], errors: list[Problem]) -> None:
        self.line = line
        self.values = values
        self._errors = errors
        self.ok = True

    def error(self, message: LazyString) -> None:
        self._errors.append(Problem(self.line, message))
        self.ok = False

    def text(self, column: str, required: bool = False, max_length: int = 0) -> str:
        value = self.values.get(column, "")
        if required and not value:
            self.error(_l("%(column)s is required", column=column))
        elif max_length and len(value) > max_length:
            self.error(
                _l(
                    "%(column)s is longer than %(max_length)d characters",
                    column=column,
                    max_length=max_length,
                )
            )
        return value

    def integer(self, column: str, low: int, high: int, required: bool = False) -> int | None:
        value = self.values.get(column, "")
        if not value:
            if required:
                self.error(_l("%(column)s is required", column=column))
            return None
        if not _INTEGER.match(value) or not low <= int(value) <= high:
            self.error(
                _l(
                    "%(column)s must be a whole number from %(low)d to %(high)d, not %(value)s",
                    column=column,
                    low=low,
                    high=high,
                    value=repr(value),
                )
            )
            return None
        return int(value)

    def day(self, column: str) -> date | None:
        value = self.values.get(column, "")
        if not value:
            return None
        try:
            if not _ISO_DATE.match(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            self.error(
                _l(
                    "%(column)s must be a date written YYYY-MM-DD, not %(value)s",
                    column=column,
                    value=repr(value),
                )
            )
            return None

    def amount(self, column: str) -> Decimal | None:
        value = self.values.get(column, "")
        if not value:
            return None
        amount = admin_services.parse_amount(value) if "," not in value else None
        if amount is None:
            self.error(
                _l(
                    "%(column)s must be an amount of 0 or more like %(example)s (a point for "
                    "the decimals, no thousands separators), not %(value)s",
                    column=column,
                    example="1500000.50",
                    value=repr(value),
                )
            )
        return amount

    def translations(self, prefix: str, max_length: int) -> dict[str, str]:
        found = {}
        for lang in LANGUAGES:
            value = self.text(f"{prefix}_{lang}", max_length=max_length)
            if value:
                found[lang] = value
        return found

    def must_be_empty(self, columns: tuple[str, ...], kind: str) -> None:
        for column in columns:
            if self.values.get(column):
                if kind == "plan":
                    message = _l(
                        "%(column)s is not used in a plan row; leave it empty", column=column
                    )
                else:
                    message = _l(
                        "%(column)s is not used in a program row; leave it empty", column=column
                    )
                self.error(message)


def _read(
    open_text: Callable[[], IO[str]], errors: list[Problem]
) -> list[tuple[int, dict[str, str]]]:
    """The rows with their starting line numbers; header problems end the check early."""
    try:
        with open_text() as handle:
            reader = csv.reader(handle)
            header = [column.strip() for column in next(reader, [])]
            rows: list[tuple[int, dict[str, str]]] = []
            shape: list[Problem] = []  # rows with more cells than columns (reported with the rest)
            line = reader.line_num + 1
            for record in reader:
                if any(cell.strip() for cell in record):
                    if len(record) > len(header):
                        shape.append(
                            Problem(
                                line,
                                _l(
                                    "%(cells)d cells but the header has %(columns)d",
                                    cells=len(record),
                                    columns=len(header),
                                ),
                            )
                        )
                    rows.append(
                        (line, {c: v.strip() for c, v in zip(header, record, strict=False)})
                    )
                line = reader.line_num + 1
    except UnicodeDecodeError:
        errors.append(Problem(None, _l("the file is not UTF-8 text; save it as CSV UTF-8")))
        return []
    except csv.Error as exc:
        errors.append(Problem(None, _l("the file is not valid CSV: %(error)s", error=str(exc))))
        return []
    if not header:
        errors.append(Problem(None, _l("the file is empty")))
        return []
    if len(header) == 1 and ";" in header[0]:
        errors.append(
            Problem(
                None,
                _l(
                    "the columns are separated by %(separator)s: separate them with commas",
                    separator=repr(";"),
                ),
            )
        )
        return []
    for column in sorted({c for c in header if header.count(c) > 1}):
        errors.append(
            Problem(1, _l("column %(column)s appears more than once", column=repr(column)))
        )
    for column in header:
        if column not in COLUMNS:
            errors.append(Problem(1, _l("unknown column %(column)s", column=repr(column))))
    for column in REQUIRED_COLUMNS:
        if column not in header:
            errors.append(Problem(1, _l("missing column %(column)s", column=repr(column))))
    if not errors and not rows:
        errors.append(Problem(None, _l("the file has no rows")))
    if errors:
        return []
    errors.extend(shape)
    return rows


def check_file(path: Path) -> CheckedFile:
    """Read ``path`` and check every row; nothing is written. ``rows`` is meaningful only when
    ``errors`` is empty."""
    return _check(lambda: path.open(newline="", encoding="utf-8-sig"))


def check_bytes(data: bytes) -> CheckedFile:
    """``check_file`` for a file's bytes (an upload to the web admin)."""
    return _check(lambda: io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline=""))


def _check(open_text: Callable[[], IO[str]]) -> CheckedFile:
    result = CheckedFile()
    raw_rows = _read(open_text, result.errors)
    if not raw_rows:
        return result
    _Checker(_Known.load(), result).check(raw_rows)
    return result


class _Checker:
    def __init__(self, known: _Known, result: CheckedFile) -> None:
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
            row = _Row(line, values, self.errors)
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

    def _external_id(self, row: _Row, seen: dict[str, int], kind: str) -> str:
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

    def _institution(self, row: _Row, required: bool) -> int | None:
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

    def _territory(self, row: _Row) -> tuple[int | None, int | None]:
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

    def _plan(self, row: _Row) -> None:
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
        if not row.ok:
            return
        self.result.rows.append(
            PlanRow(
                line=row.line,
                external_id=external_id,
                plan_type=PlanType(plan_type),
                period_start=start,  # type: ignore[arg-type]
                period_end=end,  # type: ignore[arg-type]
                institution_id=institution_id,  # type: ignore[arg-type]
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

    def _program(self, row: _Row) -> None:
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
        Key = tuple[str, str | int]

        def db_node(program_id: int) -> Key:
            ext = known.programs[program_id][0]
            return ("row", ext) if ext and ext in rows else ("db", program_id)

        def parent_of(key: Key) -> Key | None:
            if key[0] == "row":
                parent = rows[key[1]].parent_external_id  # type: ignore[index]
                if parent is None or parent in rows:
                    return ("row", parent) if parent else None
                # A parent row with problems of its own: judge by the database, if it is there.
                return db_node(known.program_ids[parent]) if parent in known.program_ids else None
            parent_id = known.programs[key[1]][2]  # type: ignore[index]
            return db_node(parent_id) if parent_id is not None else None

        def plan_of(key: Key) -> tuple[str, str | int]:
            if key[0] == "row":
                return ("ext", rows[key[1]].plan_external_id)  # type: ignore[index]
            plan_id = known.programs[key[1]][1]  # type: ignore[index]
            return ("ext", plan_exts[plan_id]) if plan_id in plan_exts else ("db", plan_id)

        for ext, row in rows.items():
            key: Key = ("row", ext)
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
        for program_id, (ext, _plan, parent_id) in known.programs.items():
            if (ext and ext in rows) or parent_id is None:
                continue
            parent = db_node(parent_id)
            if (
                parent[0] == "row"
                and parent[1] not in left_behind
                and plan_of(parent) != plan_of(("db", program_id))
            ):
                left_behind.add(parent[1])  # type: ignore[arg-type]
                self.errors.append(
                    Problem(
                        rows[parent[1]].line,  # type: ignore[index]
                        _l(
                            "program %(value)s has sub-programs that would stay in its old "
                            "plan; move them too",
                            value=repr(parent[1]),
                        ),
                    )
                )
        self.errors.sort(key=lambda problem: problem.line or 0)


# --- phase 2: write -------------------------------------------------------------------------


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
                institution=db.session.get(Institution, row.institution_id),  # type: ignore[arg-type]
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
            db.session.get(Institution, row.institution_id)
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
                institution=institution,  # type: ignore[arg-type]
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


def _get(model: type, object_id: int | None):  # type: ignore[no-untyped-def]
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


# --- uploads kept between the web preview and the import ------------------------------------

#: Storage keys (app/core/storage.py) of uploaded files:
#: ``imports/programs/u<user id>/<token>.csv``. No row refers to them, so ``flask uploads sweep``
#: (daily) removes those left behind.
UPLOAD_PREFIX = "imports/programs"
#: An upload older than this is expired: upload the file again (the sweep's default grace).
UPLOAD_LIFETIME = timedelta(hours=24)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


def _upload_key(user_id: int, token: str) -> str | None:
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    return f"{UPLOAD_PREFIX}/u{int(user_id)}/{token}.csv"


def keep_upload(user_id: int, data: bytes) -> str:
    """Store an uploaded file for ``user_id``; returns its new random token."""
    token = secrets.token_urlsafe(24)
    storage().put(_upload_key(user_id, token), data, "text/csv")  # type: ignore[arg-type]
    return token


def read_upload(user_id: int, token: str) -> bytes | None:
    """The bytes ``user_id`` uploaded under ``token``; None when there are none (another user's
    token, a malformed one, already imported or dropped, expired)."""
    key = _upload_key(user_id, token)
    if key is None:
        return None
    try:
        stored = storage().open(key)
    except (StoredFileMissing, ValueError):
        return None
    with stored.stream as stream:
        data = stream.read()
    if stored.last_modified is not None and (
        stored.last_modified < datetime.now(UTC) - UPLOAD_LIFETIME
    ):
        drop_upload(user_id, token)
        return None
    return data


def drop_upload(user_id: int, token: str) -> None:
    """Remove an upload (imported, replaced by a new one, expired); nothing when there is none."""
    key = _upload_key(user_id, token)
    if key is not None:
        storage().delete(key)
