"""Issue 17 in a browser, in Quechua with JavaScript off: a citizen chooses the daily digest for
replies, downloads their data, deletes their account and is shown the grace period."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.browser import journeys as j

pytestmark = pytest.mark.browser


def test_my_data_journey_in_quechua_without_javascript(new_context, auditor, live_server):
    server, facts = live_server
    language = "qu"
    email = "rosa.qu@example.org"
    password = "una-clave-larga-2026"
    citizen = j.actor(
        new_context, auditor, server, "citizen", language, phone=True, javascript=False
    )
    j.register(citizen, email, password)
    j.comment_on_program(citizen, facts["program_id"], "¿Imay pachataq tukukunqa?")
    user_id = j.db_value(server, "SELECT id FROM users WHERE email = ?", email)

    j.choose_mail(citizen, "replies", "digest")
    assert (
        j.db_value(
            server,
            "SELECT delivery FROM notification_preferences WHERE user_id = ? AND category = ?",
            user_id,
            "replies",
        )
        == "digest"
    )

    archive = zipfile.ZipFile(io.BytesIO(j.download_my_data(citizen)))
    names = set(archive.namelist())
    assert {"README.txt", "profile.json", "comments.json", "observations.json"} <= names
    assert json.loads(archive.read("profile.json"))["email"] == email
    assert "¿Imay pachataq tukukunqa?" in archive.read("comments.json").decode("utf-8")

    j.delete_my_account(citizen, password, keep_comments=True)
    due = j.db_value(server, "SELECT deletion_due_at FROM users WHERE id = ?", user_id)
    assert due is not None
    # The page says when, in Quechua, and that signing in before cancels it; the person is out.
    html = citizen.page.content()
    assert 'lang="qu"' in html and 'href="/login"' in html
    citizen.goto("/account")
    assert "/login" in citizen.path

    assert not auditor.server_errors, auditor.server_errors
    assert not auditor.foreign_requests, auditor.foreign_requests
