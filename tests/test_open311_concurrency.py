"""Open311 filings arriving together (PostgreSQL): each gets its own tracking code and token, a
new person's account is created once however many of their filings race, and the per-key limit
lets exactly its number through."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from app.observations.models import Observation
from app.open311.models import Open311Filing
from tests.concurrency import run_together
from tests.conftest import count
from tests.test_open311_write import POST, filing, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.concurrency

THREADS = 6


def test_filings_at_once_get_distinct_codes_and_one_new_account(app, world):  # noqa: F811
    clients = [app.test_client() for _n in range(THREADS)]
    replies = run_together(app, THREADS, lambda i: clients[i].post(POST, data=filing(world)))
    assert [r.status_code for r in replies] == [201] * THREADS, [r.json for r in replies]
    assert len({r.json[0]["token"] for r in replies}) == THREADS
    with app.app_context():
        codes = db.session.scalars(select(Observation.code)).all()
        assert len(codes) == len(set(codes)) == THREADS
        people = db.session.scalar(
            select(func.count(User.id)).where(User.email == "persona.nueva@example.org")
        )
        assert people == 1
    assert count(app, Open311Filing) == THREADS


def test_the_key_limit_lets_exactly_its_number_through(app, world):  # noqa: F811
    app.config["OPEN311_LIMIT_PER_KEY"] = "4 per minute"
    try:
        clients = [app.test_client() for _n in range(THREADS)]
        replies = run_together(
            app,
            THREADS,
            lambda i: clients[i].post(POST, data=filing(world, email=f"p{i}@example.org")),
        )
    finally:
        app.config["OPEN311_LIMIT_PER_KEY"] = "10000 per minute"
    statuses = sorted(r.status_code for r in replies)
    assert statuses == [201] * 4 + [429] * (THREADS - 4)
    assert count(app, Observation) == count(app, Open311Filing) == 4
