"""Admin-entered content stored per language (a JSON object ``{"es": "...", "qu": "..."}``), read
with a fallback to Spanish that the UI can mark."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.i18n import DEFAULT_LANGUAGE, current_language


@dataclass(frozen=True)
class LocalizedText:
    text: str
    #: The language the text is really in.
    lang: str
    #: True when the reader's language had no text and another language was shown.
    is_fallback: bool

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> str:
        from markupsafe import escape

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
