"""Text helpers: accent-free search keys and safe rendering of user text."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _
from markupsafe import Markup, escape

#: What stands in for a removed span (app.moderation.redaction). Stored as is (the API and
#: exports show this stable marker); pages and mails show it translated (``show_redactions``,
#: ``render_user_text``).
REDACTION_MARKER = "[removed: personal data]"

_SPACES = re.compile(r"\s+")
#: http(s) links and bare www. links; trailing punctuation is left outside the link.
_URL = re.compile(r"""(?i)\b((?:https?://|www\.)[^\s<>"']+[^\s<>"'.,;:!?)\]])""")


def search_key(text: str) -> str:
    """Lower-case, accent-free, single-spaced text: 'Educación  Técnica' -> 'educacion tecnica'.
    Quechua/Aymara apostrophes and ejectives are kept as written."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip()


def search_terms(query: str, limit: int = 8) -> list[str]:
    """The distinct words of a query as search keys (at most ``limit``)."""
    terms: list[str] = []
    for word in search_key(query).split(" "):
        word = word.strip("%_")
        if word and word not in terms:
            terms.append(word)
    return terms[:limit]


def like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def show_redactions(text: str) -> str:
    """The stored redaction marker in the reader's language (plain text)."""
    if not text or REDACTION_MARKER not in text:
        return text
    return text.replace(REDACTION_MARKER, _("[removed: personal data]"))


def user_text_html(text: str) -> str:
    """Plain text from users as HTML: everything escaped, line breaks kept, URLs linked with
    rel="nofollow ugc noopener". No HTML a user writes is ever interpreted. The redaction marker
    stays as stored (it has nothing to escape), so the result is the same in every language and
    may be stored with the text (``comments.body_html``); :func:`show_user_html` shows it."""
    pieces: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        pieces.append(str(escape(text[position : match.start()])))
        url = match.group(1)
        href = url if url.lower().startswith("http") else f"https://{url}"
        pieces.append(f'<a href="{escape(href)}" rel="nofollow ugc noopener">{escape(url)}</a>')
        position = match.end()
    pieces.append(str(escape(text[position:])))
    return "".join(pieces).replace("\r\n", "\n").replace("\n", "<br>\n")


def show_user_html(html: str) -> Markup:
    """HTML made by :func:`user_text_html` (and only by it), with the redaction markers in the
    reader's language."""
    return Markup(_mark_redactions(html))  # noqa: S704 - user_text_html escaped every piece


def render_user_text(text: str) -> Markup:
    """Plain text from users as safe HTML in the reader's language (the ``usertext`` filter)."""
    return show_user_html(user_text_html(text))


def _mark_redactions(html: str) -> str:
    if REDACTION_MARKER not in html:
        return html
    label = escape(_("[removed: personal data]"))
    return html.replace(REDACTION_MARKER, f'<span class="redacted">{label}</span>')
