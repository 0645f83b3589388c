"""Open redirects through every ``next=`` (the login form, and the login links of every page that
needs an account) and the cookie flags in a production-like configuration (tests/test_security.py
checks the default flags and safe_next itself)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from app.accounts.models import Role
from tests.conftest import PASSWORD
from tests.security.matrix import path_for
from tests.security.test_authorization import EXPECTED
from tests.security.world import build

EVIL = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "/%2F%2Fevil.example",
    " https://evil.example",
    "http://localhost@evil.example/",
]


def local(location: str) -> bool:
    parts = urlsplit(location)
    return parts.netloc in ("", "localhost") and not location.lstrip().startswith(("//", "\\"))


@pytest.mark.parametrize("target", EVIL)
def test_login_next_never_leaves_the_site(app, target):
    world = build(app)
    client = app.test_client()
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "citizen@example.org", "password": "wrong"},
    )
    assert response.status_code in (200, 400)  # wrong password: the form again
    # With a right password (set one), the redirect stays here.
    from app.accounts.models import User
    from app.accounts.passwords import hash_password
    from app.extensions import db

    with app.app_context():
        db.session.get(User, world.users["citizen"]).password_hash = hash_password("s3cret-pass-1")
        db.session.commit()
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "citizen@example.org", "password": "s3cret-pass-1"},
    )
    assert response.status_code == 302
    assert local(response.headers["Location"]), response.headers["Location"]


#: Public routes whose 302 is no login: the home page's department picker (to a territory page).
NOT_LOGIN_REDIRECTS = {"/territories"}


def test_every_login_redirect_carries_a_local_next(app):
    """Anonymous visitors of pages that need an account are sent to /login with a next= that is
    a path of this site, and following it after logging in lands on that path."""
    world = build(app)
    client = app.test_client()
    checked = 0
    for (rule, method), statuses in EXPECTED.items():
        if method != "GET" or statuses[0] != 302 or rule in NOT_LOGIN_REDIRECTS:
            continue
        response = client.get(path_for(rule, world.params))
        location = response.headers["Location"]
        assert urlsplit(location).path == "/login", (rule, location)
        for value in parse_qs(urlsplit(location).query).get("next", []):
            assert value.startswith("/") and not value.startswith("//"), (rule, value)
        checked += 1
    assert checked > 20


def test_cookies_are_secure_behind_https(app, monkeypatch):
    world = build(app)
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    from app.accounts.models import User
    from app.accounts.passwords import hash_password
    from app.extensions import db

    with app.app_context():
        db.session.get(User, world.users["citizen"]).password_hash = hash_password("s3cret-pass-1")
        db.session.commit()
    response = app.test_client().post(
        "/login",
        base_url="https://qhawaq.example",
        data={"email": "citizen@example.org", "password": "s3cret-pass-1", "remember": "y"},
    )
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    assert "Secure" in session and "HttpOnly" in session and "SameSite=Lax" in session
    for cookie in cookies:
        assert "HttpOnly" in cookie, cookie


def _secure_cookies(**env: str) -> str:
    """The cookie settings a fresh process reads from this environment."""
    import os
    import subprocess
    import sys

    environment = {
        k: v for k, v in os.environ.items() if k not in ("QHAWAQ_ENV", "QHAWAQ_SECURE_COOKIES")
    }
    code = (
        "from app.config import Config as C\n"
        "print(C.SESSION_COOKIE_SECURE, C.REMEMBER_COOKIE_SECURE)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**environment, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_production_cookies_are_secure_by_default():
    """QHAWAQ_ENV=production turns Secure on unless QHAWAQ_SECURE_COOKIES says otherwise."""
    assert _secure_cookies(QHAWAQ_ENV="production") == "True True"
    assert _secure_cookies(QHAWAQ_ENV="production", QHAWAQ_SECURE_COOKIES="false") == "False False"
    assert _secure_cookies(QHAWAQ_ENV="development") == "False False"


def test_pages_with_personal_data_are_not_stored(app, make_user):
    make_user(email="private@example.org", role=Role.ADMIN)
    client = app.test_client()
    # Before login: the login redirect of a personal page is not stored either; public pages may be.
    assert client.get("/account").headers["Cache-Control"] == "no-store"
    for public in ("/programs", "/accountability"):
        assert "no-store" not in client.get(public).headers.get("Cache-Control", ""), public
    client.post("/login", data={"email": "private@example.org", "password": PASSWORD})
    for path in ("/account", "/moderation", "/inbox", "/admin/users", "/observations/mine", "/"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
    static = client.get("/static/css/qhawaq.css")
    static.close()
    assert "no-store" not in static.headers.get("Cache-Control", "")
