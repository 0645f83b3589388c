"""The test base's reusable worlds (tests/conftest.py: ``Worlds``): built once for the read-only
tests of a module, built again after a test that wrote, never seen by a test that did not ask.
One test plays a sequence of tests through the hooks that run around each test (the order of
tests in a file is not something to rely on)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.institutions.models import Institution
from tests import factories
from tests.conftest import Worlds, after_test, before_test


def test_a_world_is_reused_while_tests_only_read_it(app):
    builds: list[int] = []
    worlds = Worlds(app)

    def build() -> int:
        builds.append(1)
        with app.app_context():
            institution = factories.institution("Mundo Reutilizable", "MR")
            db.session.commit()
            return institution.id

    def alive(institution_id: int) -> bool:
        with app.app_context():
            return db.session.get(Institution, institution_id) is not None

    def institutions() -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(Institution)) or 0

    def a_test(asks: bool, body=None) -> None:  # type: ignore[no-untyped-def]
        before_test(app, asks)
        if asks:
            worlds.get("one", build, alive)
        if body:
            body()
        after_test(app)

    def write() -> None:
        with app.app_context():
            factories.institution("Otra", "OT")
            db.session.commit()

    a_test(True)
    assert len(builds) == 1 and institutions() == 1
    a_test(True, lambda: None)  # reads only: the world stays
    assert len(builds) == 1 and institutions() == 1
    a_test(True, write)  # wrote: swept after it
    assert len(builds) == 1 and institutions() == 0
    a_test(True)  # the next to ask builds it again
    assert len(builds) == 2 and institutions() == 1
    seen: list[int] = []
    a_test(False, lambda: seen.append(institutions()))  # did not ask: empty tables
    assert seen == [0]
    a_test(True)
    assert len(builds) == 3
    worlds.get("two", lambda: 0, lambda _: True)  # another world: the first one is swept
    assert institutions() == 0
    after_test(app)
    Worlds.present = None
