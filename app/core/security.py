"""Security headers on every response."""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, request
from flask_login import current_user

#: No inline script, nothing from another host, no framing. 'self' images cover uploads.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


#: Pages that show personal data whoever asks (they answer a visitor with a redirect to the login).
PERSONAL_PREFIXES = (
    "/account/",
    "/moderation",
    "/inbox",
    "/institution/",
    "/admin",
    "/notifications",
    "/observations/drafts",
    "/observations/mine",
    "/observations/new",
)


def personal(path: str) -> bool:
    if path == "/account":
        return True
    return path.startswith(PERSONAL_PREFIXES) and not path.startswith("/moderation/log")


#: A host name, or ``{s}.`` (Leaflet's subdomains) before one: CSP can express that as ``*.``.
_HOST = re.compile(r"^(\{s\}\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
_PLACEHOLDERS = re.compile(r"\{[a-z]+\}")


def tile_origin(template: str) -> str | None:
    """The CSP source for a tile URL template (``https://tiles.example.org/{z}/{x}/{y}.png`` →
    ``https://tiles.example.org``), or None when the template is not one we can allow exactly."""
    template = template.strip()
    if not template or any(ch.isspace() or ch in "'\";," for ch in template):
        return None
    parts = urlsplit(template)
    if parts.scheme not in ("https", "http") or parts.username or parts.password:
        return None
    host = (parts.hostname or "").lower()
    if not _HOST.match(host) or "{" in _PLACEHOLDERS.sub("", parts.path):
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    host = host.replace("{s}.", "*.", 1)
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


@cache
def content_security_policy(tiles_url: str) -> str:
    """The policy, with the operator's tile server (app/maps/tiles.py) as the one more image
    source when a slippy map is configured."""
    origin = tile_origin(tiles_url)
    if origin is None:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", f"img-src 'self' data: {origin}")


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    if request.endpoint != "static" and (personal(request.path) or current_user.is_authenticated):
        # A signed-in page carries the person's name at least: no shared or browser cache may
        # keep it (a public computer's back button, a caching proxy).
        headers["Cache-Control"] = "no-store"
    headers.setdefault(
        "Content-Security-Policy",
        content_security_policy(str(current_app.config.get("MAP_TILES_URL") or "")),
    )
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        max_age = current_app.config["HSTS_MAX_AGE"]
        headers.setdefault("Strict-Transport-Security", f"max-age={max_age}; includeSubDomains")
    return response


def refuse_nul_bytes() -> None:
    """No text anyone types contains a NUL byte; PostgreSQL refuses to store one (and SQLite
    would), so a request carrying one is a bad request, answered before any view runs."""
    values = [*request.args.values()]
    if request.method in ("POST", "PUT", "PATCH"):
        values.extend(request.form.values())
    if any("\x00" in value for value in values):
        abort(400)


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_bytes)
    app.after_request(set_security_headers)
