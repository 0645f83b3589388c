"""Admin-entered content stored per language (a JSON object ``{"es": "...", "qu": "..."}``), read
with a fallback to Spanish that the UI can mark."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from wtforms import Field
from wtforms.widgets import Select

from app.core.i18n import DEFAULT_LANGUAGE, current_language


class LangStr(str):
    """Text that remembers its language: what ``str(LocalizedText)`` returns, so a label built
    with ``str(institution.name)`` (a select choice, a chart label) can still be marked with
    ``lang`` where it is shown (:class:`LangSelect`, the ``lang_attr`` macro)."""

    lang: str
    is_fallback: bool

    def __new__(
        cls, text: str = "", lang: str = DEFAULT_LANGUAGE, is_fallback: bool = False
    ) -> LangStr:
        made = super().__new__(cls, text)
        made.lang = lang
        made.is_fallback = is_fallback
        return made


@dataclass(frozen=True)
class LocalizedText:
    text: str
    #: The language the text is really in.
    lang: str
    #: True when the reader's language had no text and another language was shown.
    is_fallback: bool

    def __str__(self) -> str:
        return LangStr(self.text, self.lang, self.is_fallback)

    def __html__(self) -> str:
        return str(escape(self.text))


def localized(values: dict[str, str] | None, lang: str | None = None) -> LocalizedText:
    """Pick the reader's language, else Spanish, else any language that has text."""
    values = values or {}
    lang = lang or current_language()
    if values.get(lang):
        return LocalizedText(values[lang], lang, False)
    if values.get(DEFAULT_LANGUAGE):
        return LocalizedText(values[DEFAULT_LANGUAGE], DEFAULT_LANGUAGE, lang != DEFAULT_LANGUAGE)
    for code, text in values.items():
        if text:
            return LocalizedText(text, code, code != lang)
    return LocalizedText("", lang, False)


class LangSelect(Select):
    """WTForms' select, with ``lang`` on each option whose label is in a fallback language, so
    screen readers pronounce a Spanish-only institution name as Spanish on a Quechua page."""

    @classmethod
    def render_option(cls, choice: Any, **kwargs: Any) -> Markup:
        if getattr(choice.label, "is_fallback", False) and "lang" not in (choice.render_kw or {}):
            kwargs.setdefault("lang", choice.label.lang)
        return super().render_option(choice, **kwargs)


def with_option_lang(field: Field) -> Field:
    """Template filter (the ``field`` macro): a plain select field gets :class:`LangSelect` for
    this rendering; other fields, and selects with their own widget, are returned as they are."""
    widget = getattr(field, "widget", None)
    if widget is not None and type(widget) is Select:
        field.widget = LangSelect(multiple=widget.multiple)
    return field
