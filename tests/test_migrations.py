"""The migrations build the schema from nothing and take it all down again, on SQLite and (when
TEST_DATABASE_URL names it) PostgreSQL, and the models match what the migrations build."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from app import create_app
from app.extensions import db
from tests.conftest import make_config

PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def targets(tmp_path) -> list[str]:
    urls = [f"sqlite:///{tmp_path / 'migrations.db'}"]
    if PG_URL.startswith("postgresql"):
        # A schema of its own so the suite's tables are untouched.
        urls.append(
            PG_URL + ("&" if "?" in PG_URL else "?") + "options=-csearch_path%3Dmigration_check"
        )
    return urls


@pytest.fixture
def fresh_app(tmp_path):
    created = []

    def build(url: str):
        if url.startswith("postgresql"):
            engine = create_engine(PG_URL)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
                conn.execute(text("CREATE SCHEMA migration_check"))
            engine.dispose()
        application = create_app(make_config(SQLALCHEMY_DATABASE_URI=url))
        created.append(application)
        return application

    yield build
    for application in created:
        with application.app_context():
            db.engine.dispose()
    if PG_URL.startswith("postgresql"):
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        engine.dispose()


def test_upgrade_and_downgrade_on_empty_database(tmp_path, fresh_app):
    for url in targets(tmp_path):
        application = fresh_app(url)
        with application.app_context():
            upgrade()
            tables = set(inspect(db.engine).get_table_names())
            assert {
                "users",
                "institutions",
                "departments",
                "municipalities",
                "outbox_messages",
            } <= tables
            with db.engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
            assert diff == [], f"models and migrations differ on {url.split(':')[0]}: {diff}"
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()  # and back up again
            assert "users" in inspect(db.engine).get_table_names()
