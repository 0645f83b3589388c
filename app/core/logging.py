"""Structured (JSON-lines) logs. Fields that could carry secrets or a reporter's identity are
scrubbed before they are written, whoever logged them."""

from __future__ import annotations

import json
import logging
import re
import secrets
from datetime import UTC, datetime
from typing import TypeVar, overload

from flask import Flask, g, has_request_context, request

#: Keys whose values never reach a log line.
SENSITIVE_KEYS = re.compile(
    r"pass(word)?|token|secret|csrf|authorization|cookie|email|reporter|filer|name", re.I
)
#: Query-string values with these names are masked in the logged path.
#: (``code`` and ``state``: the OpenID Connect callback's authorization code and state.)
_QUERY_SECRET = re.compile(r"((?:token|password|email|code|state)=)[^&\s]+", re.I)
#: Links in mails carry a signed token in their path (reset, verify, unfollow, unsubscribe,
#: group invitations):
#: whoever reads a log must not be able to follow them.
_PATH_TOKEN = re.compile(
    r"(/(?:password/reset|verify|unfollow|unsubscribe|groups/invitations)/)[^/?#\s\"']+"
)


def mask_tokens(text: str) -> str:
    """The text with every path and query token replaced by ``[token]`` / ``[scrubbed]``."""
    return _QUERY_SECRET.sub(r"\1[scrubbed]", _PATH_TOKEN.sub(r"\1[token]", text))


K = TypeVar("K")


@overload
def scrub(value: dict[K, object]) -> dict[K, object]: ...
@overload
def scrub(value: object) -> object: ...
def scrub(value: object) -> object:
    if isinstance(value, dict):
        return {
            k: ("[scrubbed]" if SENSITIVE_KEYS.search(str(k)) else scrub(v))
            for k, v in value.items()
        }
    if isinstance(value, str):
        return mask_tokens(value)
    return value


class MaskTokens(logging.Filter):
    """Masks tokens in a record's final text (werkzeug's request lines carry full paths)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask_tokens(record.getMessage()), ()
        return True


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": scrub(record.getMessage()),
        }
        extra = getattr(record, "data", None)
        if isinstance(extra, dict):
            entry.update(scrub(extra))
        if has_request_context():
            entry["method"] = request.method
            entry["path"] = scrub(request.path)
            entry["request_id"] = g.get("request_id")
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc_type"] = record.exc_info[0].__name__
            entry["trace"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def init_app(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JSONFormatter())
    app.logger.handlers = [handler]
    app.logger.setLevel(app.config["LOG_LEVEL"])
    app.logger.propagate = False
    # Werkzeug's development server: in development it says where the site is and logs each
    # request (with the tokens of mailed links masked); elsewhere it stays quiet.
    werkzeug = logging.getLogger("werkzeug")
    if app.config["ENV_NAME"] == "development":
        werkzeug.setLevel(logging.INFO)
        if not any(isinstance(f, MaskTokens) for f in werkzeug.filters):
            werkzeug.addFilter(MaskTokens())
    else:
        werkzeug.setLevel(logging.WARNING)

    @app.before_request
    def assign_request_id() -> None:
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or secrets.token_hex(8)
