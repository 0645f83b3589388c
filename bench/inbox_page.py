"""Server time of the responder inbox with 10,000 observations for one institution.

    python -m bench.inbox_page --db /tmp/qhawaq-inbox.db [--observations 10000] [--runs 200]

First builds a fresh database by the migrations (like ``bench.generate``; an existing file is only
replaced with ``--reset``, or measured as it is with ``--reuse``): the territory CSV, two
institutions (the measured one, a municipal government of La Paz, and another one whose
observations the inbox must skip), a responder for each, citizens who filed, categories, a few
admin holidays, ``--observations`` observations for the measured institution and ``--others``
for the other one. Observations spread over every state (a few never accepted, so never in an
inbox), identity levels, and due dates computed with the real working-day rules from acceptance
dates around today: some are due soon, many overdue, most answered or closed. About a fifth
mention "agua". Rows go in with SQLAlchemy Core executemany batches.

Then, logged in as the measured institution's responder, each page is requested through Flask's
test client, in process, as ``bench.programs_pages`` does (warm-up, round robin, median and p90
wall time, CPU, time inside ``cursor.execute()`` and the number of statements per request;
``--explain`` prints each statement with its plan).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, select

from bench.generate import (
    BENCH_PASSWORD,
    EMAIL_DOMAIN,
    FIRST_NAMES,
    LAST_NAMES,
    Out,
    Timer,
    Writer,
    _territory,
    bench_app,
    database_url,
    make_app,
    prepare_target,
)
from bench.programs_pages import (
    _STATUS,
    GOAL_MS,
    Page,
    Result,
    _check_revision,
    _explain,
    _get,
    _login,
    _Recorder,
    table,
    wait_for_load,
)

#: The responder of the measured institution (user id 1).
RESPONDER_EMAIL = f"inbox-responder@{EMAIL_DOMAIN}"
INSTITUTION_ID = 1

#: (state, weight): most observations are answered or closed, a share still runs.
STATES = [
    ("submitted", 2),
    ("rejected", 2),
    ("accepted", 10),
    ("acknowledged", 18),
    ("clarification_requested", 5),
    ("answered", 14),
    ("disputed", 2),
    ("resolved", 25),
    ("closed", 22),
]
SUBJECTS = [
    "el tanque de agua del distrito",
    "la red de agua potable",
    "la obra de alcantarillado",
    "el mantenimiento del camino vecinal",
    "la construcción de la unidad educativa",
    "el equipamiento del centro de salud",
    "el alumbrado público de la zona",
    "el sistema de riego comunal",
    "el mercado municipal",
    "la cancha polifuncional",
    "la entrega de desayuno escolar",
    "la recolección de basura",
]
PROBLEMS = [
    "Obras paralizadas en",
    "Pedimos información sobre",
    "Sobreprecio denunciado en",
    "Retraso de meses en",
    "Mala calidad de materiales en",
    "Solicitud de contrato y planos de",
]
DETAILS = [
    "Desde marzo no hay trabajadores en la obra.",
    "La junta vecinal pidió el informe de avance y no hubo respuesta.",
    "El presupuesto publicado no coincide con lo ejecutado.",
    "Los vecinos hicimos seguimiento en tres visitas.",
    "Adjuntamos fotos del estado actual.",
    "Solicitamos copia del contrato y del informe de supervisión.",
]


def pages(code: str = "CS-2026-00042") -> list[Page]:
    """The pages measured; ``code`` is one of the institution's tracking codes."""
    return [
        Page("/inbox", "/inbox", logged_in=True),
        Page("/inbox?tab=overdue", "/inbox?tab=overdue", logged_in=True),
        Page("/inbox?tab=due_soon", "/inbox?tab=due_soon", logged_in=True),
        Page("/inbox?q=agua", "/inbox?q=agua", logged_in=True),
        Page("/inbox?q=<a code>", f"/inbox?q={code}", logged_in=True),
        Page("/inbox?page=20", "/inbox?page=20", logged_in=True),
    ]


# --- the database ------------------------------------------------------------------------------


def build(
    target: str | Path,
    observations: int = 10_000,
    others: int = 2_000,
    seed: int = 1,
    batch: int = 5_000,
    reset: bool = False,
    out: Out = print,
) -> dict[str, int]:
    """A fresh database at ``target`` by the migrations, filled for the inbox; returns counts."""
    from flask_migrate import upgrade

    from app.accounts.models import Role
    from app.accounts.passwords import hash_password
    from app.core.clock import local_today
    from app.core.db import utcnow
    from app.core.workdays import Holiday, WorkCalendar, add_working_days
    from app.extensions import db
    from app.institutions.models import InstitutionKind
    from app.observations.models import (
        ActingAs,
        HolidayScope,
        IdentityLevel,
        ObservationState,
    )

    if observations < 1:
        raise ValueError("--observations must be at least 1")
    url = database_url(target)
    rng = random.Random(seed)
    timer = Timer(out)
    out(f"Building {url}: {observations:,} observations for the inbox, {others:,} elsewhere")
    prepare_target(url, reset)
    with bench_app(url):
        upgrade()
        timer.lap("schema by the migrations")
        _territory(out)
        timer.lap("territory (CSV loader)")
        tables = db.metadata.tables
        now = utcnow()
        today = local_today()
        with db.engine.connect() as conn:
            la_paz = conn.scalar(
                select(tables["departments"].c.id).where(tables["departments"].c.iso_code == "BO-L")
            )
            conn.execute(
                insert(tables["institutions"]),
                [
                    {
                        "id": INSTITUTION_ID,
                        "names": {"es": "Gobierno Autónomo Municipal de La Paz"},
                        "acronym": "GAMLP",
                        "kind": InstitutionKind.MUNICIPAL_GOVERNMENT,
                        "department_id": la_paz,
                        "active": True,
                        "created_at": now,
                    },
                    {
                        "id": 2,
                        "names": {"es": "Ministerio de Medio Ambiente y Agua"},
                        "acronym": "MMAyA",
                        "kind": InstitutionKind.MINISTRY,
                        "department_id": None,
                        "active": True,
                        "created_at": now,
                    },
                ],
            )
            password_hash = hash_password(BENCH_PASSWORD)
            citizens = 500
            users = [
                {
                    "id": index + 1,
                    "email": RESPONDER_EMAIL if index == 0 else f"i{index + 1:05d}@{EMAIL_DOMAIN}",
                    "password_hash": password_hash,
                    "display_name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    "language": "es",
                    "role": Role.RESPONDER if index < 2 else Role.CITIZEN,
                    "institution_id": index + 1 if index < 2 else None,
                    "email_verified_at": now,
                    "session_token": f"{rng.getrandbits(96):024x}",
                    "created_at": now,
                }
                for index in range(citizens + 2)
            ]
            conn.execute(insert(tables["users"]), users)
            categories = [
                ("information", "Solicitud de información", 15),
                ("complaint", "Denuncia", 10),
                ("works", "Seguimiento de obras", 20),
                ("services", "Servicios públicos", 15),
            ]
            conn.execute(
                insert(tables["observation_categories"]),
                [
                    {"id": n + 1, "key": key, "names": {"es": name}, "deadline_days": days}
                    for n, (key, name, days) in enumerate(categories)
                ],
            )
            admin_holidays = [
                (date(today.year, 7, 16), "Aniversario de La Paz", HolidayScope.DEPARTMENT, la_paz),
                (date(today.year, 12, 24), "Nochebuena", HolidayScope.NATIONAL, None),
            ]
            conn.execute(
                insert(tables["admin_holidays"]),
                [
                    {
                        "on_date": day,
                        "name": name,
                        "scope": scope,
                        "department_id": department,
                        "created_at": now,
                    }
                    for day, name, scope, department in admin_holidays
                ],
            )
            conn.commit()
            timer.lap("institutions, users, categories, holidays", len(users) + 8)

            calendar = WorkCalendar([Holiday(d, n, "admin") for d, n, *_ in admin_holidays])
            writer = Writer(conn, tables["observations"], batch)
            numbers: dict[int, int] = {}
            states = [ObservationState(s) for s, _ in STATES]
            weights = [w for _, w in STATES]
            identities = [IdentityLevel.PUBLIC, IdentityLevel.HIDDEN, IdentityLevel.CONFIDENTIAL]
            running = {ObservationState.ACCEPTED, ObservationState.ACKNOWLEDGED}
            for index in range(observations + others):
                state = rng.choices(states, weights)[0]
                category = rng.randrange(len(categories))
                days = categories[category][2]
                if state in running:
                    # Recent mostly; about half of them already late.
                    started = today - timedelta(days=int(rng.expovariate(1 / 30)))
                else:
                    started = today - timedelta(days=rng.randint(3, 720))
                accepted_at = datetime(
                    started.year, started.month, started.day, 15, tzinfo=UTC
                ) + timedelta(minutes=rng.randint(0, 300))
                accepted = state not in (ObservationState.SUBMITTED, ObservationState.REJECTED)
                due = add_working_days(started, days, calendar).due if accepted else None
                if state == ObservationState.CLARIFICATION_REQUESTED:
                    due = None  # paused: unknown until the filer answers
                year = started.year
                numbers[year] = numbers.get(year, 0) + 1
                subject = rng.choice(SUBJECTS)
                organisation = rng.random() < 0.25
                writer.add(
                    {
                        "code": f"CS-{year}-{numbers[year]:05d}",
                        "filer_id": rng.randint(3, citizens + 2),
                        "identity": rng.choices(identities, [70, 20, 10])[0],
                        "acting_as": ActingAs.ORGANISATION if organisation else ActingAs.INDIVIDUAL,
                        "organisation_name": "Junta Vecinal Villa Esperanza"
                        if organisation
                        else "",
                        "institution_id": INSTITUTION_ID if index < observations else 2,
                        "category_id": category + 1,
                        "title": f"{rng.choice(PROBLEMS)} {subject}",
                        "description": " ".join(rng.sample(DETAILS, 2)),
                        "department_id": la_paz,
                        "state": state,
                        "submitted_at": accepted_at - timedelta(hours=rng.randint(2, 72)),
                        "accepted_at": accepted_at if accepted else None,
                        "clock_start": started if accepted else None,
                        "deadline_days": days if accepted else None,
                        "due_date": due,
                        "created_at": accepted_at - timedelta(hours=80),
                        "updated_at": accepted_at,
                    }
                )
            writer.flush()
            conn.commit()
            timer.lap("observations", writer.written)
            if db.engine.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        counts = {
            "institutions": 2,
            "users": len(users),
            "observations": observations + others,
        }
    return counts


# --- measuring ---------------------------------------------------------------------------------


def run(
    target: str | Path,
    runs: int = 200,
    warmup: int = 20,
    explain: bool = False,
    out: Out = print,
) -> list[Result]:
    """Measure every page of :func:`pages` against the database at ``target``."""
    from app.extensions import db
    from app.observations.models import Observation

    url = database_url(target)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise SystemExit(f"no database at {url}: build it first (leave out --reuse)")
    recorder = _Recorder()
    with tempfile.TemporaryDirectory(prefix="qhawaq-bench-") as instance:
        app = make_app(url, Path(instance))
        with app.app_context():
            engine = db.engine
            _check_revision(engine)
            mine = db.session.scalar(
                select(func.count())
                .select_from(Observation)
                .where(Observation.institution_id == INSTITUTION_ID)
            )
            total = db.session.scalar(select(func.count()).select_from(Observation))
            # A code of the institution's, from the middle, for the search-by-code page.
            code = db.session.scalar(
                select(Observation.code)
                .where(
                    Observation.institution_id == INSTITUTION_ID,
                    Observation.accepted_at.is_not(None),
                )
                .order_by(Observation.id)
                .offset((mine or 0) // 2)
                .limit(1)
            )
            out(
                f"Database {engine.dialect.name} {engine.url.render_as_string()}: "
                f"{total:,} observations, {mine:,} of them for institution {INSTITUTION_ID}"
            )
            db.session.remove()
        event.listen(engine, "before_cursor_execute", recorder.before)
        event.listen(engine, "after_cursor_execute", recorder.after)
        try:
            client = app.test_client()
            _login(client, RESPONDER_EMAIL)
            listed = pages(code or "CS-2026-00042")
            results = [Result(page, runs, [], [], [], 0, 0) for page in listed]
            for page in listed:
                for _ in range(warmup):
                    _get(client, page.path)
            load_before = os.getloadavg()
            recorder.active = True
            first_statements: list[list[tuple[str, Any]]] = [[] for _ in listed]
            for index in range(runs):
                # Round robin: a burst of load elsewhere hits every page alike.
                for number, result in enumerate(results):
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
            if explain:
                for result, statements in zip(results, first_statements, strict=True):
                    _explain(engine, result.page, statements, out)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.inbox_page",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("--db", required=True, help="SQLite file path or PostgreSQL URL")
    parser.add_argument("--observations", type=int, default=10_000)
    parser.add_argument(
        "--others", type=int, default=2_000, help="observations of another institution"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--reset", action="store_true", help="replace an existing database")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the existing database without rebuilding"
    )
    parser.add_argument("--explain", action="store_true", help="print each statement's plan")
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

    if not args.reuse:
        try:
            build(
                args.db,
                observations=args.observations,
                others=args.others,
                seed=args.seed,
                reset=args.reset,
                out=out,
            )
        except ValueError as error:
            parser.error(str(error))
    if args.wait_load is not None:
        wait_for_load(args.wait_load, out=out)
    results = run(args.db, runs=args.runs, warmup=args.warmup, explain=args.explain, out=out)
    missed = [r.page.label for r in results if r.median_ms >= GOAL_MS]
    print(f"Goal (median < {GOAL_MS:.0f} ms): " + ("met" if not missed else f"missed by {missed}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
