"""The living home page (issue 19): this year's figures equal the accountability overview's for
the same months, the latest answers are public ones only, the consultations closing soon leave
out closed and not-yet-open ones, the department picker, and a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from app.accountability.models import ObservationFigures
from app.core.clock import local_midnight, local_today
from app.extensions import db
from app.observations.models import IdentityLevel, Observation, ObservationState
from app.programs.models import Program
from tests import factories
from tests.conftest import count_queries, rendered

S = ObservationState


def _this_year(minutes: int) -> datetime:
    """A moment this year (La Paz), in the past: ``minutes`` after New Year's midnight."""
    return local_midnight(date(local_today().year, 1, 1)) + timedelta(minutes=minutes)


def _row(filer, inst, n: int, state: S, *, answered: int | None = None, hidden=False, due=None):
    """An observation written with the columns the figures read; ``answered``: minutes after
    filing of the first answer (on time)."""
    submitted = _this_year(n * 10)
    observation = Observation(
        filer=filer,
        institution=inst,
        category=factories.category(),
        department=factories.department(),
        title=f"Observación {n}",
        description="d",
        identity=IdentityLevel.PUBLIC,
        state=state,
        submitted_at=submitted,
        accepted_at=submitted if state not in (S.SUBMITTED, S.REJECTED) else None,
        due_date=due,
        first_answer_at=submitted + timedelta(minutes=answered) if answered is not None else None,
        hidden_at=submitted if hidden else None,
    )
    db.session.add(observation)
    db.session.flush()
    observation.code = f"CS-2026-{observation.id:05d}"
    if answered is not None:
        db.session.add(
            ObservationFigures(
                observation_id=observation.id, answer_working_days=2, answered_on_time=n % 3 != 0
            )
        )
    db.session.flush()
    return observation


@dataclass
class World:
    codes: dict[str, str]
    programs: dict[str, int]


def build(app: Flask) -> World:
    with app.app_context():
        for iso, name in (("BO-H", "Chuquisaca"), ("BO-L", "La Paz"), ("BO-S", "Santa Cruz")):
            factories.department(iso, name)
        filer = factories.user("filer.home@example.org")
        a = factories.institution("Municipio A", "MA")
        b = factories.institution("Municipio B", "MB")
        yesterday = local_today() - timedelta(days=1)
        codes = {}
        # Seven public answered ones (the newest five are listed), answered in this order.
        for n in range(1, 8):
            codes[f"answered{n}"] = _row(filer, a if n % 2 else b, n, S.ANSWERED, answered=n).code
        codes["resolved"] = _row(filer, b, 8, S.RESOLVED, answered=1).code
        # Answered, but not public: hidden by moderation; and rejected after an answer.
        codes["hidden"] = _row(filer, a, 20, S.ANSWERED, answered=500, hidden=True).code
        codes["rejected"] = _row(filer, a, 21, S.REJECTED, answered=600).code
        codes["overdue"] = _row(filer, a, 22, S.ACKNOWLEDGED, due=yesterday).code
        _row(filer, b, 23, S.ACCEPTED, due=local_today() + timedelta(days=9))
        _row(filer, b, 24, S.SUBMITTED)
        today = local_today()
        plan = factories.plan(a)
        programs = {}
        for key, open_on, close_on in (
            ("tomorrow", today - timedelta(days=5), today + timedelta(days=1)),
            ("today", None, today),
            ("next_week", today - timedelta(days=1), today + timedelta(days=7)),
            ("closed", today - timedelta(days=20), yesterday),
            ("not_yet", today + timedelta(days=1), today + timedelta(days=3)),
            ("no_end", today - timedelta(days=1), None),
        ):
            programs[key] = factories.program(
                titles={"es": f"Consulta {key}"},
                code=key,
                plan=plan,
                open_on=open_on,
                close_on=close_on,
            ).id
        db.session.commit()
        return World(codes, programs)


def _alive(app: Flask, world: World) -> bool:
    with app.app_context():
        return db.session.get(Program, world.programs["today"]) is not None


@pytest.fixture
def world(app, worlds) -> World:
    return worlds.get("home", lambda: build(app), lambda w: _alive(app, w))


def _home(app: Flask, client) -> tuple[str, dict[str, Any]]:
    with rendered(app) as contexts:
        response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True), contexts[0]


def test_figures_equal_the_overview_for_the_same_year(app, client, world):
    html, home = _home(app, client)
    year = home["year"]
    today = local_today()
    assert (year.start, year.end) == (date(today.year, 1, 1), today.replace(day=1))
    with rendered(app) as contexts:
        query = f"?start={year.start:%Y-%m}&end={year.end:%Y-%m}"
        assert client.get(f"/accountability{query}").status_code == 200
    overview = contexts[0]["figures"]
    assert home["figures"].counts == overview.counts
    counts = home["figures"].counts
    # By hand: 13 filed; 8 answered in public (the hidden and rejected ones do not count);
    # one waiting past its due date.
    assert (counts.received, counts.answered, counts.overdue) == (13, 8, 1)
    # On time: those whose number is not a multiple of 3 (n = 1, 2, 4, 5, 7, 8) of the 9 whose
    # deadline was put to the test (8 answered and the overdue one).
    assert (counts.answered_on_time, counts.due) == (6, 9)
    assert ">13</span>" in html and ">8</span>" in html and "67%" in html and "6 of 9" in html
    # Each figure links to the observations behind it, for the same months.
    assert f"figure=overdue&amp;start={year.start:%Y-%m}&amp;end={year.end:%Y-%m}" in html


def test_latest_answered_are_public_and_newest_first(app, client, world):
    html, home = _home(app, client)
    codes = world.codes
    listed = [o.code for o in home["answered"]]
    # Filed every 10 minutes and answered n minutes after; the resolved one (filed at 80
    # minutes, answered a minute later) has the newest answer. A later state keeps it listed.
    assert listed == [codes["resolved"], *(codes[f"answered{n}"] for n in (7, 6, 5, 4))]
    for key in ("hidden", "rejected"):
        assert codes[key] not in html
    assert "Observación 7" in html and "Municipio A" in html


def test_consultations_closing_soon(app, client, world):
    html, home = _home(app, client)
    ids = world.programs
    assert [p.id for p in home["closing"]] == [ids["today"], ids["tomorrow"], ids["next_week"]]
    assert "closes today" in html
    for key in ("closed", "not_yet", "no_end"):
        assert f"Consulta {key}" not in html


def test_department_picker_and_links(app, client, world):
    html, _home_context = _home(app, client)
    assert 'action="/territories"' in html and '<option value="BO-L">La Paz</option>' in html
    for iso in ("BO-H", "BO-L", "BO-S"):
        assert f'href="/territories/{iso}"' in html  # works without the form
    response = client.get("/territories?department=BO-L")
    assert response.status_code == 302 and response.location.endswith("/territories/BO-L")
    assert client.get("/territories?department=%20bo-s").location.endswith("/territories/BO-S")
    empty = client.get("/territories?department=")
    assert empty.status_code == 302 and empty.location.endswith("/#departments")
    assert client.get("/territories").status_code == 302
    for bad in ("BO-X", "x" * 300, "BO-L'--", "%00", "010101"):
        assert client.get("/territories", query_string={"department": bad}).status_code == 404


def test_empty_site_home_page(app, client):
    html = client.get("/").get_data(as_text=True)
    assert "No observation has been answered yet." in html
    assert "No consultation is open with a closing date right now." in html
    assert "File an observation" in html and "Browse programs" in html


def test_home_page_runs_a_fixed_number_of_queries(app, client, world):
    def queries() -> int:
        with count_queries(app) as statements:
            assert client.get("/").status_code == 200
        return len(statements)

    before = queries()
    assert before <= 8
    with app.app_context():
        filer = factories.user("filer.home@example.org")
        inst = factories.institution("Municipio C", "MC")
        plan = factories.plan(inst)
        for n in range(40):
            _row(filer, inst, 100 + n, S.ANSWERED, answered=n)
            factories.program(code=f"X{n}", plan=plan, close_on=local_today() + timedelta(days=n))
        db.session.commit()
    assert queries() == before
