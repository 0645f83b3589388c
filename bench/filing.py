"""Filing throughput: ``--filers`` logged-in people filing observations at once against the real
app under gunicorn, on 127.0.0.1 only.

    .venv/bin/python -m bench.filing                                   # PostgreSQL, 20 filers, 30 s
    .venv/bin/python -m bench.filing --db sqlite --filers 3 --duration 2 --workers 1 --threads 1

Same machinery as bench/load.py: a fresh instance directory, for PostgreSQL a throwaway cluster
of its own on a free port (never the shared server), migrated, seeded with one account per filer,
served by gunicorn. Each filer loops over the filing form (GET, which issues the one-time token)
and the filing POST, for ``--duration`` seconds, all released together.

Printed: filings per second (acknowledged POSTs over the run), p50/p95/p99 latency of the filing
POST, and of the form. On PostgreSQL, ``pg_stat_activity`` is sampled every 0.1 s: how many of
the app's connections were on average running a statement, and how many of those were waiting
for a lock (an advisory lock, or another transaction's row), which shows where filers queue even
when the machine's CPUs, not a lock, bound the throughput.

Asserted (exit status 1 otherwise): no 5xx and no request without an answer, every acknowledged
filing is in the database, and every filed observation has its own tracking code (codes are
unique and none is missing).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import drive, missing_writes, percentile  # noqa: E402
from bench.load_pg import Cluster  # noqa: E402
from tests.browser.server import LiveServer, free_port, seed  # noqa: E402

#: The tracking-code lock every filing took before issue 13 (app/observations/filing.py).
NATIONAL_LOCK = "pg_advisory_xact_lock(3141592)"


def code_problems(database_url: str) -> tuple[int, list[str]]:
    """Filed observations and what is wrong with their tracking codes."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            filed, coded, distinct = conn.execute(
                text(
                    "SELECT COUNT(*), COUNT(code), COUNT(DISTINCT code) FROM observations "
                    "WHERE state <> 'draft'"
                )
            ).one()
    finally:
        engine.dispose()
    problems = []
    if coded != filed:
        problems.append(f"{filed - coded} filed observations without a tracking code")
    if distinct != coded:
        problems.append(f"{coded - distinct} tracking codes used more than once")
    return filed, problems


def _git(*args: str) -> str:
    command = ["git", "-C", str(ROOT), *args]
    return subprocess.run(  # noqa: S603 (fixed program and arguments)
        command, capture_output=True, text=True, check=True
    ).stdout


def code_under_test() -> str:
    """Which filing code runs: the checkout, its commit and uncommitted changes to app/, and
    whether filing still takes the national lock."""
    source = (ROOT / "app/observations/filing.py").read_text()
    lock = "national advisory lock" if NATIONAL_LOCK in source else "no national advisory lock"
    try:
        commit = _git("rev-parse", "--short", "HEAD").strip()
        changed = _git("status", "--porcelain", "app", "migrations").splitlines()
        version = f"commit {commit}" + (f" + {len(changed)} changed files" if changed else "")
    except (OSError, subprocess.CalledProcessError):
        version = "not a git checkout"
    return f"{ROOT}, {version} ({lock})"


WAITS = """SELECT wait_event_type, wait_event, COUNT(*) FROM pg_stat_activity
    WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()
    GROUP BY 1, 2"""


class LockSampler(threading.Thread):
    """Samples what the app's PostgreSQL connections are doing, every 0.1 s, until stopped."""

    def __init__(self, database_url: str) -> None:
        super().__init__(daemon=True)
        self.engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
        self.stop = threading.Event()
        self.samples = 0
        self.seen: Counter = Counter()

    def run(self) -> None:
        with self.engine.connect() as conn:
            while not self.stop.wait(0.1):
                self.samples += 1
                for kind, event, n in conn.execute(text(WAITS)):
                    self.seen["active"] += n
                    if kind == "Lock":
                        self.seen["advisory" if event == "advisory" else "row"] += n
        self.engine.dispose()

    def means(self) -> dict:
        return {
            f"{key}_mean": round(self.seen[key] / max(1, self.samples), 2)
            for key in ("active", "advisory", "row")
        }


def latency(samples: list, kind: str) -> dict:
    values = [s.seconds * 1000 for s in samples if s.kind == kind]
    return {
        "requests": len(values),
        "p50_ms": round(percentile(values, 50), 1),
        "p95_ms": round(percentile(values, 95), 1),
        "p99_ms": round(percentile(values, 99), 1),
    }


def run(args: argparse.Namespace) -> tuple[dict, list[str]]:
    cluster = None
    if args.db == "postgresql":
        cluster = Cluster(port=free_port())
        cluster.start()
    server = LiveServer(
        database_url=cluster.url if cluster else None, workers=args.workers, threads=args.threads
    )
    report: dict = {
        "database": args.db,
        "code": code_under_test(),
        "filers": args.filers,
        "workers": args.workers,
        "threads": args.threads,
        "cpus": os.cpu_count(),
        "load_before": round(os.getloadavg()[0], 2),
    }
    problems: list[str] = []
    try:
        server.prepare()
        url = server.env()["DATABASE_URL"]
        facts = seed(url, server.directory, languages=("es",), load_users=args.filers)
        server.start()
        sampler = LockSampler(url) if args.db == "postgresql" else None
        if sampler:
            sampler.start()
        result = drive(
            server,
            facts,
            name="filing",
            clients=args.filers,
            seconds=args.duration,
            action=lambda c, f: c.file_observation(f["program_id"], f["category_id"]),
            log_in=True,
        )
        if sampler:
            sampler.stop.set()
            sampler.join()
            report["connections"] = sampler.means()
        posts = [s for s in result.samples if s.kind == "observation"]
        failed = [s for s in result.samples if s.status == 0 or s.status >= 500]
        refused = [s for s in posts if s.status != 302 and not s.status >= 500 and s.status]
        filed, code_trouble = code_problems(url)
        report.update(
            seconds=args.duration,
            filings=len(result.acknowledged),
            filings_per_second=round(len(result.acknowledged) / args.duration, 1),
            post=latency(result.samples, "observation"),
            form=latency(result.samples, "new_obs"),
            failed=len(failed),
            refused=len(refused),
            filed_in_database=filed,
            load_after=round(os.getloadavg()[0], 2),
        )
        if failed:
            problems.append(f"{len(failed)} failed requests (5xx or no answer)")
        if refused:
            problems.append(f"{len(refused)} filing POSTs answered neither 302 nor 5xx")
        problems += [
            f"acknowledged filing missing: {m}" for m in missing_writes(url, result.acknowledged)
        ]
        problems += code_trouble
    finally:
        server.stop()
        if cluster:
            cluster.stop()
    if problems:
        problems.append(f"logs and database kept in {server.directory}")
    else:
        shutil.rmtree(server.directory, ignore_errors=True)
    return report, problems


def print_report(report: dict) -> None:
    print(
        f"\n== filing, {report['database']}: {report['filers']} filers, {report['workers']} "
        f"workers x {report['threads']} threads, {report['cpus']} CPUs, load average "
        f"{report['load_before']} before / {report.get('load_after')} after =="
    )
    print(f"code: {report['code']}")
    if "filings" not in report:
        return
    print(
        f"{report['filings']} filings in {report['seconds']} s: "
        f"{report['filings_per_second']} filings/s; {report['filed_in_database']} filed in the "
        f"database, {report['failed']} failed, {report['refused']} refused"
    )
    print(f"{'request':<14} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for label, key in (("filing POST", "post"), ("form GET", "form")):
        row = report[key]
        print(
            f"{label:<14} {row['requests']:>8} {row['p50_ms']:>8} {row['p95_ms']:>8} "
            f"{row['p99_ms']:>8}"
        )
    if "connections" in report:
        waits = report["connections"]
        print(
            f"PostgreSQL connections running a statement, on average: {waits['active_mean']}, "
            f"of which waiting for an advisory lock: {waits['advisory_mean']}, "
            f"for another transaction's row: {waits['row_mean']}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--filers", type=int, default=20)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    report, problems = run(args)
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    print(
        "\nOK: no server error, every filing kept, tracking codes unique"
        if not problems
        else "\nFAILED:\n" + "\n".join(problems)
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
