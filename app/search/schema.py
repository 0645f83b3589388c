# ruff: noqa: S608 - the DDL is built from this module's constants, never from input
"""The search indexes, one set per engine, kept up to date by the database itself.

PostgreSQL: a text search configuration ``qhawaq`` (Spanish, with ``unaccent`` before the
stemmer), stored generated ``search_vector`` columns on observations (code and title weighted A,
description and place B), on the institution's answers (events by an institution) and on programs
(their ``search_text``: every language), each with a GIN index; and ``pg_trgm`` GIN indexes for
typos over observation titles and program texts.

SQLite: FTS5 tables over the same texts (external content: they store only the index), kept by
triggers, with their ``fts5vocab`` tables for spelling corrections.

The models do not declare these objects (SQLAlchemy cannot declare either engine's kind); the
migration installs them with :func:`install`, and :func:`include_object` keeps Alembic's
comparison of models and database from reporting them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

#: SQLite: (FTS table, content table, indexed columns, condition on the row or None).
FTS_TABLES: tuple[tuple[str, str, tuple[str, ...], str | None], ...] = (
    (
        "observations_fts",
        "observations",
        ("code", "title", "description", "place_description"),
        None,
    ),
    ("observation_answers_fts", "observation_events", ("note",), "actor_role = 'institution'"),
    ("programs_fts", "programs", ("search_text",), None),
)

#: PostgreSQL: table → the generated column's expression.
PG_VECTORS: dict[str, str] = {
    "observations": (
        "setweight(to_tsvector('qhawaq', coalesce(code, '') || ' ' || title), 'A') || "
        "setweight(to_tsvector('qhawaq', description || ' ' || place_description), 'B')"
    ),
    "observation_events": (
        "CASE WHEN actor_role = 'institution' THEN to_tsvector('qhawaq', note) END"
    ),
    "programs": "to_tsvector('qhawaq', search_text)",
}
#: PostgreSQL: trigram indexes for codes, names and typos.
PG_TRIGRAMS: dict[str, tuple[str, str]] = {
    "ix_observations_title_trgm": ("observations", "qhawaq_unaccent(lower(title))"),
    "ix_programs_search_text_trgm": ("programs", "search_text"),
}
#: PostgreSQL: a program's titles in every language, the words a mistyped one is compared with
#: (app/search/spelling.py): short, where ``search_text`` (descriptions too) made each
#: comparison slow. Its trigram index is migration 0023's (not ``install``'s, which migration
#: 0017 runs).
PROGRAM_TITLES = (
    "qhawaq_unaccent(lower("
    + " || ' ' || ".join(
        f"coalesce(titles->>'{lang}', '')" for lang in ("es", "qu", "ay", "gn", "en")
    )
    + "))"
)
PROGRAM_TITLES_INDEX = "ix_programs_titles_trgm"


def _sqlite_statements() -> list[str]:
    # Every name below comes from the constants above, never from input.
    statements: list[str] = []
    for fts, table, columns, where in FTS_TABLES:
        cols = ", ".join(columns)
        new = ", ".join(f"new.{c}" for c in columns)
        old = ", ".join(f"old.{c}" for c in columns)
        when_new = f" WHEN {where.replace('actor_role', 'new.actor_role')}" if where else ""
        when_old = f" WHEN {where.replace('actor_role', 'old.actor_role')}" if where else ""
        statements += [
            f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='3')",
            f"CREATE VIRTUAL TABLE {fts}_vocab USING fts5vocab({fts}, row)",
            f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table}{when_new} BEGIN "
            f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
            f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table}{when_old} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
            f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {table}{when_old} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
            f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
            f"INSERT INTO {fts}(rowid, {cols}) SELECT id, {cols} FROM {table}"
            + (f" WHERE {where}" if where else ""),
        ]
    return statements


def _extension_schemas(conn: Connection) -> dict[str, str]:
    """Install the extensions (trusted ones: a database owner may) and say which schema each
    lives in: an extension already installed in another schema is used from there."""
    for name in ("unaccent", "pg_trgm"):
        conn.execute(text(f"CREATE EXTENSION IF NOT EXISTS {name}"))
    rows = conn.execute(
        text(
            "SELECT e.extname, n.nspname FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname IN ('unaccent', 'pg_trgm')"
        )
    )
    return {name: f'"{schema}"' for name, schema in rows}


def _postgres_statements(schemas: dict[str, str]) -> list[str]:
    u, t = schemas["unaccent"], schemas["pg_trgm"]
    statements = [
        "CREATE TEXT SEARCH CONFIGURATION qhawaq (COPY = pg_catalog.spanish)",
        "ALTER TEXT SEARCH CONFIGURATION qhawaq ALTER MAPPING FOR hword, hword_part, word "
        f"WITH {u}.unaccent, spanish_stem",
        # unaccent() is only STABLE (its dictionary could change); an index needs IMMUTABLE.
        "CREATE FUNCTION qhawaq_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE "
        f"PARALLEL SAFE STRICT AS $$ SELECT {u}.unaccent('{u}.unaccent'::regdictionary, $1) $$",
    ]
    for table, expression in PG_VECTORS.items():
        statements += [
            f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({expression}) STORED",
            f"CREATE INDEX ix_{table}_search ON {table} USING gin (search_vector)",
        ]
    for name, (table, expression) in PG_TRIGRAMS.items():
        statements.append(
            f"CREATE INDEX {name} ON {table} USING gin ({expression} {t}.gin_trgm_ops)"
        )
    return statements


def install_program_titles(conn: Connection) -> None:
    """PostgreSQL: the trigram index of the program titles (migration 0023)."""
    if conn.dialect.name != "postgresql":
        return
    trgm = _extension_schemas(conn)["pg_trgm"]
    conn.execute(
        text(
            f"CREATE INDEX IF NOT EXISTS {PROGRAM_TITLES_INDEX} ON programs "
            f"USING gin (({PROGRAM_TITLES}) {trgm}.gin_trgm_ops)"
        )
    )


def install(conn: Connection) -> None:
    """Create the search indexes (and fill them from the rows already there)."""
    statements = (
        _postgres_statements(_extension_schemas(conn))
        if conn.dialect.name == "postgresql"
        else _sqlite_statements()
    )
    for statement in statements:
        conn.execute(text(statement))


def uninstall(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        for name in (*PG_TRIGRAMS, PROGRAM_TITLES_INDEX):
            conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
        for table in PG_VECTORS:
            conn.execute(text(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector"))
        conn.execute(text("DROP FUNCTION IF EXISTS qhawaq_unaccent(text)"))
        conn.execute(text("DROP TEXT SEARCH CONFIGURATION IF EXISTS qhawaq"))
        return
    for fts, _table, _columns, _where in FTS_TABLES:
        for suffix in ("ai", "ad", "au"):
            conn.execute(text(f"DROP TRIGGER IF EXISTS {fts}_{suffix}"))
        conn.execute(text(f"DROP TABLE IF EXISTS {fts}_vocab"))
        conn.execute(text(f"DROP TABLE IF EXISTS {fts}"))


def _is_search_object(name: str | None) -> bool:
    if not name:
        return False
    return (
        name == "search_vector"
        or name in PG_TRIGRAMS
        or name == PROGRAM_TITLES_INDEX
        or any(name == f"ix_{t}_search" for t in PG_VECTORS)
        or any(name.startswith(fts) for fts, *_ in FTS_TABLES)
    )


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """For Alembic's comparison: leave out the search objects only the database knows."""
    return not (reflected and compare_to is None and _is_search_object(name))
