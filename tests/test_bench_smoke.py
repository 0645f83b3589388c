"""The benchmark scripts at a tiny scale: the generator builds a consistent database and the page
bench runs against it. The figures themselves are benchmarks (docs/performance.md), not tests.

Uses its own temporary SQLite file, never the session's test database."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, text

from app.programs.services import refresh_search_text
from bench import generate, programs_pages


def test_generator_and_page_bench_at_tiny_scale(tmp_path) -> None:
    target = tmp_path / "bench.db"
    lines: list[str] = []

    summary = generate.generate(
        target, programs=30, comments=300, page_comments=120, users=60, seed=3, out=lines.append
    )

    assert summary.program_id == 1
    assert summary.counts["programs"] == 30
    assert summary.counts["comments"] == 300
    assert summary.counts["users"] == 60
    assert summary.counts["municipalities"] > 300
    assert any("Designated program: id 1" in line for line in lines)
    assert generate.check(target) == []

    engine = create_engine(generate.database_url(target))
    try:
        with engine.connect() as conn:
            designated = conn.execute(
                text(
                    "SELECT COUNT(*), SUM(CASE WHEN deleted_at IS NULL THEN 1 ELSE 0 END), "
                    "SUM(CASE WHEN parent_id IS NULL THEN 1 ELSE 0 END), MAX(depth) "
                    "FROM comments WHERE program_id = 1"
                )
            ).one()
            comment_count = conn.scalar(text("SELECT comment_count FROM programs WHERE id = 1"))
            counted = conn.scalar(text("SELECT SUM(comment_count) FROM programs"))
            not_deleted = conn.scalar(
                text("SELECT COUNT(*) FROM comments WHERE deleted_at IS NULL")
            )
            program = conn.execute(
                text("SELECT code, titles, descriptions, search_text FROM programs WHERE id = 1")
            ).one()
    finally:
        engine.dispose()
    rows, visible, top_level, deepest = designated
    assert rows == 120
    assert comment_count == visible
    assert 0 < top_level < rows
    assert deepest == 2
    assert counted == not_deleted
    # search_text is what the app's own refresh_search_text() makes of the titles/descriptions.
    expected = SimpleNamespace(
        code=program.code,
        titles=json.loads(program.titles),
        descriptions=json.loads(program.descriptions),
        search_text="",
    )
    refresh_search_text(expected)  # type: ignore[arg-type]
    assert program.search_text == expected.search_text
    assert program.search_text.startswith(program.code.lower())

    results = programs_pages.run(target, runs=2, warmup=1, out=lines.append)

    assert [r.page.path for r in results] == [p.path for p in programs_pages.pages(1)]
    for result in results:
        assert len(result.times_ms) == 2
        assert result.queries == result.queries_max > 0
    logged_in = {r.page.path: r.queries for r in results if r.page.logged_in}
    anonymous = {r.page.path: r.queries for r in results if not r.page.logged_in}
    assert logged_in["/programs/1"] > anonymous["/programs/1"]
    assert "median ms" in programs_pages.table(results)


def test_generator_refuses_to_overwrite_without_reset(tmp_path) -> None:
    target = tmp_path / "existing.db"
    target.write_bytes(b"not empty")
    with pytest.raises(SystemExit, match="--reset"):
        generate.generate(target, programs=2, comments=0, page_comments=0, out=lambda _: None)
    assert target.read_bytes() == b"not empty"
