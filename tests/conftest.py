"""Test fixtures. The schema is built once per session by running the Alembic migrations (never
``create_all``); after each test every table is emptied, so tests may commit like real requests do
(the outbox is written and delivered after commits, CLI commands commit)."""

from __future__ import annotations

import os
import re
import socket
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pytest
from flask import Flask, template_rendered
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, event, make_url, text

from app import create_app
from app.accounts.models import Role, User
from app.config import TestingConfig
from app.core.translate_cli import compile_catalogs
from app.extensions import db, limiter
from app.moderation.services import ensure_builtin_reasons

_TMP = Path(tempfile.mkdtemp(prefix="qhawaq-tests-"))
T = TypeVar("T")


def database_url() -> str:
    """SQLite in this process's temporary folder, or ``TEST_DATABASE_URL``; under pytest-xdist
    each worker gets a PostgreSQL database of its own (``<name>_gw0``…), made on first use."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{_TMP / 'test.db'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and url.startswith("postgresql"):
        return _worker_database(url, worker)
    return url


@cache
def _worker_database(url: str, worker: str) -> str:
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def make_config(**overrides: object) -> type[TestingConfig]:
    attrs = {
        "SQLALCHEMY_DATABASE_URI": database_url(),
        "INSTANCE_PATH": _TMP / "instance",
        "MAIL_FILE_DIR": str(_TMP / "mail"),
        "UPLOADS_DIR": str(_TMP / "uploads"),
        # The concurrency tests hold up to ~25 connections at once (one per thread).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 30},
        **overrides,
    }
    return type("Config", (TestingConfig,), attrs)


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """Under pytest-xdist, whole files go to one worker (module-scoped worlds are built once),
    and all of tests/browser/ to one worker, in name order: the audit (test_zz_audit.py) reads
    the pages the journeys before it recorded in that process."""
    from xdist.scheduler import LoadScopeScheduling

    class ByFile(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "tests/browser" if path.startswith("tests/browser/") else path

    return ByFile(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The ``concurrency`` tests are for PostgreSQL, where transactions really interleave; on
    SQLite every writer waits for the one write lock, so they are left out there (deselected,
    and said so), and CI runs them in its PostgreSQL leg."""
    if database_url().startswith("postgresql"):
        return
    left_out = [item for item in items if item.get_closest_marker("concurrency")]
    if left_out:
        items[:] = [item for item in items if not item.get_closest_marker("concurrency")]
        config.hook.pytest_deselected(items=left_out)


def _reset_postgres_schema(app: Flask) -> None:
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def app() -> Iterator[Flask]:
    compile_catalogs()
    application = create_app(make_config())
    if application.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        _reset_postgres_schema(application)
    from flask_migrate import upgrade

    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


#: Statements that change a database. Every engine in this process is watched (the session's,
#: and those tests build with ``make_config``); processes a test starts (gunicorn, the browser
#: tests' servers, the benchmarks) write to databases of their own.
_WRITE = re.compile(
    r"\s*(INSERT|UPDATE|DELETE|REPLACE|UPSERT|MERGE|CREATE|DROP|ALTER|TRUNCATE|WITH)\b", re.I
)


class _Writes:
    """Whether the current test committed a change: the sweep after it is needed only then. A
    write that is rolled back (a test that only flushes, a request that fails) leaves nothing
    behind, so it does not count; what a connection wrote counts when that connection commits."""

    seen = True  # the migrations and the first test start dirty
    #: Connections (their DBAPI connections) that wrote since their last commit or rollback.
    pending: set[int] = set()

    @classmethod
    def note(cls, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if _WRITE.match(statement):
            cls.pending.add(id(conn.connection.dbapi_connection))

    @classmethod
    def committed(cls, conn) -> None:  # type: ignore[no-untyped-def]
        if id(conn.connection.dbapi_connection) in cls.pending:
            cls.pending.discard(id(conn.connection.dbapi_connection))
            cls.seen = True

    @classmethod
    def rolled_back(cls, conn) -> None:  # type: ignore[no-untyped-def]
        cls.pending.discard(id(conn.connection.dbapi_connection))


event.listen(Engine, "before_cursor_execute", _Writes.note)
event.listen(Engine, "commit", _Writes.committed)
event.listen(Engine, "rollback", _Writes.rolled_back)


def _sweep(application: Flask) -> None:
    """Empty every table, then put back the reference rows the migrations install."""
    with application.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        ensure_builtin_reasons()
        db.session.commit()
        db.session.remove()
    _Writes.seen = False
    Worlds.present = None


def before_test(application: Flask, asks_for_worlds: bool) -> None:
    """Empty tables for a test that does not build on a kept world."""
    if Worlds.present is not None and not asks_for_worlds:
        _sweep(application)  # a kept world is in the tables; this test expects them empty
    limiter.reset()


def after_test(application: Flask) -> None:
    """The sweep, only when the test wrote: a test that only read leaves the tables as they
    were (a kept world stays for the next test that asks for it)."""
    limiter.reset()
    if _Writes.seen:
        _sweep(application)


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    if "app" not in request.fixturenames:
        yield
        return
    application: Flask = request.getfixturevalue("app")
    before_test(application, "worlds" in request.fixturenames)
    yield
    after_test(application)


class Worlds:
    """Worlds built once per module and reused while they survive: a read-only test leaves the
    tables as they are (no sweep after it), so the next test asking for the same world finds it;
    after a test that writes, the sweep empties the tables and the next test to ask builds the
    world again. A test that does not ask for it, or asks for another world, gets empty tables
    first. ``alive`` says whether a kept world is still in the database."""

    #: The name of the world now in the tables (None: only what the sweep leaves).
    present: str | None = None

    def __init__(self, application: Flask) -> None:
        self.app = application
        self._kept: dict[str, object] = {}

    def get(self, name: str, build: Callable[[], T], alive: Callable[[T], bool]) -> T:
        if Worlds.present not in (None, name):
            _sweep(self.app)
        world = self._kept.get(name) if Worlds.present == name else None
        if world is None or not alive(world):  # type: ignore[arg-type]
            if Worlds.present is not None:
                _sweep(self.app)
            world = build()
            self._kept[name] = world
        # What the build (or the check) wrote is the world itself: no sweep for that.
        _Writes.seen = False
        Worlds.present = name
        return world  # type: ignore[return-value]


@pytest.fixture(scope="module")
def worlds(app: Flask) -> Iterator[Worlds]:
    """Per-module store of reusable worlds (see :class:`Worlds`)."""
    yield Worlds(app)
    if Worlds.present is not None:
        _sweep(app)  # the next module starts from empty tables


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser that asks for English pages, so assertions can quote the source strings.
    The i18n tests set their own Accept-Language."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return test_client


PASSWORD = "correct horse battery"


@pytest.fixture
def make_user(app: Flask):
    """Create a committed user: ``make_user(role=Role.ADMIN, email=...)``."""
    from app.accounts import services

    counter = {"n": 0}

    def factory(
        role: Role = Role.CITIZEN,
        email: str | None = None,
        password: str = PASSWORD,
        verified: bool = True,
        language: str = "en",
        institution=None,
        display_name: str | None = None,
    ) -> User:
        counter["n"] += 1
        with app.app_context():
            user = services.create_user(
                email=email or f"user{counter['n']}@example.org",
                password=password,
                display_name=display_name or f"User {counter['n']}",
                role=role,
                language=language,
                verified=verified,
                institution=db.session.merge(institution) if institution else None,
            )
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return factory


@pytest.fixture
def make_institution(app: Flask):
    from app.institutions.models import Institution, InstitutionKind

    def factory(name: str = "Gobierno Autónomo Municipal de Prueba", **kwargs: object):
        with app.app_context():
            institution = Institution(
                names={"es": name},
                kind=kwargs.pop("kind", InstitutionKind.MUNICIPAL_GOVERNMENT),
                **kwargs,
            )
            db.session.add(institution)
            db.session.commit()
            db.session.refresh(institution)
            db.session.expunge(institution)
            return institution

    return factory


def logged_in(app: Flask, email: str | None, password: str = PASSWORD) -> FlaskClient:
    """The one login helper: a new browser (English pages) logged in as ``email``, or a
    visitor when ``email`` is None."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if email is not None:
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, (email, response.get_data(as_text=True)[:500])
    return client


class Auth:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, email: str, password: str = PASSWORD, follow: bool = False):
        return self.client.post(
            "/login", data={"email": email, "password": password}, follow_redirects=follow
        )

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


@pytest.fixture
def outbox(app: Flask):
    """Returns a function listing the outbox rows (committed mail)."""
    from sqlalchemy import select

    from app.mail.models import OutboxMessage

    def read(kind: str | None = None) -> list[OutboxMessage]:
        with app.app_context():
            query = select(OutboxMessage).order_by(OutboxMessage.id)
            if kind:
                query = query.where(OutboxMessage.kind == kind)
            rows = list(db.session.scalars(query))
            for row in rows:
                db.session.expunge(row)
            return rows

    return read


def link_from(body: str, path_prefix: str) -> str:
    """The first link in a mail body whose path starts with ``path_prefix``, as a local path."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"\S*)", body)
    assert match, f"no link to {path_prefix} in mail:\n{body}"
    return match.group(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def rendered(app: Flask) -> Iterator[list[dict[str, Any]]]:
    """The context of every template rendered inside the block."""
    contexts: list[dict[str, Any]] = []

    def record(sender: Flask, template: Any, context: dict[str, Any], **extra: Any) -> None:
        contexts.append(context)

    template_rendered.connect(record, app)
    try:
        yield contexts
    finally:
        template_rendered.disconnect(record, app)


@contextmanager
def count_queries(app: Flask) -> Iterator[list[str]]:
    """Collect the SQL statements run inside the block."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def count(app: Flask, model, *where) -> int:
    """Rows of ``model`` (matching ``where``), read in a fresh app context."""
    from sqlalchemy import func, select

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def fetch(app: Flask, model, object_id: int):
    """One row, detached so a test can read it after the context ends."""
    with app.app_context():
        found = db.session.get(model, object_id)
        if found is not None:
            db.session.expunge(found)
        return found
