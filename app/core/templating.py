"""Template filters that render user-written text and translated content: registered here, beside
:mod:`app.core.i18n` rather than by it, because these modules build on it (a filter registered
by ``i18n`` would make it import them back)."""

from __future__ import annotations

from flask import Flask

from app.core.i18n_content import with_option_lang
from app.core.text import render_user_text, show_redactions


def init_app(app: Flask) -> None:
    app.jinja_env.filters["usertext"] = render_user_text
    app.jinja_env.filters["redacted"] = show_redactions
    app.jinja_env.filters["with_option_lang"] = with_option_lang
