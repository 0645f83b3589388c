"""Query plans of the tallies at national scale (statistics of 1,000,000 observations put in
place on SQLite, which keeps no histogram and plans from ``sqlite_stat1`` alone).

The home page's live count (the waiting observations not late yet, ``tally_sums``) reads
``ix_observations_waiting`` alone, never the observations table: on SQLite the index must hold
the columns of its own condition (migration 0024), or SQLite visits a table row per index entry
to test them again (24 ms of the home page's 35 at 1,000,000 observations). The department map
reads the department rows of the split tallies by their dimension, not every row of the period."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, text

from app.accountability import tally_sums
from app.accountability.scope import Scope
from app.accountability.services import totals_for
from app.core.clock import local_today
from app.extensions import db
from tests import factories


def _statements_of(run) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    seen: list[tuple[str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return seen


def test_the_home_page_count_reads_the_waiting_index_alone(app_ctx):
    factories.observation(factories.user("waits@example.org"), state="accepted")
    db.session.commit()
    today = local_today()
    seen = _statements_of(lambda: totals_for(Scope(date(today.year, 1, 1), today.replace(day=1))))
    counts = [(s, p) for s, p in seen if "due_date" in s and "first_answer_at" in s]
    assert len(counts) == 1, seen
    statement, parameters = counts[0]
    if db.engine.dialect.name == "postgresql":
        conn = db.session.connection()
        # A small table is as cheap to read any way: allow only index-only scans, to learn
        # whether the index alone can answer (else the planner falls back to a forbidden way,
        # which the plan then shows).
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        conn.execute(text("SET LOCAL enable_bitmapscan = off"))
        conn.execute(text("SET LOCAL enable_indexscan = off"))
        plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))
        assert plan.count("Index Only Scan using ix_observations_waiting") == 2, plan
        assert "Seq Scan" not in plan and " Index Scan" not in plan, plan
    else:
        reads = _sqlite_reads(statement, parameters)
        assert len(reads) == 2, reads
        assert all("COVERING INDEX ix_observations_waiting" in r for r in reads), reads
        db.session.rollback()
        # With a national install's statistics (1,000,000 observations, 681 waiting ones per
        # due date) the filing time must not become an index term of the "due from today on"
        # arm: SQLite then skip-scans every due date (24 ms there) instead of reading the range.
        _national_statistics(
            {"ix_observations_waiting": "367885 681 2 1 1 1 1 1 1 1 1"}, "observations"
        )
        try:
            reads = _sqlite_reads(statement, parameters)
            assert "(due_date>?)" in reads[0] and "ANY(" not in reads[0], reads
        finally:
            with db.engine.begin() as own:
                own.execute(text("DELETE FROM sqlite_stat1 WHERE idx = 'ix_observations_waiting'"))
                own.execute(text("ANALYZE sqlite_schema"))
            db.engine.dispose()
    db.session.rollback()


def _national_statistics(stats: dict[str, str], table: str) -> None:
    with db.engine.begin() as own:
        for index, stat in stats.items():
            own.execute(text("DELETE FROM sqlite_stat1 WHERE idx = :i"), {"i": index})
            own.execute(
                text("INSERT INTO sqlite_stat1 VALUES (:t, :i, :s)"),
                {"t": table, "i": index, "s": stat},
            )
        own.execute(text("ANALYZE sqlite_schema"))  # reload the statistics
    db.engine.dispose()


def test_the_department_map_reads_the_department_rows_alone(app_ctx):
    today = local_today()
    scope = Scope(date(today.year - 1, 1, 1), today.replace(day=1))
    seen = _statements_of(lambda: tally_sums.by_department(scope, today))
    sums = [(s, p) for s, p in seen if "FROM scope_tallies" in s and "GROUP BY" in s]
    assert len(sums) == 1, seen
    statement, parameters = sums[0]
    if db.engine.dialect.name == "postgresql":
        # PostgreSQL's statistics choose well: its month index stays usable.
        assert "scope_tallies.month >=" in statement, statement
        return
    # The months are kept from every index: with the bench's statistics (below) SQLite ranged
    # over the month index there (821,021 rows read for 8,500); an empty test table with the
    # same statistics plans otherwise, so the statement is checked as well as the plan.
    assert "scope_tallies.month + ?" in statement, statement
    # Rows per dimension, per (dimension, value), per month at 1,000,000 observations with
    # programs and municipalities (bench.search): 821,021 rows, 43,212 per month.
    _national_statistics(
        {
            "ix_scope_tallies_dimension_within_month": "821021 117289 2244 119",
            "ix_scope_tallies_dimension_value_month": "821021 117289 80 6",
            "ix_scope_tallies_month_institution": "821021 43212 865",
        },
        "scope_tallies",
    )
    try:
        reads = _sqlite_reads(statement, parameters)
        assert reads == [
            "SEARCH scope_tallies USING INDEX ix_scope_tallies_dimension_value_month (dimension=?)"
        ], reads
    finally:
        with db.engine.begin() as own:
            own.execute(text("DELETE FROM sqlite_stat1 WHERE tbl = 'scope_tallies'"))
            own.execute(text("ANALYZE sqlite_schema"))
        db.engine.dispose()


def _sqlite_reads(statement: str, parameters: object) -> list[str]:
    rows = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
    reads = [r[-1] for r in rows if r[-1].startswith(("SCAN", "SEARCH"))]
    db.session.rollback()
    return reads
