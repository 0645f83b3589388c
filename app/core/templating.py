"""Template filters that render user-written text and translated content: registered here, beside
:mod:`app.core.i18n` rather than by it, because these modules build on it (a filter registered
by ``i18n`` would make it import them back)."""

from __future__ import annotations

import re

from flask import Flask
from markupsafe import Markup, escape

from app.core.i18n_content import with_option_lang
from app.core.text import render_user_text, show_redactions

#: A tracking code as it appears inside a sentence (CS-2026-000123).
_TRACKING_CODE = re.compile(r"\bCS-\d{4}-\d+\b")


def nowrap_codes(text: object) -> Markup:
    """Plain ``text``, escaped, with each tracking code in a ``code-id`` span so it never breaks
    across lines (the code's hyphens are break opportunities otherwise)."""
    escaped = str(escape(text))
    wrapped = _TRACKING_CODE.sub(lambda m: f'<span class="code-id">{m.group(0)}</span>', escaped)
    return Markup(wrapped)  # noqa: S704 - escaped above; only the span is added


def init_app(app: Flask) -> None:
    app.jinja_env.filters["nowrap_codes"] = nowrap_codes
    app.jinja_env.filters["usertext"] = render_user_text
    app.jinja_env.filters["redacted"] = show_redactions
    app.jinja_env.filters["with_option_lang"] = with_option_lang
