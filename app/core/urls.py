"""URL helpers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from werkzeug.routing import IntegerConverter, Map

#: The largest id the database holds: ids are INTEGER columns, 32-bit on PostgreSQL. A larger
#: number in a path, a query or a form is not an id of anything: it is answered as "not found" or
#: "not a valid choice", never passed to the database (PostgreSQL refuses it with "integer out of
#: range", SQLite past 64 bits with OverflowError).
MAX_ID = 2**31 - 1


def bounded_int(value: Any) -> int:
    """``int(value)`` within what an INTEGER column holds, else ValueError: usable as ``type=`` in
    ``request.args.get`` (which then gives the default) and as a WTForms coerce."""
    number = int(value)
    if not -MAX_ID - 1 <= number <= MAX_ID:
        raise ValueError("out of range")
    return number


def id_or_none(value: object) -> int | None:
    """An id typed as digits (a form field, a cookie, a checkbox value), or None when it is
    empty, not digits, or more than any id can be."""
    text = str(value).strip() if value is not None else ""
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if number <= MAX_ID else None


class IdConverter(IntegerConverter):
    """Werkzeug's ``int`` converter, bounded to what the database stores: a path like
    ``/programs/9223372036854775808`` matches no route (404)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Before any blueprint: rules pick their converter when they are added."""
    app.url_map.converters["int"] = IdConverter


def safe_next(target: str | None) -> str | None:
    """Return ``target`` only if it is a local path on this site (no scheme, no host, no
    protocol-relative ``//`` or backslash tricks); otherwise None."""
    if not target:
        return None
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    if any(ord(ch) < 32 for ch in target):
        return None
    return target


def external_url(endpoint: str, **values: object) -> str:
    """An absolute URL on ``BASE_URL`` (for mails), inside or outside a request (CLI, workers)."""
    base = urlsplit(current_app.config["BASE_URL"].rstrip("/"))
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
