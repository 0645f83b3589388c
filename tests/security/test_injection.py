"""XSS and SQL-injection payloads through every text field of every form a role can reach, and
through every query parameter of the pages: never a 500, never the payload back unescaped (at
once or on any page later), never a damaged table, never a redirect to another site."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.conftest import database_url
from tests.security.forms import forms_of
from tests.security.matrix import path_for, row_count
from tests.security.test_authorization import EXPECTED
from tests.security.world import ROLES, build

NUL = "nul\x00byte"
ON_POSTGRESQL = database_url().startswith("postgresql")
PAYLOADS = [
    '<script>alert("qx-1")</script>',
    '"><img src=x onerror=alert("qx-2")>',
    "'><svg/onload=alert('qx-3')>",
    "javascript:alert('qx-4')",
    "' OR '1'='1' --",
    "'; DROP TABLE users; --",
    "1) UNION SELECT email, password_hash FROM users --",
    "{{ 7*7 }}qx-{% raw %}",
    NUL,
    "https://evil.example/",
]
#: Two groups: the NUL byte is refused with a 400 before any view (app.core.security), which
#: PostgreSQL needs (it cannot store one).
PAYLOAD_GROUPS = [
    pytest.param([p for p in PAYLOADS if p != NUL], id="xss-sqli"),
    pytest.param([NUL], id="nul"),
]

#: What must never come back as markup: each only appears if a payload was not escaped.
UNESCAPED = ['<script>alert("qx-1")', "<img src=x onerror", "<svg/onload", "49qx-"]
QUERY_PARAMETERS = [
    "q",
    "page",
    "tab",
    "state",
    "category",
    "institution",
    "department",
    "program",
    "sort",
    "lang",
    "next",
    "template",
    "code",
]
#: Forms that end the session or that the probe must not follow.
SKIP_ACTIONS = ("/logout",)
#: Tables that must never lose rows to a payload.
GUARDED = ("users", "institutions", "programs", "observations", "plans", "departments")


def reachable(role: str) -> list[str]:
    index = ROLES.index(role)
    return sorted(
        rule
        for (rule, method), statuses in EXPECTED.items()
        if method == "GET"
        and statuses[index] == 200
        and "<path:" not in rule
        and rule != "/healthz"
    )


def assert_clean(response, where: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, f"{where}: {response.status_code}"
    body = response.get_data(as_text=True)  # read streamed bodies (open data) to the end
    response.close()
    if response.mimetype == "text/html":  # JSON and CSV carry the text as data, not markup
        for marker in UNESCAPED:
            assert marker not in body, f"{where}: unescaped {marker!r}"
    location = response.headers.get("Location", "")
    host = urlsplit(location).netloc
    assert host in ("", "localhost"), f"{where}: redirect to {location}"


@pytest.fixture
def world(app):
    return build(app)


@pytest.mark.parametrize("payloads", PAYLOAD_GROUPS)
def test_payloads_in_every_form_field(app, world, payloads):
    before = row_count(app)
    probed: set[str] = set()
    seen: set[tuple] = set()
    for role in ("anonymous", "citizen", "responder", "moderator", "admin"):
        client = world.client(app, role)
        for rule in reachable(role):
            page_path = path_for(rule, world.params)
            page = client.get(page_path)
            if page.status_code != 200:
                continue  # a probe before this one deleted the object
            for form in forms_of(page.get_data(as_text=True), page_path):
                if form.action.startswith(SKIP_ACTIONS) or not form.texts:
                    continue
                # The same form on many pages (search boxes, the header) is probed once.
                signature = (form.method, form.action.split("?")[0], tuple(sorted(form.texts)))
                if signature in seen:
                    continue
                seen.add(signature)
                for payload in payloads:
                    data = form.filled(payload)
                    if form.method == "post":
                        response = client.post(form.action, data=data)
                    else:
                        response = client.get(form.action, query_string=data)
                    assert_clean(response, f"{role} {form.method} {form.action} ← {payload!r}")
                probed.add(f"{form.method} {form.action}")
    # The crawl really reached the forms that matter (a broken parser would pass silently).
    for expected in ("post /register", "post /programs/", "post /observations/new", "post /admin/"):
        assert any(p.startswith(expected) for p in probed), (expected, sorted(probed))
    assert len(probed) >= 30, sorted(probed)
    after = row_count(app)
    for table in GUARDED:
        assert after[table] >= before[table], table
    # Stored payloads: every page, as the public and the main roles, after the submissions.
    for role in ("anonymous", "citizen", "responder", "moderator", "admin"):
        client = world.client(app, role)
        for rule in reachable(role):
            assert_clean(client.get(path_for(rule, world.params)), f"{role} GET {rule} (stored)")


@pytest.mark.parametrize("payloads", PAYLOAD_GROUPS)
@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_payloads_in_every_query_parameter(app, world, role, payloads):
    client = world.client(app, role)
    for rule in reachable(role):
        path = path_for(rule, world.params)
        for payload in payloads:
            response = client.get(path, query_string=dict.fromkeys(QUERY_PARAMETERS, payload))
            assert_clean(response, f"{role} GET {path} ?…={payload!r}")
