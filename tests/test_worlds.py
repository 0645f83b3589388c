"""The test base's reusable worlds (tests/conftest.py: ``Worlds``): built once for the read-only
tests of a module, built again after a test that wrote, never seen by a test that did not ask.
The tests run in file order (one file is one xdist group)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.institutions.models import Institution
from tests import factories

BUILDS: list[int] = []


def _world(app, worlds):  # type: ignore[no-untyped-def]
    def build() -> int:
        BUILDS.append(1)
        with app.app_context():
            institution = factories.institution("Mundo Reutilizable", "MR")
            db.session.commit()
            return institution.id

    def alive(institution_id: int) -> bool:
        with app.app_context():
            return db.session.get(Institution, institution_id) is not None

    return worlds.get("one", build, alive)


def _institutions(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Institution)) or 0


def test_1_the_first_test_builds_the_world(app, worlds):
    _world(app, worlds)
    assert len(BUILDS) == 1 and _institutions(app) == 1


def test_2_a_read_only_test_reuses_it(app, worlds):
    _world(app, worlds)
    assert len(BUILDS) == 1 and _institutions(app) == 1


def test_3_a_test_that_writes(app, worlds):
    _world(app, worlds)
    assert len(BUILDS) == 1
    with app.app_context():
        factories.institution("Otra", "OT")
        db.session.commit()
    assert _institutions(app) == 2


def test_4_after_a_write_the_world_is_built_again(app, worlds):
    _world(app, worlds)
    assert len(BUILDS) == 2 and _institutions(app) == 1


def test_5_a_test_that_does_not_ask_finds_empty_tables(app):
    assert _institutions(app) == 0


def test_6_and_the_next_to_ask_builds_it_again(app, worlds):
    _world(app, worlds)
    assert len(BUILDS) == 3 and _institutions(app) == 1
