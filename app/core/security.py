"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

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


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        max_age = current_app.config["HSTS_MAX_AGE"]
        headers.setdefault("Strict-Transport-Security", f"max-age={max_age}; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    app.after_request(set_security_headers)
