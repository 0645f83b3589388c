"""Page throughput against gunicorn in its production configuration, measured with ``wrk``
(issue 21): each public page's requests per second as a ratio of ``/healthz`` on the same server
in the same run.

    python -m bench.pages --db /tmp/qhawaq-pages.db [--build] [--duration 10] [--connections 16]
    python -m bench.pages --db postgresql+psycopg://postgres@127.0.0.1:5432/wrkbench_pages
    python -m bench.pages --db /tmp/qhawaq-pages.db --code /tmp/before-21     # older code

With ``--build`` (or when the database is empty) the national-scale data is generated first by
the existing generators of the measured checkout: ``bench.generate`` (``--programs`` programs,
``--comments`` comments, the first program with ``--page-comments``) and ``bench.search``
(``--observations`` observations, their tallies). A database at another migration than the code
is refused; ``--upgrade`` runs the code's migrations on it first. Then gunicorn serves the app
from ``--code`` (this checkout by default: its working directory, PYTHONPATH and
``gunicorn.conf.py``) with ``QHAWAQ_ENV=production``: a secret key, CSRF, secure cookies, rate
limits on, counted in a private ``redis-server`` started on a free port of 127.0.0.1 (production
refuses per-process counters with several workers), ``--workers`` workers of ``--threads``
threads. One citizen who supported comments on the measured program logs in with a plain HTTP
POST (the CSRF token from the login form); wrk sends its cookie for the logged-in pages.

For ``/healthz``, then every page, then ``/healthz`` again: a ``--warmup`` second of wrk with a
connection a worker, a wait until the server has no connection left (a slow page keeps working on
requests wrk gave up on), ``wrk -t2 -c<connections> -d<duration>s --latency`` (sending
``Accept-Encoding: gzip, br`` as browsers do, ``--encoding``), and the same wait; a server still
busy after ``--settle`` seconds is restarted, so the next page starts on an idle one. The ratio
is a page's requests/s divided by the mean of the two ``/healthz`` runs. A page fails on a
non-2xx/3xx answer or a socket error. Afterwards the five main pages and the stylesheet are
fetched once with ``Accept-Encoding: gzip, br`` and their size over the wire is printed. Exit
status 1 only when a request failed: the figures are for docs/performance.md, not a gate.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, inspect, select, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import BENCH_PASSWORD, bench_app, database_url  # noqa: E402
from bench.programs_pages import Page, _viewer_email, wait_for_load  # noqa: E402
from tests.browser.server import VENV_BIN, LiveServer, free_port  # noqa: E402

#: Issue 21: every page at this ratio of /healthz or above.
GOAL_RATIO = 0.25
#: The comment orders the program page offers (app/comments/services.py ORDERS).
ORDERS = ("newest", "oldest", "most_voted")
_LATENCY = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.M)
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"')


@dataclass
class Measure:
    """One wrk run: its figures, and what went wrong."""

    label: str
    path: str
    requests: int = 0
    per_second: float = 0.0
    p50_ms: float | None = None
    p99_ms: float | None = None
    non_2xx_3xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)
    ratio: float | None = None
    #: How long the server went on answering requests wrk had given up on (None: so long that
    #: it was restarted).
    settle_seconds: float | None = 0.0

    @property
    def failed(self) -> bool:
        return self.non_2xx_3xx > 0 or any(self.socket_errors.values())


def parse_wrk(output: str, label: str = "", path: str = "") -> Measure:
    """The figures of one ``wrk --latency`` report."""
    found = Measure(label, path)
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    if rate is None:
        raise ValueError(f"not a wrk report:\n{output}")
    found.per_second = float(rate.group(1))
    total = re.search(r"^\s*(\d+) requests in", output, re.M)
    found.requests = int(total.group(1)) if total else 0
    # With no answer in time wrk still prints a distribution, of zeros.
    for percent, value, unit in _LATENCY.findall(output) if found.requests else []:
        ms = round(float(value) * _UNITS_MS[unit], 2)
        if percent == "50":
            found.p50_ms = ms
        else:
            found.p99_ms = ms
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    found.non_2xx_3xx = int(bad.group(1)) if bad else 0
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if errors:
        names = ("connect", "read", "write", "timeout")
        found.socket_errors = dict(zip(names, map(int, errors.groups()), strict=True))
    return found


# --- data -------------------------------------------------------------------------------------


def is_empty(url: str) -> bool:
    """No SQLite file (or an empty one), or a PostgreSQL database without tables."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        return not path.exists() or path.stat().st_size == 0
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return not inspect(conn).get_table_names()
    finally:
        engine.dispose()


#: The build, run by the measured checkout's Python path (its bench.generate, bench.search and
#: migrations), so the schema is the one that code expects.
_BUILD_SCRIPT = """
import json, random, sys
from bench.generate import bench_app, generate
from bench.search import _fill
url, observations, sizes = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
generate(url, **sizes, out=lambda line: print(line, flush=True))
with bench_app(url):
    _fill(observations, random.Random(sizes["seed"]))
"""


def build(url: str, args: argparse.Namespace) -> None:
    """National-scale data by the existing generators: programs and comments
    (``bench.generate``), then observations and their tallies (``bench.search``), in a process
    working in ``--code``."""
    sizes = {
        "programs": args.programs,
        "comments": args.comments,
        "page_comments": args.page_comments,
        "users": args.users,
        "seed": args.seed,
        "reset": args.reset,
    }
    started = time.perf_counter()
    code = str(args.code.resolve())
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _BUILD_SCRIPT, url, str(args.observations), json.dumps(sizes)],
        cwd=code,
        env={**os.environ, "PYTHONPATH": code},
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"building the data with {code} failed")
    print(f"Built in {time.perf_counter() - started:.0f} s", flush=True)


def facts(url: str) -> dict[str, Any]:
    """What the pages need (the measured program, an observation and an institution that an
    anonymous visitor sees, a citizen to log in as) and the data's size. Visibility comes from
    the read layer; only the columns named here are read, so newer code's models work on it."""
    from app.extensions import db
    from app.observations.models import Observation
    from app.observations.queries import publicly_visible
    from app.programs.models import Program

    with bench_app(url):
        program_id = db.session.scalar(select(func.min(Program.id)))
        if program_id is None:
            raise SystemExit(f"{url} has no programs: pass --build")
        code = _reachable_code()
        busiest = db.session.scalar(
            select(Observation.institution_id)
            .where(publicly_visible(), Observation.institution_id.is_not(None))
            .group_by(Observation.institution_id)
            .order_by(func.count().desc(), Observation.institution_id)
            .limit(1)
        )
        if code is None or busiest is None:
            raise SystemExit(f"{url} has no public observation: pass --build")
        tables = db.metadata.tables
        counts = {
            name: db.session.scalar(select(func.count()).select_from(tables[name])) or 0
            for name in ("programs", "comments", "observations")
        }
        return {
            "program_id": program_id,
            "observation_code": code,
            "institution_id": busiest,
            "viewer": _viewer_email(program_id),
            "dialect": db.engine.dialect.name,
            "counts": counts,
        }


def _reachable_code() -> str | None:
    """The code of the newest public observation, as the app looks codes up. bench.search
    writes seven-digit codes (CS-2026-0000042) that the lookup normalises to five
    (CS-2026-00042), so below a million their pages are 404: that one observation gets the
    code the app would have given it (one row, committed)."""
    from app.extensions import db
    from app.observations.codes import format_code
    from app.observations.lookup import normalise_code
    from app.observations.models import Observation
    from app.opendata.records import public_observations

    newest = db.session.execute(
        public_observations()
        .with_only_columns(Observation.id, Observation.code)
        .order_by(None)
        .order_by(Observation.id.desc())
        .limit(1)
    ).first()
    if newest is None:
        return None
    if normalise_code(newest.code) == newest.code:
        return newest.code
    code = format_code(int(newest.code[3:7]), newest.id)
    db.session.execute(update(Observation).where(Observation.id == newest.id).values(code=code))
    db.session.commit()
    print(f"Observation {newest.code} renamed {code}: the app could not look its code up")
    return code


def pages(found: dict[str, Any]) -> list[Page]:
    """The pages of issue 21's goal, in the order they are measured."""
    program = f"/programs/{found['program_id']}"
    listed = [
        Page("/programs", "/programs"),
        Page("/programs?department=BO-L", "/programs?department=BO-L"),
        Page("/programs?q=agua", "/programs?q=agua"),
        *(Page(f"program page, {order}", f"{program}?order={order}") for order in ORDERS),
        Page("/observations", "/observations"),
        Page("observation page", f"/observations/{found['observation_code']}"),
        Page("/accountability", "/accountability"),
        Page("institution page", f"/institutions/{found['institution_id']}"),
    ]
    if found["viewer"]:
        listed += [
            Page("/programs, logged in", "/programs", logged_in=True),
            Page("program page, logged in", program, logged_in=True),
        ]
    return listed


def weight_pages(found: dict[str, Any]) -> list[Page]:
    """The five main pages whose size over the wire is recorded."""
    return [
        Page("home", "/"),
        Page("/programs", "/programs"),
        Page("program page", f"/programs/{found['program_id']}"),
        Page("/observations", "/observations"),
        Page("observation page", f"/observations/{found['observation_code']}"),
    ]


# --- the server -------------------------------------------------------------------------------


class Redis:
    """A private redis-server on a free port of 127.0.0.1, nothing saved to disk."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("redis-server is needed for several workers (or pass --workers 1)")
        options = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        self.process = subprocess.Popen(  # noqa: S603
            [binary, *options, "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@dataclass
class ProductionServer(LiveServer):
    """LiveServer's gunicorn, but with the production configuration and any code directory."""

    code: Path = ROOT
    rate_limit_storage: str = "memory://"
    #: QHAWAQ_PAGE_CACHE_SECONDS for the server (None: the configuration's default).
    page_cache_seconds: int | None = None

    def env(self) -> dict[str, str]:
        env = super().env()
        # The test server's allowances (no rate limits, 100,000 filings a day) do not apply.
        for name in ("QHAWAQ_RATELIMIT_ENABLED", "QHAWAQ_OBSERVATIONS_PER_DAY", "QHAWAQ_LOG_LEVEL"):
            env.pop(name, None)
        env.update(
            QHAWAQ_ENV="production",
            SECRET_KEY="qhawaq-bench-not-a-secret",  # noqa: S106 - throw-away data
            QHAWAQ_RATELIMIT_STORAGE_URI=self.rate_limit_storage,
            PYTHONPATH=str(self.code),
        )
        if self.page_cache_seconds is not None:
            env["QHAWAQ_PAGE_CACHE_SECONDS"] = str(self.page_cache_seconds)
        return env

    def start(self, timeout: float = 60) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                [str(VENV_BIN / "gunicorn"), "-c", str(self.code / "gunicorn.conf.py"), "wsgi:app"],
                cwd=self.code,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_ready(timeout)

    def run_flask(self, *args: str) -> None:
        done = subprocess.run(  # noqa: S603
            [str(VENV_BIN / "flask"), *args],
            cwd=self.code,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if done.returncode:
            raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stderr[-3000:]}")

    def open_connections(self) -> int:
        """Connections to the server's port not yet closed by it (being answered or queued)."""
        local = f"0100007F:{self.port:04X}"
        busy = 0
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            parts = line.split()
            # 01 ESTABLISHED, 08 CLOSE_WAIT (wrk has gone, the server has not answered yet).
            if parts[1] == local and parts[3] in ("01", "08"):
                busy += 1
        return busy

    def settle(self, timeout: float) -> float | None:
        """Wait until the server has finished every request: the seconds it took, or None when
        it was still busy after ``timeout`` seconds and was restarted (a page so slow that
        wrk's leftovers would occupy it for minutes)."""
        started = time.monotonic()
        while self.open_connections():
            if time.monotonic() - started > timeout:
                self.stop()
                self.start()
                return None
            time.sleep(0.1)
        return time.monotonic() - started


def code_identity(code: Path) -> str:
    """The commit the code directory is at, and whether it has uncommitted changes."""

    def git(*args: str) -> str:
        done = subprocess.run(  # noqa: S603
            [shutil.which("git") or "git", "-C", str(code), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
    changed = git("status", "--porcelain", "--untracked-files=no")
    return f"{code} at {commit}" + (" with uncommitted changes" if changed else "")


def check_revision(url: str, code: Path) -> str | None:
    """A message when the database's migration is not the code directory's head."""
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory(str(code / "migrations")).get_heads())
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            current = set(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
    finally:
        engine.dispose()
    if current == heads:
        return None
    return (
        f"the database is at migration {sorted(current)}, {code} at {sorted(heads)}: "
        "pass --upgrade to run its migrations first"
    )


def log_in(server: LiveServer, email: str) -> str:
    """Log ``email`` in with plain HTTP (the form's CSRF token); the Cookie header to send."""
    cookies: dict[str, str] = {}

    def request(method: str, path: str, body: str | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body, headers)
        response = conn.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            cookies[name.strip()] = value.strip()
        text = response.read().decode()
        conn.close()
        return response.status, text

    status, form = request("GET", "/login")
    token = _CSRF.search(form)
    if status != 200 or token is None:
        raise RuntimeError(f"no login form (status {status})")
    body = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "email": email, "password": BENCH_PASSWORD}
    )
    status, _ = request("POST", "/login", body)
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if status != 302:
        raise RuntimeError(f"could not log in as {email} (status {status})")
    status, page = request("GET", "/programs")
    if status != 200 or 'action="/logout"' not in page:
        raise RuntimeError(f"the session cookie of {email} does not log in")
    return cookie


# --- measuring --------------------------------------------------------------------------------


def wrk(
    server: ProductionServer,
    page: Page,
    args: argparse.Namespace,
    cookie: str,
    connections: int | None = None,
    seconds: int | None = None,
) -> Measure:
    """``wrk`` on ``page`` with ``--connections`` for ``--duration`` unless told otherwise."""
    connections = connections or args.connections
    seconds = seconds or args.duration
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={args.timeout}s",
        "--latency",
    ]
    if args.encoding:
        command += ["-H", f"Accept-Encoding: {args.encoding}"]
    if page.logged_in:
        command += ["-H", f"Cookie: {cookie}"]
    done = subprocess.run(  # noqa: S603
        [*command, server.url + page.path], capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"wrk failed: {done.stderr or done.stdout}")
    return parse_wrk(done.stdout, page.label, page.path)


def measure(server: ProductionServer, page: Page, args: argparse.Namespace, cookie: str) -> Measure:
    """Warm up, wait for a quiet server, measure, wait again (so the next page starts clean).
    The warm-up uses a connection a worker: every worker renders the page once or more, and a
    slow page leaves few requests behind to finish."""
    if args.warmup:
        wrk(server, page, args, cookie, connections=args.workers, seconds=args.warmup)
        server.settle(args.settle)
    result = wrk(server, page, args, cookie)
    settled = server.settle(args.settle)
    result.settle_seconds = round(settled, 1) if settled is not None else None
    return result


def weight(server: LiveServer, path: str) -> dict[str, Any]:
    """One anonymous request asking for compression: status, encoding, bytes over the wire."""
    url = server.url + path
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip, br"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        raw = response.read()
        encoding = response.headers.get("Content-Encoding") or "identity"
        status = response.status
    decoded: int | None = len(raw)
    if encoding == "gzip":
        decoded = len(gzip.decompress(raw))
    elif encoding == "br":
        try:
            import brotli

            decoded = len(brotli.decompress(raw))
        except ImportError:
            decoded = None
    return {
        "path": path,
        "status": status,
        "encoding": encoding,
        "bytes": len(raw),
        "decoded": decoded,
    }


def weights(server: LiveServer, found: dict[str, Any]) -> dict[str, dict[str, Any]]:
    sizes = {page.label: weight(server, page.path) for page in weight_pages(found)}
    with urllib.request.urlopen(server.url + "/", timeout=60) as response:  # noqa: S310
        sheet = _STYLESHEET.search(response.read().decode())
    if sheet:
        sizes["stylesheet"] = weight(server, sheet.group(1))
    return sizes


def table(results: list[Measure], healthz: float) -> str:
    header = f"{'page':<30} {'req/s':>9} {'ratio':>6} {'p50 ms':>9} {'p99 ms':>9}  goal"
    lines = [header, "-" * len(header)]
    for r in results:
        goal = "FAILED" if r.failed else ("ok" if (r.ratio or 0) >= GOAL_RATIO else "MISSED")
        if r.label.startswith("/healthz"):
            goal = "FAILED" if r.failed else ""
        p50 = f"{r.p50_ms:.1f}" if r.p50_ms is not None else "-"
        p99 = f"{r.p99_ms:.1f}" if r.p99_ms is not None else "-"
        notes = [f"{r.non_2xx_3xx} non-2xx/3xx, socket errors {r.socket_errors}"] * r.failed
        if r.settle_seconds is None:
            notes.append("still busy afterwards: restarted")
        lines.append(
            f"{r.label:<30} {r.per_second:>9.1f} {r.ratio or 0:>6.3f} {p50:>9} {p99:>9}  {goal}"
            + "".join(f" ({note})" for note in notes)
        )
    lines.append(
        f"ratio = req/s ÷ {healthz:.1f} (mean of the two /healthz runs); goal ≥ {GOAL_RATIO}"
    )
    return "\n".join(lines)


def weights_table(sizes: dict[str, dict[str, Any]]) -> str:
    lines = [
        f"{'page (Accept-Encoding: gzip, br)':<34} {'encoding':>8} {'bytes':>9} {'decoded':>9}"
    ]
    for label, size in sizes.items():
        decoded = f"{size['decoded']:,}" if size["decoded"] is not None else "?"
        lines.append(f"{label:<34} {size['encoding']:>8} {size['bytes']:>9,} {decoded:>9}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> tuple[dict[str, Any], bool]:
    """Build if asked, serve, measure, print; the report and whether a request failed. The
    server's instance directory (its gunicorn.log) is kept only when one did."""
    url = database_url(args.db)
    code = args.code.resolve()
    if args.build or is_empty(url):
        build(url, args)
    redis = Redis() if args.workers > 1 else None
    server = ProductionServer(
        database_url=url,
        workers=args.workers,
        threads=args.threads,
        code=code,
        rate_limit_storage=redis.url if redis else "memory://",
        page_cache_seconds=args.page_cache_seconds,
    )
    failed = True  # until it ends well: a run that raised keeps its gunicorn log too
    try:
        report, failed = _serve_and_measure(args, url, server, redis)
    finally:
        if not failed:
            shutil.rmtree(server.directory, ignore_errors=True)
    return report, failed


def _serve_and_measure(
    args: argparse.Namespace, url: str, server: ProductionServer, redis: Redis | None
) -> tuple[dict[str, Any], bool]:
    code = server.code
    if args.upgrade:
        server.run_flask("db", "upgrade")
    problem = check_revision(url, code)
    if problem:
        raise SystemExit(problem)
    found = facts(url)
    if not found["viewer"]:
        print("No citizen supported comments on the measured program: no logged-in pages")
    if not list((code / "translations").glob("*/LC_MESSAGES/messages.mo")):
        server.run_flask("translate", "compile")
    report: dict[str, Any] = {
        "code": code_identity(code),
        "database": found["dialect"],
        "counts": found["counts"],
        "workers": args.workers,
        "threads": args.threads,
        "connections": args.connections,
        "duration": args.duration,
        "accept_encoding": args.encoding,
        "page_cache_seconds": args.page_cache_seconds,
        "cpus": os.cpu_count(),
    }
    print(
        f"Code {report['code']}; {found['dialect']}: {found['counts']['programs']:,} programs, "
        f"{found['counts']['comments']:,} comments, {found['counts']['observations']:,} "
        f"observations; gunicorn {args.workers} workers x {args.threads} threads; wrk "
        f"{args.connections} connections, {args.duration} s a page; {os.cpu_count()} CPUs; "
        f"page cache {'default' if args.page_cache_seconds is None else args.page_cache_seconds}",
        flush=True,
    )
    results: list[Measure] = []
    try:
        if redis:
            redis.start()
        server.start()
        cookie = log_in(server, found["viewer"]) if found["viewer"] else ""
        report["load_before"] = round(os.getloadavg()[0], 2)
        listed = [Page("/healthz (start)", "/healthz"), *pages(found)]
        listed.append(Page("/healthz (end)", "/healthz"))
        began = time.monotonic()
        for page in listed:
            results.append(measure(server, page, args, cookie))
            last = results[-1]
            after = (
                f"then {last.settle_seconds} s to finish"
                if last.settle_seconds is not None
                else f"still busy after {args.settle} s: gunicorn restarted"
            )
            elapsed = time.monotonic() - began
            print(
                f"  {page.label}: {last.per_second:.1f} req/s, {after} ({elapsed:.0f} s)",
                flush=True,
            )
        report["load_after"] = round(os.getloadavg()[0], 2)
        report["weights"] = weights(server, found)
        report["server_5xx_log_lines"] = len(server.server_errors())
    finally:
        server.stop()
        if redis:
            redis.stop()
    healthz = (results[0].per_second + results[-1].per_second) / 2
    for result in results:
        result.ratio = round(result.per_second / healthz, 3) if healthz else None
    report["healthz_mean"] = round(healthz, 1)
    report["pages"] = [asdict(r) | {"failed": r.failed} for r in results]
    print(f"Load average {report['load_before']} before, {report['load_after']} after")
    print(table(results, healthz))
    print(weights_table(report["weights"]))
    failed = any(r.failed for r in results) or report["server_5xx_log_lines"] > 0
    if failed:
        print(f"FAILED: requests failed (gunicorn log: {server.log_path})")
    return report, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pages", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument("--db", required=True, help="SQLite file path or PostgreSQL URL")
    parser.add_argument("--build", action="store_true", help="generate the data first")
    parser.add_argument("--reset", action="store_true", help="let --build replace a database")
    parser.add_argument("--upgrade", action="store_true", help="run --code's migrations first")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout gunicorn serves")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk a page")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of wrk before (0: none)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--timeout", type=int, default=30, help="wrk's request timeout (s)")
    parser.add_argument(
        "--settle",
        type=float,
        default=60,
        help="seconds to let the server finish what wrk left before restarting it",
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--encoding", default="gzip, br", help="wrk's Accept-Encoding header ('' for none)"
    )
    parser.add_argument("--programs", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--page-comments", type=int, default=1000)
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--wait-load",
        type=float,
        metavar="L",
        help="first wait (up to 15 minutes) until the 1-minute load average is below L",
    )
    parser.add_argument(
        "--page-cache-seconds",
        type=int,
        metavar="S",
        help="QHAWAQ_PAGE_CACHE_SECONDS for the server (0: every page built, the cost of a miss)",
    )
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    args = parser.parse_args(argv)
    if args.duration < 1 or args.connections < 1 or args.workers < 1:
        parser.error("--duration, --connections and --workers must be at least 1")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (apt-get install wrk)")
    # A background run ignores SIGINT; SIGTERM then still stops gunicorn and redis-server.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(f"stopped by signal {number}"))
    if args.wait_load is not None:
        wait_for_load(args.wait_load)
    report, failed = run(args)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
