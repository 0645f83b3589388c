"""The programs CSV import in the web admin (issue 15, point 15): upload → preview (checked,
nothing written) → apply (checked again, all or nothing), who may use it, tokens that are not
this admin's, and hostile files (each a 400 with a message, never a 500)."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from sqlalchemy import delete, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.accounts.models import Role
from app.core.storage import storage
from app.extensions import db
from app.programs import import_check, import_uploads, importer
from app.programs.import_rows import COLUMNS
from app.programs.models import Plan, Program, ProgramStatus
from tests import test_programs_import as cli_tests
from tests.conftest import count, logged_in
from tests.test_programs_import import EXAMPLE, example_rows, snapshot

#: The institutions, statuses and territory the example file refers to.
reference = cli_tests.reference

IMPORT = "/admin/programs/import"
PREVIEW = re.compile(r"/admin/programs/import/([A-Za-z0-9_-]{32})$")


def csv_bytes(rows: list[dict[str, str]], columns=COLUMNS) -> bytes:
    handle = io.StringIO()
    writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return handle.getvalue().encode("utf-8")


def upload(client, data: bytes, name: str = "programs.csv"):
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename=name)})
    return client.post(IMPORT, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def token_of(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)
    match = PREVIEW.search(response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def stored_uploads(app) -> list[str]:
    with app.app_context():
        return sorted(
            k for k in storage().iter_keys() if k.startswith(import_uploads.UPLOAD_PREFIX)
        )


def page_text(response) -> str:
    """The page's text without tags and with spaces collapsed, to match sentences."""
    text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(text))


@pytest.fixture(autouse=True)
def _no_uploads_left(app):
    """Each test starts and ends with no import file in storage."""
    yield
    with app.app_context():
        files = storage()
        for key in list(files.iter_keys()):
            if key.startswith(import_uploads.UPLOAD_PREFIX):
                files.delete(key)


@pytest.fixture
def admin(app, make_user):
    make_user(email="admin@example.org", role=Role.ADMIN)
    return logged_in(app, "admin@example.org")


GOOD_PLAN = {"kind": "plan", "external_id": "P-1", "plan_type": "PTDI", "period_start": "2021",
             "period_end": "2025", "institution": "GAMS", "title_es": "Plan bueno"}  # fmt: skip
GOOD_PROGRAM = {"kind": "program", "external_id": "X-1", "plan_external_id": "P-1",
                "code": "X-1", "title_es": "Programa bueno", "status": "planned"}  # fmt: skip


# --- upload, preview, apply -----------------------------------------------------------------


def test_upload_shows_a_preview_with_counts_and_writes_nothing(app, reference, admin):
    token = token_of(upload(admin, EXAMPLE.read_bytes(), "programas.csv"))
    # The file waits in storage, under this admin's id and the token.
    assert len(stored_uploads(app)) == 1 and token in stored_uploads(app)[0]

    page = admin.get(f"{IMPORT}/{token}")
    assert page.status_code == 200
    text = page_text(page)
    assert "File: programas.csv" in text
    assert "Plans 2 0" in text and "Programs 8 0" in text  # new, updated
    assert "GAMS-AG-01.1" in text and "Tanque de almacenamiento de Lajastambo" in text
    assert f'action="{IMPORT}/{token}/apply"' in page.get_data(as_text=True)
    # Neither the upload nor the preview wrote anything.
    assert count(app, Plan) == 0 and count(app, Program) == 0


def test_apply_imports_every_row_and_forgets_the_file(app, reference, admin):
    token = token_of(upload(admin, EXAMPLE.read_bytes()))
    response = admin.post(f"{IMPORT}/{token}/apply")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/plans")
    assert count(app, Plan) == 2 and count(app, Program) == 8
    # The same writing code as the command line: the parent's progress is rolled up.
    with app.app_context():
        water = db.session.scalar(select(Program).where(Program.external_id == "GAMS-AG-01"))
        assert water.progress == round((100 * 2 + 40 * 3) / 5)
    text = page_text(admin.get("/admin/plans"))
    assert "The file was imported. Plans: 2 new, 0 updated. Programs: 8 new, 0 updated." in text
    assert stored_uploads(app) == []

    # A second click on the same button (or the back button) imports nothing twice.
    again = admin.post(f"{IMPORT}/{token}/apply")
    assert again.status_code == 302 and again.headers["Location"].endswith(IMPORT)
    assert "no longer waiting to be imported" in page_text(admin.get(IMPORT))
    assert count(app, Plan) == 2 and count(app, Program) == 8

    # Importing the same file again updates the same rows in place.
    first = snapshot(app)
    token = token_of(upload(admin, EXAMPLE.read_bytes()))
    assert "Plans 0 2" in page_text(admin.get(f"{IMPORT}/{token}"))
    assert admin.post(f"{IMPORT}/{token}/apply").status_code == 302
    assert snapshot(app) == first


def test_file_with_bad_rows_lists_them_and_cannot_be_applied(app, reference, admin):
    rows = [
        GOOD_PLAN,  # line 2
        GOOD_PROGRAM,  # 3
        GOOD_PROGRAM | {"external_id": "X-2", "institution": "XYZ"},  # 4
        GOOD_PROGRAM | {"external_id": "X-3", "start_date": "2025-05-01",
                        "end_date": "2025-01-01"},  # 5
        GOOD_PROGRAM | {"external_id": "X-1"},  # 6: duplicate
    ]  # fmt: skip
    response = upload(admin, csv_bytes(rows), "bad.csv")
    assert response.status_code == 400
    text = page_text(response)
    assert "3 problems in bad.csv: nothing can be imported" in text
    assert "4 unknown institution 'XYZ'" in text
    assert "5 end_date before start_date" in text
    assert "6 duplicate program external_id 'X-1' (first on line 3)" in text
    assert not re.search(r"<td>[23]</td>", response.get_data(as_text=True))  # good rows
    # Nothing to apply: no button, no file kept, nothing written.
    assert '/apply"' not in response.get_data(as_text=True)
    assert stored_uploads(app) == []
    assert count(app, Plan) == 0 and count(app, Program) == 0


def test_a_change_in_the_database_after_the_preview_is_caught_at_apply(app, reference, admin):
    token = token_of(upload(admin, csv_bytes([GOOD_PLAN, GOOD_PROGRAM])))
    assert admin.get(f"{IMPORT}/{token}").status_code == 200
    with app.app_context():  # someone deletes the status the file refers to
        db.session.execute(delete(ProgramStatus).where(ProgramStatus.key == "planned"))
        db.session.commit()

    response = admin.post(f"{IMPORT}/{token}/apply")
    assert response.status_code == 409
    text = page_text(response)
    assert "changed since this file was checked" in text
    assert "3 unknown status 'planned'" in text
    assert '/apply"' not in response.get_data(as_text=True)
    assert count(app, Plan) == 0 and count(app, Program) == 0  # not even the good plan row
    # The file is kept: once the status is back, the same upload imports.
    with app.app_context():
        db.session.add(ProgramStatus(key="planned", names={"es": "x"}, default_progress=0))
        db.session.commit()
    assert admin.post(f"{IMPORT}/{token}/apply").status_code == 302
    assert count(app, Plan) == 1 and count(app, Program) == 1


def test_a_failure_while_writing_leaves_nothing_half_written(app, reference, admin, monkeypatch):
    token = token_of(upload(admin, EXAMPLE.read_bytes()))
    real = importer.Importer.apply
    applied = []

    def fail_on_the_fifth_row(self, row):
        if len(applied) == 4:
            from sqlalchemy.exc import OperationalError

            raise OperationalError("INSERT", {}, Exception("disk full"))
        applied.append(row)
        real(self, row)

    monkeypatch.setattr(importer.Importer, "apply", fail_on_the_fifth_row)
    response = admin.post(f"{IMPORT}/{token}/apply")
    assert response.status_code == 409
    assert "Nothing was imported" in page_text(response)
    assert len(applied) == 4  # four rows were flushed, then rolled back
    assert count(app, Plan) == 0 and count(app, Program) == 0
    assert stored_uploads(app) == []


# --- who may use it, and whose token --------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.MODERATOR, Role.RESPONDER])
def test_only_admins_may_import(app, reference, make_user, make_institution, role):
    institution = make_institution() if role == Role.RESPONDER else None
    make_user(email="someone@example.org", role=role, institution=institution)
    client = logged_in(app, "someone@example.org")
    token = "A" * 32
    assert client.get(IMPORT).status_code == 403
    assert upload(client, EXAMPLE.read_bytes()).status_code == 403
    assert client.get(f"{IMPORT}/{token}").status_code == 403
    assert client.post(f"{IMPORT}/{token}/apply").status_code == 403
    assert client.get(f"{IMPORT}/format").status_code == 403
    assert stored_uploads(app) == [] and count(app, Plan) == 0


def test_anonymous_visitors_are_sent_to_log_in(app, client, reference):
    for response in (
        client.get(IMPORT),
        upload(client, EXAMPLE.read_bytes()),
        client.get(f"{IMPORT}/{'A' * 32}"),
        client.post(f"{IMPORT}/{'A' * 32}/apply"),
    ):
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert stored_uploads(app) == [] and count(app, Plan) == 0


def test_another_admins_token_is_refused(app, reference, admin, make_user):
    token = token_of(upload(admin, EXAMPLE.read_bytes()))
    make_user(email="other@example.org", role=Role.ADMIN)
    other = logged_in(app, "other@example.org")

    for response in (other.get(f"{IMPORT}/{token}"), other.post(f"{IMPORT}/{token}/apply")):
        assert response.status_code == 302 and response.headers["Location"].endswith(IMPORT)
    assert "no longer waiting to be imported" in page_text(other.get(IMPORT))
    assert count(app, Plan) == 0
    # Even a session that names the token does not reach the file: it is stored under the id
    # of the admin who uploaded it.
    with other.session_transaction() as session:
        session["programs_import"] = {"token": token, "name": "stolen.csv"}
    assert other.get(f"{IMPORT}/{token}").status_code == 302
    assert other.post(f"{IMPORT}/{token}/apply").status_code == 302
    assert count(app, Plan) == 0
    # The owner still can.
    assert admin.post(f"{IMPORT}/{token}/apply").status_code == 302
    assert count(app, Plan) == 2


@pytest.mark.parametrize(
    "token", ["A" * 32, "not-a-valid-token", "A" * 31 + ".", "%00" * 4, "..", "%2e%2e"]
)
def test_unknown_or_malformed_tokens_are_refused_cleanly(app, reference, admin, token):
    for response in (admin.get(f"{IMPORT}/{token}"), admin.post(f"{IMPORT}/{token}/apply")):
        assert response.status_code == 302 and response.headers["Location"].endswith(IMPORT)
    assert count(app, Plan) == 0


def test_tokens_never_name_a_file_outside_the_admins_folder(app, admin):
    with app.app_context():
        storage().put("imports/programs/u1/secret.csv", b"kind\n", "text/csv")
        for token in ("../u1/secret", "../../imports/programs/u1/secret", "secret", "A" * 33):
            assert import_uploads.read_upload(2, token) is None
        import_uploads.drop_upload(2, "../u1/secret")
        assert storage().exists("imports/programs/u1/secret.csv")


def test_a_new_upload_replaces_the_previous_one(app, reference, admin):
    first = token_of(upload(admin, EXAMPLE.read_bytes()))
    second = token_of(upload(admin, csv_bytes([GOOD_PLAN])))
    assert first != second
    assert len(stored_uploads(app)) == 1 and second in stored_uploads(app)[0]
    assert admin.post(f"{IMPORT}/{first}/apply").status_code == 302
    assert count(app, Plan) == 0  # the first file is gone
    assert admin.post(f"{IMPORT}/{second}/apply").status_code == 302
    assert count(app, Plan) == 1 and count(app, Program) == 0


def test_an_expired_upload_is_refused_and_removed(app, reference, admin, monkeypatch):
    token = token_of(upload(admin, EXAMPLE.read_bytes()))
    monkeypatch.setattr(import_uploads, "UPLOAD_LIFETIME", import_uploads.UPLOAD_LIFETIME * 0)
    assert admin.post(f"{IMPORT}/{token}/apply").status_code == 302
    assert count(app, Plan) == 0 and stored_uploads(app) == []


# --- hostile and broken files ---------------------------------------------------------------


HEADER = b"kind,external_id,title_es\n"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.csv", "The file is empty."),
        (b"\xef\xbb\xbf \n\n", "blank.csv", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "image.csv", "binary data"),
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(50), "book.csv", "binary data"),
        (HEADER + "plan,P-1,Año\n".encode("latin-1"), "latin.csv", "not UTF-8 text"),
        (HEADER + b'plan,P-1,"' + b"x" * 300_000 + b'"\n', "long.csv", "cannot be read as CSV"),
        (HEADER + b"plan,P-1," + b"y" * 300_000, "line.csv", "cannot be read as CSV near line 2"),
        (HEADER, "programs.xlsx", "name ends in .csv"),
        (HEADER + b"plan,P-1,Plan\n", "", "Choose the CSV file to import."),
        # Read by the importer: its problems are listed.
        (b"kind;external_id;title_es\nplan;P-1;Plan\n", "semi.csv", "separate them with commas"),
        (b"nombre,monto\nAgua,100\n", "wrong.csv", "unknown column 'nombre'"),
        (b"nombre,monto\nAgua,100\n", "wrong.csv", "missing column 'kind'"),
        (HEADER, "header-only.csv", "the file has no rows"),
        (HEADER + b'plan,P-1,"never closed\n', "quote.csv", "plan_type is required"),
        (HEADER + b"plan,P-1,Plan,extra\n", "cells.csv", "2 4 cells but the header has 3"),
    ],
)
def test_hostile_files_are_refused_with_a_message(app, reference, admin, data, name, message):
    response = upload(admin, data, name)
    assert response.status_code == 400
    assert message in page_text(response)
    assert stored_uploads(app) == [] and count(app, Plan) == 0


def test_long_values_are_cut_in_the_list_of_problems(app, reference, admin):
    long_value = "Q" * 100_000
    response = upload(admin, csv_bytes([GOOD_PLAN | {"institution": long_value}]))
    assert response.status_code == 400
    text = page_text(response)
    assert "2 unknown institution 'QQQ" in text and long_value not in text
    assert len(response.data) < 50_000


def test_files_over_the_size_limit_are_refused(app, reference, admin, monkeypatch):
    big = HEADER + b"plan,P-1,Plan\n" * (2 * 1024 * 1024 // 14 + 1)
    assert len(big) > 2 * 1024 * 1024
    response = upload(admin, big, "big.csv")
    assert response.status_code == 400
    assert "The file is larger than 2 MB" in page_text(response)
    monkeypatch.setitem(app.config, "PROGRAMS_IMPORT_MAX_BYTES", 1024)
    response = upload(admin, HEADER + b"plan,P-1," + b"z" * 1100 + b"\n", "big.csv")
    assert response.status_code == 400 and "The file is larger than 1 KB" in page_text(response)
    assert stored_uploads(app) == []


def test_files_over_the_row_limit_are_refused(app, reference, admin, monkeypatch):
    """The import is written inside the request: a file must fit in the worker's timeout."""
    response = upload(admin, HEADER + b"plan,P-1,Plan\n" * 1001 + b",,\n", "many.csv")
    assert response.status_code == 400
    assert "The file has 1,001 rows; this page imports at most 1,000 at a time." in page_text(
        response
    )
    monkeypatch.setitem(app.config, "PROGRAMS_IMPORT_MAX_ROWS", 2)
    assert upload(admin, csv_bytes([GOOD_PLAN, GOOD_PROGRAM]), "two.csv").status_code == 302
    rows = [GOOD_PLAN, GOOD_PROGRAM, GOOD_PROGRAM | {"external_id": "X-2"}]
    response = upload(admin, csv_bytes(rows), "three.csv")
    assert response.status_code == 400 and "The file has 3 rows" in page_text(response)
    assert len(stored_uploads(app)) == 0  # the refused upload also dropped the previous one


def test_a_post_without_a_file_field_is_a_400(app, reference, admin):
    response = admin.post(IMPORT, data={"file": "not a file"})
    assert response.status_code == 400
    assert "Choose the CSV file to import." in page_text(response)


def test_formula_and_markup_looking_cells_are_plain_text(app, reference, admin):
    formula = '=HYPERLINK("http://evil.example","Ver")'
    rows = [
        GOOD_PLAN | {"title_es": "+SUM(1,2)", "institution": "<script>alert(1)</script>"},
        GOOD_PROGRAM | {"title_es": formula, "description_es": "@cmd|' /C calc'!A0"},
    ]
    response = upload(admin, csv_bytes(rows))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body

    rows[0]["institution"] = "GAMS"
    token = token_of(upload(admin, csv_bytes(rows)))
    preview = admin.get(f"{IMPORT}/{token}")
    assert preview.status_code == 200 and "=HYPERLINK(" in page_text(preview)
    assert admin.post(f"{IMPORT}/{token}/apply").status_code == 302
    with app.app_context():  # stored as the text it is
        program = db.session.scalar(select(Program).where(Program.external_id == "X-1"))
        assert program.titles["es"] == formula
        assert db.session.scalar(select(Plan.titles)) == {"es": "+SUM(1,2)"}


# --- the way there --------------------------------------------------------------------------


def test_admin_home_links_to_the_import_with_its_documentation(app, admin):
    assert f'href="{IMPORT}"' in admin.get("/admin/").get_data(as_text=True)
    page = admin.get(IMPORT)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert f'href="{IMPORT}/format"' in body and f'href="{IMPORT}/example.csv"' in body
    assert 'enctype="multipart/form-data"' in body
    assert "at most 2 MB and 1,000 rows" in page_text(page)

    doc = admin.get(f"{IMPORT}/format")
    assert doc.status_code == 200 and doc.mimetype == "text/plain"
    assert "`plan_external_id`" in doc.get_data(as_text=True)
    example = admin.get(f"{IMPORT}/example.csv")
    assert example.status_code == 200 and example.data == EXAMPLE.read_bytes()
    assert "attachment" in example.headers["Content-Disposition"]
    doc.close()
    example.close()


def test_the_example_rows_import_through_the_web_like_on_the_command_line(app, reference, admin):
    rows = example_rows()
    for row in rows:
        if row["external_id"] == "GAMS-AG-01.2":
            row["progress"] = "90"
    token = token_of(upload(admin, csv_bytes(rows)))
    assert admin.post(f"{IMPORT}/{token}/apply").status_code == 302
    with app.app_context():
        water = db.session.scalar(select(Program).where(Program.external_id == "GAMS-AG-01"))
        assert water.progress == round((100 * 2 + 90 * 3) / 5)


# --- the problems in the reader's language --------------------------------------------------


#: What _Marked puts around each translated text.
MARK = "\N{MATHEMATICAL LEFT WHITE SQUARE BRACKET}"
END_MARK = "\N{MATHEMATICAL RIGHT WHITE SQUARE BRACKET}"


class _Marked:
    """Translations that wrap every message they translate in ⟦ ⟧, whatever the catalogue says:
    a text with the marks went through gettext in the language that was asked for."""

    def __init__(self, inner) -> None:
        self._inner = inner

    def ugettext(self, message: str) -> str:
        return f"{MARK}{self._inner.ugettext(message)}{END_MARK}"

    gettext = ugettext

    def __getattr__(self, name: str):
        return getattr(self._inner, name)


@pytest.fixture
def spanish_marked(monkeypatch):
    """Spanish texts come out marked (see _Marked); the other languages as they are."""
    from flask import has_app_context

    from app.core.i18n import UILanguageDomain, current_language

    real = UILanguageDomain.get_translations

    def get_translations(self):
        translations = real(self)
        if has_app_context() and current_language() == "es":
            return _Marked(translations)
        return translations

    monkeypatch.setattr(UILanguageDomain, "get_translations", get_translations)


BAD_ROWS = [
    GOOD_PLAN,  # line 2
    GOOD_PROGRAM | {"institution": "XYZ"},  # 3
    GOOD_PROGRAM | {"external_id": "X-2", "start_date": "2025-05-01", "end_date": "2025-01-01",
                    "progress": "150"},  # 4
]  # fmt: skip


def expected_problems(app, data: bytes, lang: str) -> list[tuple[int | None, str]]:
    """The file's problems as the page should list them in ``lang``: through gettext."""
    from app.core.i18n import force_language

    with app.test_request_context("/"), force_language(lang):
        checked = import_check.check_bytes(data)
        db.session.rollback()
        assert checked.errors
        return [(problem.line, str(problem.message)) for problem in checked.errors]


def test_problems_are_lazy_translatable_messages(app, reference):
    from flask_babel import LazyString

    with app.app_context():
        checked = import_check.check_bytes(csv_bytes(BAD_ROWS))
        db.session.rollback()
        header = import_check.check_bytes(b"kind,external_id,titel_es\nplan,P-1,Plan\n")
    assert [problem.line for problem in checked.errors] == [3, 4, 4]
    for problem in [*checked.errors, *header.errors]:
        assert isinstance(problem.message, LazyString), problem
    assert [problem.line for problem in header.errors] == [1, 1]


def test_problems_are_listed_in_the_readers_language(app, reference, admin, spanish_marked):
    data = csv_bytes(BAD_ROWS)
    # English (the admin's language): the same sentences the command line prints.
    english = page_text(upload(admin, data, "bad.csv"))
    assert "3 unknown institution 'XYZ'" in english
    assert "4 end_date before start_date" in english
    assert "4 progress must be a whole number from 0 to 100, not '150'" in english
    assert MARK not in english

    admin.set_cookie("lang", "es")
    response = upload(admin, data, "bad.csv")
    assert response.status_code == 400
    spanish = page_text(response)
    for line, message in expected_problems(app, data, "es"):
        # Went through gettext in Spanish (marked), whatever the catalogue holds.
        assert message.startswith(MARK), message
        assert f"{line} {message}" in spanish, message

    # Problems of the file as a whole, and of the header, too.
    response = upload(admin, HEADER, "empty.csv")
    assert response.status_code == 400
    [(line, message)] = expected_problems(app, HEADER, "es")
    assert line is None and message.startswith(MARK)
    assert message in page_text(response)
    header = b"kind,external_id,titel_es\nplan,P-1,Plan\n"
    response = upload(admin, header, "header.csv")
    for line, message in expected_problems(app, header, "es"):
        assert line == 1 and message.startswith(MARK)
        assert f"1 {message}" in page_text(response)


def test_the_command_line_prints_the_problems_in_english(app, reference, tmp_path, spanish_marked):
    """Outside a request the language would be Spanish: the command line asks for English."""
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(BAD_ROWS))
    output = cli_tests.run(app, path).output
    assert "line 3: unknown institution 'XYZ'" in output
    assert "line 4: end_date before start_date" in output
    assert "3 problem(s) in bad.csv; nothing was imported" in output
    assert MARK not in output
    output = cli_tests.run(app, EXAMPLE, "--dry-run").output
    assert "plans: 2 new, 0 updated; programs: 8 new, 0 updated" in output
    assert MARK not in output
