"""Server time of /accountability and of an institution page with many observations, and the peak
memory of the full CSV export at two data sizes.

    python -m bench.accountability --db /tmp/qhawaq-acc.db [--observations 100000] [--runs 30]
    python -m bench.accountability --url postgresql+psycopg://postgres@127.0.0.1:5432/acc_bench

Builds a fresh database by the migrations (``--reset`` replaces an existing one): the territory
CSV, 50 institutions, one category, and observations filed over the last 15 months in every
public state (plus some rejected and submitted), with ``observation_figures`` rows for the
answered ones, as the answer transition writes them. Rows go in with Core executemany batches,
then the accountability tallies are recounted (``tallies.rebuild``).
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


def _fill(app, total: int, start_id: int, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    from app.accountability import tallies
    from app.accountability.models import ObservationFigures
    from app.extensions import db
    from app.observations.models import Observation

    conn = db.session.connection()
    now = datetime.now(UTC)
    names, weights = zip(*STATES, strict=True)
    rows, figures = [], []
    for n in range(start_id, start_id + total):
        state = rng.choices(names, weights)[0]
        submitted = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 455))
        accepted = state not in ("submitted", "rejected")
        answered = state in ("answered", "disputed", "resolved", "closed") and rng.random() < 0.9
        start = submitted.date()
        rows.append(
            {
                "id": n,
                "code": f"CS-{submitted.year}-{n:07d}"[:20],
                "filer_id": 1,
                "identity": rng.choice(["public", "hidden", "confidential"]),
                "acting_as": "individual",
                "organisation_name": "",
                "institution_id": rng.randrange(1, 51),
                "category_id": 1,
                "department_id": rng.randrange(1, 10),
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
    from app.observations.models import Category

    upgrade()
    _territory(print)
    db.session.add(User(email="bench.filer@bench.qhawaq.bo", password_hash="x", display_name="F"))  # noqa: S106
    db.session.add(Category(key="information", names={"es": "Información"}, deadline_days=15))
    for i in range(1, 51):
        db.session.add(
            Institution(names={"es": f"Institución {i}"}, kind=InstitutionKind.MUNICIPAL_GOVERNMENT)
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
    args = parser.parse_args(argv)
    url = database_url(args.url or args.db)
    prepare_target(url, args.reset)
    rng = random.Random(args.seed)
    small = max(1, args.observations // 5)
    with bench_app(url) as app:
        _base(app)
        _fill(app, small, 1, rng)
        client = app.test_client()
        peak_small, bytes_small = _export_peak(client)
        _fill(app, args.observations - small, small + 1, rng)
        peak_full, bytes_full = _export_peak(client)
        print(f"observations: {args.observations:,} ({url.split(':')[0]})")
        for label, page in (
            ("/accountability", "/accountability"),
            ("/institutions/1", "/institutions/1"),
        ):
            print(f"  {label}: median {_median_ms(client, page, args.runs):.1f} ms")
        print(
            f"  CSV export peak memory: {peak_small:.1f} MiB at {small:,} observations "
            f"({bytes_small / 1e6:.1f} MB file), {peak_full:.1f} MiB at {args.observations:,} "
            f"({bytes_full / 1e6:.1f} MB file)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
