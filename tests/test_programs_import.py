"""``flask programs import``: the shipped example, re-import in place, all-or-nothing checks,
--dry-run."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from app.config import ROOT
from app.extensions import db
from app.institutions.models import Institution, InstitutionKind
from app.notifications.models import Notification
from app.programs.import_rows import COLUMNS
from app.programs.models import Plan, Program, ProgramFollow, ProgramStatus
from app.territory.services import default_territory_file, load_territory_csv
from tests.conftest import count

EXAMPLE = ROOT / "data" / "examples" / "programs.csv"


@pytest.fixture
def reference(app):
    """What the example refers to: territory, the demo institutions GAMS and GADC, the demo
    statuses."""
    with app.app_context():
        assert not load_territory_csv(default_territory_file()).errors
        for acronym, name, kind in (
            ("GAMS", "Gobierno Autónomo Municipal de Sucre", InstitutionKind.MUNICIPAL_GOVERNMENT),
            ("GADC", "Gobierno Autónomo Departamental de Cochabamba",
             InstitutionKind.DEPARTMENTAL_GOVERNMENT),
        ):  # fmt: skip
            db.session.add(Institution(names={"es": name}, acronym=acronym, kind=kind))
        for position, (key, progress) in enumerate(
            (("planned", 0), ("in_execution", 30), ("paused", None), ("finished", 100))
        ):
            db.session.add(
                ProgramStatus(
                    key=key, names={"es": key}, default_progress=progress, position=position
                )
            )
        db.session.commit()


def run(app, *args):
    return app.test_cli_runner().invoke(args=["programs", "import", *map(str, args)])


def snapshot(app) -> dict:
    """Every imported value that matters, by external id."""
    with app.app_context():
        plans = {
            p.external_id: (p.plan_type, p.institution.acronym, p.titles, p.descriptions,
                            p.period_start, p.period_end, p.department_id, p.municipality_id)
            for p in db.session.scalars(select(Plan))
        }  # fmt: skip
        programs = {
            p.external_id: (p.id, p.plan.external_id, p.parent.external_id if p.parent else None,
                            p.code, p.titles, p.descriptions, p.institution.acronym,
                            p.department_id, p.municipality_id, p.budget_bob, p.start_date,
                            p.end_date, p.status.key if p.status else None, p.progress, p.weight,
                            p.comments_open_on, p.comments_close_on, p.search_text)
            for p in db.session.scalars(select(Program))
        }  # fmt: skip
        return {"plans": plans, "programs": programs}


def program(app, external_id) -> Program:
    with app.app_context():
        found = db.session.scalar(select(Program).where(Program.external_id == external_id))
        found.parent_external_id = found.parent.external_id if found.parent else None
        found.municipality_code = found.municipality.code if found.municipality else None
        found.department_iso = found.department.iso_code if found.department else None
        db.session.expunge(found)
        return found


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    handle = io.StringIO()
    writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(handle.getvalue(), encoding="utf-8")
    return path


def example_rows() -> list[dict[str, str]]:
    with EXAMPLE.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_example_file_documents_every_column():
    header = EXAMPLE.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert sorted(header) == sorted(COLUMNS)
    doc = (ROOT / "docs" / "programs-import.md").read_text(encoding="utf-8")
    for column in COLUMNS:
        assert f"`{column}`" in doc, column


def test_example_file_imports(app, reference):
    result = run(app, EXAMPLE)
    assert result.exit_code == 0, result.output
    assert "plans: 2 new, 0 updated; programs: 8 new, 0 updated" in result.output
    assert "Importing" in result.output  # the progress bar's label
    assert count(app, Plan) == 2 and count(app, Program) == 8

    water = program(app, "GAMS-AG-01")
    tank, sewer = program(app, "GAMS-AG-01.1"), program(app, "GAMS-AG-01.2")
    assert tank.parent_external_id == sewer.parent_external_id == "GAMS-AG-01"
    assert (tank.progress, tank.weight, sewer.progress, sewer.weight) == (100, 2, 40, 3)
    # The parent's own progress cell is empty: its progress is rolled up from the two.
    assert water.progress == round((100 * 2 + 40 * 3) / 5)
    assert water.titles == {
        "es": "Agua potable y alcantarillado para los distritos periurbanos",
        "qu": "Ukyana yaku distritokunapaq",
        "ay": "Umañ uma distritonakataki",
        "en": "Drinking water and sewerage for the peri-urban districts",
    }
    assert water.budget_bob == Decimal("24500000.00")
    assert (water.department_iso, water.municipality_code) == ("BO-H", "010101")
    assert "uman uma" in water.search_text and "alcantarillado" in water.search_text
    # Without a progress cell a program takes its status default.
    assert program(app, "GAMS-ED-03").progress == 100
    assert program(app, "GADC-SA-02").progress == 30
    assert program(app, "GADC-RI-07").progress == 55
    road = program(app, "GADC-VI-04")
    assert road.titles["gn"] == "Tape Punata\N{EN DASH}Tiraque ñemoporã"
    assert (road.department_iso, road.municipality_code) == ("BO-C", "031401")
    with app.app_context():
        sucre = db.session.scalar(select(Plan).where(Plan.external_id == "PTDI-GAMS-2021"))
        assert sucre.institution.acronym == "GAMS" and sucre.plan_type.value == "PTDI"
        assert (sucre.period_start, sucre.period_end) == (2021, 2025)
        assert sucre.titles["qu"] == "Sucre llaqtap PTDI 2021-2025"


def test_reimport_updates_in_place_and_is_idempotent(app, reference, make_user, tmp_path):
    assert run(app, EXAMPLE).exit_code == 0
    first = snapshot(app)
    follower = make_user(email="follower@example.org")
    with app.app_context():
        db.session.add(
            ProgramFollow(program_id=first["programs"]["GAMS-AG-01"][0], user_id=follower.id)
        )
        db.session.commit()

    result = run(app, EXAMPLE)
    assert result.exit_code == 0, result.output
    assert "plans: 0 new, 2 updated; programs: 0 new, 8 updated" in result.output
    assert snapshot(app) == first
    assert count(app, Plan) == 2 and count(app, Program) == 8
    assert count(app, Notification) == 0  # nothing changed, nobody is told

    # A changed file updates the same rows: new title, a sub-program's progress, a new language.
    rows = example_rows()
    for row in rows:
        if row["external_id"] == "GAMS-AG-01.2":
            row["progress"] = "90"
        if row["external_id"] == "GADC-SA-02":
            row["title_es"] = "Equipamiento de cuatro hospitales de segundo nivel"
            row["title_qu"] = ""
    result = run(app, write_csv(tmp_path / "changed.csv", rows))
    assert result.exit_code == 0, result.output
    after = snapshot(app)
    assert count(app, Program) == 8
    assert after["programs"]["GADC-SA-02"][0] == first["programs"]["GADC-SA-02"][0]
    assert after["programs"]["GADC-SA-02"][4] == {
        "es": "Equipamiento de cuatro hospitales de segundo nivel",
        "ay": "Qullañ utanakataki yänaka",
        "en": "Equipment for second-level hospitals",
    }
    assert program(app, "GAMS-AG-01").progress == round((100 * 2 + 90 * 3) / 5)  # 94
    # The follower of the parent is told its progress changed (the rollup went through).
    with app.app_context():
        notes = db.session.scalars(select(Notification)).all()
        assert [(n.kind, n.data["old"], n.data["new"]) for n in notes] == [("progress", 64, 94)]


def test_file_with_bad_rows_imports_nothing_and_lists_each_problem(app, reference, tmp_path):
    good_plan = {"kind": "plan", "external_id": "P-1", "plan_type": "PTDI",
                 "period_start": "2021", "period_end": "2025", "institution": "GAMS",
                 "title_es": "Plan bueno"}  # fmt: skip
    good_program = {"kind": "program", "external_id": "X-1", "plan_external_id": "P-1",
                    "code": "X-1", "title_es": "Programa bueno", "status": "planned"}  # fmt: skip
    wrong_order = {"start_date": "2025-05-01", "end_date": "2025-01-01"}
    rows = [
        good_plan,  # line 2
        good_program,  # 3
        good_program | {"external_id": "X-2", "institution": "XYZ"},  # 4
        good_program | {"external_id": "X-3", **wrong_order},  # 5
        good_program | {"external_id": "X-4", "parent_external_id": "P-9"},  # 6
        good_program | {"external_id": "X-5", "department": "BO-H", "municipality": "031401"},  # 7
        good_program | {"external_id": "X-6", "budget_bob": "1.500.000,00", "progress": "150"},  # 8
        good_program | {"external_id": "X-1"},  # 9: duplicate
        good_program | {"external_id": "X-7", "plan_external_id": "P-2"},  # 10: plan comes later
        {"kind": "proyecto", "external_id": "Z"},  # 11
        good_plan | {"external_id": "P-2", "plan_type": "PLAN", "title_es": ""},  # 12
        good_program | {"external_id": "X-8", "status": "done", "code": ""},  # 13
        good_program | {"external_id": "X-9", "end_date": "2025-1-31", "period_end": "2030"},  # 14
    ]
    result = run(app, write_csv(tmp_path / "bad.csv", rows))
    assert result.exit_code != 0
    output = result.output
    for expected in (
        "line 4: unknown institution 'XYZ'",
        "line 5: end_date before start_date",
        "line 6: parent_external_id 'P-9' not found",
        "line 7: municipality '031401' is not in department 'BO-H'",
        "line 8: budget_bob must be an amount",
        "line 8: progress must be a whole number from 0 to 100, not '150'",
        "line 9: duplicate program external_id 'X-1' (first on line 3)",
        "line 10: plan_external_id 'P-2' not found (plans must come before their programs)",
        "line 11: unknown kind 'proyecto'",
        "line 12: unknown plan_type 'PLAN'",
        "line 12: title_es is required",
        "line 13: unknown status 'done'",
        "line 13: code is required",
        "line 14: end_date must be a date written YYYY-MM-DD, not '2025-1-31'",
        "line 14: period_end is not used in a program row; leave it empty",
        "15 problem(s) in bad.csv; nothing was imported",
    ):
        assert expected in output, expected
    for line in (2, 3):
        assert f"line {line}:" not in output
    # The good rows were not imported either.
    assert count(app, Plan) == 0 and count(app, Program) == 0


def test_tree_problems_are_found_before_writing(app, reference, tmp_path):
    assert run(app, EXAMPLE).exit_code == 0
    before = snapshot(app)
    rows = example_rows()
    for row in rows:
        if row["external_id"] == "GAMS-AG-01":  # line 4: would sit under its own child
            row["parent_external_id"] = "GAMS-AG-01.1"
        if row["external_id"] == "GADC-RI-07":  # line 9: parent in another plan
            row["parent_external_id"] = "GAMS-ED-03"
    result = run(app, write_csv(tmp_path / "tree.csv", rows))
    assert result.exit_code != 0
    assert "line 4: parent_external_id 'GAMS-AG-01.1' would put the program inside itself" in (
        result.output
    )
    assert "line 9: parent_external_id 'GAMS-ED-03' belongs to another plan" in result.output
    assert snapshot(app) == before


def test_rows_may_refer_to_what_the_database_holds(app, reference, tmp_path):
    assert run(app, EXAMPLE).exit_code == 0
    rows = [
        {"kind": "program", "external_id": "GAMS-AG-01.3", "plan_external_id": "PTDI-GAMS-2021",
         "parent_external_id": "GAMS-AG-01", "code": "SUC-AG-01.3", "institution": "GAMS",
         "title_es": "Medidores domiciliarios", "progress": "0", "weight": "5"},
    ]  # fmt: skip
    result = run(app, write_csv(tmp_path / "more.csv", rows))
    assert result.exit_code == 0, result.output
    assert count(app, Program) == 9
    assert program(app, "GAMS-AG-01.3").parent_external_id == "GAMS-AG-01"
    # The parent's rollup now counts the new child: (100·2 + 40·3 + 0·5) / 10.
    assert program(app, "GAMS-AG-01").progress == 32


def test_dry_run_writes_nothing(app, reference):
    result = run(app, EXAMPLE, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "plans: 2 new, 0 updated; programs: 8 new, 0 updated" in result.output
    assert "nothing written" in result.output
    assert count(app, Plan) == 0 and count(app, Program) == 0


def test_header_problems(app, reference, tmp_path):
    bad = tmp_path / "header.csv"
    bad.write_text("kind;external_id;title_es\nplan;P-1;Plan\n", encoding="utf-8")
    result = run(app, bad)
    assert result.exit_code != 0 and "separate them with commas" in result.output
    bad.write_text("kind,external_id,titel_es\nplan,P-1,Plan\n", encoding="utf-8")
    result = run(app, bad)
    assert "line 1: unknown column 'titel_es'" in result.output
    assert "line 1: missing column 'title_es'" in result.output
    # A shifted row is reported together with the other rows' problems.
    bad.write_text(
        "kind,external_id,title_es\nplan,P-1,Plan,extra\nprogram,X-1,Programa\n", encoding="utf-8"
    )
    output = run(app, bad).output
    assert "line 2: 4 cells but the header has 3" in output
    assert "line 3: plan_external_id is required" in output
    bad.write_bytes("kind,external_id,title_es\nplan,P-1,Año\n".encode("latin-1"))
    assert "not UTF-8" in run(app, bad).output
    assert count(app, Plan) == 0
