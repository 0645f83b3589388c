"""Numbers beyond what a database column holds (32 bits on PostgreSQL, 64 on SQLite) in paths,
query parameters and every choice and text field of every form a role can reach: a 404 or a form
error, never a 500 (PostgreSQL answers "integer out of range", SQLite raises OverflowError)."""

from __future__ import annotations

import re

from tests.security.forms import forms_of
from tests.security.matrix import path_for
from tests.security.test_authorization import EXPECTED
from tests.security.test_injection import QUERY_PARAMETERS, SKIP_ACTIONS, assert_clean, reachable
from tests.security.world import build

BIG = [str(2**63), str(2**31), str(-(2**63) - 1), "9" * 40]
INT_PARAMETER = re.compile(r"<int:(\w+)>")


def test_beyond_64_bits_everywhere_is_refused_cleanly(app):
    world = build(app)
    # Paths: every route with an id, as the role that may use it, gets "not found".
    roles = ("anonymous", "citizen", "responder", "moderator", "admin")
    routes = 0
    for (rule, method), statuses in EXPECTED.items():
        if not INT_PARAMETER.search(rule) or method not in ("GET", "POST"):
            continue
        role = next((r for r, s in zip(roles, statuses, strict=False) if s != 404), "admin")
        client = world.client(app, role)
        for big in BIG[:3]:
            params = {**world.params, **dict.fromkeys(INT_PARAMETER.findall(rule), big)}
            path = path_for(rule.replace("<int:", "<string:"), params)
            response = client.open(path, method=method)
            assert response.status_code == 404, f"{role} {method} {path}: {response.status_code}"
            response.close()
        routes += 1
    assert routes >= 30, routes
    # Query parameters and form fields (selects and radios too), for the public and an admin.
    forms = 0
    for role in ("anonymous", "citizen", "moderator", "admin"):
        client = world.client(app, role)
        for rule in reachable(role):
            page_path = path_for(rule, world.params)
            for big in BIG:
                response = client.get(page_path, query_string=dict.fromkeys(QUERY_PARAMETERS, big))
                assert_clean(response, f"{role} GET {page_path} ?…={big}")
            page = client.get(page_path)
            if page.status_code != 200:
                continue
            for form in forms_of(page.get_data(as_text=True), page_path):
                if form.action.startswith(SKIP_ACTIONS) or not (form.choices or form.texts):
                    continue
                data = {**form.filled(BIG[0]), **dict.fromkeys(form.choices, BIG[0])}
                if form.method == "post":
                    response = client.post(form.action, data=data)
                else:
                    response = client.get(form.action, query_string=data)
                assert_clean(response, f"{role} {form.method} {form.action} ← {BIG[0]}")
                forms += 1
    assert forms >= 30, forms
