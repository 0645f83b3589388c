"""SQLite with several gunicorn workers: a request that will write takes the write lock when its
transaction begins (BEGIN IMMEDIATE), so it waits its turn under the busy timeout instead of
failing with "database is locked" when it later tries to upgrade a read snapshot. Reads keep a
plain BEGIN and stay concurrent. The load run (``python -m bench.load``) found both failures:
POSTs, then the GET that hands out a fresh filing-form token."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests.conftest import make_config


@pytest.fixture
def sqlite_app(tmp_path: Path) -> tuple[Flask, Path]:
    path = tmp_path / "locking.db"
    application = create_app(make_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}"))
    with application.app_context(), db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    return application, path


def _other_writer_is_locked_out(application: Flask, path: Path, method: str, url: str) -> bool:
    """Opens a transaction inside a request like the app's session does, then asks whether a
    second process could take the write lock at that moment."""
    with (
        application.test_request_context(url, method=method),
        application.app_context(),
        db.engine.connect() as conn,
        conn.begin(),
    ):
        conn.execute(text("SELECT count(*) FROM t"))
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as error:
            assert "locked" in str(error)
            return True
        finally:
            other.close()


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", "/observations/new"),
        ("POST", "/login"),
        ("GET", "/observations/new"),
        ("GET", "/observations/drafts/1"),
        ("GET", "/verify/some-token"),
    ],
)
def test_writing_requests_take_the_write_lock_at_begin(sqlite_app, method, url):
    application, path = sqlite_app
    assert _other_writer_is_locked_out(application, path, method, url)


@pytest.mark.parametrize("url", ["/observations", "/programs", "/", "/accountability"])
def test_reading_requests_leave_the_write_lock_free(sqlite_app, url):
    application, path = sqlite_app
    assert not _other_writer_is_locked_out(application, path, "GET", url)


def test_outside_a_request_the_lock_is_taken_on_first_write(sqlite_app):
    application, path = sqlite_app
    with application.app_context(), db.engine.connect() as conn, conn.begin():
        conn.execute(text("SELECT count(*) FROM t"))
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        other.close()


def test_the_pool_keeps_the_planner_statistics_current(tmp_path, monkeypatch):
    """A connection back in the pool runs ``PRAGMA optimize`` (at most hourly; here always), so
    a table that grew and was queried gets the statistics that let SQLite choose its indexes
    (migration 0022 gathered the first ones)."""
    from sqlalchemy import create_engine

    from app.core import db as core_db

    monkeypatch.setattr(core_db, "SQLITE_OPTIMIZE_EVERY", 0.0)
    engine = create_engine(f"sqlite:///{tmp_path / 'grown.db'}")
    core_db.configure_sqlite(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER)")
        conn.exec_driver_sql("CREATE INDEX ix_t_k ON t (k)")
        conn.exec_driver_sql(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) "
            "INSERT INTO t (k) SELECT i % 10 FROM n"
        )
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t WHERE k = 3")).scalar() == 500
    with engine.connect() as conn:
        stats = conn.execute(text("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 't'")).all()
    engine.dispose()
    assert ("ix_t_k", "5000 500") in [tuple(row) for row in stats]


def test_an_autocommit_connection_keeps_what_it_writes(sqlite_app):
    """SQLAlchemy fires ``begin`` for AUTOCOMMIT connections too, and they never COMMIT: the
    explicit BEGIN must not be sent there, or their writes (the benches' ANALYZE) vanish when
    the connection closes."""
    application, path = sqlite_app
    with (
        application.app_context(),
        db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn,
    ):
        conn.execute(text("INSERT INTO t (x) VALUES (41)"))
        conn.exec_driver_sql("ANALYZE")
    other = sqlite3.connect(path)
    try:
        assert other.execute("SELECT x FROM t").fetchall() == [(41,)]
        assert other.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 't'").fetchall() == [("1",)]
    finally:
        other.close()


def test_every_connection_reads_the_database_file_memory_mapped(sqlite_app):
    """Pages come from the operating system's cache through the mapping, not copied into each
    connection's own small cache (search pages 10-15 % faster at national scale)."""
    from app.core.db import SQLITE_MMAP_SIZE

    application, _path = sqlite_app
    with application.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() == SQLITE_MMAP_SIZE
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
