"""The public pages named in issue 21 run the same number of SQL statements whatever the amount of
data: each page is measured on a world of one size, the world is grown to three times that, and
the page is measured again (after a warm-up request each time, so the session's user and the
translations are loaded alike). One world is built and grown for the whole module."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.accounts import services as accounts
from app.accounts.models import User
from app.comments import services as comments
from app.comments.models import Stance
from app.core.db import utcnow
from app.extensions import db
from app.moderation import flags
from app.moderation.models import FlagReason, TargetType
from app.observations.models import Observation, ObservationEvent
from app.programs.models import Program
from tests import factories
from tests.conftest import PASSWORD, count_queries, logged_in

VIEWER = "page-viewer@example.org"

#: (label, path template, logged in). ``{program}``, ``{code}``, ``{institution}`` are filled
#: from the world.
PAGES = [
    ("programs", "/programs", False),
    ("programs filtered", "/programs?department=BO-H&status=in_execution", False),
    ("programs searched", "/programs?q=agua", False),
    ("programs searched and filtered", "/programs?q=agua+potable&department=BO-H&open=y", False),
    ("programs, logged in", "/programs", True),
    ("program, newest", "/programs/{program}", False),
    ("program, oldest", "/programs/{program}?order=oldest", False),
    ("program, most supported", "/programs/{program}?order=most_voted", False),
    ("program, page 2", "/programs/{program}?page=2", False),
    ("program, logged in", "/programs/{program}", True),
    ("program, logged in, oldest", "/programs/{program}?order=oldest", True),
    ("program, logged in, most supported", "/programs/{program}?order=most_voted", True),
    ("observations", "/observations", False),
    ("observations of the program", "/observations?program={program}", False),
    ("observation", "/observations/{code}", False),
    ("observation, logged in", "/observations/{code}", True),
    ("accountability", "/accountability", False),
    ("institution", "/institutions/{institution}", False),
]


def _grow(ids: dict[str, int], units: int) -> None:
    """Add ``units`` more of everything: programs, top-level comments with replies (some
    supported and reported by the viewer), observations about the program, and events on the
    measured observation."""
    program = db.session.get(Program, ids["program"])
    assert program is not None
    viewer = db.session.get(User, ids["viewer"])
    assert viewer is not None
    start = ids.setdefault("grown", 0)
    for n in range(start, start + units):
        # New authors, institutions, plans and statuses each time: a page that loaded them one
        # row at a time would run more statements (the same rows would come from the session).
        author = factories.user(f"page-author{n}@example.org", email_verified_at=utcnow())
        institution = factories.institution(f"Institución {n}", f"I{n}")
        plan = factories.plan(institution)
        unit_status = factories.status(f"unit{n}")
        for k in range(4):
            factories.program(
                code=f"X-{n}-{k}",
                plan=plan,
                institution=institution,
                status=program.status if k % 2 else unit_status,
                department=program.department,
            )
        for k in range(12):
            top = comments.add_comment(author, program, f"Comentario {n}-{k}", Stance.FOR)
            reply = comments.add_comment(viewer, program, "Respuesta", parent=top)
            comments.add_comment(author, program, "Más", parent=reply)
            if k % 2:
                comments.vote(viewer, top)
            if k % 3 == 0:
                flags.report(viewer, TargetType.COMMENT, top, FlagReason.SPAM, "")
        for _k in range(3):
            factories.observation(
                author,
                state="accepted",
                program=program,
                institution=institution,
                department=program.department,
            )
        observation = db.session.get(Observation, ids["observation"])
        assert observation is not None
        for k in range(3):
            db.session.add(
                ObservationEvent(
                    observation_id=observation.id,
                    action="acknowledge",
                    from_state="accepted",
                    to_state="accepted",
                    actor_role="institution",
                    institution_id=observation.institution_id,
                    note=f"Nota {n}-{k}",
                    created_at=utcnow() + timedelta(seconds=k),
                )
            )
    ids["grown"] = start + units
    db.session.commit()


def _build() -> dict[str, int]:
    viewer = accounts.create_user(email=VIEWER, password=PASSWORD, display_name="Viewer")
    status = factories.status()
    department = factories.department()
    program = factories.program(code="MAIN", status=status, department=department)
    observation = factories.observation(
        viewer,
        state="accepted",
        program=program,
        institution=program.institution,
        department=department,
    )
    db.session.commit()
    return {
        "viewer": viewer.id,
        "program": program.id,
        "observation": observation.id,
        "institution": program.institution_id,
    }


def _measure(app: Flask, ids: dict[str, int]) -> dict[str, int]:
    with app.app_context():
        code = db.session.get(Observation, ids["observation"]).code  # type: ignore[union-attr]
    clients: dict[bool, FlaskClient] = {False: logged_in(app, None), True: logged_in(app, VIEWER)}
    counts = {}
    for label, template, logged in PAGES:
        path = template.format(program=ids["program"], code=code, institution=ids["institution"])
        client = clients[logged]
        assert client.get(path).status_code == 200, path  # warm-up
        with count_queries(app) as statements:
            assert client.get(path).status_code == 200, path
        counts[label] = len(statements)
    return counts


@pytest.fixture(scope="module")
def measured(app: Flask) -> dict[str, tuple[int, int]]:
    """Each page's statements on the small world and on the world three times as big."""
    with app.app_context():
        ids = _build()
        _grow(ids, 1)
    small = _measure(app, ids)
    with app.app_context():
        _grow(ids, 2)
        assert db.session.query(Program).count() == 13  # 1 + 3 * 4
    big = _measure(app, ids)
    return {label: (small[label], big[label]) for label in small}


@pytest.mark.parametrize("label", [label for label, _path, _logged in PAGES])
def test_page_queries_do_not_grow_with_the_data(measured, label):
    small, big = measured[label]
    assert small == big, f"{label}: {small} statements, then {big} with three times the data"


def test_program_page_facts_come_in_one_query(measured):
    """Built whole (the tests keep no shared parts): the program and the follow in one
    statement; its plan, institution, status, territory and parent in one more when the shared
    part is built; then the comments (count, page, thread), the milestones, the observations
    (page and count), the sub-programs and the figures. Signed in: the session's user, the
    viewer's votes and reports on the page (one statement) and the unread notifications."""
    anonymous, _ = measured["program, newest"]
    logged, _ = measured["program, logged in"]
    assert anonymous <= 13, anonymous
    assert logged - anonymous <= 3, (anonymous, logged)
