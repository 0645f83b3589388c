"""Search as SQL, one function per kind of thing found, on either engine (the indexes are in
``app.search.schema``). Each returns the matching ids with a score (higher is better); callers
join them to their own query, so every page keeps its own visibility rules and filters.

A search looks at the :data:`CANDIDATES` newest matches of the observations' own text and the
:data:`RELATED` newest of each other source, not at every match: a
common word ("agua") matches a large share of a million observations, and ranking all of them
would cost every reader a second. Within those the best come first; filters narrow further.

Observations are found by their own text (code, title, description, place), by an institution's
answer to them, by their program's text and by their institution's name. When nothing at all
is found, ``app.search.spelling`` replaces the words nobody wrote and the search runs again."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, TypeAlias, TypeVar

from flask import g
from sqlalchemy import (
    JSON,
    ColumnElement,
    Float,
    FromClause,
    Integer,
    Select,
    String,
    TableClause,
    bindparam,
    cast,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Join

from app.core.i18n_content import localized
from app.core.text import search_key
from app.extensions import db
from app.institutions.models import Institution
from app.observations.models import Observation, ObservationEvent
from app.programs.models import Plan, Program
from app.search.text import SearchQuery

Q = TypeVar("Q", bound="Select[*tuple[Any, ...]]")
T = TypeVar("T")

#: A select of ``(id, score)`` rows.
Matches: TypeAlias = "Select[*tuple[Any, ...]]"

#: How many of the newest matches of each source are ranked.
CANDIDATES = 1000
#: How many are taken from each source that only leads to an observation (its answers, its
#: program, its institution): they rank below its own words anyway.
RELATED = 250
#: Scores of what is found other than by the thing's own text.
BY_CODE = 100.0
BY_ANSWER = 0.5
BY_PROGRAM = 0.2
BY_INSTITUTION = 0.1


def postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _tsquery(query: SearchQuery) -> ColumnElement[object]:
    return func.to_tsquery(literal_column("'qhawaq'::regconfig"), bindparam("tsq", query.tsquery()))


def _fts_table(name: str) -> TableClause:
    return table(name, column("rowid"))


def _fts(name: str, query: SearchQuery, weights: str = "", limit: int | None = None) -> Matches:
    """SQLite: the newest matches of an FTS5 table, with BM25 turned into higher-is-better."""
    fts = _fts_table(name)
    bm25 = f"bm25({name}{', ' + weights if weights else ''})"
    return (
        select(fts.c.rowid.label("id"), (-literal_column(bm25)).label("score"))
        .select_from(fts)
        .where(literal_column(name).op("MATCH")(bindparam(f"m_{name}", query.fts5())))
        .order_by(fts.c.rowid.desc())
        .limit(limit or CANDIDATES)
    )


def _vector(table: FromClause | type) -> ColumnElement[object]:
    name = table.__tablename__ if isinstance(table, type) else table.name  # type: ignore[attr-defined]
    return literal_column(f"{name}.search_vector")


def _pg(model: type, query: SearchQuery) -> Matches:
    """PostgreSQL: the newest matches of a small table's ``search_vector`` (programs), ranked by
    cover density. The observations and their answers are read in stages instead
    (``_pg_newest_matches``)."""
    vector = _vector(model)
    key = model.id  # type: ignore[attr-defined]
    return (
        select(key.label("id"), func.ts_rank_cd(vector, _tsquery(query)).label("score"))
        .where(vector.op("@@")(_tsquery(query)))
        .order_by(key.desc())
        .limit(CANDIDATES)
    )


def program_matches(query: SearchQuery) -> Matches:
    """Programs whose text (code, titles and descriptions in every language) has every word."""
    if not query.terms:  # a tracking code alone: observations only
        return select(literal(0).label("id"), literal(0.0).label("score")).where(literal(False))
    if postgres():
        return _pg(Program, query)
    return _fts("programs_fts", query)


def _per_request(cache: str, query: SearchQuery, make: Callable[[], T]) -> T:
    """``make()`` once per request and query (a page joins what was found to its list, its
    count and its map)."""
    kept: dict[str, T] = g.setdefault(cache, {})
    if query.text not in kept:
        kept[query.text] = make()
    return kept[query.text]


def _program_rows(query: SearchQuery) -> list[tuple[int, float]]:
    """The programs found, ranked once per request: the programs list joins them, and the
    observations about them are found from them."""
    return _per_request("_search_programs", query, lambda: _rows(program_matches(query)))


def found_programs(query: SearchQuery) -> FromClause:
    """The programs found as a small table ``(id, score)`` (the list and its count join it;
    see ``found_observations``)."""
    return _per_request(
        "_search_program_table",
        query,
        lambda: _literal_table(_program_rows(query), "found_programs"),
    )


def found_observations(query: SearchQuery) -> FromClause:
    """The observations found, as a small table ``(id, score)`` to join: the matches are run
    once per request, handed back as literal rows (at most a few thousand: ``CANDIDATES`` per
    source), and the table kept for every query of the request (writing the rows as JSON
    costs most of a millisecond each time)."""
    return _per_request(
        "_search_found", query, lambda: _literal_table(_observation_scores(query), "found")
    )


def _literal_table(found: list[tuple[int, float]], name: str) -> FromClause:
    """``found`` as a table ``(id, score)`` of literal rows, passed as one JSON parameter."""
    rows = bindparam(f"{name}_rows", json.dumps(found), type_=String)
    if postgres():
        each = func.json_array_elements(cast(rows, JSON)).table_valued("value")
        id_, score = (each.c.value.op("->>")(i) for i in (0, 1))
        columns: list[ColumnElement[Any]] = [cast(id_, Integer), cast(score, Float)]
    else:
        each = func.json_each(rows).table_valued("value")
        columns = [func.json_extract(each.c.value, f"$[{i}]") for i in (0, 1)]
    return select(columns[0].label("id"), columns[1].label("score")).subquery(name)


def _rows(statement: Matches) -> list[tuple[int, float]]:
    """``(id, score)`` rows as plain tuples (read by position: a few thousand rows a search,
    and reading a ``Row`` by name cost a few ms of them)."""
    rows = db.session.execute(statement)
    return [(int(found_id), float(score or 0.0)) for found_id, score in rows]


def _observation_scores(query: SearchQuery) -> list[tuple[int, float]]:
    """Every source's matches, merged (each observation its best score): the observations' own
    text, their answers, their programs, their institutions, a tracking code."""
    scores: dict[int, float] = {}

    def take(rows: list[tuple[int, float]], factor: float = 1.0) -> None:
        for found_id, score in rows:
            scores[found_id] = max(scores.get(found_id, 0.0), score * factor)

    if query.terms:
        if postgres():
            take(_pg_newest_matches(Observation, query, CANDIDATES))
            answers = _pg_newest_matches(
                ObservationEvent, query, RELATED, ObservationEvent.observation_id
            )
        else:
            own = _rows(_fts("observations_fts", query, "10.0, 5.0, 1.0, 1.0"))
            take(_kept(query, own, CANDIDATES))
            # The events found, then the observations they answer.
            fts = _fts("observation_answers_fts", query, limit=RELATED).subquery()
            answers = _rows(
                select(ObservationEvent.observation_id.label("id"), fts.c.score).join(
                    fts, fts.c.id == ObservationEvent.id
                )
            )
            _kept(query, answers, RELATED)
        take(answers, BY_ANSWER)
        if _program_rows(query):
            among = select(found_programs(query).c.id)
            take(_newest_related(query, Observation.program_id, among, BY_PROGRAM))
        institutions = institution_ids(query)
        if institutions:
            take(_newest_related(query, Observation.institution_id, institutions, BY_INSTITUTION))
    if query.code:
        code = select(Observation.id.label("id"), literal(BY_CODE).label("score"))
        take(_rows(code.where(Observation.code == query.code)))
    return list(scores.items())


#: How many of the newest rows are read first for a word or a related thing.
RECENT_WINDOW = 5_000
#: ... and how many matches in the whole table it is cheaper to read through an index.
FENCED_MAX = 5_000


def _in_stages(
    query: SearchQuery,
    model: Any,
    limit: int,
    window: Callable[[], list[tuple[int, float]]],
    fenced: Callable[[], list[tuple[int, float]]],
) -> list[tuple[int, float]]:
    """The newest ``limit`` matches of a source, read in the stage their frequency calls for.
    A planner cannot tell a word (or a program, an institution) in a third of the rows from one
    in none, and picks either plan for either: walking the table newest first reads every row
    when nothing matches; reading the index first reads every match of a common one. So: first
    the newest ``RECENT_WINDOW`` rows (``window``, bounded); if they hold ``limit`` matches those
    are the newest matches. Else, when the whole table holds few (``FENCED_MAX``, estimated from
    the window), through the index (``fenced``: its ``OFFSET 0`` keeps the planner from walking
    the table); else the window's matches are what is found. Whenever older matches were left
    out (the window's only, or as many as the source takes), the search says it looked at the
    newest observations only (``capped``)."""
    found = window()
    if len(found) >= limit:
        return _kept(query, found, limit)
    sizes: dict[Any, int] = g.setdefault("_search_sizes", {})
    if model not in sizes:
        sizes[model] = db.session.scalar(select(func.max(model.id))) or 0
    if sizes[model] <= RECENT_WINDOW:
        return found
    if len(found) * sizes[model] / RECENT_WINDOW <= FENCED_MAX:
        return _kept(query, fenced(), limit)
    _capped(query)
    return found


def _kept(
    query: SearchQuery, found: list[tuple[int, float]], limit: int
) -> list[tuple[int, float]]:
    """``found``, a source's newest matches: when it holds as many as the source takes, older
    ones were left out, and the search says it looked at the newest only."""
    if len(found) >= limit:
        _capped(query)
    return found


def _capped(query: SearchQuery) -> None:
    g.setdefault("_search_capped", set()).add(query.text)


def _newest_related(
    query: SearchQuery, column: Any, among: Select[Any] | list[int], score: float
) -> list[tuple[int, float]]:
    """The newest ``RELATED`` observations whose ``column`` (their program, their institution)
    is ``among`` the things found (their ids, or a select of them), each with ``score``, in
    stages (``_in_stages``): a common word's programs hold a tenth of a million observations,
    and reading them all to keep the newest took a quarter of a second."""
    recent = (
        select(Observation.id.label("id"), column.label("ref"))
        .order_by(Observation.id.desc())
        .limit(RECENT_WINDOW)
        .subquery()
    )
    window = (
        select(recent.c.id, literal(score).label("score"))
        .where(recent.c.ref.in_(among))
        .order_by(recent.c.id.desc())
        .limit(RELATED)
    )
    # Through the foreign key's index; the OFFSET 0 fences the order and limit off: seeing them,
    # a planner walks the whole table newest first hoping for early matches.
    matched = select(Observation.id.label("id")).where(column.in_(among)).offset(0).subquery()
    fenced = (
        select(matched.c.id, literal(score).label("score"))
        .order_by(matched.c.id.desc())
        .limit(RELATED)
    )
    return _in_stages(query, Observation, RELATED, lambda: _rows(window), lambda: _rows(fenced))


def _pg_newest_matches(
    model: type, query: SearchQuery, limit: int, id_column: Any = None
) -> list[tuple[int, float]]:
    """The newest ``limit`` rows of ``model`` whose ``search_vector`` matches, ranked, read in
    stages (``_in_stages``). PostgreSQL's planner cannot tell a word in a third of the rows from
    one in none: a stemmed word missing from its statistics looks as common as the rarest it
    knows."""
    vector = _vector(model)
    key = model.id  # type: ignore[attr-defined]
    column = id_column if id_column is not None else key
    tsq = _tsquery(query)
    recent = (
        select(key.label("key"), column.label("id"), vector.label("v"))
        .order_by(key.desc())
        .limit(RECENT_WINDOW)
        .subquery()
    )
    window = (
        select(recent.c.id, func.ts_rank_cd(recent.c.v, tsq).label("score"))
        .where(recent.c.v.op("@@")(tsq))
        .order_by(recent.c.key.desc())
        .limit(limit)
    )
    matched = (
        select(key.label("key"), column.label("id"), func.ts_rank_cd(vector, tsq).label("score"))
        .where(vector.op("@@")(tsq))
        .offset(0)
        .subquery()
    )
    fenced = select(matched.c.id, matched.c.score).order_by(matched.c.key.desc()).limit(limit)
    return _in_stages(query, model, limit, lambda: _rows(window), lambda: _rows(fenced))


def capped(query: SearchQuery) -> bool:
    """Whether this request's search of ``query`` looked at the newest observations only."""
    return query.text in g.get("_search_capped", set())


class _FoundFirst(Join):
    """A join of the found rows to their table that SQLite must walk found rows first."""

    inherit_cache = True


@compiles(_FoundFirst, "sqlite")
def _found_first(element: _FoundFirst, compiler: Any, **kw: Any) -> str:
    # SQLite's planner would otherwise walk the public observations by their state index and
    # scan the found rows for each (a second for a million observations); CROSS JOIN keeps the
    # few found rows as the outer loop, each a primary-key lookup.
    return str(compiler.visit_join(element, **kw)).replace(" JOIN ", " CROSS JOIN ", 1)


def narrow(statement: Q, query: SearchQuery) -> tuple[Q, FromClause]:
    """``statement`` (a select from observations) narrowed to the observations ``query`` finds,
    and the found table, whose ``score`` orders them."""
    found = found_observations(query)
    joined = _FoundFirst(found, Observation.__table__, found.c.id == Observation.id)
    return statement.select_from(joined), found


def narrow_programs(statement: Q, query: SearchQuery) -> tuple[Q, FromClause]:
    """``statement`` (a select from programs) narrowed to the programs ``query`` finds, and the
    found table, whose ``score`` orders them."""
    found = found_programs(query)
    joined = _FoundFirst(found, Program.__table__, found.c.id == Program.id)
    return statement.select_from(joined), found


def _names_match(names: Iterable[str], query: SearchQuery) -> bool:
    words = _words_of(" ".join(names))
    return all(any(term.matches(word) for word in words) for term in query.terms)


@lru_cache(maxsize=4096)
def _words_of(names: str) -> tuple[str, ...]:
    """The search keys of an institution's or plan's names: every search matches all of them
    in Python, and normalising each name's every letter took a few ms a request."""
    return tuple(search_key(names).split())


def institution_ids(query: SearchQuery, limit: int = 50) -> list[int]:
    """Institutions whose name (any language) or acronym has every word. Institutions are few
    (hundreds), so this reads them all in one small query and matches in Python, once per
    request (the observations found through them and the institutions listed)."""
    if not query.terms:
        return []
    return _per_request("_search_institutions", query, lambda: _institution_ids(query))[:limit]


def _institution_ids(query: SearchQuery) -> list[int]:
    rows = db.session.execute(
        select(Institution.id, Institution.names, Institution.acronym).order_by(Institution.id)
    )
    return [id_ for id_, names, acronym in rows if _names_match([*names.values(), acronym], query)]


def plans_matching(query: SearchQuery) -> list[Plan]:
    """Plans whose title (any language) has every word: plans are few, matched in Python."""
    if not query.terms:
        return []
    plans = db.session.scalars(select(Plan).order_by(Plan.period_start.desc(), Plan.id)).all()
    return [plan for plan in plans if _names_match(plan.titles.values(), query)]


def institutions_matching(query: SearchQuery) -> list[Institution]:
    ids = institution_ids(query)
    if not ids:
        return []
    found = {
        i.id: i for i in db.session.scalars(select(Institution).where(Institution.id.in_(ids)))
    }
    return sorted((found[i] for i in ids if i in found), key=lambda i: str(localized(i.names)))
