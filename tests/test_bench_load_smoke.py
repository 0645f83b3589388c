"""bench/load.py at a tiny scale: it starts gunicorn on its own SQLite file, seeds, measures the
/healthz ceiling, runs the mix of page views, comments, supports, filings and a responder
acknowledging and answering, checks every acknowledged write is in the database and every derived
figure matches its recount. One worker with one thread, so the smoke run does not depend on how
SQLite copes with concurrent writers (the recorded runs in docs/performance.md do)."""

from __future__ import annotations

import json

from bench import load


def test_load_script_runs_and_accounts_for_every_write(tmp_path, capsys):
    report_path = tmp_path / "load.json"
    status = load.main(
        [
            "--db",
            "sqlite",
            "--clients",
            "3",
            "--responders",
            "1",
            "--accepted",
            "10",
            "--duration",
            "3",
            "--solo",
            "0.5",
            "--workers",
            "1",
            "--threads",
            "1",
            "--faults",
            "--json",
            str(report_path),
        ]
    )
    output = capsys.readouterr().out
    assert status == 0, output
    (report,) = json.loads(report_path.read_text())
    assert report["ceiling"]["healthz"]["ratio"] == 1.0
    assert set(report["ceiling"]) == set(load.PAGES)
    mix = report["mix"]
    assert mix["failures"] == 0 and mix["requests"] > 10
    assert mix["acknowledged_writes"] > 0
    assert mix["kinds"]["obs_page"]["requests"] > 0  # the responder was at work
    assert mix["unexpected_answers"] == {}
    assert mix["figure_differences"] == 0 and mix["lost_acknowledged_writes"] == 0
    faults = report["faults"]
    assert faults["lost_acknowledged_writes"] == 0
    assert faults["figure_differences"] == 0
    assert faults["workers_after"] == 1  # the killed worker was replaced
    assert "figure check: 0 differences" in output
    assert "OK: no server error" in output
