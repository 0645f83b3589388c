"""The public list reads its first page from ``ix_observations_public_accepted`` (a partial index
of the public rows, newest accepted first) on both engines, instead of sorting every public
observation: at 1,000,000 observations that sort took seconds. The index's predicate is written
with constants and must say exactly what ``publicly_visible()`` says."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import text

from app.extensions import db
from app.observations import states
from app.observations.queries import PUBLIC_ROWS, ListFilters, public_list

MIGRATION = Path(__file__).parents[1] / "migrations/versions/0021_public_list_index.py"


def test_the_index_predicate_names_exactly_the_public_states():
    named = set(re.findall(r"'([a-z_]+)'", PUBLIC_ROWS))
    assert named == {s.value for s in states.PUBLIC_STATES}
    assert PUBLIC_ROWS.endswith("AND hidden_at IS NULL")
    # The migration carries its own copy (migrations do not import app code that may change).
    assert (
        "".join(re.findall(r'"([^"]*)"', MIGRATION.read_text().split("PUBLIC_ROWS = (")[1]))[
            : len(PUBLIC_ROWS)
        ]
        == PUBLIC_ROWS
    )


def _plan(app_ctx, query) -> str:
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    if db.engine.dialect.name == "postgresql":
        # An empty test table is cheaper to scan: forbid that, to learn whether the index can
        # serve this query at all (its predicate must be implied by the query's conditions).
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        db.session.execute(text("SET LOCAL enable_sort = off"))
        rows = db.session.execute(text(f"EXPLAIN {compiled}")).scalars().all()
    else:
        rows = [r[-1] for r in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))]
    db.session.rollback()
    return "\n".join(str(r) for r in rows)


def test_the_public_list_can_be_read_from_the_index(app_ctx):
    """PostgreSQL can serve the list from the index (its predicate is implied by the list's
    conditions). SQLite needs statistics for it (migration 0022's ANALYZE, then PRAGMA optimize):
    given those of a national install (1,000,000 observations, 92 % public), it reads the list
    from the index too, and the map's newest points from the located index, without a sort."""
    if db.engine.dialect.name == "postgresql":
        for filters in (ListFilters(), ListFilters(state="answered")):
            plan = _plan(app_ctx, public_list(filters).limit(20))
            assert "ix_observations_public_accepted" in plan, plan
        return
    assert db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name='sqlite_stat1'"))
    db.session.rollback()
    national = {
        "ix_observations_public_accepted": "920519 2 1",
        "ix_observations_state_due": "1000000 166667 309",
    }
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM sqlite_stat1 WHERE tbl = 'observations'"))
        for index, stat in national.items():
            conn.execute(
                text("INSERT INTO sqlite_stat1 VALUES ('observations', :i, :s)"),
                {"i": index, "s": stat},
            )
        conn.execute(text("ANALYZE sqlite_schema"))  # reload the statistics
    db.engine.dispose()  # every connection reads them anew
    try:
        plan = _plan(app_ctx, public_list(ListFilters()).limit(20))
        assert "ix_observations_public_accepted" in plan and "TEMP B-TREE" not in plan, plan
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM sqlite_stat1 WHERE tbl = 'observations'"))
            conn.execute(text("ANALYZE sqlite_schema"))
        db.engine.dispose()
