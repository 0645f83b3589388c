"""The per-account login limit holds with several real gunicorn workers (it is kept on the
account in the database), and production refuses to start several workers that would each keep
their own rate-limit counts in memory."""

from __future__ import annotations

import http.cookiejar
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.browser.server import LiveServer, instance_app

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


def _login(server: LiveServer, email: str, password: str) -> int:
    """A fresh browser (new connection, so any worker) logging in once; the HTTP status."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    page = opener.open(f"{server.url}/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password})
    try:
        return opener.open(f"{server.url}/login", body.encode(), timeout=10).status
    except urllib.error.HTTPError as answer:
        return answer.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture(scope="module")
def server():
    live = LiveServer(
        workers=3, threads=1, extra_env={"QHAWAQ_LOGIN_LIMIT_PER_ACCOUNT": "5 per 5 minutes"}
    )
    live.prepare()
    app = instance_app(live.env()["DATABASE_URL"], live.directory)
    with app.app_context():
        from app.accounts import services
        from app.extensions import db

        services.create_user(
            email="target@example.org", password=PASSWORD, display_name="T", verified=True
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    live.start()
    yield live
    live.stop()


def test_five_failures_lock_the_account_across_workers(server):
    statuses = [_login(server, "target@example.org", f"wrong guess {n}") for n in range(5)]
    assert statuses == [200] * 5  # the form again, with its error
    assert len(server.worker_pids()) == 3
    # The sixth attempt, whichever worker takes it, is refused: even with the right password.
    assert [_login(server, "target@example.org", PASSWORD) for _ in range(4)] == [429] * 4
    assert not server.server_errors()


def test_production_refuses_memory_rate_limits_with_several_workers():
    code = "import runpy; runpy.run_path('gunicorn.conf.py')"
    base = {"PATH": "/usr/bin:/bin", "QHAWAQ_ENV": "production", "QHAWAQ_SECRET_KEY": "x"}
    several = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "QHAWAQ_GUNICORN_WORKERS": "4"},
        capture_output=True,
        text=True,
    )
    assert several.returncode != 0
    assert "QHAWAQ_RATELIMIT_STORAGE_URI" in several.stderr
    for allowed in (
        {"QHAWAQ_GUNICORN_WORKERS": "1"},
        {
            "QHAWAQ_GUNICORN_WORKERS": "4",
            "QHAWAQ_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        },
    ):
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**base, **allowed},
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
