"""HTTP caching and compression (issue 21, part 3): fingerprinted static files with a one-year
immutable lifetime, anonymous public pages cacheable for a minute with an ETag and 304s, nothing
personal cached, brotli or gzip as the client accepts, and no compression of a signed-in
person's HTML (BREACH)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import pytest

from app.accounts.models import Role
from app.core import http_cache
from tests.conftest import logged_in


@pytest.fixture
def css_url(client) -> str:
    html = client.get("/programs").get_data(as_text=True)
    found = re.search(r'href="(/static/css/qhawaq\.css\?v=([0-9a-f]{12}))"', html)
    assert found, "the stylesheet's address carries its fingerprint"
    return found.group(1)


def test_static_files_are_fingerprinted_and_immutable(app, client, css_url):
    stylesheet = Path(app.static_folder) / "css" / "qhawaq.css"
    import hashlib

    assert css_url.endswith(hashlib.sha256(stylesheet.read_bytes()).hexdigest()[:12])
    with client.get(css_url) as current:
        assert current.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert current.data == stylesheet.read_bytes()
    # An old address (a page cached before a deploy) must not pin a stale file for a year.
    for path in ("/static/css/qhawaq.css?v=000000000000", "/static/css/qhawaq.css"):
        with client.get(path) as answer:
            assert answer.headers["Cache-Control"] == "no-cache", path
            etag = answer.headers["ETag"]
        with client.get(path, headers={"If-None-Match": etag}) as again:
            assert again.status_code == 304


def test_a_changed_file_gets_a_new_fingerprint(app, tmp_path, monkeypatch):
    (tmp_path / "a.css").write_text("body{color:red}")
    monkeypatch.setattr(app, "static_folder", str(tmp_path))
    with app.test_request_context():
        first = http_cache.fingerprint("a.css")
        (tmp_path / "a.css").write_text("body{color:blue}")
        second = http_cache.fingerprint("a.css")
        assert first and second and first != second
        assert http_cache.fingerprint("../pyproject.toml") is None
        assert http_cache.fingerprint("missing.css") is None


def test_anonymous_public_pages_are_cacheable_with_an_etag(client):
    page = client.get("/accountability")
    assert page.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=300"
    vary = {v.strip() for v in page.headers["Vary"].split(",")}
    assert {"Cookie", "Accept-Language"} <= vary
    unchanged = client.get("/accountability", headers={"If-None-Match": page.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.data == b""
    # Another language is another body, so another validator.
    spanish = client.get("/accountability?lang=es")
    assert spanish.headers["ETag"] != page.headers["ETag"]


def test_nothing_personal_or_session_bound_is_cached(app, client, make_user, monkeypatch):
    # A page with a form token is not shared, even when the token was already in the session.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    for _visit in range(2):
        login_page = client.get("/login")
        assert "public" not in login_page.headers.get("Cache-Control", "")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    make_user(email="citizen@example.org")
    signed_in = logged_in(app, "citizen@example.org")
    for path in ("/programs", "/accountability", "/"):
        page = signed_in.get(path, headers={"Accept-Encoding": "br, gzip"})
        assert page.headers["Cache-Control"] == "no-store", path
        # Their token sits beside text an attacker may choose: never compressed (BREACH).
        assert "Content-Encoding" not in page.headers, path
        assert "ETag" not in page.headers, path


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [("br, gzip", "br", brotli.decompress), ("gzip", "gzip", gzip.decompress)],
)
def test_pages_styles_and_data_are_compressed_as_the_client_accepts(
    client, css_url, accept, encoding, decode
):
    for path in ("/programs", css_url, "/api/openapi.json", "/open-data/catalogue.jsonld"):
        plain = client.get(path)
        packed = client.get(path, headers={"Accept-Encoding": accept})
        assert packed.headers.get("Content-Encoding") == encoding, path
        assert "Accept-Encoding" in packed.headers["Vary"], path
        assert decode(packed.data) == plain.data, path
        assert "Content-Encoding" not in plain.headers, path
    conditional = client.get(
        "/programs",
        headers={
            "Accept-Encoding": accept,
            "If-None-Match": client.get("/programs", headers={"Accept-Encoding": accept}).headers[
                "ETag"
            ],
        },
    )
    assert conditional.status_code == 304


def test_a_streamed_download_is_compressed_as_it_streams(client):
    plain = client.get("/open-data/institutions.csv")
    packed = client.get("/open-data/institutions.csv", headers={"Accept-Encoding": "br"})
    assert packed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(packed.data) == plain.data


def test_staff_pages_stay_uncached(app, make_user):
    make_user(email="admin@example.org", role=Role.ADMIN)
    admin = logged_in(app, "admin@example.org")
    assert admin.get("/admin/api-clients").headers["Cache-Control"] == "no-store"
