"""Server time of the accountability scopes (overview, institution, territory, category, program)
with many observations, and the peak memory of the full CSV export at two data sizes.

    python -m bench.accountability --db /tmp/qhawaq-acc.db [--observations 100000] [--runs 30]
    python -m bench.accountability --url postgresql+psycopg://postgres@127.0.0.1:5432/acc_bench
    python -m bench.accountability --db /tmp/qhawaq-acc.db --reuse --no-export  # pages only

Builds a fresh database by the migrations (``--reset`` replaces an existing one; ``--reuse``
keeps one built before, upgrades it and only measures): the territory CSV, 50 institutions (5
national ones filing about every department, 45 local ones about one municipality each), 8
categories, 4 programs per institution, and observations filed over the last 15 months in every
public state (plus some rejected and submitted) by individuals, organisations and oversight
groups, with ``observation_figures`` rows for the answered ones, as the answer transition writes
them. Rows go in with Core executemany batches, then the accountability tallies are recounted
(``tallies.rebuild``).
Pages are requested through Flask's test client in process (warm-up, then median wall time).
The CSV export is measured with ``tracemalloc`` (peak Python allocations while streaming the
whole file) first with a fifth of the observations, then with all of them: flat memory means
the two peaks are about the same.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from bench.generate import _territory, bench_app, database_url, prepare_target

STATES = [
    ("accepted", 8),
    ("acknowledged", 10),
    ("clarification_requested", 2),
    ("answered", 20),
    ("disputed", 2),
    ("resolved", 35),
    ("closed", 13),
    ("rejected", 6),
    ("submitted", 4),
]


#: Institutions 1..NATIONAL file about every department; the others about one municipality.
NATIONAL = 5
CATEGORIES = 8
PROGRAMS_PER_INSTITUTION = 4


def _places(conn) -> dict[int, tuple[int, int | None]]:  # type: ignore[no-untyped-def]
    """Institution id → (department, municipality) of the local institutions."""
    from sqlalchemy import select

    from app.territory.models import Municipality

    rows = conn.execute(select(Municipality.id, Municipality.department_id)).all()
    chosen = random.Random(7).sample(rows, 50 - NATIONAL)
    return {
        NATIONAL + 1 + i: (department, municipality)
        for i, (municipality, department) in enumerate(chosen)
    }


def _fill(app, total: int, start_id: int, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    from app.accountability import tallies
    from app.accountability.models import ObservationFigures
    from app.extensions import db
    from app.observations.models import Observation

    conn = db.session.connection()
    places = _places(conn)
    now = datetime.now(UTC)
    names, weights = zip(*STATES, strict=True)
    rows, figures = [], []
    for n in range(start_id, start_id + total):
        state = rng.choices(names, weights)[0]
        submitted = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 455))
        accepted = state not in ("submitted", "rejected")
        answered = state in ("answered", "disputed", "resolved", "closed") and rng.random() < 0.9
        start = submitted.date()
        institution = rng.randrange(1, 51)
        department, municipality = places.get(institution, (rng.randrange(1, 10), None))
        acting_as = rng.choices(["individual", "organisation", "group"], [80, 15, 5])[0]
        rows.append(
            {
                "id": n,
                "code": f"CS-{submitted.year}-{n:07d}"[:20],
                "filer_id": 1,
                "identity": rng.choice(["public", "hidden", "confidential"]),
                "acting_as": acting_as,
                "actor_type_id": rng.randrange(1, 4) if acting_as != "individual" else None,
                "organisation_name": "Junta vecinal" if acting_as == "organisation" else "",
                "institution_id": institution,
                "category_id": rng.randrange(1, CATEGORIES + 1),
                "program_id": (institution - 1) * PROGRAMS_PER_INSTITUTION
                + rng.randrange(1, PROGRAMS_PER_INSTITUTION + 1)
                if rng.random() < 0.3
                else None,
                "department_id": department,
                "municipality_id": municipality,
                "title": "Obra paralizada",
                "description": "Desde marzo no hay trabajadores en la obra del distrito.",
                "place_description": "",
                "state": state,
                "submitted_at": submitted,
                "accepted_at": submitted if accepted else None,
                "clock_start": start if accepted else None,
                "deadline_days": 15 if accepted else None,
                "due_date": start + timedelta(days=21) if accepted else None,
                "first_answer_at": submitted + timedelta(days=rng.randrange(1, 40))
                if answered
                else None,
                "satisfaction": rng.randrange(1, 6) if state == "resolved" else None,
                "rejection_reason": "",
                "transfer_reason": "",
                "dispute_count": 0,
                "created_at": submitted,
                "updated_at": submitted,
            }
        )
        if answered:
            days = int(rng.expovariate(1 / 12)) + 1
            figures.append(
                {
                    "observation_id": n,
                    "answer_working_days": days,
                    "answered_on_time": days <= 15,
                }
            )
        if len(rows) >= 10_000:
            conn.execute(insert(Observation.__table__), rows)
            if figures:
                conn.execute(insert(ObservationFigures.__table__), figures)
            rows, figures = [], []
    if rows:
        conn.execute(insert(Observation.__table__), rows)
    if figures:
        conn.execute(insert(ObservationFigures.__table__), figures)
    # Core inserts bypass the ORM hook that keeps the tallies: recount them, as an operator
    # does after a bulk load (``flask accountability rebuild-tallies``).
    tallies.rebuild(conn)
    db.session.commit()


def _base(app) -> None:  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade

    from app.accounts.models import User
    from app.extensions import db
    from app.institutions.models import Institution, InstitutionKind
    from app.observations.models import ActorType, Category
    from app.programs.models import Plan, PlanType, Program

    upgrade()
    _territory(print)
    db.session.add(User(email="bench.filer@bench.qhawaq.bo", password_hash="x", display_name="F"))  # noqa: S106
    for i in range(1, CATEGORIES + 1):
        db.session.add(Category(key=f"category-{i}", names={"es": f"Tema {i}"}, deadline_days=15))
    for i in range(1, 4):
        db.session.add(ActorType(key=f"actor-{i}", names={"es": f"Actor {i}"}, position=i))
    for i in range(1, 51):
        db.session.add(
            Institution(names={"es": f"Institución {i}"}, kind=InstitutionKind.MUNICIPAL_GOVERNMENT)
        )
    db.session.flush()
    for i in range(1, 51):
        plan = Plan(
            plan_type=next(iter(PlanType)),
            institution_id=i,
            period_start=2026,
            period_end=2030,
            titles={"es": f"Plan {i}"},
        )
        db.session.add(plan)
        db.session.flush()
        for j in range(1, PROGRAMS_PER_INSTITUTION + 1):
            db.session.add(
                Program(plan_id=plan.id, institution_id=i, code=f"P{i}-{j}", titles={"es": "P"})
            )
    db.session.commit()


def _median_ms(client, url: str, runs: int) -> float:  # type: ignore[no-untyped-def]
    for _ in range(3):
        assert client.get(url).status_code == 200, url
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(times)


def _export_peak(client) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    size = 0
    with client.get("/open-data/observations.csv") as response:
        for chunk in response.response:
            size += len(chunk)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024 / 1024, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--db", help="a SQLite file path (or a database URL)")
    target.add_argument(
        "--url", help="a database URL, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/acc_bench"
    )
    parser.add_argument("--observations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--reuse", action="store_true", help="measure a database built before (after upgrading it)"
    )
    parser.add_argument("--no-export", action="store_true", help="skip the CSV export's memory")
    parser.add_argument(
        "--rebuild", action="store_true", help="with --reuse: also time tallies.rebuild"
    )
    args = parser.parse_args(argv)
    url = database_url(args.url or args.db)
    if not args.reuse:
        prepare_target(url, args.reset)
    rng = random.Random(args.seed)
    small = max(1, args.observations // 5)
    with bench_app(url) as app:
        if args.reuse:
            _upgrade(app, rebuild=args.rebuild)
        else:
            _base(app)
            _fill(app, small, 1, rng)
        client = app.test_client()
        if not args.no_export:
            peak_small, bytes_small = _export_peak(client)
        if not args.reuse:
            _fill(app, args.observations - small, small + 1, rng)
        print(f"observations: {_count(app):,} ({url.split(':')[0]})")
        for label, page in _pages(app):
            print(f"  {label}: median {_median_ms(client, page, args.runs):.1f} ms")
        if not args.no_export:
            peak_full, bytes_full = _export_peak(client)
            print(
                f"  CSV export peak memory: {peak_small:.1f} MiB at {small:,} observations "
                f"({bytes_small / 1e6:.1f} MB file), {peak_full:.1f} MiB at "
                f"{args.observations:,} ({bytes_full / 1e6:.1f} MB file)"
            )
    return 0


def _upgrade(app, rebuild: bool) -> None:  # type: ignore[no-untyped-def]
    """A database built by an earlier version: migrate it (a migration may count the tallies
    itself; rebuilding again is harmless) and time the rebuild when asked."""
    from flask_migrate import upgrade

    from app.accountability import tallies
    from app.extensions import db

    started = time.perf_counter()
    upgrade()
    print(f"  upgrade: {time.perf_counter() - started:.1f} s")
    if not rebuild:
        return
    started = time.perf_counter()
    tallies.rebuild(db.session.connection())
    db.session.commit()
    print(f"  tallies.rebuild: {time.perf_counter() - started:.1f} s")


def _count(app) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from app.extensions import db
    from app.observations.models import Observation

    return int(db.session.scalar(select(func.count()).select_from(Observation)) or 0)


def _pages(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """One page per scope: the overview, an institution, a department and a municipality, a
    category, a program; then the list page with its map."""
    from sqlalchemy import select

    from app.extensions import db
    from app.territory.models import Municipality

    municipality = db.session.scalar(
        select(Municipality.code).where(Municipality.id == _places(db.session.connection())[6][1])
    )
    return [
        ("overview /accountability", "/accountability"),
        ("institution /institutions/1", "/institutions/1"),
        ("department /territories/BO-L", "/territories/BO-L"),
        (f"municipality /territories/{municipality}", f"/territories/{municipality}"),
        ("category /accountability?category=1", "/accountability?category=1"),
        ("program /programs/1", "/programs/1"),
        ("list /observations", "/observations"),
    ]


if __name__ == "__main__":
    raise SystemExit(main())
