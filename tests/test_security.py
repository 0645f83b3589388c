from __future__ import annotations

import json
import logging
import re
from html.parser import HTMLParser

import pytest
from flask import abort

from app.accounts.models import Role
from app.core.logging import JSONFormatter, scrub
from app.core.urls import safe_next
from app.extensions import db

PAGES = ["/", "/about", "/login", "/register", "/password/forgot", "/missing"]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP


def test_hsts_over_https(client):
    response = client.get("/", base_url="https://qhawaq.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


class AssetCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.inline_scripts = 0
        self.inline_styles = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if (
            tag in {"script", "img", "iframe", "audio", "video", "source", "embed"}
            and "src" in attrs
        ):
            self.urls.append((tag, attrs["src"]))
        if tag == "script" and "src" not in attrs:
            self.inline_scripts += 1
        if tag == "link" and attrs.get("rel") in {"stylesheet", "icon", "preload", "manifest"}:
            self.urls.append((tag, attrs["href"]))
        if tag == "style":
            self.inline_styles += 1
        if "style" in attrs:
            self.inline_styles += 1


@pytest.mark.parametrize("path", PAGES)
def test_no_asset_from_another_host(client, make_user, auth, path):
    make_user(email="admin@example.org", role=Role.ADMIN)
    for logged_in in (False, True):
        if logged_in:
            auth.login("admin@example.org")
        parser = AssetCollector()
        parser.feed(client.get(path, follow_redirects=True).get_data(as_text=True))
        assert parser.urls, "every page loads at least the stylesheet"
        for tag, url in parser.urls:
            assert url.startswith("/") and not url.startswith("//"), (tag, url)
        assert parser.inline_scripts == 0 and parser.inline_styles == 0


def test_csrf_rejects_forms_without_token(app, client, make_user, monkeypatch):
    make_user(email="csrf@example.org")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post(
        "/login", data={"email": "csrf@example.org", "password": "correct horse battery"}
    )
    assert response.status_code == 400
    assert "Your form expired or was sent from another site." in response.get_data(as_text=True)
    # With the token taken from the form, the same post works.
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        data={
            "email": "csrf@example.org",
            "password": "correct horse battery",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302


def test_logout_is_post_only_and_csrf_protected(app, client, make_user, auth, monkeypatch):
    make_user(email="out@example.org")
    auth.login("out@example.org")
    assert client.get("/logout").status_code == 405
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200  # still logged in


def test_session_cookie_flags(app, client, make_user, auth, monkeypatch):
    make_user(email="cookie@example.org")
    response = auth.login("cookie@example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/account", "/account"),
        ("/programs?page=2", "/programs?page=2"),
        ("https://evil.example", None),
        ("//evil.example", None),
        ("/\\evil.example", None),
        ("javascript:alert(1)", None),
        ("http:/evil.example", None),
        ("/ok\r\nSet-Cookie: x=1", None),
        ("", None),
    ],
)
def test_safe_next(target, expected):
    assert safe_next(target) == expected


@pytest.fixture(scope="module")
def error_routes(app):
    """A second app on the same database with routes that fail on purpose."""
    from app import create_app
    from tests.conftest import make_config

    failing = create_app(make_config())
    failing.add_url_rule("/_test/boom", "boom", lambda: 1 / 0)
    failing.add_url_rule("/_test/forbidden", "forbidden", lambda: abort(403))
    failing.add_url_rule("/_test/bad", "bad", lambda: abort(400))
    failing.add_url_rule("/_test/big", "big", lambda: abort(413))
    yield failing
    with failing.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    ("path", "code", "title"),
    [
        ("/_test/bad", 400, "Bad request"),
        ("/_test/forbidden", 403, "Access denied"),
        ("/_test/nothing-here", 404, "Page not found"),
        ("/_test/big", 413, "The upload is too large"),
        ("/_test/boom", 500, "Something went wrong"),
    ],
)
def test_error_pages_are_translated_and_show_no_trace(error_routes, path, code, title):
    from tests.test_i18n import translated

    client = error_routes.test_client()
    response = client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == code
    html = response.get_data(as_text=True)
    assert title in html
    assert "Traceback" not in html and "ZeroDivisionError" not in html
    quechua = client.get(path, query_string={"lang": "qu"}).get_data(as_text=True)
    assert translated("qu", title) in quechua


def test_500_is_logged_without_secrets(error_routes, caplog):
    with caplog.at_level(logging.ERROR, logger=error_routes.logger.name):
        error_routes.logger.propagate = True
        try:
            error_routes.test_client().get("/_test/boom?token=s3cr3t&email=a@b.c")
        finally:
            error_routes.logger.propagate = False
    record = next(r for r in caplog.records if r.getMessage() == "unhandled error")
    with error_routes.test_request_context("/_test/boom?token=s3cr3t&email=a@b.c"):
        line = JSONFormatter().format(record)
    entry = json.loads(line)
    assert entry["exc_type"] == "ZeroDivisionError"
    assert "s3cr3t" not in line and "a@b.c" not in line


def test_too_large_upload_gets_413(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 100)
    response = client.post("/login", data={"email": "x" * 500, "password": "y"})
    assert response.status_code == 413


def test_scrub_removes_sensitive_keys():
    cleaned = scrub(
        {
            "password": "p",
            "email": "e@x",
            "user_id": 4,
            "nested": {"token": "t"},
            "path": "/reset?token=abc&x=1",
        }
    )
    assert cleaned == {
        "password": "[scrubbed]",
        "email": "[scrubbed]",
        "user_id": 4,
        "nested": {"token": "[scrubbed]"},
        "path": "/reset?token=[scrubbed]&x=1",
    }


def test_login_failure_logs_no_password(app, client, caplog):
    with caplog.at_level(logging.DEBUG):
        client.post("/login", data={"email": "who@example.org", "password": "hunter2-secret"})
    assert "hunter2-secret" not in caplog.text


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    from app import create_app
    from tests.conftest import make_config

    config = make_config(ENV_NAME="production", SECRET_KEY=None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_tokens_of_mailed_links_never_reach_the_access_log(monkeypatch):
    """gunicorn's access log (the production configuration's logger class) masks the token of
    reset, verification and unfollow links in the path, the request line and the referrer."""
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config as GunicornConfig

    from app.core.gunicorn_logging import MaskedTokenLogger

    secret = "Ik1hcmlhIjo.secret-token-value"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/password/reset/{secret}?next=/",
        "PATH_INFO": f"/password/reset/{secret}",
        "QUERY_STRING": f"token={secret}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://qhawaq.example/verify/{secret}",
    }
    resp = SimpleNamespace(status="200 OK", sent=10, headers=[])
    req = SimpleNamespace(headers=[("REFERER", f"/unfollow/{secret}")])
    atoms = MaskedTokenLogger(GunicornConfig()).atoms(resp, req, environ, timedelta(0))
    assert secret not in repr(atoms)
    assert atoms["U"] == "/password/reset/[token]"
    assert atoms["r"] == "GET /password/reset/[token]?next=/ HTTP/1.1"
    # The shipped configuration uses it.
    from pathlib import Path

    namespace: dict = {}
    settings = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
    # It exports the worker count for the app (app/core/page_cache.py): not for this process.
    monkeypatch.setenv("QHAWAQ_SERVER_WORKERS", "1")
    exec(settings.read_text(), namespace)  # noqa: S102 - our own settings file
    assert namespace["logger_class"] == "app.core.gunicorn_logging.MaskedTokenLogger"


def test_app_log_lines_mask_path_tokens(app, caplog):
    formatter = JSONFormatter()
    with app.test_request_context("/verify/abc.DEF-123"):
        record = logging.LogRecord(
            "x", logging.WARNING, __file__, 1, "seen /unfollow/tok.en", (), None
        )
        line = formatter.format(record)
    assert "abc.DEF-123" not in line and "tok.en" not in line
    assert "/verify/[token]" in line and "/unfollow/[token]" in line


def test_development_server_says_where_it_runs_and_logs_requests_masked():
    """``make run``: werkzeug prints "Running on …" and one line per request, tokens masked;
    outside development it stays quiet."""
    from app import create_app
    from app.core.logging import MaskTokens
    from tests.conftest import make_config

    werkzeug = logging.getLogger("werkzeug")
    try:
        create_app(make_config(ENV_NAME="development"))
        assert werkzeug.level == logging.INFO
        record = logging.LogRecord(
            "werkzeug",
            logging.INFO,
            __file__,
            1,
            '"%s" %s',
            ("GET /verify/abc.DEF HTTP/1.1", 200),
            None,
        )
        assert all(f.filter(record) for f in werkzeug.filters)
        assert record.getMessage() == '"GET /verify/[token] HTTP/1.1" 200'
        assert any(isinstance(f, MaskTokens) for f in werkzeug.filters)
        create_app(make_config())
        assert werkzeug.level == logging.WARNING
    finally:
        werkzeug.setLevel(logging.WARNING)
