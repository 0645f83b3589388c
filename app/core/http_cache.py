"""What the app tells caches, and compression, for what it serves itself (gunicorn without a
proxy, or a proxy that passes responses through; README "Production" shows the nginx lines for
a proxy that compresses and caches instead).

- **Static files** are fingerprinted: ``url_for("static", filename=…)`` adds ``?v=<hash of the
  file's bytes>``, and a request carrying the current hash is answered with a one-year
  ``immutable`` lifetime (a new version has a new address, so a phone never re-checks a
  stylesheet it has). Without the hash, or with an old one, the file is answered ``no-cache``
  (revalidated with its ETag and Last-Modified).
- **Public pages seen anonymously** (a GET answered 200 with HTML, nobody signed in, nothing put
  in the session — no flash message, no form token — and no cache policy set by the view) get
  ``public, max-age=60, stale-while-revalidate=300``, ``Vary: Cookie, Accept-Language`` (the
  language may come from either) and a strong ETag of the body; a conditional GET with that ETag
  is answered 304 without the body. Anything personal keeps ``no-store`` (app/core/security.py).
- **Compression** (Flask-Compress): brotli or gzip, as the client accepts, for HTML, CSS, JS,
  JSON, SVG, Atom, iCalendar and CSV; streamed downloads are compressed as they stream. HTML for
  a signed-in person is sent uncompressed: it holds their form token next to text an attacker
  may choose (a search), the condition of the BREACH attack; pages anybody may see are not
  worth attacking that way."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app, g, request, session
from flask.wrappers import Response
from flask_compress import Compress
from flask_login import current_user

from app.core import page_cache

compress = Compress()

#: Seconds a browser or a shared cache may use an anonymous public page without asking again, and
#: how long after that it may still show it while it revalidates in the background.
PAGE_MAX_AGE = 60
PAGE_STALE = 300
STATIC_IMMUTABLE = "public, max-age=31536000, immutable"

MIMETYPES = [
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/ld+json",
    "application/geo+json",
    "application/atom+xml",
    "image/svg+xml",
    "text/calendar",
    "text/csv",
    "text/xml",
    "text/plain",
]


@lru_cache(maxsize=512)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def fingerprint(filename: str) -> str | None:
    """The short hash of a static file's bytes (recomputed when the file changes), or None when
    there is no such file."""
    folder = current_app.static_folder
    if folder is None:
        return None
    root = Path(folder).resolve()
    path = (root / filename).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    stat = path.stat()
    return _digest(str(path), stat.st_mtime_ns, stat.st_size)


def _static_version(endpoint: str, values: dict[str, object]) -> None:
    if endpoint == "static" and "v" not in values:
        version = fingerprint(str(values.get("filename", "")))
        if version is not None:
            values["v"] = version


def _read_file(response: Response) -> None:
    """Turn a file response into bytes (closing the file now, not when the server would)."""
    if not response.direct_passthrough:
        return
    body = response.response
    try:
        data = b"".join(c if isinstance(c, bytes) else c.encode() for c in body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    response.direct_passthrough = False
    response.set_data(data)


def _add_vary(response: Response, *names: str) -> None:
    present = {v.strip().lower() for v in response.headers.get("Vary", "").split(",") if v.strip()}
    for name in names:
        if name.lower() not in present:
            response.vary.add(name)


def _public_page(response: Response) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and response.mimetype == "text/html"
        and not response.is_streamed
        and "Cache-Control" not in response.headers
        and not current_user.is_authenticated
        and not session.modified
        # A form's token, even one already in the session, is not for a shared copy.
        and current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") not in g
    )


def finish(response: Response) -> Response:
    """Cache headers, validators and compression, after every other hook decided the rest; a
    public page is then kept for the next anonymous readers (app/core/page_cache.py)."""
    public = False
    if request.endpoint == "static" and response.status_code == 200:
        filename = (request.view_args or {}).get("filename", "")
        current = request.args.get("v")
        if current and current == fingerprint(str(filename)):
            response.headers["Cache-Control"] = STATIC_IMMUTABLE
        else:
            response.headers["Cache-Control"] = "no-cache"
        # Read the file into the response so it is compressed like any page (static files are
        # small; a streamed response would only get the streaming algorithms).
        _read_file(response)
    elif _public_page(response):
        public = True
        response.headers["Cache-Control"] = (
            f"public, max-age={PAGE_MAX_AGE}, stale-while-revalidate={PAGE_STALE}"
        )
        _add_vary(response, "Cookie", "Accept-Language")
        response.add_etag()
    if response.mimetype == "text/html" and current_user.is_authenticated:
        return response
    response = compress.after_request(response)
    if public:
        page_cache.keep(response)
    if (
        "Content-Encoding" not in response.headers
        and request.method in ("GET", "HEAD")
        and not response.is_streamed
        and response.get_etag()[0]
    ):
        response.make_conditional(request)
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_REGISTER", False)
    app.config.setdefault("COMPRESS_MIMETYPES", MIMETYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "deflate"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    compress.init_app(app)
    app.url_defaults(_static_version)
    app.after_request(finish)
