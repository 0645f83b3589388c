"""The web import under concurrency (PostgreSQL): two admins importing the same file at once, and
one admin's double click, create each plan and program once and give no error page. Rows are
found by external_id and inserted when missing, so without ``importer.lock()`` both requests
would decide to insert, and the unique constraint would turn the second into an error."""

from __future__ import annotations

import pytest

from app.accounts.models import Role
from app.programs.models import Plan, Program
from tests import test_programs_import as cli_tests
from tests.concurrency import run_together
from tests.conftest import count, logged_in
from tests.test_programs_import import EXAMPLE
from tests.test_programs_import_web import IMPORT, page_text, token_of, upload

pytestmark = pytest.mark.concurrency

reference = cli_tests.reference


def test_two_admins_importing_the_same_file_at_once_create_each_row_once(app, reference, make_user):
    clients, tokens = [], []
    for n in range(2):
        make_user(email=f"admin{n}@example.org", role=Role.ADMIN)
        client = logged_in(app, f"admin{n}@example.org")
        clients.append(client)
        tokens.append(token_of(upload(client, EXAMPLE.read_bytes())))

    responses = run_together(app, 2, lambda i: clients[i].post(f"{IMPORT}/{tokens[i]}/apply"))

    assert [r.status_code for r in responses] == [302, 302]
    assert all(r.headers["Location"].endswith("/admin/plans") for r in responses)
    assert count(app, Plan) == 2 and count(app, Program) == 8
    # One of them created the rows; the other waited, then found them and updated them.
    messages = sorted(page_text(client.get("/admin/plans")) for client in clients)
    assert "Plans: 0 new, 2 updated. Programs: 0 new, 8 updated." in messages[0]
    assert "Plans: 2 new, 0 updated. Programs: 8 new, 0 updated." in messages[1]


def test_a_double_click_imports_once(app, reference, make_user):
    make_user(email="admin@example.org", role=Role.ADMIN)
    first = logged_in(app, "admin@example.org")
    token = token_of(upload(first, EXAMPLE.read_bytes()))
    # The second click comes from the same browser: the same session cookie.
    second = app.test_client()
    cookie = first.get_cookie("session")
    second.set_cookie("session", cookie.value, domain=cookie.domain)
    clients = [first, second]

    responses = run_together(app, 2, lambda i: clients[i].post(f"{IMPORT}/{token}/apply"))

    assert sorted(r.headers["Location"].rsplit("/admin", 1)[1] for r in responses) == [
        "/plans",
        "/programs/import",  # the file was gone once the first click had imported it
    ]
    assert count(app, Plan) == 2 and count(app, Program) == 8
