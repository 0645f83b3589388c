"""Load and fault run against the real app under gunicorn, on 127.0.0.1 only.

    .venv/bin/python -m bench.load --db sqlite --db postgresql --faults      # the recorded run
    .venv/bin/python -m bench.load --db sqlite --duration 3 --solo 1 --clients 5   # smoke
    .venv/bin/python -m bench.load --db postgresql --duration 30 --solo 1   # figure check only

For each database: a fresh instance (temporary directory; for PostgreSQL a throwaway cluster of
its own on a free port, never the shared server), migrated and seeded, served by gunicorn with
``--workers`` workers. Then:

1. **Ceiling**: each of /healthz and the main pages alone for ``--solo`` seconds with every
   client; a page's throughput is reported as a ratio of /healthz's (the framework ceiling on the
   same gunicorn), so figures compare across machines.
2. **Mix**: ``--clients`` logged-in clients for ``--duration`` seconds. ``--responders`` of them
   (a tenth by default) are responders of one institution: each opens one of the few oldest
   observations still waiting for it (seeded, ``--accepted``, accepted through the real
   transitions) and acknowledges or answers it, so two responders often act on the same one at
   once. The others are citizens looping over page views (60 %), comments (15 %: page, then
   POST), supports (15 %: the program page, then a vote or unvote on one of its comments) and
   observation filings (10 %: form, then POST). Throughput and p50/p95/p99 latency per kind.
   Asserted: no 5xx, no failed connection, no write answered other than expected, every write
   acknowledged with a redirect is in the database (and every acknowledged support or its
   withdrawal is the last word on that vote). A responder told 409 ("changed meanwhile") or 403
   (no longer allowed in the new state) lost a race fairly: counted apart, not as errors.
   Then every derived figure is compared with a recount (``figure_differences``): the
   accountability tallies with what ``tallies.rebuild`` produces (in a transaction rolled back),
   each program's comment and stance counts with its comments not deleted, each comment's
   ``vote_count`` with its ``comment_votes`` rows, each observation's state with where its last
   event took it, and no acknowledgement or answer applied twice. Any difference fails the run.
3. With ``--faults`` the mix is run again and, a third of the way in, one gunicorn worker is
   killed with SIGKILL (the master starts another); two thirds in, PostgreSQL is restarted. Only
   requests in flight at a fault may fail (we allow a few seconds after each); the last seconds
   must be clean (the app recovered by itself), nothing acknowledged may be lost and the
   figures must still match their recount.

Exit status 1 when an assertion fails or a figure differs from its recount. ``--json FILE``
writes every figure. Concurrent filing alone is measured by bench/filing.py.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_client import Client, Sample  # noqa: E402
from bench.load_pg import Cluster  # noqa: E402
from tests.browser.server import LiveServer, free_port, instance_app, seed  # noqa: E402

PAGES = {
    "healthz": "/healthz",
    "home": "/",
    "programs": "/programs",
    "program": "/programs/{program_id}",
    "observations": "/observations",
}
#: Seconds after a fault during which failed requests are counted as "in flight at the fault".
FAULT_GRACE = 5.0
#: The last seconds of a fault run must have no failure at all.
CLEAN_TAIL = 5.0
#: Responders pick among this many of the oldest observations still waiting, so they collide.
RACE_FRONT = 3
#: Requests that write, and the answers that acknowledge them.
WRITES = {"comment", "observation", "support", "acknowledge", "answer"}
#: A responder who lost a race to another: 409 "changed meanwhile", 403 "no longer allowed".
RACE_ANSWERS = {409: "changed meanwhile (409)", 403: "no longer allowed (403)"}
#: Derived figures that must equal a recount: message -> SQL counting the rows that differ.
FIGURE_CHECKS = {
    "programs whose comment_count differs from their comments not deleted": """
        SELECT COUNT(*) FROM programs p WHERE p.comment_count <> (
          SELECT COUNT(*) FROM comments c WHERE c.program_id = p.id AND c.deleted_at IS NULL)""",
    "programs whose stance counts differ from their top-level comments not deleted": """
        SELECT COUNT(*) FROM programs p WHERE
          p.stance_for <> (SELECT COUNT(*) FROM comments c WHERE c.program_id = p.id
            AND c.parent_id IS NULL AND c.deleted_at IS NULL AND c.stance = 'for')
          OR p.stance_neutral <> (SELECT COUNT(*) FROM comments c WHERE c.program_id = p.id
            AND c.parent_id IS NULL AND c.deleted_at IS NULL AND c.stance = 'neutral')
          OR p.stance_against <> (SELECT COUNT(*) FROM comments c WHERE c.program_id = p.id
            AND c.parent_id IS NULL AND c.deleted_at IS NULL AND c.stance = 'against')""",
    "comments whose vote_count differs from their comment_votes rows": """
        SELECT COUNT(*) FROM comments c WHERE c.vote_count <> (
          SELECT COUNT(*) FROM comment_votes v WHERE v.comment_id = c.id)""",
    "observations whose state is not where their last event took them": """
        SELECT COUNT(*) FROM observations o JOIN observation_events e ON e.id = (
          SELECT MAX(id) FROM observation_events WHERE observation_id = o.id)
        WHERE e.to_state <> o.state""",
    # Nothing in the mix leads back to ACCEPTED or ACKNOWLEDGED, so each happens once at most.
    "observations acknowledged or answered twice": """
        SELECT COUNT(*) FROM (SELECT observation_id FROM observation_events
          WHERE action IN ('acknowledge', 'answer')
          GROUP BY observation_id, action HAVING COUNT(*) > 1) twice""",
}


@dataclass
class Run:
    name: str
    seconds: float
    samples: list[Sample] = field(default_factory=list)
    acknowledged: list[tuple[str, str]] = field(default_factory=list)
    faults: list[tuple[str, float]] = field(default_factory=list)
    resent: int = 0
    #: (email, comment id) -> supported or not after that person's last acknowledged vote.
    votes: dict[tuple[str, int], bool] = field(default_factory=dict)

    def by_kind(self) -> dict[str, list[Sample]]:
        kinds: dict[str, list[Sample]] = {}
        for sample in self.samples:
            kinds.setdefault(sample.kind, []).append(sample)
        return kinds

    def failures(self) -> list[Sample]:
        """Server errors (5xx) and requests that got no answer at all (status 0)."""
        return [s for s in self.samples if s.status == 0 or s.status >= 500]

    def server_errors(self) -> list[Sample]:
        return [s for s in self.samples if s.status >= 500]

    def races(self) -> dict[str, int]:
        """Responder actions that lost a fair race (another responder acted first)."""
        found = Counter(
            RACE_ANSWERS[s.status]
            for s in self.samples
            if s.kind in ("acknowledge", "answer") and s.status in RACE_ANSWERS
        )
        return dict(sorted(found.items()))

    def unexpected(self) -> Counter:
        """Writes answered neither with the redirect that acknowledges them, nor as a lost
        race, nor with a failure (counted apart): a form the client filled wrongly, say."""
        return Counter(
            f"{s.kind} {s.status}"
            for s in self.samples
            if s.kind in WRITES
            and 0 < s.status < 500
            and s.status != 302
            and not (s.kind in ("acknowledge", "answer") and s.status in RACE_ANSWERS)
        )


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summarise(run: Run) -> dict:
    table = {}
    for kind, samples in sorted(run.by_kind().items()):
        latencies = [s.seconds * 1000 for s in samples]
        table[kind] = {
            "requests": len(samples),
            "per_second": round(len(samples) / run.seconds, 1),
            "p50_ms": round(percentile(latencies, 50), 1),
            "p95_ms": round(percentile(latencies, 95), 1),
            "p99_ms": round(percentile(latencies, 99), 1),
            "failed": sum(1 for s in samples if s.status == 0 or s.status >= 500),
        }
    total = len(run.samples)
    return {
        "name": run.name,
        "seconds": run.seconds,
        "requests": total,
        "per_second": round(total / run.seconds, 1),
        "kinds": table,
        "failures": len(run.failures()),
        "server_errors": len(run.server_errors()),
        "no_answer": len(run.failures()) - len(run.server_errors()),
        "acknowledged_writes": len(run.acknowledged),
        "responder_races": run.races(),
        "unexpected_answers": dict(run.unexpected()),
        "resent_on_closed_connection": run.resent,
        "faults": run.faults,
    }


def drive(
    server: LiveServer,
    facts: dict,
    *,
    name: str,
    clients: int,
    seconds: float,
    action,  # type: ignore[no-untyped-def]
    log_in: bool,
    faults: list[tuple[float, str, object]] = (),  # type: ignore[assignment]
    accounts: list[str] | None = None,
) -> Run:
    """``clients`` threads call ``action(client, facts)`` until ``seconds`` have passed, logged
    in as ``accounts`` (the seeded citizens by default) when ``log_in``."""
    epoch = time.monotonic()
    people = [Client("127.0.0.1", server.port, epoch) for _ in range(clients)]
    if log_in:
        accounts = accounts or facts["load_users"]
        for n, person in enumerate(people):
            assert person.log_in(accounts[n], facts["password"]), "login failed"
            person.samples.clear()
    epoch = time.monotonic()
    for person in people:
        person.epoch = epoch
    stop = threading.Event()

    def loop(person: Client) -> None:
        while not stop.is_set():
            action(person, facts)

    threads = [threading.Thread(target=loop, args=(p,), daemon=True) for p in people]
    for thread in threads:
        thread.start()
    run = Run(name, seconds)
    for at, label, fault in sorted(faults, key=lambda f: f[0]):
        time.sleep(max(0.0, at - (time.monotonic() - epoch)))
        run.faults.append((label, round(time.monotonic() - epoch, 2)))
        fault()  # type: ignore[operator]
    time.sleep(max(0.0, seconds - (time.monotonic() - epoch)))
    stop.set()
    for thread in threads:
        thread.join(timeout=35)
    for person in people:
        person.close()
        run.samples.extend(person.samples)
        run.acknowledged.extend(person.acknowledged)
        run.resent += person.resent
        run.votes.update({(person.email, c): on for c, on in person.votes.items()})
    return run


def mixed(person: Client, facts: dict) -> None:
    if person.email in facts["responder_set"]:
        responding(person, facts)
        return
    roll = random.random()
    program = facts["program_id"]
    if roll < 0.6:
        kind = ("home", "programs", "program", "observations")[int(roll * 100) % 4]
        person.view(kind, PAGES[kind].format(program_id=program))
    elif roll < 0.75:
        person.comment(program)
    elif roll < 0.9:
        person.support(program)
    else:
        person.file_observation(program, facts["category_id"])


def responding(person: Client, facts: dict) -> None:
    """Act on one of the oldest observations still waiting; drop it once nothing is left."""
    waiting, lock = facts["waiting_codes"], facts["waiting_lock"]
    with lock:
        front = waiting[:RACE_FRONT]
    if not front:
        person.view("observations", PAGES["observations"])
        return
    code = random.choice(front)
    if not person.respond(code):
        with lock:
            if code in waiting:
                waiting.remove(code)


def missing_writes(
    database_url: str,
    acknowledged: list[tuple[str, str]],
    votes: dict[tuple[str, int], bool] | None = None,
) -> list[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            comments = "\n".join(conn.scalars(text("SELECT body FROM comments")))
            titles = "\n".join(conn.scalars(text("SELECT title FROM observations")))
            events = {
                f"{code} {action}"
                for code, action in conn.execute(
                    text(
                        "SELECT o.code, e.action FROM observation_events e "
                        "JOIN observations o ON o.id = e.observation_id"
                    )
                )
            }
            supported = {
                (email, comment)
                for email, comment in conn.execute(
                    text(
                        "SELECT u.email, v.comment_id FROM comment_votes v "
                        "JOIN users u ON u.id = v.user_id"
                    )
                )
            }
    finally:
        engine.dispose()
    stored = {"comments": comments, "observations": titles}
    lost = [
        f"{table} {marker}"
        for table, marker in acknowledged
        if (marker not in events if table == "events" else marker not in stored[table])
    ]
    for (email, comment), on in (votes or {}).items():
        if ((email, comment) in supported) != on:
            lost.append(f"{'support' if on else 'withdrawn support'} of {email} on c{comment}")
    return lost


def figure_differences(database_url: str, directory: Path) -> dict[str, int]:
    """Derived figures that differ from a recount: rows per check, zero ones left out."""
    found: dict[str, int] = {}
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            for message, query in FIGURE_CHECKS.items():
                found[message] = conn.scalar(text(query)) or 0
    finally:
        engine.dispose()
    found.update(tally_differences(database_url, directory))
    return {message: n for message, n in found.items() if n}


def tally_differences(database_url: str, directory: Path) -> dict[str, int]:
    """Tally rows that differ (as a multiset, ids aside) from what ``tallies.rebuild`` writes,
    run in a transaction that is rolled back."""
    from app.accountability import tallies
    from app.accountability.models import AnswerDaysTally, ObservationTally
    from app.extensions import db

    app = instance_app(database_url, directory)
    tables = [ObservationTally.__table__, AnswerDaysTally.__table__]
    with app.app_context():
        conn = db.session.connection()

        def rows(table) -> Counter:  # type: ignore[no-untyped-def]
            return Counter(
                tuple(v for k, v in row._mapping.items() if k != "id")
                for row in conn.execute(select(table))
            )

        stored = [rows(table) for table in tables]
        tallies.rebuild(conn)
        fresh = [rows(table) for table in tables]
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    return {
        f"{table.name} rows that differ from a recount": ((old - new) + (new - old)).total()
        for table, old, new in zip(tables, stored, fresh, strict=True)
    }


def check_run(run: Run, server: LiveServer, label: str, problems: list[str]) -> dict:
    """Lost writes and figure differences after a run, added to ``problems``."""
    url = server.env()["DATABASE_URL"]
    lost = missing_writes(url, run.acknowledged, run.votes)
    problems += [f"{label}: acknowledged write missing: {m}" for m in lost]
    differences = figure_differences(url, server.directory)
    problems += [f"{label}: {n} {message}" for message, n in differences.items()]
    return {
        "lost_acknowledged_writes": len(lost),
        "figure_differences": sum(differences.values()),
        "figure_difference_detail": differences,
    }


def kill_one_worker(server: LiveServer) -> None:
    workers = server.worker_pids()
    if workers:
        os.kill(workers[0], signal.SIGKILL)


def run_database(kind: str, args: argparse.Namespace) -> tuple[dict, list[str]]:
    cluster = None
    problems: list[str] = []
    if kind == "postgresql":
        cluster = Cluster(port=free_port())
        cluster.start()
    server = LiveServer(
        database_url=cluster.url if cluster else None, workers=args.workers, threads=args.threads
    )
    report: dict = {
        "database": kind,
        "workers": args.workers,
        "threads": args.threads,
        "clients": args.clients,
        "responders": args.responders,
        "cpus": os.cpu_count(),
    }
    try:
        server.prepare()
        began = time.monotonic()
        facts = seed(
            server.env()["DATABASE_URL"],
            server.directory,
            languages=("es",),
            load_users=args.clients - args.responders,
            responders=args.responders,
            accepted=args.accepted,
        )
        report["seed_seconds"] = round(time.monotonic() - began, 1)
        facts.update(
            responder_set=set(facts["responders"]),
            waiting_codes=list(facts["accepted_codes"]),
            waiting_lock=threading.Lock(),
            mix_accounts=facts["responders"] + facts["load_users"],
        )
        server.start()
        ceiling = {}
        for page, path in PAGES.items():
            run = drive(
                server,
                facts,
                name=f"solo {page}",
                clients=args.clients,
                seconds=args.solo,
                action=lambda c, f, page=page, path=path: c.view(
                    page, path.format(program_id=f["program_id"])
                ),
                log_in=False,
            )
            ceiling[page] = summarise(run)["per_second"]
            problems += [f"solo {page}: {len(run.failures())} failures"] if run.failures() else []
        report["ceiling"] = {
            page: {"per_second": rps, "ratio": round(rps / ceiling["healthz"], 3)}
            for page, rps in ceiling.items()
        }
        run = drive(
            server,
            facts,
            name="mix",
            clients=args.clients,
            seconds=args.duration,
            action=mixed,
            log_in=True,
            accounts=facts["mix_accounts"],
        )
        report["mix"] = summarise(run)
        if run.failures():
            problems.append(f"mix: {len(run.failures())} failed requests (5xx or connection)")
        problems += [f"mix: unexpected answer {k}: {n}" for k, n in run.unexpected().items()]
        report["mix"].update(check_run(run, server, "mix", problems))
        report["mix"]["observations_left_waiting"] = len(facts["waiting_codes"])
        if args.faults:
            report["faults"] = fault_run(server, facts, cluster, args, problems)
        errors = server.server_errors()
        report["server_5xx_log_lines"] = len(errors)
    finally:
        server.stop()
        if cluster:
            cluster.stop()
    if problems:
        # Keep the instance (database, gunicorn.log with the tracebacks) to look at.
        problems.append(f"logs and database kept in {server.directory}")
    else:
        shutil.rmtree(server.directory, ignore_errors=True)
    return report, problems


def fault_run(server, facts, cluster, args, problems) -> dict:  # type: ignore[no-untyped-def]
    seconds = args.duration
    faults: list[tuple[float, str, object]] = [
        (seconds / 3, "kill -9 one gunicorn worker", lambda: kill_one_worker(server))
    ]
    restart_took: list[float] = []
    if cluster:
        faults.append(
            (2 * seconds / 3, "restart PostgreSQL", lambda: restart_took.append(cluster.restart()))
        )
    run = drive(
        server,
        facts,
        name="faults",
        clients=args.clients,
        seconds=seconds,
        action=mixed,
        log_in=True,
        faults=faults,
        accounts=facts["mix_accounts"],
    )
    windows = []
    for label, at in run.faults:
        extra = restart_took[0] if label.startswith("restart") and restart_took else 0.0
        windows.append((at, at + extra + FAULT_GRACE))
    failures = run.failures()
    # A request was "in flight at a fault" when it was running at some moment of the window.
    outside = [
        s
        for s in failures
        if not any(s.started <= end and s.started + s.seconds >= start for start, end in windows)
    ]
    tail = [s for s in failures if s.started >= seconds - CLEAN_TAIL]
    summary = summarise(run)
    summary.update(check_run(run, server, "faults", problems))
    summary.update(
        failed_in_fault_windows=len(failures) - len(outside),
        failed_outside=len(outside),
        failed_in_last_seconds=len(tail),
        postgres_restart_seconds=round(restart_took[0], 2) if restart_took else None,
        workers_after=len(server.worker_pids()),
    )
    if outside:
        problems.append(f"faults: {len(outside)} failures outside the fault windows")
    if tail:
        problems.append(f"faults: {len(tail)} failures in the last {CLEAN_TAIL:.0f} s")
    return summary


def print_report(report: dict) -> None:
    print(
        f"\n== {report['database']}: {report['workers']} workers x {report['threads']} threads,"
        f" {report['clients']} clients, {report['cpus']} CPUs =="
    )
    print(f"{'page alone':<14} {'req/s':>8} {'÷ healthz':>10}")
    for page, figures in report["ceiling"].items():
        print(f"{page:<14} {figures['per_second']:>8} {figures['ratio']:>10}")
    for section in ("mix", "faults"):
        if section not in report:
            continue
        data = report[section]
        print(
            f"\n{section}: {data['requests']} requests in {data['seconds']} s "
            f"({data['per_second']}/s), {data['server_errors']} server errors (5xx), "
            f"{data['no_answer']} without an answer, "
            f"{data['acknowledged_writes']} acknowledged writes, "
            f"{data['resent_on_closed_connection']} resent on a closed kept-alive connection"
        )
        print(
            f"responders who lost a race: {data['responder_races'] or 'none'}; "
            f"unexpected answers to writes: {data['unexpected_answers'] or 'none'}"
        )
        print(
            f"figure check: {data['figure_differences']} differences from a recount"
            + "".join(f"\n  {n} {m}" for m, n in data["figure_difference_detail"].items())
        )
        print(
            f"{'kind':<14} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
            f"{'p99 ms':>8} {'failed':>6}"
        )
        for kind, row in data["kinds"].items():
            print(
                f"{kind:<14} {row['requests']:>8} {row['per_second']:>7} {row['p50_ms']:>8} "
                f"{row['p95_ms']:>8} {row['p99_ms']:>8} {row['failed']:>6}"
            )
        if section == "faults":
            for key in (
                "faults",
                "failed_in_fault_windows",
                "failed_outside",
                "failed_in_last_seconds",
                "lost_acknowledged_writes",
                "postgres_restart_seconds",
                "workers_after",
            ):
                print(f"  {key}: {data[key]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--responders", type=int, help="clients acting as responders (default: a tenth, >= 1)"
    )
    parser.add_argument(
        "--accepted", type=int, help="observations waiting for them (default: 60 a responder)"
    )
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--solo", type=float, default=5.0, help="seconds per page alone")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--faults", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.responders is None:
        args.responders = max(1, args.clients // 10)
    if not 0 <= args.responders < args.clients:
        parser.error("--responders must leave at least one citizen among the clients")
    if args.accepted is None:
        args.accepted = 60 * args.responders
    reports, problems = [], []
    for kind in args.db or ["sqlite"]:
        report, found = run_database(kind, args)
        print_report(report)
        reports.append(report)
        problems += [f"{kind}: {p}" for p in found]
    if args.json:
        args.json.write_text(json.dumps(reports, indent=2))
    print(
        "\nOK: no server error, nothing acknowledged was lost, every figure matches its recount"
        if not problems
        else "\nFAILED:\n" + "\n".join(problems)
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
