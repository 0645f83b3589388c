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


def test_filing_bench_runs_and_checks_tracking_codes(tmp_path, capsys) -> None:
    """bench/filing.py at a tiny scale: gunicorn on its own SQLite file, three filers for two
    seconds, every filing kept with a tracking code of its own."""
    from bench import filing

    report_path = tmp_path / "filing.json"
    status = filing.main(
        [
            "--db",
            "sqlite",
            "--filers",
            "3",
            "--duration",
            "2",
            "--workers",
            "1",
            "--threads",
            "1",
            "--json",
            str(report_path),
        ]
    )
    output = capsys.readouterr().out
    assert status == 0, output
    report = json.loads(report_path.read_text())
    assert report["filings"] > 0 and report["failed"] == 0
    assert report["filed_in_database"] == report["filings"]
    assert report["post"]["requests"] >= report["filings"]
    assert "filings/s" in output and "tracking codes unique" in output


def test_mail_bench_delivers_each_message_once(tmp_path) -> None:
    """bench/mail.py at a tiny scale: one and two worker processes against a local SMTP server
    on their own SQLite file, every message received exactly once."""
    from bench import mail

    results = mail.run(tmp_path / "mail.db", messages=30, workers=(1, 2), batch=10)
    assert [r.workers for r in results] == [1, 2]
    for result in results:
        assert result.exact, result.line()
        assert result.sent == 30
        assert result.connections == 3  # one SMTP connection per claimed batch of 10


def test_search_bench_runs_every_page_at_tiny_scale(tmp_path, capsys) -> None:
    from bench import search

    target = tmp_path / "search.db"
    assert (
        search.main(
            ["--db", str(target), "--programs", "20", "--observations", "300", "--runs", "1"]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "20 programs, 300 observations (sqlite)" in printed
    for page, _label in [*search.QUERIES, *search.MAP_PAGES]:
        assert page in printed


def test_each_bench_request_has_an_app_context_of_its_own(tmp_path) -> None:
    """The benches run inside ``bench_app``'s app context; their requests must not share it,
    or what a request keeps in ``g`` (a search's matches) is computed once per run and the
    figures leave it out (they did, until 2026-12-06)."""
    from flask import g

    seen: list[bool] = []
    with generate.bench_app(generate.database_url(tmp_path / "context.db")) as app:

        @app.before_request
        def _mark() -> None:
            seen.append("bench_mark" in g)
            g.bench_mark = True

        client = app.test_client()
        client.get("/about")
        client.get("/about")
    assert seen == [False, False]
