"""How to probe one route as each of the six roles (see EXPECTED in test_authorization.py)."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import text

from app.extensions import db, limiter
from tests.security.world import ROLES, World, build

CONVERTER = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


def path_for(rule: str, params: dict[str, object]) -> str:
    """``/programs/<int:program_id>`` → ``/programs/12`` with the world's objects; an
    ``any(a, b)`` converter takes its first value."""

    def value(match: re.Match) -> str:
        converter, arguments, name = match.groups()
        if converter == "any":
            return arguments.split(",")[0].strip().strip("'\"")
        return str(params[name])

    return CONVERTER.sub(value, rule)


def empty_database(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
    limiter.reset()


def observe(
    app: Flask, rule: str, method: str, expected: tuple[int, ...] | None = None
) -> tuple[int, ...]:
    """The status each role gets. GETs share one world. A POST gets a fresh world after any
    role that may have changed it (one the expectation lets in; every role when there is no
    expectation yet), so what one role's POST did does not decide the next role's answer.
    POSTs carry no data: the probe is about who gets in, not about valid submissions."""
    statuses: list[int] = []
    world: World | None = None
    dirty = True
    for n, role in enumerate(ROLES):
        if world is None or (method == "POST" and dirty):
            empty_database(app)
            world = build(app)
        client = world.client(app, role)
        path = path_for(rule, world.params)
        response = client.open(path, method=method, data={} if method == "POST" else None)
        statuses.append(response.status_code)
        response.close()
        let_in = role != "anonymous" and response.status_code not in (403, 404)
        dirty = expected is None or let_in or statuses[n] != expected[n]
    return tuple(statuses)


def row_count(app: Flask) -> dict[str, int]:
    with app.app_context(), db.engine.connect() as conn:
        return {
            table.name: conn.scalar(text(f"SELECT count(*) FROM {table.name}"))  # noqa: S608
            for table in db.metadata.sorted_tables
        }


def snapshot(app: Flask) -> dict[str, list[tuple]]:
    """Every row of every table (the world is small), to prove a refused POST wrote nothing."""
    with app.app_context(), db.engine.connect() as conn:
        return {
            table.name: sorted(map(tuple, conn.execute(table.select()).all()), key=repr)
            for table in db.metadata.sorted_tables
        }
