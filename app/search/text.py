"""What a search query means, the same on both engines: its words, each reduced to a prefix that
finds the word's other forms, and the highlighting of those words in what a page shows.

A word is lower-cased and freed of accents (``search_key``), then cut to its Snowball Spanish stem
(the stemmer PostgreSQL's ``spanish`` configuration uses) or, when shorter, to its singular: the
Snowball stemmer leaves "obras" whole, so "obras" would not find "obra" without it. The prefix then
matches every indexed word that starts with it: ``'obra':*`` in a PostgreSQL ``tsquery`` over
stemmed lexemes, ``"obra"*`` in an SQLite FTS5 query over accent-free words. Spanish stop words
("de", "la") are dropped, as PostgreSQL drops them from what it indexes."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from markupsafe import Markup, escape

from app.core.text import search_key

#: At most this many words of a query are used; the rest is ignored.
MAX_WORDS = 8
#: A query longer than this is cut (the search box has the same ``maxlength``).
MAX_QUERY = 200
#: Prefixes shorter than this match only the whole word (a prefix "ag" would match half the
#: dictionary).
MIN_PREFIX = 3

#: The commonest Spanish stop words (a subset of PostgreSQL's ``spanish.stop``): PostgreSQL does
#: not index them, so a query keeps them out too, on both engines.
STOP_WORDS = frozenset(
    """a al algo ante como con contra cual de del desde donde durante e el ella
    ellas ellos en entre era es esa ese eso esta este esto fue ha hay la las le
    les lo los mas me mi mis muy nos o otra otro para pero por que quien se
    sea ser si sin sobre su sus tambien te tu un una uno unos y ya""".split()  # noqa: SIM905 - a word list reads better as text
)

_WORD = re.compile(r"[^\W_]+")
#: A public tracking code as people type it: CS-2026-00042.
_CODE = re.compile(r"^[A-Za-z]{2,4}-\d{4}-\d{1,9}$")


@lru_cache(maxsize=4096)
def _stem(word: str) -> str:
    return str(snowballstemmer.stemmer("spanish").stemWord(word))


def _singular(word: str) -> str:
    if word.endswith("es") and len(word) > 4:
        return word[:-2]
    if word.endswith("s") and len(word) > 3:
        return word[:-1]
    return word


def prefix_of(word: str) -> str:
    """The prefix that finds ``word``'s forms: the shorter of its stem and its singular."""
    candidates = [_stem(word), _singular(word), word]
    return min((c for c in candidates if c), key=len)


@dataclass(frozen=True)
class Term:
    #: The word as typed, accent-free and lower-case.
    word: str
    #: What an indexed word must start with (equal to ``word`` when too short to cut).
    prefix: str

    @property
    def is_prefix(self) -> bool:
        return len(self.prefix) >= MIN_PREFIX

    def matches(self, key: str) -> bool:
        """Whether an accent-free, lower-case word of a text is one this term finds."""
        return key.startswith(self.prefix) if self.is_prefix else key == self.prefix


@dataclass(frozen=True)
class SearchQuery:
    """A parsed query: the text as typed (cut to ``MAX_QUERY``), its terms, and the tracking code
    when it looks like one."""

    text: str
    terms: tuple[Term, ...] = ()
    code: str | None = None
    #: Set when the terms are spelling corrections of what was typed (see ``corrected``).
    corrected_from: tuple[str, ...] = field(default=())

    @classmethod
    def parse(cls, raw: str | None) -> SearchQuery:
        text = " ".join((raw or "").split())[:MAX_QUERY]
        code = text.upper() if _CODE.match(text) else None
        if code:  # a tracking code is exact: its pieces ("cs", "2026") would match everything
            return cls(text, (), code)
        terms: list[Term] = []
        seen: set[str] = set()
        for word in _WORD.findall(search_key(text)):
            if word in STOP_WORDS or word in seen:
                continue
            seen.add(word)
            prefix = prefix_of(word) if len(word) >= MIN_PREFIX else word
            terms.append(Term(word, prefix if len(prefix) >= MIN_PREFIX else word))
            if len(terms) == MAX_WORDS:
                break
        return cls(text, tuple(terms), code)

    def __bool__(self) -> bool:
        return bool(self.terms) or self.code is not None

    def corrected(self, replacements: dict[str, str]) -> SearchQuery:
        """The same query with some words replaced by their likely intended spelling."""
        if not replacements:
            return self
        words = [replacements.get(t.word, t.word) for t in self.terms]
        fixed = SearchQuery.parse(" ".join(words))
        return SearchQuery(
            " ".join(words), fixed.terms, self.code, tuple(t.word for t in self.terms)
        )

    # --- the engines' query languages ----------------------------------------------------------

    def tsquery(self) -> str:
        """For PostgreSQL's ``to_tsquery('qhawaq', …)``: every term as its word or its singular
        ("obras" is ``obras | obra``), which PostgreSQL stems with the stemmer it indexed with.
        Whole words, not prefixes: the planner estimates them from the column's statistics (a
        prefix it guesses, and reads a whole table when it guesses wrong). Terms hold only
        letters and digits, so nothing here is query syntax."""
        parts = []
        for term in self.terms:
            forms = sorted({term.word, _singular(term.word)})
            parts.append(f"({' | '.join(forms)})" if len(forms) > 1 else forms[0])
        return " & ".join(parts)

    def fts5(self) -> str:
        """For SQLite's FTS5 ``MATCH``: each term a quoted string, a prefix where long enough;
        terms joined by an explicit AND (FTS5 has no implicit AND before a parenthesis)."""
        return " AND ".join(self._fts5_term(t) for t in self.terms)

    @staticmethod
    def _fts5_term(term: Term) -> str:
        """The term's prefix, or the word itself: a text with the very word ("agua") matches
        both and ranks above one with only a word that starts alike ("Aguaragüe")."""
        if not term.is_prefix:
            return f'"{term.prefix}"'
        if term.word == term.prefix:
            return f'"{term.prefix}"*'
        return f'("{term.word}" OR "{term.prefix}"*)'


def closest(word: str, candidates: list[str]) -> str | None:
    """The candidate a mistyped ``word`` most likely meant (at least 80 % alike), or None."""
    found = difflib.get_close_matches(word, candidates, n=1, cutoff=0.8)
    return found[0] if found else None


_TOKEN = re.compile(r"([^\W_]+)")


def highlight(text: str | None, query: SearchQuery) -> Markup:
    """``text`` escaped, with every word the query finds in ``<mark>``; accents and case are
    ignored, as the search ignores them."""
    source = str(text or "")
    if not query.terms:
        return escape(source)
    out: list[str] = []
    for i, part in enumerate(_TOKEN.split(source)):
        if i % 2 == 1 and _found(word_key(part), query):
            out.append(f"<mark>{escape(part)}</mark>")
        else:
            out.append(str(escape(part)))
    return Markup("".join(out))  # noqa: S704 - every piece is escaped above


@lru_cache(maxsize=8192)
def word_key(word: str) -> str:
    """``search_key`` of one word of a text: the same words come back on every result."""
    return search_key(word)


def _found(key: str, query: SearchQuery) -> bool:
    return any(term.matches(key) for term in query.terms)


def word_keys(text: str) -> list[str]:
    """The search keys of the words of ``text`` (letters and digits; punctuation apart)."""
    return [word_key(word) for word in _TOKEN.findall(text)]


def distinct_word_keys(texts: Iterable[str]) -> set[str]:
    """The search keys of the words of ``texts``, each distinct word keyed once (a thousand
    titles repeat the same few hundred words)."""
    return {word_key(word) for word in set(_TOKEN.findall("\n".join(texts)))}


def excerpt(text: str | None, query: SearchQuery, width: int = 180) -> Markup:
    """A window of ``text`` around its first matching word, highlighted; the start when none."""
    source = " ".join(str(text or "").split())
    if len(source) <= width:
        return highlight(source, query)
    start = 0
    for match in _TOKEN.finditer(source):
        if _found(word_key(match.group(1)), query):
            start = max(0, match.start() - width // 3)
            if start > 0:  # begin at a word
                space = source.find(" ", start)
                start = space + 1 if 0 <= space < match.start() else start
            break
    end = min(len(source), start + width)
    piece = source[start:end]
    return Markup(  # noqa: S704 - highlight() escapes; only the ellipses are added
        ("… " if start > 0 else "") + highlight(piece, query) + (" …" if end < len(source) else "")
    )
