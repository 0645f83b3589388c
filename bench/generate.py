"""Benchmark data: a fresh Qhawaq database, built by the migrations and filled quickly with
realistic territory, institutions, users, plans, programs and comment threads.

    python -m bench.generate --db /tmp/qhawaq-bench.db --programs 10000 --comments 1000000
    python -m bench.generate --db postgresql+psycopg://postgres@127.0.0.1:5432/qhawaq_bench ...

The first program (the lowest id) is the *designated* program: it gets exactly ``--page-comments``
comments (1,000 by default) and is the one ``bench.programs_pages`` measures. The other comments are
spread over the other programs whose consultation window has opened, a few programs with many and
many with few.

Rows go in with SQLAlchemy Core ``insert()`` executemany batches inside a few transactions (no ORM
per row). The generator keeps the invariants the services keep: ``root_id``/``depth``/``parent_id``
of replies, stances on top-level comments only, ``vote_count`` equal to the ``comment_votes`` rows,
an edit-history row for each edited comment, ``Program.comment_count`` and ``stance_*`` counting the
comments that are not deleted (as ``add_comment``/``delete_comment`` do), and a parent program's
progress rolled up from its sub-programs.

Titles, descriptions and comments are in Spanish, some with Quechua, Aymara, Guaraní or English
versions built from short word lists: illustrative text for benchmarks, not translations to reuse.
"""

from __future__ import annotations

import argparse
import contextvars
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Table, bindparam, create_engine, func, insert, inspect, select
from sqlalchemy import text as sql_text
from sqlalchemy import update as sql_update

#: Every generated account has this password (bench data only; never a real database).
BENCH_PASSWORD = "qhawaq-bench-2026"  # noqa: S105 - documented benchmark credential
EMAIL_DOMAIN = "bench.qhawaq.bo"

Out = Callable[[str], None]


# --- target database and app ------------------------------------------------------------------


def database_url(target: str | Path) -> str:
    """A SQLAlchemy URL from ``--db``: a URL is kept, anything else is a SQLite file path."""
    value = str(target)
    if "://" in value:
        if value.startswith("postgresql://"):
            value = value.replace("postgresql://", "postgresql+psycopg://", 1)
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def bench_config(url: str, instance_path: Path) -> type:
    """A production-like configuration pointed at ``url`` (CSRF, rate limiter and pool as in
    production; a fixed secret key because the data is throw-away). The in-process benches
    measure how pages are built, so the shared page cache is off unless
    ``QHAWAQ_PAGE_CACHE_SECONDS`` asks for it (``bench.pages`` measures it under gunicorn)."""
    from app.config import Config

    return type(
        "BenchConfig",
        (Config,),
        {
            "ENV_NAME": "production",
            "SECRET_KEY": "qhawaq-bench-not-a-secret",
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": instance_path,
            "MAIL_FILE_DIR": str(instance_path / "mail"),
            "MAIL_BACKEND": "file",
            "LOG_LEVEL": "WARNING",
            "PAGE_CACHE_SECONDS": int(os.environ.get("QHAWAQ_PAGE_CACHE_SECONDS", "0")),
        },
    )


def make_app(url: str, instance_path: Path) -> Any:
    """The Flask app against ``url`` (no migrations run); its test clients send every request
    as a server would (``ServerLikeClient``)."""
    from app import create_app

    application = create_app(bench_config(url, instance_path))
    application.test_client_class = _server_like_client()
    return application


def _server_like_client() -> type:
    from flask.testing import FlaskClient

    class ServerLikeClient(FlaskClient):
        """A test client whose every request gets an app context of its own, as under a
        server. The benches run inside ``bench_app``'s app context, and Flask reuses an app
        context it finds: every request would share one ``g`` and one database session, so
        what a request keeps in ``g`` (a search's matches, the signed-in user) would be read
        once for a whole run, and the figures would leave that work out. Each request runs in
        an empty ``contextvars`` context instead, where no app context is active."""

        def open(self, *args: Any, **kwargs: Any) -> Any:
            return contextvars.Context().run(super().open, *args, **kwargs)

    return ServerLikeClient


@contextmanager
def bench_app(url: str) -> Iterator[Any]:
    """The app against ``url`` inside an app context; the engine is disposed afterwards."""
    from app.extensions import db

    with tempfile.TemporaryDirectory(prefix="qhawaq-bench-") as instance:
        application = make_app(url, Path(instance))
        with application.app_context():
            try:
                yield application
            finally:
                db.session.remove()
                db.engine.dispose()


def prepare_target(url: str, reset: bool) -> None:
    """Make sure the target is empty: delete the SQLite file or drop PostgreSQL's public schema
    (only with ``reset`` when it already holds tables)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if path.exists() and path.stat().st_size and not reset:
            raise SystemExit(f"{path} already exists: pass --reset to replace it")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    elif url.startswith("postgresql"):
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                tables = inspect(conn).get_table_names()
                if tables and not reset:
                    raise SystemExit(
                        f"the database already has {len(tables)} tables: pass --reset to drop "
                        "its public schema"
                    )
                if tables:
                    conn.execute(sql_text("DROP SCHEMA public CASCADE"))
                    conn.execute(sql_text("CREATE SCHEMA public"))
        finally:
            engine.dispose()
    else:
        raise SystemExit(
            f"unsupported database {url!r}: give a SQLite file path or a PostgreSQL URL"
        )


# --- vocabulary ----------------------------------------------------------------------------
# fmt: off

#: (Spanish, English, Quechua, Aymara, Guaraní noun or None, weight, kind) — "work" objects take
#: construction verbs, "program" objects take programme verbs.
OBJECTS: list[tuple[str, str, str | None, str | None, str | None, int, str]] = [
    ("sistema de agua potable", "drinking water system", "yaku", "uma", "y", 8, "work"),
    ("alcantarillado sanitario", "sewerage system", None, None, None, 4, "work"),
    ("planta de tratamiento de aguas residuales", "wastewater treatment plant",
     None, None, None, 2, "work"),
    ("unidad educativa", "school", "yachay wasi", "yatiqaña uta", "mbo'ehao", 8, "work"),
    ("centro de salud", "health centre", "hampina wasi", "qullaña uta", None, 7, "work"),
    ("hospital de segundo nivel", "second-level hospital", "hampina wasi", "qullaña uta", None,
     2, "work"),
    ("sistema de riego", "irrigation system", "qarpay", "qarpaña", None, 7, "work"),
    ("camino vecinal", "local road", "ñan", "thakhi", "tape", 8, "work"),
    ("puente vehicular", "road bridge", "chaka", "chaka", None, 3, "work"),
    ("atajados para cosecha de agua", "water harvesting ponds", "yaku", "uma", "y", 3, "work"),
    ("electrificación rural", "rural electrification", "k'anchay", "qhana", None, 4, "work"),
    ("viviendas sociales", "social housing", "wasikuna", "utanaka", "óga", 3, "work"),
    ("mercado municipal", "municipal market", "qhatu", "qhathu", None, 3, "work"),
    ("cancha polifuncional", "multi-sport court", None, None, None, 3, "work"),
    ("red de gas domiciliario", "household gas network", None, None, None, 2, "work"),
    ("defensivos contra inundaciones", "flood defences", None, None, None, 2, "work"),
    ("centro de acopio de leche", "milk collection centre", None, None, None, 2, "work"),
    ("forestación y reforestación", "forestation and reforestation", None, None, None, 2,
     "program"),
    ("producción de quinua", "quinoa production", None, None, None, 2, "program"),
    ("alimentación complementaria escolar", "school meals", None, None, None, 2, "program"),
    ("prevención de la violencia contra la mujer", "prevention of violence against women",
     None, None, None, 2, "program"),
    ("salud materno infantil", "mother and child health", None, None, None, 2, "program"),
]
WORK_ACTIONS = [
    ("Construcción de", "Construction of"), ("Mejoramiento de", "Improvement of"),
    ("Ampliación de", "Extension of"), ("Rehabilitación de", "Rehabilitation of"),
    ("Equipamiento de", "Equipment of"), ("Mantenimiento de", "Maintenance of"),
]
PROGRAM_ACTIONS = [
    ("Programa de", "Programme of"), ("Fortalecimiento de la", "Strengthening of"),
    ("Implementación del programa de", "Implementation of the programme of"),
]
COMMUNITIES = [
    "Villa Esperanza", "San José", "Santa Rosa", "Villa Nueva", "Pampa Grande", "Jach'a Uta",
    "Ch'allapampa", "K'ara K'ara", "Qhochi Pampa", "Chullpa Loma", "Huancarani", "Tolata Baja",
    "San Isidro", "Alto Lima", "Puerto Rico", "Yapacaní Norte", "Ivirgarzama", "Iyobi",
    "Kami", "Llallagua Baja", "Molle Molle", "Totora Pampa", "Chuñavi", "Cota Cota",
]
COMPONENTS = [
    "obras civiles", "tanque de almacenamiento de agua", "red de distribución",
    "conexiones domiciliarias", "capacitación a la comunidad", "equipamiento médico",
    "estudio de diseño técnico de preinversión (EDTP)", "supervisión técnica",
    "mitigación ambiental", "aulas y baterías de baño", "cerco perimetral",
    "obra de toma y canal de riego", "enripiado y cunetas", "alumbrado público",
    "mobiliario escolar", "desarrollo comunitario", "asistencia técnica a productores",
]
SOURCES = [
    "Tesoro General de la Nación", "Impuesto Directo a los Hidrocarburos (IDH)",
    "Fondo de Desarrollo Indígena", "Fondo Nacional de Inversión Productiva y Social (FPS)",
    "crédito del BID", "crédito de CAF", "recursos propios municipales",
    "coparticipación tributaria",
]
COMMENT_ES = [
    "Este proyecto es muy necesario para nuestra comunidad.",
    "¿Cuándo empiezan las obras? Llevamos años esperando.",
    "El presupuesto parece muy alto para lo que se va a construir.",
    "Pedimos que se consulte a las juntas vecinales antes de licitar.",
    "En nuestra zona no hay agua potable desde hace meses.",
    "La empresa contratista abandonó la obra el año pasado.",
    "Apoyamos el proyecto, pero exigimos rendición de cuentas.",
    "Falta incluir a las comunidades de la parte alta.",
    "Gracias por publicar la información del avance.",
    "¿Dónde se puede ver el contrato y los planos?",
    "El camino se vuelve intransitable en época de lluvias.",
    "Los maestros y padres de familia estamos de acuerdo.",
    "El centro de salud no tiene médicos los fines de semana.",
    "Hay que priorizar el riego antes que la cancha.",
    "Solicitamos que la contratación sea con mano de obra local.",
    "No se respetó el diseño original que aprobó la comunidad.",
    "Confirmo que la obra está paralizada desde marzo.",
    "Sería bueno que publiquen los informes de supervisión.",
    "El control social de nuestro distrito hará seguimiento.",
    "Las mujeres de la comunidad también queremos participar en las reuniones.",
    "¿Por qué cambió el plazo de entrega?",
    "Ojalá esta vez se cumpla lo prometido.",
]
COMMENT_OTHER = [
    "Kay ruwayqa ayllunchikpaq allinmi.",
    "Hayk'aqtaq llamk'ayta qallarinqanku?",
    "Aka lurawixa markasatakix wali askiwa.",
    "Kunapachas irnaqañ qalltapxani?",
    "Ko tembiapo iporã ñande tëtapeguarã.",
]
LINKS = ["https://www.sicoes.gob.bo", "www.contraloria.gob.bo", "https://www.minedu.gob.bo"]
MILESTONES = [
    "Firma de contrato", "Orden de proceder", "Inicio de obras", "Avance físico del 50 %",
    "Entrega provisional", "Recepción definitiva", "Audiencia pública de rendición de cuentas",
]
FIRST_NAMES = [
    "María", "Juan", "Rosa", "Carlos", "Ana", "Luis", "Sabina", "Wilber", "Arasy", "Jhonny",
    "Lidia", "Marco", "Gladys", "Freddy", "Elena", "Rubén", "Nancy", "Edwin", "Cinthia", "Álvaro",
    "Teresa", "Mario", "Virginia", "Félix", "Justina", "Reynaldo", "Yesenia", "Hilarión",
]
LAST_NAMES = [
    "Mamani", "Quispe", "Condori", "Choque", "Flores", "Apaza", "Gutiérrez", "Rojas", "Vargas",
    "Cruz", "Huanca", "Limachi", "Ticona", "Colque", "Chambi", "Yujra", "Justiniano", "Suárez",
    "Peña", "Vaca", "Arteaga", "Guzmán", "Tola", "Calle", "Poma", "Copa", "Nina",
]
MINISTRIES = [
    ("Ministerio de Salud y Deportes", "Ministry of Health and Sports", "MSyD"),
    ("Ministerio de Educación", "Ministry of Education", "MINEDU"),
    ("Ministerio de Medio Ambiente y Agua", "Ministry of Environment and Water", "MMAyA"),
    ("Ministerio de Obras Públicas, Servicios y Vivienda", "Ministry of Public Works", "MOPSV"),
    ("Ministerio de Desarrollo Rural y Tierras", "Ministry of Rural Development", "MDRyT"),
    ("Ministerio de Planificación del Desarrollo", "Ministry of Development Planning", "MPD"),
    ("Ministerio de Hidrocarburos y Energías", "Ministry of Hydrocarbons and Energy", "MHE"),
    ("Ministerio de Justicia y Transparencia Institucional", "Ministry of Justice", "MJTI"),
]
COMPANIES = [
    ("Empresa Pública Social de Agua y Saneamiento", "BO-L", "EPSAS"),
    ("Empresa Nacional de Electricidad", "BO-C", "ENDE"),
    ("Servicio Departamental de Caminos de Santa Cruz", "BO-S", "SEDCAM"),
]
#: (key, names, default progress)
STATUSES = [
    ("pre_investment", {"es": "En preinversión", "en": "Pre-investment"}, 0),
    ("tendering", {"es": "En licitación", "en": "Tendering", "qu": "Rantinakuypi"}, 5),
    ("in_execution", {"es": "En ejecución", "en": "In execution", "qu": "Ruwakuchkan"}, None),
    ("halted", {"es": "Paralizado", "en": "Halted"}, None),
    ("completed", {"es": "Concluido", "en": "Completed", "qu": "Tukusqa", "ay": "Tukuyata"}, 100),
]
STATUS_WEIGHTS = [15, 10, 45, 8, 22]
#: Replies per top-level comment and their weights (a mean of about 1.4 depth-1 replies).
REPLY_COUNTS = [0, 1, 2, 3, 5, 8]
REPLY_WEIGHTS = [45, 20, 15, 10, 7, 3]

# fmt: on


# --- helpers -------------------------------------------------------------------------------


@dataclass
class Timer:
    out: Out
    started: float = field(default_factory=time.perf_counter)

    def lap(self, label: str, rows: int | None = None) -> None:
        elapsed = time.perf_counter() - self.started
        rate = f" ({rows / elapsed:,.0f} rows/s)" if rows and elapsed > 0 else ""
        count = f"{rows:,} rows, " if rows is not None else ""
        self.out(f"  {label}: {count}{elapsed:.1f} s{rate}")
        self.started = time.perf_counter()


class Writer:
    """Buffers rows for one table and writes them with executemany batches. ``before`` writers
    are flushed first, so a row never reaches the database before the rows it references."""

    def __init__(
        self, conn: Connection, table: Table, batch: int, before: list[Writer] | None = None
    ) -> None:
        self.conn = conn
        self.table = table
        self.batch = batch
        self.before = before or []
        self.rows: list[dict[str, Any]] = []
        self.written = 0

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        for writer in self.before:
            writer.flush()
        if self.rows:
            self.conn.execute(insert(self.table), self.rows)
            self.written += len(self.rows)
            self.rows = []


def at_utc(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    if end <= start:
        return start
    return start + timedelta(seconds=rng.uniform(0, (end - start).total_seconds()))


def thread_shape(n: int, rng: random.Random) -> list[tuple[int, int | None]]:
    """``n`` comments as (depth, index of the parent): threads with replies down to depth 2."""
    shape: list[tuple[int, int | None]] = []
    while len(shape) < n:
        top = len(shape)
        shape.append((0, None))
        for _ in range(rng.choices(REPLY_COUNTS, REPLY_WEIGHTS)[0]):
            if len(shape) >= n:
                break
            reply = len(shape)
            shape.append((1, top))
            if rng.random() < 0.3:
                for _ in range(rng.randint(1, 2)):
                    if len(shape) >= n:
                        break
                    shape.append((2, reply))
    return shape


def spread(total: int, weights: list[float], rng: random.Random) -> list[int]:
    """``total`` split proportionally to ``weights`` (exactly ``total`` in all)."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    weight_sum = sum(weights)
    counts = [int(total * w / weight_sum) for w in weights]
    for index in rng.choices(range(len(weights)), weights=weights, k=total - sum(counts)):
        counts[index] += 1
    return counts


def comment_body(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.04:
        sentences = rng.sample(COMMENT_ES, rng.randint(8, 15))
    elif roll < 0.10:
        sentences = [rng.choice(COMMENT_OTHER), rng.choice(COMMENT_ES)]
    else:
        sentences = rng.sample(COMMENT_ES, rng.randint(1, 4))
    body = " ".join(sentences)
    if rng.random() < 0.03:
        body += f" Más información en {rng.choice(LINKS)}"
    if rng.random() < 0.05:
        body = body.replace(". ", ".\n", 1)
    return body


def vote_total(rng: random.Random, top_level: bool, cap: int) -> int:
    """Heavy-tailed: most comments have no support, a few many (mean about 0.8)."""
    alpha = 1.5 if top_level else 2.2
    return max(0, min(cap, int(rng.paretovariate(alpha)) - 1))


# --- the generator ---------------------------------------------------------------------------


@dataclass
class Summary:
    url: str
    program_id: int
    page_comments: int
    counts: dict[str, int]
    seconds: float


@dataclass
class _Program:
    id: int
    open_on: date | None
    close_on: date | None
    created_at: datetime
    comment_count: int = 0
    stance_for: int = 0
    stance_neutral: int = 0
    stance_against: int = 0


def generate(
    target: str | Path,
    programs: int = 10_000,
    comments: int = 1_000_000,
    page_comments: int = 1000,
    seed: int = 1,
    users: int = 2000,
    institutions: int = 50,
    batch: int = 10_000,
    commit_every: int = 200_000,
    reset: bool = False,
    analyze: bool | None = None,
    out: Out = print,
) -> Summary:
    """Build a fresh database at ``target`` by the migrations and fill it. ``analyze``: run
    ANALYZE at the end (default: yes, as autovacuum would on PostgreSQL and as the app does on
    SQLite: migration 0022, then ``PRAGMA optimize``)."""
    if programs < 1:
        raise ValueError("--programs must be at least 1")
    if not 0 <= page_comments <= comments:
        raise ValueError("--page-comments must be between 0 and --comments")
    if programs == 1 and comments > page_comments:
        raise ValueError("with one program every comment is on the designated program")
    if users < 3:
        raise ValueError("--users must be at least 3")
    url = database_url(target)
    rng = random.Random(seed)
    started = time.perf_counter()
    timer = Timer(out)
    out(
        f"Generating into {url}: {programs:,} programs, {comments:,} comments "
        f"({page_comments:,} on the designated program), {users:,} users, seed {seed}"
    )
    prepare_target(url, reset)

    from flask_migrate import upgrade

    from app.extensions import db

    with bench_app(url):
        upgrade()
        timer.lap("schema by the migrations")
        sqlite = db.engine.dialect.name == "sqlite"
        _territory(out)
        timer.lap("territory (CSV loader)")
        with db.engine.connect() as conn:
            if sqlite:
                # A bigger page cache for the load only (the app's own settings are untouched).
                conn.exec_driver_sql("PRAGMA cache_size=-262144")
            ctx = _reference_data(conn, rng, users, institutions)
            conn.commit()
            timer.lap("institutions, users, plans, statuses", ctx["rows"])
            program_rows = _programs(conn, rng, ctx, programs, batch)
            conn.commit()
            timer.lap("programs, milestones, follows", ctx["rows_programs"])
            comment_rows = _comments(
                conn, rng, ctx, program_rows, comments, page_comments, batch, commit_every, out
            )
            conn.commit()
            timer.lap("comments, votes, revisions", comment_rows)
            _counters(conn, program_rows)
            conn.commit()
            timer.lap("program counters", len(program_rows))
            if not sqlite:
                _fix_sequences(conn)
                conn.commit()
        analyze = True if analyze is None else analyze
        if analyze:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE" if sqlite else "VACUUM ANALYZE")
            timer.lap("ANALYZE")
        if sqlite:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        counts = table_counts()
    seconds = time.perf_counter() - started
    summary = Summary(url, 1, page_comments, counts, seconds)
    out("Rows: " + ", ".join(f"{name} {count:,}" for name, count in counts.items()))
    out(
        f"Designated program: id {summary.program_id} with {page_comments:,} comments "
        f"(/programs/{summary.program_id})"
    )
    out(f"Done in {seconds:.1f} s")
    return summary


def table_counts() -> dict[str, int]:
    from app.extensions import db

    names = [
        "departments",
        "municipalities",
        "institutions",
        "users",
        "plans",
        "program_statuses",
        "programs",
        "milestones",
        "program_follows",
        "comments",
        "comment_votes",
        "comment_revisions",
    ]
    tables = db.metadata.tables
    with db.engine.connect() as conn:
        return {
            name: conn.scalar(select(func.count()).select_from(tables[name])) or 0 for name in names
        }


def _territory(out: Out) -> None:
    from app.extensions import db
    from app.territory.services import default_territory_file, load_territory_csv

    result = load_territory_csv(default_territory_file())
    if result.errors:
        raise SystemExit("territory CSV: " + "; ".join(result.errors))
    db.session.commit()


def _reference_data(
    conn: Connection, rng: random.Random, n_users: int, n_institutions: int
) -> dict[str, Any]:
    from app.accounts.models import Role
    from app.accounts.passwords import hash_password
    from app.core.db import utcnow
    from app.institutions.models import InstitutionKind
    from app.programs.models import PlanType
    from app.territory.models import MunicipalityKind

    tables = _tables()
    now = utcnow()
    departments = [
        SimpleNamespace(id=row.id, iso=row.iso_code, name=row.name)
        for row in conn.execute(select(tables["departments"]).order_by(tables["departments"].c.id))
    ]
    municipalities = [
        SimpleNamespace(
            id=row.id,
            name=row.name,
            province=row.province,
            kind=row.kind,
            department_id=row.department_id,
        )
        for row in conn.execute(
            select(tables["municipalities"]).order_by(tables["municipalities"].c.id)
        )
    ]
    by_department: dict[int, list[SimpleNamespace]] = {}
    for municipality in municipalities:
        by_department.setdefault(municipality.department_id, []).append(municipality)
    department_by_iso = {d.iso: d for d in departments}

    # Institutions: ministries, departmental governments, public companies, indigenous
    # autonomies and municipal governments (the rest, up to n_institutions).
    institutions: list[dict[str, Any]] = []

    def add_institution(names, acronym, kind, department_id=None, municipality_id=None):  # type: ignore[no-untyped-def]
        institutions.append(
            {
                "id": len(institutions) + 1,
                "names": names,
                "acronym": acronym[:20],
                "kind": kind,
                "department_id": department_id,
                "municipality_id": municipality_id,
                "contact_email": f"contacto{len(institutions) + 1}@{EMAIL_DOMAIN}",
                "deadline_days": rng.choice([None, None, None, 10, 15]),
                "active": True,
                "created_at": now - timedelta(days=rng.randint(400, 1500)),
            }
        )

    for es, en, acronym in MINISTRIES:
        add_institution({"es": es, "en": en}, acronym, InstitutionKind.MINISTRY)
    for department in departments:
        add_institution(
            {
                "es": f"Gobierno Autónomo Departamental de {department.name}",
                "qu": f"{department.name} Suyup Kamachiy Wasin",
                "en": f"Autonomous Departmental Government of {department.name}",
            },
            f"GAD-{department.iso[3:]}",
            InstitutionKind.DEPARTMENTAL_GOVERNMENT,
            department.id,
        )
    for es, iso, acronym in COMPANIES:
        add_institution(
            {"es": es},
            acronym,
            InstitutionKind.PUBLIC_COMPANY,
            department_by_iso[iso].id if iso in department_by_iso else None,
        )
    autonomies = [m for m in municipalities if m.kind == MunicipalityKind.INDIGENOUS_AUTONOMY]
    for municipality in autonomies[:3]:
        add_institution(
            {
                "es": f"Gobierno Autónomo Indígena Originario Campesino de {municipality.name}",
                "gn": f"{municipality.name} Tëta Mburuvicha",
            },
            "GAIOC",
            InstitutionKind.INDIGENOUS_AUTONOMY,
            municipality.department_id,
            municipality.id,
        )
    plain = [m for m in municipalities if m.kind != MunicipalityKind.INDIGENOUS_AUTONOMY]
    wanted = max(0, n_institutions - len(institutions))
    for municipality in rng.sample(plain, min(wanted, len(plain))):
        names = {"es": f"Gobierno Autónomo Municipal de {municipality.name}"}
        if rng.random() < 0.4:
            names["qu"] = f"{municipality.name} Llaqtap Kamachiy Wasin"
        if rng.random() < 0.3:
            names["ay"] = f"{municipality.name} Markan Apnaqawipa"
        add_institution(
            names,
            "GAM-" + "".join(w[0] for w in municipality.name.split()).upper(),
            InstitutionKind.MUNICIPAL_GOVERNMENT,
            municipality.department_id,
            municipality.id,
        )
    conn.execute(insert(tables["institutions"]), institutions)

    # Users: one argon2 hash for everyone (hashing is deliberately slow).
    password_hash = hash_password(BENCH_PASSWORD)
    languages = rng.choices(["es", "qu", "ay", "gn", "en"], [70, 12, 10, 3, 5], k=n_users)
    user_rows = []
    n_moderators = min(10, max(1, n_users // 200))
    for index in range(n_users):
        user_id = index + 1
        if user_id == 1:
            role, institution_id = Role.ADMIN, None
        elif user_id <= 1 + n_moderators:
            role, institution_id = Role.MODERATOR, None
        elif user_id <= 1 + n_moderators + len(institutions) and user_id < n_users:
            role, institution_id = Role.RESPONDER, user_id - 1 - n_moderators
        else:
            role, institution_id = Role.CITIZEN, None
        created = now - timedelta(days=rng.uniform(1, 900))
        user_rows.append(
            {
                "id": user_id,
                "email": f"u{user_id:06d}@{EMAIL_DOMAIN}",
                "password_hash": password_hash,
                "display_name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                "language": languages[index],
                "role": role,
                "institution_id": institution_id,
                "email_verified_at": created + timedelta(minutes=5)
                if rng.random() < 0.95
                else None,
                "blocked_at": None,
                "blocked_reason": "",
                "blocked_by_id": None,
                "session_token": f"{rng.getrandbits(96):024x}",
                "created_at": created,
                "last_login_at": None,
            }
        )
    conn.execute(insert(tables["users"]), user_rows)

    # Plans: the national PDES, one PTDI per department, a PEI and a POA.
    plan_rows = []
    planning = next((i for i in institutions if i["acronym"] == "MPD"), institutions[0])
    plan_rows.append(
        {
            "id": 1,
            "external_id": "PDES-2021-2025",
            "plan_type": PlanType.PDES,
            "institution_id": planning["id"],
            "department_id": None,
            "municipality_id": None,
            "period_start": 2021,
            "period_end": 2025,
            "titles": {
                "es": "Plan de Desarrollo Económico y Social 2021-2025",
                "en": "Economic and Social Development Plan 2021-2025",
            },
            "descriptions": {
                "es": "Reconstruyendo la economía para vivir bien, hacia la "
                "industrialización con sustitución de importaciones."
            },
            "created_at": now - timedelta(days=1500),
        }
    )
    ptdi_by_department: dict[int, int] = {}
    for institution in institutions:
        if institution["kind"] == InstitutionKind.DEPARTMENTAL_GOVERNMENT:
            plan_id = len(plan_rows) + 1
            department = next(d for d in departments if d.id == institution["department_id"])
            ptdi_by_department[department.id] = plan_id
            plan_rows.append(
                {
                    "id": plan_id,
                    "external_id": f"PTDI-{department.iso}-2021",
                    "plan_type": PlanType.PTDI,
                    "institution_id": institution["id"],
                    "department_id": department.id,
                    "municipality_id": None,
                    "period_start": 2021,
                    "period_end": 2025,
                    "titles": {
                        "es": f"Plan Territorial de Desarrollo Integral de "
                        f"{department.name} 2021-2025"
                    },
                    "descriptions": {
                        "es": f"Programas y proyectos del departamento de {department.name}."
                    },
                    "created_at": now - timedelta(days=1400),
                }
            )
    for plan_type, acronym, title, start, end in [
        (PlanType.PEI, "MSyD", "Plan Estratégico Institucional 2021-2025", 2021, 2025),
        (PlanType.POA, "MINEDU", "Plan Operativo Anual 2026", 2026, 2026),
    ]:
        institution = next((i for i in institutions if i["acronym"] == acronym), institutions[0])
        plan_rows.append(
            {
                "id": len(plan_rows) + 1,
                "external_id": f"{plan_type.value}-{acronym}-{start}",
                "plan_type": plan_type,
                "institution_id": institution["id"],
                "department_id": None,
                "municipality_id": None,
                "period_start": start,
                "period_end": end,
                "titles": {"es": f"{title} ({acronym})"},
                "descriptions": {},
                "created_at": now - timedelta(days=700),
            }
        )
    conn.execute(insert(tables["plans"]), plan_rows)

    status_rows = [
        {
            "id": position + 1,
            "key": key,
            "names": names,
            "default_progress": progress,
            "position": position,
        }
        for position, (key, names, progress) in enumerate(STATUSES)
    ]
    conn.execute(insert(tables["program_statuses"]), status_rows)
    return {
        "rows": len(institutions) + len(user_rows) + len(plan_rows) + len(status_rows),
        "now": now,
        "departments": departments,
        "municipalities": municipalities,
        "by_department": by_department,
        "institutions": institutions,
        "user_ids": list(range(1, n_users + 1)),
        "commenter_ids": [u["id"] for u in user_rows if u["role"] == Role.CITIZEN]
        or [u["id"] for u in user_rows],
        "plans": plan_rows,
        "ptdi_by_department": ptdi_by_department,
        "statuses": status_rows,
    }


def _tables() -> dict[str, Table]:
    from app.extensions import db

    return dict(db.metadata.tables)


def _program_text(
    rng: random.Random,
    municipality: SimpleNamespace | None,
    department_name: str | None,
    institution: dict[str, Any],
) -> tuple[dict[str, str], dict[str, str]]:
    es, en, qu, ay, gn, _weight, kind = rng.choices(OBJECTS, [o[5] for o in OBJECTS])[0]
    action_es, action_en = rng.choice(WORK_ACTIONS if kind == "work" else PROGRAM_ACTIONS)
    if municipality is not None:
        if rng.random() < 0.5:
            community = rng.choice(COMMUNITIES)
            place_es = f"la comunidad {community}, municipio de {municipality.name}"
        else:
            place_es = f"el municipio de {municipality.name}"
        place = municipality.name
    elif department_name:
        place_es = f"el departamento de {department_name}"
        place = department_name
    else:
        place_es = "el Estado Plurinacional de Bolivia"
        place = "Bolivia"
    titles = {"es": f"{action_es} {es} en {place_es}"}
    families = rng.randint(40, 4000)
    components = rng.sample(COMPONENTS, 3)
    description = (
        f"{action_es} {es} para {families} familias"
        + (
            f" del municipio de {municipality.name}, provincia {municipality.province}"
            if municipality is not None
            else ""
        )
        + (f", departamento de {department_name}" if department_name else "")
        + f". Comprende {components[0]}, {components[1]} y {components[2]}. "
        + f"Se financia con recursos del {rng.choice(SOURCES)}"
        + f" y lo ejecuta {institution['names']['es']}."
    )
    if rng.random() < 0.3:
        description += f" El plazo de ejecución es de {rng.randint(4, 36)} meses."
    descriptions = {"es": description}
    if rng.random() < 0.15:
        titles["en"] = f"{action_en} {en} in {place}"
        descriptions["en"] = f"{action_en} {en} for {families} families in {place}."
    if qu and rng.random() < 0.2:
        titles["qu"] = f"{qu} ruway: {place}"
        descriptions["qu"] = f"{place} llaqtapaq {qu} ruway, {families} ayllukunapaq."
    if ay and rng.random() < 0.12:
        titles["ay"] = f"{ay} luraña: {place}"
        descriptions["ay"] = f"{place} markataki {ay} luraña."
    if gn and rng.random() < 0.05:
        titles["gn"] = f"{gn} ñemopu'ã: {place}"
        descriptions["gn"] = f"{place} tëtapegua {gn}."
    return titles, descriptions


def _programs(
    conn: Connection, rng: random.Random, ctx: dict[str, Any], n: int, batch: int
) -> list[_Program]:
    from app.core.clock import local_today
    from app.programs.services import refresh_search_text, rolled_up_progress

    tables = _tables()
    now: datetime = ctx["now"]
    today = local_today(now)
    institutions = ctx["institutions"]
    departments = {d.id: d for d in ctx["departments"]}
    statuses = ctx["statuses"]
    plans = {p["id"]: p for p in ctx["plans"]}
    rows: list[dict[str, Any]] = []
    result: list[_Program] = []
    top_level: list[int] = []
    for program_id in range(1, n + 1):
        parent = None
        if program_id > 20 and top_level and rng.random() < 0.08:
            parent = rows[rng.choice(top_level) - 1]
        if parent is not None:
            institution = institutions[parent["institution_id"] - 1]
            department_id, municipality_id = parent["department_id"], parent["municipality_id"]
            plan_id = parent["plan_id"]
        else:
            institution = rng.choice(institutions)
            department_id = institution["department_id"]
            municipality_id = institution["municipality_id"]
            if department_id is None and rng.random() < 0.8:
                department_id = rng.choice(ctx["departments"]).id
            if municipality_id is None and department_id is not None and rng.random() < 0.7:
                municipality_id = rng.choice(ctx["by_department"][department_id]).id
            if department_id is not None and rng.random() < 0.75:
                plan_id = ctx["ptdi_by_department"][department_id]
            else:
                plan_id = rng.choice([1, 1, 1, len(plans) - 1, len(plans)])
        municipality = (
            next(m for m in ctx["by_department"][department_id] if m.id == municipality_id)
            if municipality_id is not None and department_id is not None
            else None
        )
        department_name = departments[department_id].name if department_id else None
        titles, descriptions = _program_text(rng, municipality, department_name, institution)

        # The designated program is in execution (and, below, open for comments).
        status = statuses[2] if program_id == 1 else rng.choices(statuses, STATUS_WEIGHTS)[0]
        if status["default_progress"] is not None:
            progress = status["default_progress"]
        else:
            progress = (
                rng.randint(10, 95) if status["key"] == "in_execution" else rng.randint(5, 80)
            )

        # The consultation window: open now, closed, not yet open, or without limits. The
        # designated program is open.
        kind = (
            "open"
            if program_id == 1
            else rng.choices(["open", "closed", "not_yet", "always"], [35, 45, 10, 10])[0]
        )
        if kind == "open":
            open_on = today - timedelta(days=rng.randint(20, 120))
            close_on = None if rng.random() < 0.1 else today + timedelta(days=rng.randint(1, 60))
        elif kind == "closed":
            close_on = today - timedelta(days=rng.randint(1, 700))
            open_on = close_on - timedelta(days=rng.randint(15, 90))
        elif kind == "not_yet":
            open_on = today + timedelta(days=rng.randint(1, 60))
            close_on = open_on + timedelta(days=rng.randint(15, 60))
        else:
            open_on = close_on = None
        if open_on is not None:
            created_at = at_utc(open_on) - timedelta(days=rng.uniform(1, 60))
        else:
            created_at = now - timedelta(days=rng.uniform(30, 1000))
        created_at = min(created_at, now - timedelta(days=1))
        start_date = (created_at + timedelta(days=rng.randint(0, 90))).date()
        code_prefix = plans[plan_id]["plan_type"].value
        place_code = departments[department_id].iso[3:] if department_id else "BO"
        row = {
            "id": program_id,
            "external_id": f"SISIN-{program_id:08d}",
            "plan_id": plan_id,
            "parent_id": parent["id"] if parent is not None else None,
            "code": f"{code_prefix}-{place_code}-{program_id:05d}",
            "titles": titles,
            "descriptions": descriptions,
            "institution_id": institution["id"],
            "department_id": department_id,
            "municipality_id": municipality_id,
            "budget_bob": Decimal(rng.randint(5_000_000, 5_000_000_000)) / 100,
            "start_date": start_date,
            "end_date": start_date + timedelta(days=rng.randint(120, 1100)),
            "status_id": status["id"],
            "progress": progress,
            "weight": rng.randint(1, 5),
            "comments_open_on": open_on,
            "comments_close_on": close_on,
            "comment_count": 0,
            "stance_for": 0,
            "stance_neutral": 0,
            "stance_against": 0,
            "created_at": created_at,
            "updated_at": between(rng, created_at, now),
        }
        item = SimpleNamespace(
            code=row["code"], titles=titles, descriptions=descriptions, search_text=""
        )
        refresh_search_text(item)  # type: ignore[arg-type]
        row["search_text"] = item.search_text
        rows.append(row)
        if parent is None:
            top_level.append(program_id)
        result.append(_Program(program_id, open_on, close_on, created_at))

    # A parent's progress is the weighted average of its sub-programs (services.rollup).
    children: dict[int, list[SimpleNamespace]] = {}
    for row in rows:
        if row["parent_id"] is not None:
            children.setdefault(row["parent_id"], []).append(
                SimpleNamespace(progress=row["progress"], weight=row["weight"])
            )
    for parent_id, kids in children.items():
        rows[parent_id - 1]["progress"] = rolled_up_progress(kids)  # type: ignore[arg-type]

    program_writer = Writer(conn, tables["programs"], batch)
    milestone_writer = Writer(conn, tables["milestones"], batch, before=[program_writer])
    for row in rows:
        program_writer.add(row)
        start = at_utc(row["start_date"])
        for title in rng.sample(MILESTONES, rng.randint(0, 4)):
            on = between(rng, start - timedelta(days=30), now).date()
            milestone_writer.add(
                {
                    "program_id": row["id"],
                    "on_date": on,
                    "titles": {"es": title},
                    "descriptions": {"es": "Según el informe de supervisión."}
                    if rng.random() < 0.5
                    else {},
                    "created_at": max(at_utc(on), row["created_at"]),
                }
            )
    milestone_writer.flush()

    follow_writer = Writer(conn, tables["program_follows"], batch)
    for user_id in ctx["user_ids"]:
        for program_id in rng.sample(range(1, n + 1), min(n, rng.randint(0, 6))):
            follow_writer.add(
                {
                    "program_id": program_id,
                    "user_id": user_id,
                    "created_at": between(rng, rows[program_id - 1]["created_at"], now),
                }
            )
    follow_writer.flush()
    ctx["rows_programs"] = program_writer.written + milestone_writer.written + follow_writer.written
    return result


def _comments(
    conn: Connection,
    rng: random.Random,
    ctx: dict[str, Any],
    programs: list[_Program],
    total: int,
    page_comments: int,
    batch: int,
    commit_every: int,
    out: Out,
) -> int:
    from app.comments.models import Stance
    from app.core.text import user_text_html

    tables = _tables()
    now: datetime = ctx["now"]
    users: list[int] = ctx["user_ids"]
    authors: list[int] = ctx["commenter_ids"]
    vote_cap = min(300, len(users) - 1)
    comment_writer = Writer(conn, tables["comments"], batch)
    vote_writer = Writer(conn, tables["comment_votes"], batch, before=[comment_writer])
    revision_writer = Writer(conn, tables["comment_revisions"], batch, before=[comment_writer])
    writers = [comment_writer, vote_writer, revision_writer]

    # Comments only where the consultation has opened; a heavy-tailed share per program.
    others = [
        p for p in programs[1:] if p.open_on is None or at_utc(p.open_on) < now - timedelta(hours=1)
    ]
    weights = [rng.lognormvariate(0, 1.3) for _ in others]
    plan = [
        (programs[0], page_comments),
        *zip(others, spread(total - page_comments, weights, rng), strict=True),
    ]
    stances = [Stance.FOR, Stance.NEUTRAL, Stance.AGAINST]
    next_id = 1
    done = 0
    last_report = 0
    since_commit = 0
    started = time.perf_counter()
    for program, count in plan:
        if count <= 0:
            continue
        window_start = max(
            at_utc(program.open_on) if program.open_on else program.created_at,
            program.created_at,
        )
        window_end = min(at_utc(program.close_on, 23) if program.close_on else now, now)
        stance_weights = [rng.uniform(1, 5), rng.uniform(0.5, 2), rng.uniform(1, 4)]
        shape = thread_shape(count, rng)
        top_times = sorted(between(rng, window_start, window_end) for d, _ in shape if d == 0)
        top_iter = iter(top_times)
        ids: list[int] = []
        roots: list[int] = []
        times: list[datetime] = []
        for depth, parent_index in shape:
            comment_id = next_id
            next_id += 1
            if parent_index is None:
                parent_id = None
                root_id = comment_id
                created_at = next(top_iter)
                stance = rng.choices(stances, stance_weights)[0]
            else:
                parent_id = ids[parent_index]
                root_id = roots[parent_index]
                created_at = min(
                    times[parent_index] + timedelta(seconds=rng.expovariate(1 / 21600)), window_end
                )
                created_at = max(created_at, times[parent_index])
                stance = None
            ids.append(comment_id)
            roots.append(root_id)
            times.append(created_at)
            author_id = rng.choice(authors)
            body = comment_body(rng)
            edited_at = deleted_at = None
            if rng.random() < 0.03:
                edited_at = created_at + timedelta(seconds=rng.uniform(30, 840))
            if rng.random() < 0.01:
                deleted_at = created_at + timedelta(hours=rng.uniform(0.1, 48))
            votes = vote_total(rng, depth == 0, vote_cap)
            comment_writer.add(
                {
                    "id": comment_id,
                    "program_id": program.id,
                    "parent_id": parent_id,
                    "root_id": root_id,
                    "depth": depth,
                    "author_id": author_id,
                    "body": body,
                    "body_html": user_text_html(body),
                    "stance": stance,
                    "vote_count": votes,
                    "created_at": created_at,
                    "edited_at": edited_at,
                    "deleted_at": deleted_at,
                    "hidden_at": None,
                    "hidden_by_id": None,
                }
            )
            # After the comment row: a writer flushes the comments before their votes.
            if edited_at is not None:
                revision_writer.add(
                    {
                        "comment_id": comment_id,
                        "body": body.split(". ")[0] + " (primera versión)",
                        "replaced_at": edited_at,
                    }
                )
            if votes:
                voters = rng.sample(users, votes + 1)
                if author_id in voters:
                    voters.remove(author_id)
                for voter in voters[:votes]:
                    vote_writer.add(
                        {
                            "comment_id": comment_id,
                            "user_id": voter,
                            "created_at": min(
                                created_at + timedelta(hours=rng.uniform(0, 72)), now
                            ),
                        }
                    )
            if deleted_at is None:
                program.comment_count += 1
                if stance is not None:
                    column = f"stance_{stance.value}"
                    setattr(program, column, getattr(program, column) + 1)
        done += count
        since_commit += count
        if since_commit >= commit_every:
            for writer in writers:
                writer.flush()
            conn.commit()
            since_commit = 0
        if done - last_report >= 100_000:
            last_report = done
            elapsed = time.perf_counter() - started
            out(f"    comments {done:,}/{total:,} ({elapsed:.0f} s, {done / elapsed:,.0f}/s)")
    for writer in writers:
        writer.flush()
    out(
        f"    comments {comment_writer.written:,}, votes {vote_writer.written:,}, "
        f"edit revisions {revision_writer.written:,}"
    )
    return comment_writer.written + vote_writer.written + revision_writer.written


def _counters(conn: Connection, programs: list[_Program]) -> None:
    table = _tables()["programs"]
    statement = (
        sql_update(table)
        .where(table.c.id == bindparam("pid"))
        .values(
            comment_count=bindparam("cc"),
            stance_for=bindparam("sf"),
            stance_neutral=bindparam("sn"),
            stance_against=bindparam("sa"),
        )
    )
    rows = [
        {
            "pid": p.id,
            "cc": p.comment_count,
            "sf": p.stance_for,
            "sn": p.stance_neutral,
            "sa": p.stance_against,
        }
        for p in programs
        if p.comment_count
    ]
    if rows:
        conn.execute(statement, rows)


def _fix_sequences(conn: Connection) -> None:
    """Explicit ids were inserted: move PostgreSQL's sequences past them."""
    for table in ("institutions", "users", "plans", "program_statuses", "programs", "comments"):
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - fixed names
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )


# --- consistency check (used by the smoke test and --check) ----------------------------------


def check(target: str | Path) -> list[str]:
    """Problems found in a generated database (an empty list when it is consistent)."""
    url = database_url(target)
    problems: list[str] = []
    queries = {
        "comment_count differs from the comments not deleted": """
            SELECT COUNT(*) FROM programs p WHERE p.comment_count <> (
              SELECT COUNT(*) FROM comments c
              WHERE c.program_id = p.id AND c.deleted_at IS NULL)""",
        "stance counters differ from the top-level comments": """
            SELECT COUNT(*) FROM programs p WHERE
              p.stance_for <> (SELECT COUNT(*) FROM comments c WHERE c.program_id = p.id
                AND c.parent_id IS NULL AND c.deleted_at IS NULL AND c.stance = 'for')
              OR p.stance_neutral <> (SELECT COUNT(*) FROM comments c WHERE c.program_id = p.id
                AND c.parent_id IS NULL AND c.deleted_at IS NULL AND c.stance = 'neutral')
              OR p.stance_against <> (SELECT COUNT(*) FROM comments c WHERE c.program_id = p.id
                AND c.parent_id IS NULL AND c.deleted_at IS NULL AND c.stance = 'against')""",
        "replies with a stance, or top-level comments without one": """
            SELECT COUNT(*) FROM comments WHERE (parent_id IS NULL AND stance IS NULL)
              OR (parent_id IS NOT NULL AND stance IS NOT NULL)""",
        "top-level comments whose root is not themselves, or depth not 0": """
            SELECT COUNT(*) FROM comments
            WHERE parent_id IS NULL AND (root_id <> id OR depth <> 0)""",
        "replies whose depth, root or program disagree with their parent": """
            SELECT COUNT(*) FROM comments c JOIN comments p ON p.id = c.parent_id
            WHERE c.depth <> p.depth + 1 OR c.root_id <> p.root_id OR c.program_id <> p.program_id
              OR c.depth > 2 OR c.created_at < p.created_at""",
        "vote_count differs from the comment_votes rows": """
            SELECT COUNT(*) FROM comments c WHERE c.vote_count <> (
              SELECT COUNT(*) FROM comment_votes v WHERE v.comment_id = c.id)""",
        "votes on one's own comment": """
            SELECT COUNT(*) FROM comment_votes v JOIN comments c ON c.id = v.comment_id
            WHERE v.user_id = c.author_id""",
    }
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            for message, query in queries.items():
                bad = conn.scalar(sql_text(query)) or 0
                if bad:
                    problems.append(f"{message}: {bad}")
    finally:
        engine.dispose()
    return problems


# --- command line ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument("--db", required=True, help="SQLite file path or PostgreSQL URL")
    parser.add_argument("--programs", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument(
        "--page-comments",
        type=int,
        default=1000,
        help="comments on the designated program (the first one)",
    )
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--institutions", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=10_000, help="rows per executemany")
    parser.add_argument(
        "--reset",
        action="store_true",
        help="replace an existing SQLite file / drop PostgreSQL's public schema",
    )
    parser.add_argument(
        "--analyze",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run ANALYZE at the end (default: yes; --no-analyze to see plans without statistics)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="check the counters and thread invariants afterwards (slow at scale)",
    )
    args = parser.parse_args(argv)

    def out(line: str) -> None:
        print(line, flush=True)

    try:
        generate(
            args.db,
            programs=args.programs,
            comments=args.comments,
            page_comments=args.page_comments,
            seed=args.seed,
            users=args.users,
            institutions=args.institutions,
            batch=args.batch,
            reset=args.reset,
            analyze=args.analyze,
            out=out,
        )
    except ValueError as error:
        parser.error(str(error))
    if args.check:
        started = time.perf_counter()
        problems = check(args.db)
        for problem in problems:
            print(f"INCONSISTENT: {problem}", file=sys.stderr)
        print(
            f"Consistency check: {'failed' if problems else 'ok'} "
            f"({time.perf_counter() - started:.1f} s)"
        )
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
