"""bench/pages.py at a tiny scale: it builds its own SQLite file with the generators, starts
gunicorn in the production configuration (two workers, their rate limits in a private
redis-server), logs a citizen in over HTTP, runs wrk (one second, two connections) on /healthz and
every page of issue 21's goal, and prints each page's ratio to /healthz and the pages' sizes over
the wire. Everything stays on 127.0.0.1. The figures themselves are benchmarks, not tested."""

from __future__ import annotations

import json
import re
import shutil
import socket

import pytest

from bench import pages

WRK_REPORT = """Running 1s test @ http://127.0.0.1:8000/programs
  2 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   {p50}   1.00ms  20.00ms   80.00%
  Latency Distribution
     50%  {p50}
     75%    3.50ms
     90%    4.50ms
     99%  {p99}
  {requests} requests in 1.00s, 8.00MB read
{errors}{bad}Requests/sec:   {rate}
Transfer/sec:    819.20KB
"""


def test_parse_wrk_reads_rates_latencies_and_failures() -> None:
    clean = pages.parse_wrk(
        WRK_REPORT.format(
            p50="812.00us", p99="1.25s", requests=120, rate="118.40", errors="", bad=""
        )
    )
    assert (clean.per_second, clean.requests) == (118.4, 120)
    assert (clean.p50_ms, clean.p99_ms) == (0.81, 1250.0)
    assert not clean.failed

    broken = pages.parse_wrk(
        WRK_REPORT.format(
            p50="2.00m",
            p99="3.00m",
            requests=3,
            rate="0.30",
            errors="  Socket errors: connect 0, read 2, write 0, timeout 1\n",
            bad="  Non-2xx or 3xx responses: 3\n",
        ),
        "/programs",
        "/programs",
    )
    assert broken.p50_ms == 120_000.0
    assert broken.non_2xx_3xx == 3
    assert broken.socket_errors == {"connect": 0, "read": 2, "write": 0, "timeout": 1}
    assert broken.failed
    broken.ratio = 0.5
    assert "FAILED" in pages.table([broken], 100.0)  # a failed page never reads as "ok"

    only_timeouts = pages.parse_wrk(
        WRK_REPORT.format(
            p50="1.00ms",
            p99="2.00ms",
            requests=9,
            rate="9.00",
            errors="  Socket errors: connect 0, read 0, write 0, timeout 1\n",
            bad="",
        )
    )
    assert only_timeouts.failed

    # Nothing answered within the run: wrk prints zeros, which are no latency at all.
    silent = pages.parse_wrk(
        WRK_REPORT.format(p50="0.00us", p99="0.00us", requests=0, rate="0.00", errors="", bad="")
    )
    assert (silent.per_second, silent.p50_ms, silent.p99_ms) == (0.0, None, None)
    assert not silent.failed
    silent.ratio = 0.0
    silent.settle_seconds = None  # the server was still busy with the page and was restarted
    line = pages.table([silent], 100.0).splitlines()[2]
    assert "MISSED" in line and "restarted" in line


def test_parse_wrk_refuses_what_is_not_a_wrk_report() -> None:
    try:
        pages.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")
    except ValueError as error:
        assert "not a wrk report" in str(error)
    else:
        raise AssertionError("accepted a report without Requests/sec")


@pytest.mark.skipif(
    not (shutil.which("wrk") and shutil.which("redis-server")),
    reason="the page bench needs wrk and redis-server: bash tests/browser/install.sh",
)
def test_page_bench_runs_every_page_against_production_gunicorn(tmp_path, capsys) -> None:
    report_path = tmp_path / "pages.json"
    status = pages.main(
        [
            "--db",
            str(tmp_path / "pages.db"),
            "--programs",
            "30",
            "--comments",
            "300",
            "--page-comments",
            "60",
            "--observations",
            "200",
            "--users",
            "60",
            "--duration",
            "1",
            "--warmup",
            "0",
            "--connections",
            "2",
            "--workers",
            "2",
            "--json",
            str(report_path),
        ]
    )
    output = capsys.readouterr().out
    assert status == 0, output
    report = json.loads(report_path.read_text())
    assert report["database"] == "sqlite" and report["workers"] == 2
    assert report["counts"] == {"programs": 30, "comments": 300, "observations": 200}
    labels = [page["label"] for page in report["pages"]]
    assert labels == [
        "/healthz (start)",
        "/programs",
        "/programs?department=BO-L",
        "/programs?q=agua",
        "program page, newest",
        "program page, oldest",
        "program page, most_voted",
        "/observations",
        "observation page",
        "/accountability",
        "institution page",
        "/programs, logged in",
        "program page, logged in",
        "/healthz (end)",
    ]
    for page in report["pages"]:
        assert not page["failed"], page
        # One second without a warm-up on a busy machine may end before a slow page's first
        # answer (0 req/s): the figures are not tested, only that each page got its ratio.
        assert page["ratio"] is not None and page["ratio"] >= 0, page
    assert report["pages"][0]["ratio"] > 0
    assert sum(page["requests"] for page in report["pages"][1:-1]) > 0
    healthz = [p["per_second"] for p in report["pages"] if p["label"].startswith("/healthz")]
    assert report["healthz_mean"] == round(sum(healthz) / 2, 1)
    # The table: a line per page with its ratio, and the goal column.
    table = output[output.index("page   ") :]
    for label in labels:
        assert any(line.startswith(label + " ") for line in table.splitlines()), label
    assert "ratio = req/s ÷" in table
    assert re.search(r"^/programs .* (ok|MISSED)$", table, re.M)
    assert set(report["weights"]) == {
        "home",
        "/programs",
        "program page",
        "/observations",
        "observation page",
        "stylesheet",
    }
    for size in report["weights"].values():
        assert size["status"] == 200 and size["bytes"] > 0
        assert size["encoding"] in ("identity", "gzip", "br")
        assert size["decoded"] >= size["bytes"]
    assert "Accept-Encoding: gzip, br" in output
    assert report["code"].startswith(str(pages.ROOT))
    assert report["server_5xx_log_lines"] == 0


def test_settle_waits_for_the_last_connection_then_restarts_a_server_still_busy(
    tmp_path, monkeypatch
) -> None:
    server = pages.ProductionServer(directory=tmp_path)
    calls: list[str] = []
    monkeypatch.setattr(server, "stop", lambda: calls.append("stop"))
    monkeypatch.setattr(server, "start", lambda: calls.append("start"))
    left = iter([3, 1, 0])
    monkeypatch.setattr(server, "open_connections", lambda: next(left))
    assert server.settle(timeout=30) is not None
    assert calls == []
    monkeypatch.setattr(server, "open_connections", lambda: 2)
    assert server.settle(timeout=0.2) is None
    assert calls == ["stop", "start"]


def test_open_connections_counts_what_the_server_has_not_closed(tmp_path) -> None:
    server = pages.ProductionServer(directory=tmp_path)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", server.port))
        listener.listen()
        assert server.open_connections() == 0
        client = socket.create_connection(("127.0.0.1", server.port))
        accepted, _ = listener.accept()
        assert server.open_connections() == 1  # being answered
        client.close()
        assert server.open_connections() == 1  # the client left, the server has not answered
        accepted.close()
        assert server.open_connections() == 0
