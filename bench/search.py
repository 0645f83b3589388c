"""Server time of the search pages at national scale: /search, /observations?q= and /programs?q=
over 10,000 programs and 1,000,000 observations; then the pages with the department map and the
home page on the same data.

    python -m bench.search --db /tmp/qhawaq-search.db --reset
    python -m bench.search --url postgresql+psycopg://postgres@127.0.0.1:5432/search_bench --reset
    python -m bench.search --db /tmp/s.db --reset --programs 500 --observations 5000 --runs 5

Builds a fresh database by the migrations with ``bench.generate`` (programs, their texts in
several languages, a few comments), then adds observations with Core batches: titles
and descriptions combined from word lists (problems, kinds of works, places), so a common word
("agua") matches a large share and a rare one a handful, as in real use; a fifth of the answered
ones get an institution's answer on their timeline. A third are about a program, most of the
others name a municipality, and 15 % carry a point near a town (the map's points). The search
indexes fill as rows go in (FTS5 triggers on SQLite, generated tsvector columns on PostgreSQL),
as they would in production.
Pages are requested through Flask's test client in process (warm-up, then median wall time).
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Column, Connection, MetaData, Table, func, insert, select
from sqlalchemy import text as sql_text

from bench.accountability import _median_ms
from bench.generate import bench_app, database_url, generate

PROBLEMS = [
    "Obra paralizada",
    "Retraso en la obra de",
    "Mala calidad del",
    "Falta de mantenimiento del",
    "Cobro irregular por el",
    "Abandono del proyecto de",
    "Materiales de mala calidad en el",
    "Sobreprecio en el",
    "Denuncia sobre el",
    "Pedido de información sobre el",
]
WORKS = [
    "alcantarillado sanitario",
    "sistema de agua potable",
    "puente vehicular",
    "camino vecinal",
    "centro de salud",
    "sistema de riego",
    "mercado municipal",
    "alumbrado público",
    "coliseo",
    "estadio",
    "plaza principal",
    "tanque de agua",
    "unidad educativa",
    "posta sanitaria",
    "enlosetado de calles",
    "defensivos contra riadas",
]
PLACES = [
    "El Alto",
    "Sucre",
    "Quillacollo",
    "Sacaba",
    "Viacha",
    "Tarija",
    "Yacuiba",
    "Riberalta",
    "Trinidad",
    "Cobija",
    "Uyuni",
    "Tupiza",
    "Caranavi",
    "Charagua",
    "Camiri",
    "Punata",
    "Achacachi",
    "Llallagua",
    "Huanuni",
    "Montero",
]
SENTENCES = [
    "Desde hace meses no hay trabajadores en la obra.",
    "Los vecinos pagamos la contraparte y no vemos avance.",
    "La empresa se fue sin terminar y dejó zanjas abiertas.",
    "El material que usan se rompe a los pocos días.",
    "Pedimos que la alcaldía informe el estado del contrato.",
    "Los niños caminan por el barro porque no hay acera.",
    "El agua llega turbia y solo dos horas al día.",
    "No se colocó el cartel de obra con el monto ni el plazo.",
    "La junta vecinal presentó una nota y no hubo respuesta.",
    "Se necesita una inspección técnica urgente.",
]
ANSWERS = [
    "La empresa contratista reanudará los trabajos la próxima semana.",
    "Se realizó la inspección y se ordenó reparar la cisterna.",
    "El contrato fue resuelto y se lanzará una nueva licitación.",
    "Se adjunta el informe técnico de supervisión.",
]
PUBLIC = ["accepted", "acknowledged", "answered", "resolved", "closed"]

QUERIES = [
    ("/search?q=agua", "a common word"),
    ("/search?q=alcantarillado+quillacollo", "two words"),
    ("/search?q=escuelas", "a word form (escuela, escuelas)"),
    ("/search?q=alcantarrillado", "a typo, corrected"),
    ("/search?q=CS-2026-0500000", "a code"),
    ("/observations?q=agua", "observations: a common word"),
    ("/observations?q=puente+caranavi", "observations: two words"),
    ("/observations?q=cisterna", "observations: in answers"),
    ("/programs?q=agua", "programs: a common word"),
    ("/programs?q=riego+tarija", "programs: two words"),
]
#: The pages that carry the department map (issue 19), measured beside the searches: their
#: figures per department group the observations in scope.
MAP_PAGES = [
    ("/observations", "observations, no filter: map of every public observation"),
    ("/observations?department=BO-L", "observations of one department"),
    ("/accountability", "accountability overview: map by department"),
    ("/territories/BO-L", "a territory page: map and points"),
    ("/", "home page"),
]


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """``rows`` into ``table``. On SQLite as one statement: the search triggers write FTS5, which
    flushes its pending terms into a new segment at the end of every statement, so a row-by-row
    executemany left a segment per row to merge (10 s per 10,000 observations, slower as the
    index grew); the rows go into a temporary copy of the table first."""
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), rows)
        return
    names = list(rows[0])
    staged = Table(
        f"staged_{table.name}",
        MetaData(),
        *(Column(name, table.c[name].type) for name in names),
        prefixes=["TEMPORARY"],
    )
    staged.create(conn, checkfirst=True)
    conn.execute(insert(staged), rows)
    # The columns the rows leave out get their defaults, as a plain insert gives them.
    conn.execute(insert(table).from_select(names, select(*staged.columns)))
    conn.execute(staged.delete())


def _place(
    rng: random.Random,
    programs: list[Any],
    municipalities: dict[int, list[int]],
) -> tuple[int | None, int, int | None]:
    """(program, department, municipality) of a generated observation: a third are about a
    program (in its territory, else a random department), and of the others three in five name
    a municipality, so the program and municipality scopes have realistic shares."""
    if programs and rng.random() < 0.33:
        program, department, municipality = rng.choice(programs)
        if department is None:
            department = rng.randrange(1, 10)
        return program, department, municipality
    department = rng.randrange(1, 10)
    nearby = municipalities.get(department)
    municipality = rng.choice(nearby) if nearby and rng.random() < 0.6 else None
    return None, department, municipality


def _fill(total: int, rng: random.Random, batch: int = 10_000) -> None:
    from app.accountability import tallies
    from app.demo.places import TOWNS
    from app.extensions import db
    from app.institutions.models import Institution
    from app.observations.models import Category, Observation, ObservationEvent
    from app.programs.models import Program
    from app.territory.models import Municipality

    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        # A bigger page cache for the load only, as bench.generate's: the program and
        # municipality indexes take their entries at random places, and with the default 2 MB
        # every batch wrote pages out and read them back (140,000 rows in 12 minutes).
        conn.exec_driver_sql("PRAGMA cache_size=-262144")
    filer = conn.execute(sql_text("SELECT min(id) FROM users")).scalar_one()
    institutions = list(conn.execute(select(Institution.id)).scalars())
    category = conn.execute(select(Category.id)).scalar()
    if category is None:
        conn.execute(
            insert(Category.__table__),
            [{"key": "information", "names": {"es": "Información"}, "deadline_days": 15}],
        )
        category = conn.execute(select(Category.id)).scalar_one()
    programs = conn.execute(
        select(Program.id, Program.department_id, Program.municipality_id)
    ).all()
    municipalities: dict[int, list[int]] = {}
    for municipality, department in conn.execute(
        select(Municipality.id, Municipality.department_id)
    ):
        municipalities.setdefault(department, []).append(municipality)
    towns = list(TOWNS.values())
    start = (conn.execute(select(func.max(Observation.id))).scalar() or 0) + 1
    now = datetime.now(UTC)
    rows, events = [], []
    for n in range(start, start + total):
        submitted = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 540))
        state = rng.choice(PUBLIC) if rng.random() < 0.92 else "rejected"
        title = f"{rng.choice(PROBLEMS)} {rng.choice(WORKS)} en {rng.choice(PLACES)}"
        description = " ".join(rng.sample(SENTENCES, 2))
        program, department, municipality = _place(rng, programs, municipalities)
        latitude = longitude = None
        if rng.random() < 0.15:  # a point on the map, near a town, as filers give them
            latitude, longitude, jitter = rng.choice(towns)
            latitude = round(latitude + rng.uniform(-jitter, jitter), 5)
            longitude = round(longitude + rng.uniform(-jitter, jitter), 5)
        rows.append(
            {
                "id": n,
                "code": f"CS-{submitted.year}-{n:05d}",
                "filer_id": filer,
                "identity": "public",
                "acting_as": "individual",
                "organisation_name": "",
                "institution_id": rng.choice(institutions),
                "category_id": category,
                "department_id": department,
                "municipality_id": municipality,
                "program_id": program,
                "latitude": latitude,
                "longitude": longitude,
                "title": title,
                "description": description,
                "place_description": "",
                "state": state,
                "submitted_at": submitted,
                "accepted_at": submitted if state != "rejected" else None,
                "clock_start": submitted.date() if state != "rejected" else None,
                "deadline_days": 15,
                "due_date": submitted.date() + timedelta(days=21),
                "rejection_reason": "",
                "transfer_reason": "",
                "dispute_count": 0,
                "created_at": submitted,
                "updated_at": submitted,
            }
        )
        if state in ("answered", "resolved", "closed") and rng.random() < 0.2:
            events.append(
                {
                    "observation_id": n,
                    "action": "answer",
                    "from_state": "acknowledged",
                    "to_state": "answered",
                    "actor_role": "institution",
                    "note": rng.choice(ANSWERS),
                    "created_at": submitted + timedelta(days=10),
                }
            )
        if len(rows) >= batch:
            _insert(conn, Observation.__table__, rows)
            if events:
                _insert(conn, ObservationEvent.__table__, events)
            rows, events = [], []
    if rows:
        _insert(conn, Observation.__table__, rows)
    if events:
        _insert(conn, ObservationEvent.__table__, events)
    tallies.rebuild(conn)
    db.session.commit()
    # Statistics and, on PostgreSQL, the visibility map (index-only scans), as autovacuum and
    # the app (SQLite: migration 0022, PRAGMA optimize) keep them.
    sqlite = conn.dialect.name == "sqlite"
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as own:
        own.exec_driver_sql("ANALYZE" if sqlite else "VACUUM ANALYZE")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--db", help="a SQLite file path (or a database URL)")
    target.add_argument("--url", help="a database URL (PostgreSQL)")
    parser.add_argument("--programs", type=int, default=10_000)
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--measure-only", action="store_true", help="measure a database an earlier run built"
    )
    args = parser.parse_args(argv)
    url = database_url(args.url or args.db)
    started = time.perf_counter()
    if args.measure_only:
        with bench_app(url) as app:
            _measure(app, args.runs)
        return 0
    generate(
        url,
        programs=args.programs,
        comments=args.programs,
        page_comments=10,
        seed=args.seed,
        users=50,
        reset=args.reset,
        out=lambda line: None,
    )
    with bench_app(url) as app:
        _fill(args.observations, random.Random(args.seed))
        built = time.perf_counter() - started
        print(
            f"{args.programs:,} programs, {args.observations:,} observations "
            f"({url.split(':')[0]}), built in {built:.0f} s"
        )
        _measure(app, args.runs)
    return 0


def _measure(app, runs: int) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    for page, label in [*QUERIES, *MAP_PAGES]:
        print(f"  {page:<42} {_median_ms(client, page, runs):6.1f} ms  ({label})")


if __name__ == "__main__":
    raise SystemExit(main())
