"""Spelling: when a search finds nothing, the words nobody wrote are replaced by the closest
written ones (``pg_trgm`` neighbours on PostgreSQL, the programs' FTS5 vocabulary on SQLite; the
newest observation titles on both) and the search runs again, saying so."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import text as sql_text

from app.extensions import db
from app.observations.models import Observation
from app.observations.queries import ListFilters, public_list
from app.search.engine import postgres
from app.search.schema import PROGRAM_TITLES
from app.search.text import SearchQuery, closest, distinct_word_keys, word_keys

T = TypeVar("T")

#: The newest observation titles a mistyped word is compared with (with the programs' titles
#: through their trigram index on PostgreSQL, with the programs' vocabulary on SQLite).
NEIGHBOUR_WINDOW = 1_000


def _known(word_prefix: str) -> bool:
    """Whether a program has a word starting with ``word_prefix`` (SQLite's vocabulary; False on
    PostgreSQL, see below): then the word is left as it is."""
    if postgres():
        # Not asked on PostgreSQL: its neighbours (trigram similarity) include the word itself
        # when it is written anywhere, and closest() then keeps it. Asking would cost a scan:
        # the planner guesses prefix queries to be common and reads the whole table.
        return False
    # Not the observations' vocabulary: it indexes observations nobody may read yet (or ever),
    # and whether a word is corrected must not tell that one of them has it.
    return bool(_program_terms(word_prefix, limit=1))


def _program_terms(prefix: str, limit: int = -1) -> list[str]:
    """SQLite: the words of the programs' FTS5 vocabulary that start with ``prefix``."""
    return list(
        db.session.execute(
            sql_text("SELECT term FROM programs_fts_vocab WHERE term >= :p AND term < :q LIMIT :n"),
            {"p": prefix, "q": prefix + "\U0010ffff", "n": limit},
        ).scalars()
    )


def _nearby_words(word: str) -> list[str]:
    """Written words that might be what ``word`` was meant to be: from the programs (their
    titles' trigram neighbours on PostgreSQL, their FTS5 vocabulary from the same two letters on
    SQLite) and the words of the newest observation titles from the same two letters on."""
    start = word[:2]
    if postgres():
        # Program titles through their trigram index (OFFSET 0: the index first, whatever the
        # LIMIT; the titles alone: comparing with whole program texts cost 8-19 ms at 10,000
        # programs). The SQL is built from schema's constant, never from input.
        neighbours = (
            f"SELECT t FROM (SELECT {PROGRAM_TITLES} AS t FROM programs "  # noqa: S608
            f"  WHERE {PROGRAM_TITLES} %> :w OFFSET 0) AS p LIMIT 20"
        )
        rows = db.session.execute(sql_text(neighbours), {"w": word}).scalars()
        words = {w for text in rows for w in word_keys(text) if len(w) > 2}
    else:
        # Not the observations' vocabulary: listing its terms reads each one's every occurrence
        # to count them (16 ms for "al…" at 1,000,000 observations, where "alcantarillado"
        # alone is in 60,000).
        words = set(_program_terms(start))
    # The titles of the public list's newest, bounded (a scan of a million costs more than the
    # search it corrects), read whole and split here: comparing them in SQL (unaccent and
    # trigrams on each title) took 10 ms of PostgreSQL's time for a word nobody wrote. Public
    # ones only: a correction is shown ("showing results for …"), and a word of a title nobody
    # may read (a filing not yet accepted, a rejected or hidden one) must not be.
    newest = public_list(ListFilters()).with_only_columns(Observation.title)
    titles = db.session.scalars(newest.limit(NEIGHBOUR_WINDOW))
    words.update(w for w in distinct_word_keys(titles) if w[:2] == start and len(w) > 2)
    return sorted(words)


def corrected(query: SearchQuery) -> SearchQuery:
    """``query`` with each word nobody wrote replaced by the closest written word; the same
    query when every word is known or nothing close exists."""
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
