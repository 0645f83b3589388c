"""Spelling: when a search finds nothing, the words nobody wrote are replaced by the closest
written ones (``pg_trgm`` neighbours on PostgreSQL, the programs' FTS5 vocabulary on SQLite; the
newest observation titles on both) and the search runs again, saying so."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import text as sql_text

from app.extensions import db
from app.search.engine import postgres
from app.search.schema import PROGRAM_TITLES
from app.search.text import SearchQuery, closest, word_keys

T = TypeVar("T")

#: The newest observation titles a mistyped word is compared with (with the programs' titles
#: through their trigram index on PostgreSQL, with the programs' vocabulary on SQLite).
NEIGHBOUR_WINDOW = 1_000


def _known(word_prefix: str) -> bool:
    """Whether any indexed text has a word starting with ``word_prefix`` (SQLite's vocabulary;
    False on PostgreSQL, see below)."""
    if postgres():
        # Not asked on PostgreSQL: its neighbours (trigram similarity) include the word itself
        # when it is written anywhere, and closest() then keeps it. Asking would cost a scan:
        # the planner guesses prefix queries to be common and reads the whole table.
        return False
    for vocab in ("observations_fts_vocab", "programs_fts_vocab"):
        found = db.session.execute(
            sql_text(f"SELECT 1 FROM {vocab} WHERE term >= :p AND term < :q LIMIT 1"),  # noqa: S608 - constant names
            {"p": word_prefix, "q": word_prefix + "\U0010ffff"},
        ).first()
        if found:
            return True
    return False


def _nearby_words(word: str) -> list[str]:
    """Written words that might be what ``word`` was meant to be."""
    if postgres():
        # Program titles through their trigram index (OFFSET 0: the index first, whatever the
        # LIMIT; the titles alone: comparing with whole program texts cost 8-19 ms at 10,000
        # programs), and the titles of the newest observations (bounded: a trigram scan of a
        # million titles costs more than the search it corrects).
        # The SQL is built from schema's constant, never from input.
        neighbours = (
            "(SELECT t FROM (SELECT qhawaq_unaccent(lower(title)) AS t FROM observations "  # noqa: S608
            "  ORDER BY id DESC LIMIT :window) AS o WHERE t %> :w LIMIT 20) "
            f"UNION ALL (SELECT t FROM (SELECT {PROGRAM_TITLES} AS t FROM programs "
            f"  WHERE {PROGRAM_TITLES} %> :w OFFSET 0) AS p LIMIT 20)"
        )
        rows = db.session.execute(
            sql_text(neighbours),
            {"w": word, "window": NEIGHBOUR_WINDOW},
        ).scalars()
        return sorted({w for text in rows for w in word_keys(text) if len(w) > 2})
    # SQLite: the programs' vocabulary from the same two letters on, and the words of the
    # newest observation titles, as on PostgreSQL. Not the observations' vocabulary: listing its
    # terms reads each one's every occurrence to count them (16 ms for "al…" at 1,000,000
    # observations, where "alcantarillado" alone is in 60,000).
    start = word[:2]
    words = set(
        db.session.execute(
            sql_text("SELECT term FROM programs_fts_vocab WHERE term >= :p AND term < :q"),
            {"p": start, "q": start + "\U0010ffff"},
        ).scalars()
    )
    titles = db.session.execute(
        sql_text("SELECT title FROM observations ORDER BY id DESC LIMIT :window"),
        {"window": NEIGHBOUR_WINDOW},
    ).scalars()
    words.update(w for title in titles for w in word_keys(title) if w[:2] == start and len(w) > 2)
    return sorted(words)


def corrected(query: SearchQuery) -> SearchQuery:
    """``query`` with each word no indexed text has replaced by the closest written word; the
    same query when every word is known or nothing close exists."""
    replacements: dict[str, str] = {}
    for term in query.terms:
        if len(term.word) < 4 or term.word.isdigit() or _known(term.prefix):
            continue
        best = closest(term.word, _nearby_words(term.word))
        if best and best != term.word:
            replacements[term.word] = best
    return query.corrected(replacements)


def with_spelling(
    q: str, run: Callable[[str], T], found: Callable[[T], bool]
) -> tuple[T, SearchQuery]:
    """``run(q)``; when it finds nothing, ``run`` again with the spelling corrected (if any word
    could be). Returns the result and the query it answers (``corrected_from`` set when
    corrected, for the page to say "showing results for …")."""
    query = SearchQuery.parse(q)
    result = run(q)
    if query.terms and not found(result):
        fixed = corrected(query)
        if fixed.corrected_from:
            return run(fixed.text), fixed
    return result, query
