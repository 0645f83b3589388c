"""Languages. The UI language (which catalogue the words come from, ``<html lang>``) and the
formatting locale (how dates and numbers look) are separate: CLDR has no Aymara, so Aymara pages
speak Aymara and format dates and numbers as es_BO. Guaraní pages do the same: CLDR's ``gn`` data
is sparse (money as "BOB 18,500,000.00", times as "2026-12-04 23:52"), unlike every other Bolivian
page, so Bolivian Spanish conventions serve Guaraní readers better.

Choice chain: ``?lang=`` → the choice made on this browser (cookie, set only by ``?lang=``) → the
user's saved preference → Accept-Language → es. The choice made on the page wins over the profile
on that browser; a signed-in person whose page language differs from their profile is offered to
save it (``accounts.routes.save_language``), which is what mails use.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from babel import Locale
from babel.support import NullTranslations, Translations
from flask import (
    Flask,
    Response,
    current_app,
    g,
    has_app_context,
    has_request_context,
    request,
)
from flask_babel import (
    Domain,
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    format_timedelta,
    get_babel,
    refresh,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.core.db import utcnow
from app.extensions import babel

#: UI language → the CLDR locale used to format dates and numbers.
FORMAT_LOCALES = {"es": "es_BO", "qu": "qu_BO", "ay": "es_BO", "gn": "es_BO", "en": "en"}
#: Each language named in itself, for the switcher (never translated).
NATIVE_NAMES = {
    "es": "Español",
    "qu": "Runasimi",
    "ay": "Aymar aru",
    "gn": "Avañe'ẽ",
    "en": "English",
}
#: Translated names, for forms where the reader picks a language.
LANGUAGE_TITLES = {
    "es": _l("Spanish"),
    "qu": _l("Quechua"),
    "ay": _l("Aymara"),
    "gn": _l("Guarani"),
    "en": _l("English"),
}
DEFAULT_LANGUAGE = "es"
COOKIE_NAME = "lang"
COOKIE_MAX_AGE = 60 * 60 * 24 * 365


def supported(code: str | None) -> str | None:
    """The supported UI language for ``code`` (``qu-BO`` → ``qu``), or None."""
    if not code:
        return None
    base = code.replace("-", "_").split("_")[0].lower()
    return base if base in FORMAT_LOCALES else None


def choose_language() -> str:
    """Resolve the UI language for the current request (memoised on ``g``)."""
    if "ui_lang" in g:
        return g.ui_lang
    lang = (
        supported(request.args.get("lang"))
        or supported(request.cookies.get(COOKIE_NAME))
        or _user_language()
        or _accept_language()
        or DEFAULT_LANGUAGE
    )
    g.ui_lang = lang
    return lang


def _user_language() -> str | None:
    try:
        if current_user and current_user.is_authenticated:
            return supported(current_user.language)
    except RuntimeError:  # no login manager context (e.g. CLI)
        return None
    return None


def _accept_language() -> str | None:
    for value, _quality in request.accept_languages:
        lang = supported(value)
        if lang:
            return lang
    return None


def _language_offer() -> str | None:
    """The page's language, when a signed-in person reads in one their profile does not have
    (they chose it on the page): the base template offers to save it."""
    if not has_request_context() or (_has_g() and g.get("forced_lang")):
        return None
    saved = _user_language()
    if saved is None:
        return None
    shown = choose_language()
    return shown if shown != saved else None


def current_language() -> str:
    """The UI language of the current request, or the forced one (mails, CLI)."""
    forced = g.get("forced_lang") if _has_g() else None
    if forced:
        return forced
    if request:
        return choose_language()
    return DEFAULT_LANGUAGE


def _has_g() -> bool:
    return has_app_context()


def select_format_locale() -> str:
    """Flask-Babel's locale selector: the formatting locale of the UI language."""
    forced = g.get("forced_lang") if _has_g() else None
    if forced:
        return FORMAT_LOCALES[forced]
    if has_request_context():
        return FORMAT_LOCALES[choose_language()]
    return FORMAT_LOCALES[DEFAULT_LANGUAGE]


class UILanguageDomain(Domain):
    """A translation domain keyed by the UI language instead of the formatting locale, so Aymara
    (no CLDR data) gets its own catalogue."""

    def get_translations(self) -> Translations | NullTranslations:
        if not has_app_context():
            return NullTranslations()
        if _has_g() and g.get("forced_lang"):
            lang = g.forced_lang
        elif has_request_context():
            lang = choose_language()
        else:
            lang = DEFAULT_LANGUAGE
        key = (lang, self.domain[0])
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        translations = Translations()
        for dirname in get_babel().translation_directories:
            catalog = Translations.load(dirname, [lang], self.domain[0])
            if isinstance(catalog, Translations):  # else no catalogue there: nothing to merge
                translations.merge(catalog)
            if hasattr(catalog, "plural"):
                translations.plural = catalog.plural
        self.cache[key] = translations
        return translations


class force_language:
    """Render mails and CLI output in a given UI language."""

    def __init__(self, lang: str | None) -> None:
        self.lang = supported(lang) or DEFAULT_LANGUAGE

    def __enter__(self) -> str:
        self.previous = g.get("forced_lang")
        g.forced_lang = self.lang
        refresh()  # Flask-Babel caches the formatting locale on the context: drop it
        return self.lang

    def __exit__(self, *exc: object) -> None:
        g.forced_lang = self.previous
        refresh()


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_format_locale)
    babel.domain_instance = UILanguageDomain(domain="messages")

    @app.after_request
    def remember_choice(response: Response) -> Response:
        chosen = supported(request.args.get("lang"))
        if chosen and request.cookies.get(COOKIE_NAME) != chosen:
            response.set_cookie(
                COOKIE_NAME,
                chosen,
                max_age=COOKIE_MAX_AGE,
                samesite="Lax",
                httponly=True,
                secure=current_app.config["SESSION_COOKIE_SECURE"],
            )
        return response

    @app.context_processor
    def language_context() -> dict[str, object]:
        return {
            "language_offer": _language_offer(),
            "ui_lang": current_language(),
            "languages": app.config["LANGUAGES"],
            "native_names": NATIVE_NAMES,
            "lang_url": lang_url,
        }

    app.jinja_env.filters["date"] = lambda value, fmt="long": format_date(value, fmt)
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_datetime(value, fmt)
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.filters["bob"] = lambda value: format_currency(value, "BOB")
    app.jinja_env.filters["age"] = _age


def _age(moment: datetime) -> str:
    """'3 days ago', in the reader's language."""
    return format_timedelta(moment - utcnow(), add_direction=True)


def lang_url(lang: str, external: bool = False) -> str:
    """The current URL with ``lang`` set, keeping the other query parameters (works on error
    pages too, which have no endpoint)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    args.append(("lang", lang))
    base = request.host_url.rstrip("/") if external else ""
    return f"{base}{request.script_root}{request.path}?{urlencode(args)}"


def language_names() -> list[tuple[str, str]]:
    """(code, translated name) pairs for select fields."""
    return [(code, str(LANGUAGE_TITLES[code])) for code in FORMAT_LOCALES]


def babel_locale() -> Locale:
    return Locale.parse(select_format_locale())
