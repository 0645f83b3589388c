"""Server time of the program list and of a program page with 1,000 comments.

    python -m bench.programs_pages --db /tmp/qhawaq-bench.db [--runs 200]

Requests go through Flask's test client, in process: the figures are the app and the database
(routing, queries, ORM, templates), without a network or a WSGI server. Each page is warmed up, then
requested ``--runs`` times, round robin (one request of each page per round, so a burst of load
elsewhere hits every page alike). The table gives the median and the 90th percentile (nearest rank)
of the wall time of ``client.get()``, the median CPU time of the thread (the app, and SQLite, which
runs in process; not PostgreSQL's server), the median time spent inside ``cursor.execute()`` and
the number of SQL statements per request (counted with a ``before_cursor_execute`` listener; the
``BEGIN`` the SQLite setup issues is not counted).

``--explain`` prints every statement of one request of each page with its query plan
(``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN ANALYZE`` on PostgreSQL); ``--profile N`` prints a
cProfile of page N (its number in the table).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select

from bench.generate import BENCH_PASSWORD, database_url, make_app

#: The goal of issue 3: every page under this median on SQLite.
GOAL_MS = 30.0

Out = Callable[[str], None]


@dataclass
class Page:
    label: str
    path: str
    logged_in: bool = False


@dataclass
class Result:
    page: Page
    runs: int
    times_ms: list[float]
    sql_ms: list[float]
    cpu_ms: list[float]
    queries: int
    queries_max: int
    summary: str = ""

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p90_ms(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]

    @property
    def sql_median_ms(self) -> float:
        return statistics.median(self.sql_ms)

    @property
    def cpu_median_ms(self) -> float:
        return statistics.median(self.cpu_ms)


def pages(program_id: int, logged_in: bool = True) -> list[Page]:
    listed = [
        Page("/programs", "/programs"),
        Page("/programs?department=BO-L", "/programs?department=BO-L"),
        Page("/programs?q=agua", "/programs?q=agua"),
        Page(
            "/programs?q=agua+potable&department=BO-C&open=y",
            "/programs?q=agua+potable&department=BO-C&open=y",
        ),
        Page("/programs/<id> (newest)", f"/programs/{program_id}"),
        Page("/programs/<id>?order=most_voted", f"/programs/{program_id}?order=most_voted"),
        Page("/programs/<id>?page=3", f"/programs/{program_id}?page=3"),
    ]
    if logged_in:
        listed += [
            Page("/programs (logged in)", "/programs", logged_in=True),
            Page("/programs/<id> (logged in)", f"/programs/{program_id}", logged_in=True),
        ]
    return listed


@dataclass
class _Recorder:
    """Counts and times the statements of one request."""

    active: bool = False
    count: int = 0
    seconds: float = 0.0
    started: float = 0.0
    statements: list[tuple[str, Any]] = field(default_factory=list)
    keep: bool = False

    def reset(self, keep: bool = False) -> None:
        self.count, self.seconds, self.keep = 0, 0.0, keep
        self.statements = []

    def before(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if not self.active or statement.strip().upper() == "BEGIN":
            return
        self.count += 1
        if self.keep:
            self.statements.append((statement, parameters))
        self.started = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if self.active and statement.strip().upper() != "BEGIN":
            self.seconds += time.perf_counter() - self.started


_STATUS = re.compile(r'<p role="status">(.*?)</p>', re.S)
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _login(client: Any, email: str) -> None:
    page = client.get("/login")
    token = _CSRF.search(page.get_data(as_text=True))
    data = {"email": email, "password": BENCH_PASSWORD}
    if token:
        data["csrf_token"] = token.group(1)
    response = client.post("/login", data=data)
    if response.status_code != 302:
        raise RuntimeError(f"could not log in as {email} (status {response.status_code})")


def run(
    target: str | Path,
    runs: int = 200,
    warmup: int = 20,
    program_id: int | None = None,
    logged_in: bool = True,
    explain: bool = False,
    profile: int | None = None,
    upgrade: bool = False,
    out: Out = print,
) -> list[Result]:
    """Measure every page of :func:`pages` against the database at ``target``."""
    from app.comments.models import Comment
    from app.extensions import db
    from app.programs.models import Program

    url = database_url(target)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise SystemExit(f"no database at {url}: run python -m bench.generate first")
    recorder = _Recorder()
    with tempfile.TemporaryDirectory(prefix="qhawaq-bench-") as instance:
        app = make_app(url, Path(instance))
        # Set-up in its own app context, popped before measuring: every request then gets its
        # own context and session, as in production.
        with app.app_context():
            engine = db.engine
            if upgrade:
                # Newer migrations (new features' tables) on top of a generated database.
                from flask_migrate import upgrade as migrate_upgrade

                migrate_upgrade()
            _check_revision(engine)
            if program_id is None:
                program_id = db.session.scalar(select(func.min(Program.id)))
            if program_id is None:
                raise SystemExit("the database has no programs")
            program = db.session.get(Program, program_id)
            assert program is not None
            rows = db.session.scalar(
                select(func.count()).select_from(Comment).where(Comment.program_id == program_id)
            )
            n_programs = db.session.scalar(select(func.count()).select_from(Program))
            n_comments = db.session.scalar(select(func.count()).select_from(Comment))
            # The logged-in viewer: a citizen who supported comments of that program.
            voter = _viewer_email(program_id)
            out(
                f"Database {engine.dialect.name} {engine.url.render_as_string()}: "
                f"{n_programs:,} programs, {n_comments:,} comments; program {program_id} has "
                f"{rows:,} comments ({program.comment_count:,} not deleted)"
            )
            db.session.remove()
        event.listen(engine, "before_cursor_execute", recorder.before)
        event.listen(engine, "after_cursor_execute", recorder.after)
        try:
            anonymous = app.test_client()
            member = app.test_client()
            listed = pages(program_id, logged_in=logged_in and voter is not None)
            if any(p.logged_in for p in listed) and voter is not None:
                _login(member, voter)
            clients = [member if page.logged_in else anonymous for page in listed]
            results = [Result(page, runs, [], [], [], 0, 0) for page in listed]
            for page, client in zip(listed, clients, strict=True):
                for _ in range(warmup):
                    _get(client, page.path)
            load_before = os.getloadavg()
            # Round robin: a burst of load elsewhere on the machine hits every page alike.
            recorder.active = True
            first_statements: list[list[tuple[str, Any]]] = [[] for _ in listed]
            for index in range(runs):
                for number, (result, client) in enumerate(zip(results, clients, strict=True)):
                    recorder.reset(keep=explain and index == 0)
                    cpu_started = time.thread_time()
                    started = time.perf_counter()
                    response = _get(client, result.page.path)
                    elapsed = time.perf_counter() - started
                    result.cpu_ms.append((time.thread_time() - cpu_started) * 1000)
                    result.times_ms.append(elapsed * 1000)
                    result.sql_ms.append(recorder.seconds * 1000)
                    result.queries_max = max(result.queries_max, recorder.count)
                    result.queries = recorder.count
                    if index == 0:
                        found = _STATUS.search(response.get_data(as_text=True))
                        result.summary = found.group(1).strip() if found else ""
                        first_statements[number] = list(recorder.statements)
            recorder.active = False
            load_after = os.getloadavg()
            for number, (result, client) in enumerate(zip(results, clients, strict=True), 1):
                if explain:
                    _explain(engine, result.page, first_statements[number - 1], out)
                if profile == number:
                    _profile(client, result.page, runs, out)
        finally:
            event.remove(engine, "before_cursor_execute", recorder.before)
            event.remove(engine, "after_cursor_execute", recorder.after)
            engine.dispose()
    out(
        f"Load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
        f"({os.cpu_count()} CPUs); {runs} runs per page after {warmup} warm-up requests"
    )
    out(table(results))
    return results


def _check_revision(engine: Any) -> None:
    """Refuse a database built by older migrations: the app would query tables it lacks."""
    from alembic.script import ScriptDirectory

    from app.config import ROOT

    heads = set(ScriptDirectory(str(ROOT / "migrations")).get_heads())
    with engine.connect() as conn:
        current = set(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
    if current != heads:
        raise SystemExit(
            f"the database is at migration {sorted(current)}, the code at {sorted(heads)}: "
            "pass --upgrade to run the newer migrations on it, or regenerate it with "
            "python -m bench.generate --reset"
        )


def _viewer_email(program_id: int) -> str | None:
    from app.accounts.models import Role, User
    from app.comments.models import Comment, CommentVote
    from app.extensions import db

    return db.session.scalar(
        select(User.email)
        .join(CommentVote, CommentVote.user_id == User.id)
        .join(Comment, Comment.id == CommentVote.comment_id)
        .where(
            Comment.program_id == program_id,
            User.role == Role.CITIZEN,
            User.language == "es",
            User.email_verified_at.is_not(None),
        )
        .group_by(User.id, User.email)
        .order_by(func.count().desc(), User.id)
        .limit(1)
    )


def _get(client: Any, path: str) -> Any:
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}")
    response.close()
    return response


def table(results: list[Result]) -> str:
    header = (
        f"{'#':>2}  {'page':<50} {'median ms':>9} {'p90 ms':>8} {'CPU ms':>7} {'SQL ms':>7} "
        f"{'queries':>7}  goal"
    )
    lines = [header, "-" * len(header)]
    for number, r in enumerate(results, start=1):
        queries = f"{r.queries}" if r.queries == r.queries_max else f"{r.queries}-{r.queries_max}"
        goal = "ok" if r.median_ms < GOAL_MS else "MISSED"
        lines.append(
            f"{number:>2}  {r.page.label:<50} {r.median_ms:>9.1f} {r.p90_ms:>8.1f} "
            f"{r.cpu_median_ms:>7.1f} {r.sql_median_ms:>7.1f} {queries:>7}  {goal}"
            + (f"  ({r.summary})" if r.summary else "")
        )
    return "\n".join(lines)


def _explain(engine: Any, page: Page, statements: list[tuple[str, Any]], out: Out) -> None:
    out(f"\n=== {page.label}: {len(statements)} statements")
    sqlite = engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
    with engine.connect() as conn:
        for statement, parameters in statements:
            out("--- " + " ".join(statement.split()))
            out(f"    parameters: {parameters!r}")
            started = time.perf_counter()
            conn.exec_driver_sql(statement, parameters).fetchall()
            out(f"    alone: {(time.perf_counter() - started) * 1000:.2f} ms")
            for row in conn.exec_driver_sql(prefix + statement, parameters):
                out("    " + " | ".join(str(v) for v in row))
        conn.rollback()


def _profile(client: Any, page: Page, runs: int, out: Out) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        _get(client, page.path)
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("cumulative").print_stats(35)
    stats.sort_stats("tottime").print_stats(25)
    out(f"\n=== cProfile of {page.label} over {runs} requests\n{stream.getvalue()}")


def wait_for_load(limit: float, timeout: float = 900, out: Out = print) -> bool:
    """Wait until the 1-minute load average drops below ``limit`` (other jobs share the machine)."""
    deadline = time.monotonic() + timeout
    while os.getloadavg()[0] >= limit:
        if time.monotonic() > deadline:
            out(f"load still {os.getloadavg()[0]:.2f} after {timeout:.0f} s: measuring anyway")
            return False
        time.sleep(5)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.programs_pages",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("--db", required=True, help="SQLite file path or PostgreSQL URL")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--program-id", type=int, help="default: the first program")
    parser.add_argument("--no-login", action="store_true", help="skip the logged-in pages")
    parser.add_argument(
        "--upgrade",
        action="store_true",
        help="first run the migrations newer than the generated database (they add empty tables)",
    )
    parser.add_argument("--explain", action="store_true", help="print each statement's plan")
    parser.add_argument("--profile", type=int, metavar="N", help="cProfile page number N")
    parser.add_argument(
        "--wait-load",
        type=float,
        metavar="L",
        help="first wait (up to 15 minutes) until the 1-minute load average is below L",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    def out(line: str) -> None:
        print(line, flush=True)

    if args.wait_load is not None:
        wait_for_load(args.wait_load, out=out)
    results = run(
        args.db,
        runs=args.runs,
        warmup=args.warmup,
        program_id=args.program_id,
        logged_in=not args.no_login,
        explain=args.explain,
        profile=args.profile,
        upgrade=args.upgrade,
        out=out,
    )
    missed = [r.page.label for r in results if r.median_ms >= GOAL_MS]
    print(f"Goal (median < {GOAL_MS:.0f} ms): " + ("met" if not missed else f"missed by {missed}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
