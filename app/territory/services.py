"""Loading territory data from CSV (municipality lists change: they are data, not code)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from app.config import ROOT
from app.extensions import db
from app.territory.models import Department, Municipality, MunicipalityKind

COLUMNS = ["kind", "code", "name", "department", "province"]


@dataclass
class LoadResult:
    departments: int = 0
    municipalities: int = 0
    errors: list[str] = field(default_factory=list)


def load_territory_csv(path: Path) -> LoadResult:
    """Insert or update departments and municipalities from ``path``. Every row is checked first;
    if any is wrong nothing is written and the errors are returned. Flushes, never commits."""
    result = LoadResult()
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or [c.strip() for c in reader.fieldnames] != COLUMNS:
            result.errors.append(f"header must be: {','.join(COLUMNS)}")
            return result
        rows = list(reader)

    departments: dict[str, dict[str, str]] = {}
    municipalities: list[dict[str, str]] = []
    seen_codes: set[str] = set()
    for number, row in enumerate(rows, start=2):
        row = {k: (v or "").strip() for k, v in row.items()}
        kind, code, name = row["kind"], row["code"], row["name"]
        if not code or not name:
            result.errors.append(f"line {number}: code and name are required")
            continue
        if code in seen_codes:
            result.errors.append(f"line {number}: duplicate code {code}")
            continue
        seen_codes.add(code)
        if kind == "department":
            departments[code] = row
        elif kind in {k.value for k in MunicipalityKind}:
            municipalities.append(row | {"line": str(number)})
        else:
            result.errors.append(f"line {number}: unknown kind {kind!r}")

    existing_departments = {d.iso_code: d for d in db.session.scalars(select(Department))}
    known_department_codes = set(departments) | set(existing_departments)
    for row in municipalities:
        if row["department"] not in known_department_codes:
            result.errors.append(f"line {row['line']}: unknown department {row['department']!r}")
    if result.errors:
        return result

    for code, row in departments.items():
        department = existing_departments.get(code)
        if department is None:
            department = Department(iso_code=code, name=row["name"])
            db.session.add(department)
            existing_departments[code] = department
        department.name = row["name"]
        result.departments += 1
    db.session.flush()

    existing = {m.code: m for m in db.session.scalars(select(Municipality))}
    for row in municipalities:
        municipality = existing.get(row["code"])
        if municipality is None:
            municipality = Municipality(code=row["code"])
            db.session.add(municipality)
        municipality.name = row["name"]
        municipality.province = row["province"]
        municipality.kind = MunicipalityKind(row["kind"])
        municipality.department = existing_departments[row["department"]]
        result.municipalities += 1
    db.session.flush()
    return result


def default_territory_file() -> Path:
    return ROOT / "data" / "territory" / "bo_territory.csv"
