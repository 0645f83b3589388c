"""The rows of a programs CSV file (docs/programs-import.md): its columns, what a checked row
holds, the problems found, reading the file and its cells, and the records rows may refer to.

Each problem is a ``Problem``: its line and a lazy translatable message, turned into text by
whoever shows it (the web admin in the reader's language, the command line in English). The
checks themselves are in import_check.py."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import IO

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.i18n import LANGUAGE_TITLES
from app.extensions import db
from app.institutions.models import Institution
from app.programs import admin_services
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


@dataclass
class KnownRecords:
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
    def load(cls) -> KnownRecords:
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
                if ext is not None
            },
            programs=programs,
            program_ids={ext: pid for pid, (ext, _p, _q) in programs.items() if ext},
        )


class RawRow:
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


def read_rows(
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
