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
from app.search import schema as search_schema
from tests.conftest import database_url, make_config

PG_URL = database_url() if os.environ.get("TEST_DATABASE_URL") else ""


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
                context = MigrationContext.configure(
                    conn, opts={"include_object": search_schema.include_object}
                )
                diff = compare_metadata(context, db.metadata)
            assert diff == [], f"models and migrations differ on {url.split(':')[0]}: {diff}"
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()  # and back up again
            assert "users" in inspect(db.engine).get_table_names()


#: Columns later migrations added to tables a test fills at an older revision.
ADDED_LATER = {
    "users": {
        "failed_logins",  # 0012
        "failed_logins_since",
        "deletion_requested_at",  # 0015
        "deletion_due_at",
        "keep_comments_public",
        "is_deleted_placeholder",
        "identity_verified_at",  # 0016
        "show_verified_publicly",
    },
    "observations": {  # 0011, 0015, 0016
        "version",
        "assignee_id",
        "group_id",
        "show_member_name",
        "hide_group",
    },
}


def as_before(table):  # type: ignore[no-untyped-def]
    """The model table without the columns added after 0008 (with the models' defaults), to
    insert rows into a database migrated only that far."""
    from sqlalchemy import MetaData, Table

    later = ADDED_LATER.get(table.name, set())
    return Table(
        table.name,
        MetaData(),
        *[c._copy() for c in table.columns if c.name not in later],
    )


def test_the_tallies_migration_counts_existing_observations(tmp_path, fresh_app):
    """Observations filed before 0009 are in the tallies after it, counted as the app counts
    them (La Paz months, hidden apart, answers on time, the working-days histogram). Rows go in
    with Core inserts of the model tables: 0009 changes neither of those tables."""
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from app.accountability import tallies
    from app.accountability.models import ObservationFigures
    from app.accounts.models import User
    from app.institutions.models import Institution
    from app.observations.models import Observation

    filed = datetime(2026, 3, 1, 2, 30, tzinfo=UTC)  # 28 February, 22:30 in La Paz
    counted_sql = text(
        "SELECT month, institution_id, state, hidden, observations, answered, "
        "answered_on_time, rated, satisfaction_sum FROM observation_tallies"
    )
    for url in targets(tmp_path):
        application = fresh_app(url)
        with application.app_context():
            upgrade(revision="0008_accountability")
            with db.engine.begin() as conn:
                conn.execute(
                    insert(as_before(User.__table__)),
                    {"id": 1, "email": "f@example.org", "password_hash": "x", "display_name": "F"},
                )
                conn.execute(
                    insert(Institution.__table__),
                    {"id": 1, "names": {"es": "M"}, "acronym": "M", "kind": "municipal_government"},
                )
                for n, (state, hidden, answered) in enumerate(
                    [
                        ("resolved", False, True),
                        ("answered", False, True),
                        ("answered", True, True),
                        ("accepted", False, False),
                        ("draft", False, False),
                    ],
                    start=1,
                ):
                    conn.execute(
                        insert(as_before(Observation.__table__)),
                        {
                            "id": n,
                            "code": f"CS-2026-{n:05d}",
                            "filer_id": 1,
                            "identity": "public",
                            "institution_id": 1,
                            "title": "t",
                            "description": "d",
                            "state": state,
                            "submitted_at": None if state == "draft" else filed,
                            "hidden_at": filed if hidden else None,
                            "first_answer_at": filed if answered else None,
                            "satisfaction": 4 if state == "resolved" else None,
                        },
                    )
                    if answered:
                        conn.execute(
                            insert(ObservationFigures.__table__),
                            {
                                "observation_id": n,
                                "answer_working_days": 3 * n,
                                "answered_on_time": n == 1,
                            },
                        )
            upgrade()
            with db.engine.connect() as conn:
                counted = sorted(tuple(r) for r in conn.execute(counted_sql))
                days = sorted(
                    tuple(r)
                    for r in conn.execute(
                        text(
                            "SELECT month, institution_id, working_days, observations "
                            "FROM answer_days_tallies"
                        )
                    )
                )
            assert counted == [
                (202602, 1, "accepted", False, 1, 0, 0, 0, 0),
                (202602, 1, "answered", False, 1, 1, 0, 0, 0),
                (202602, 1, "answered", True, 1, 1, 0, 0, 0),
                (202602, 1, "resolved", False, 1, 1, 1, 1, 4),
            ], url.split(":")[0]
            # The hidden answer is not in the public histogram.
            assert days == [(202602, 1, 3, 1), (202602, 1, 6, 1)]
            with db.engine.begin() as conn:
                tallies.rebuild(conn)
                rebuilt = sorted(tuple(r) for r in conn.execute(counted_sql))
            assert rebuilt == counted, "the migration and the app count differently"
