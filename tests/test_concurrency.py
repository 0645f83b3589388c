"""Derived figures, counters, transitions, duplicates and tracking codes stay exact when many
people act at the same moment. Each test releases real threads (own app context, own session,
own connection) together on a barrier; on PostgreSQL their transactions really interleave. These
run in the PostgreSQL leg of CI (they are deselected on SQLite, where writers queue one at a
time and the races cannot happen)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from app.accountability import tallies
from app.accounts.models import Role, User
from app.comments.models import Comment, CommentVote, Stance
from app.core.db import utcnow
from app.extensions import db
from app.moderation.models import Flag
from app.observations import codes, lifecycle
from app.observations import services as observation_services
from app.observations.actions import TransitionData
from app.observations.models import Observation, ObservationEvent, ObservationFollow
from app.programs.models import Program, ProgramFollow
from tests import factories
from tests.concurrency import run_together
from tests.conftest import logged_in
from tests.test_accountability_tallies import _snapshot

pytestmark = pytest.mark.concurrency


def _clients(app, make_user, prefix: str, n: int, **kwargs):
    emails = [f"{prefix}{i}@example.org" for i in range(n)]
    for email in emails:
        make_user(email=email, **kwargs)
    return [logged_in(app, email) for email in emails]


# --- accountability tallies -------------------------------------------------------------------


def test_responders_answering_at_once_leave_tallies_equal_to_a_recount(
    app, make_user, make_institution
):
    """Eight responders of one institution each answer one observation filed the same month."""
    n = 8
    gams = make_institution("Gobierno Autónomo Municipal de Sucre", acronym="GAMS")
    responders = _clients(app, make_user, "resp", n, role=Role.RESPONDER, institution=gams)
    make_user(email="filer@example.org")
    with app.app_context():
        filer = db.session.scalar(select(User).where(User.email == "filer@example.org"))
        institution = db.session.get(type(gams), gams.id)
        found = [
            factories.observation(filer, state="accepted", institution=institution)
            for _ in range(n)
        ]
        db.session.commit()
        found = [o.code for o in found]

    def answer(i: int) -> int:
        return (
            responders[i]
            .post(
                f"/observations/{found[i]}/act/answer",
                data={"answer-note": f"Respuesta {i}.", "answer-outcome": "information_provided"},
            )
            .status_code
        )

    assert run_together(app, n, answer) == [302] * n
    with app.app_context():
        kept = _snapshot()
        tallies.rebuild(db.session.connection())
        assert _snapshot() == kept
        answered = [row for row in kept[0] if row[2] == "answered"]
        assert sum(row[4] for row in answered) == n
        assert not [row for row in kept[0] if row[2] == "accepted"]
        db.session.rollback()


# --- counters ---------------------------------------------------------------------------------


@pytest.fixture
def open_program(app):
    with app.app_context():
        program = factories.program()
        db.session.commit()
        return program.id


def test_comments_at_once_are_all_counted(app, make_user, open_program):
    n = 7
    people = _clients(app, make_user, "c", n)
    stances = [Stance.FOR, Stance.AGAINST, Stance.NEUTRAL]

    def comment(i: int) -> int:
        return (
            people[i]
            .post(
                f"/programs/{open_program}/comments",
                data={"body": f"Comentario número {i}", "stance": stances[i % 3].value},
            )
            .status_code
        )

    assert run_together(app, n, comment) == [302] * n
    with app.app_context():
        program = db.session.get(Program, open_program)
        by_stance = dict(
            db.session.execute(
                select(Comment.stance, func.count())
                .where(Comment.program_id == open_program, Comment.deleted_at.is_(None))
                .group_by(Comment.stance)
            ).all()
        )
        assert program.comment_count == n
        assert program.stance_for == by_stance[Stance.FOR]
        assert program.stance_against == by_stance[Stance.AGAINST]
        assert program.stance_neutral == by_stance[Stance.NEUTRAL]


def test_supports_at_once_are_all_counted_and_a_double_click_counts_once(
    app, make_user, open_program
):
    n = 7
    make_user(email="author@example.org")
    with app.app_context():
        author = db.session.scalar(select(User).where(User.email == "author@example.org"))
        from app.comments import services as comment_services

        program = db.session.get(Program, open_program)
        comment_id = comment_services.add_comment(author, program, "Apoyen esto").id
        db.session.commit()
    people = _clients(app, make_user, "v", n)
    # Seven people, and the first of them clicking twice: eight requests at once.
    senders = [*people, people[0]]

    def support(i: int) -> int:
        return senders[i].post(f"/comments/{comment_id}/vote").status_code

    assert run_together(app, n + 1, support) == [302] * (n + 1)
    with app.app_context():
        rows = db.session.scalar(
            select(func.count())
            .select_from(CommentVote)
            .where(CommentVote.comment_id == comment_id)
        )
        assert rows == n
        assert db.session.get(Comment, comment_id).vote_count == n

    def withdraw(i: int) -> int:
        return senders[i].post(f"/comments/{comment_id}/unvote").status_code

    assert run_together(app, n + 1, withdraw) == [302] * (n + 1)
    with app.app_context():
        assert db.session.get(Comment, comment_id).vote_count == 0


# --- one transition at a time -------------------------------------------------------------------


@pytest.fixture
def answered(app, make_user, make_institution):
    """An answered observation, its filer logged in twice (two tabs, or a double click)."""
    gams = make_institution("Gobierno Autónomo Municipal de Sucre", acronym="GAMS")
    make_user(email="resp@example.org", role=Role.RESPONDER, institution=gams)
    make_user(email="filer@example.org")
    with app.app_context():
        filer = db.session.scalar(select(User).where(User.email == "filer@example.org"))
        responder = db.session.scalar(select(User).where(User.email == "resp@example.org"))
        observation = factories.observation(
            filer, state="accepted", institution=db.session.get(type(gams), gams.id)
        )
        lifecycle.transition(
            observation,
            "answer",
            responder,
            TransitionData(note="Aquí la respuesta."),
        )
        db.session.commit()
        return {"code": observation.code, "id": observation.id}


def _version_on(client, code: str) -> str:
    """The version the observation page's action forms carry."""
    page = client.get(f"/observations/{code}").get_data(as_text=True)
    return page.split('name="version" value="')[1].split('"')[0]


def test_a_double_click_on_dispute_applies_once(app, answered):
    tabs = [logged_in(app, "filer@example.org") for _ in range(2)]
    seen = _version_on(tabs[0], answered["code"])  # both clicks come from the same page

    def dispute(i: int):
        response = tabs[i].post(
            f"/observations/{answered['code']}/act/dispute",
            data={
                "dispute-note": "La respuesta no dice nada.",
                "dispute-satisfaction": "1",
                "version": seen,
            },
        )
        return response.status_code, response.get_data(as_text=True)

    results = run_together(app, 2, dispute)
    assert sorted(status for status, _ in results) == [302, 409]
    page = next(body for status, body in results if status == 409)
    assert "changed while you were acting on it" in page
    with app.app_context():
        observation = db.session.get(Observation, answered["id"])
        assert observation.dispute_count == 1
        disputes = db.session.scalar(
            select(func.count())
            .select_from(ObservationEvent)
            .where(
                ObservationEvent.observation_id == answered["id"],
                ObservationEvent.action == "dispute",
            )
        )
        assert disputes == 1


def test_an_action_from_an_outdated_page_is_answered_with_the_current_state(
    app, make_user, make_institution
):
    """A responder answers from a page that was shown before a colleague proposed a transfer
    (the state did not change, the observation did): nothing is applied, the page shows why."""
    gams = make_institution("Gobierno Autónomo Municipal de Sucre", acronym="GAMS")
    mop = make_institution("Ministerio de Obras Públicas", acronym="MOP")
    first, second = _clients(app, make_user, "resp", 2, role=Role.RESPONDER, institution=gams)
    make_user(email="filer@example.org")
    with app.app_context():
        filer = db.session.scalar(select(User).where(User.email == "filer@example.org"))
        observation = factories.observation(
            filer, state="accepted", institution=db.session.get(type(gams), gams.id)
        )
        db.session.commit()
        code, observation_id = observation.code, observation.id
    seen = _version_on(first, code)
    proposed = second.post(
        f"/observations/{code}/act/propose_transfer",
        data={
            "propose_transfer-institution_id": str(mop.id),
            "propose_transfer-note": "Es del ministerio.",
            "version": seen,
        },
    )
    assert proposed.status_code == 302
    response = first.post(
        f"/observations/{code}/act/answer",
        data={
            "answer-note": "Respuesta escrita antes del traspaso.",
            "answer-outcome": "information_provided",
            "version": seen,
        },
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "changed while you were acting on it" in html
    assert "proposed transferring this observation" in html
    with app.app_context():
        observation = db.session.get(Observation, observation_id)
        assert observation.first_answer_at is None
        assert observation.state.value == "accepted"


# --- duplicates answer like the first -----------------------------------------------------------


def test_double_clicks_on_follow_and_report_answer_like_the_first(app, make_user, answered):
    make_user(email="watcher@example.org")
    tabs = [logged_in(app, "watcher@example.org") for _ in range(2)]
    with app.app_context():
        program = factories.program(code="P-9")
        author = db.session.scalar(select(User).where(User.email == "filer@example.org"))
        from app.comments import services as comment_services

        comment_id = comment_services.add_comment(author, program, "Un comentario").id
        db.session.commit()
        program_id = program.id

    requests = [
        lambda c: c.post(f"/observations/{answered['code']}/follow", data={"want": "follow"}),
        lambda c: c.post(f"/programs/{program_id}/follow"),
        lambda c: c.post(
            f"/comments/{comment_id}/flag", data={"reason": "spam", "details": "Publicidad"}
        ),
    ]
    for request in requests:
        statuses = run_together(app, 2, lambda i, request=request: request(tabs[i]).status_code)
        assert all(status < 500 for status in statuses), statuses
    with app.app_context():
        watcher = db.session.scalar(select(User).where(User.email == "watcher@example.org"))
        for model, column in (
            (ObservationFollow, ObservationFollow.user_id),
            (ProgramFollow, ProgramFollow.user_id),
            (Flag, Flag.reporter_id),
        ):
            rows = db.session.scalar(
                select(func.count()).select_from(model).where(column == watcher.id)
            )
            assert rows == 1, model


def test_reporters_reaching_the_threshold_together_hide_the_comment(app, make_user, monkeypatch):
    """Every reporter counts the reports after adding theirs; a pause before counting makes
    all of them count before any commits, as happens under load."""
    from app.moderation import flags

    threshold = app.config["FLAG_HIDE_THRESHOLD"]
    count = flags.open_reporters

    def slow_count(*args):
        time.sleep(0.3)
        return count(*args)

    monkeypatch.setattr(flags, "open_reporters", slow_count)
    people = _clients(app, make_user, "r", threshold)
    make_user(email="author@example.org")
    with app.app_context():
        author = db.session.scalar(select(User).where(User.email == "author@example.org"))
        from app.comments import services as comment_services

        comment_id = comment_services.add_comment(author, factories.program(), "Spam").id
        db.session.commit()

    def report(i: int) -> int:
        return (
            people[i]
            .post(f"/comments/{comment_id}/flag", data={"reason": "spam", "details": ""})
            .status_code
        )

    assert run_together(app, threshold, report) == [302] * threshold
    with app.app_context():
        assert db.session.get(Comment, comment_id).hidden_at is not None


# --- tracking codes -----------------------------------------------------------------------------


def test_codes_taken_at_once_are_unique_and_without_gaps(app):
    n, each = 20, 5

    def take(_i: int) -> list[str]:
        taken = []
        for _ in range(each):
            taken.append(codes.allocate(2026))
            db.session.commit()
        return taken

    taken = [code for batch in run_together(app, n, take) for code in batch]
    assert sorted(taken) == [codes.format_code(2026, k) for k in range(1, n * each + 1)]


def test_a_slow_filing_does_not_make_other_filers_wait(app, make_user, monkeypatch):
    """One filer's request is stuck after its code was allocated (before its commit); another
    filer files meanwhile and is not held up by it (the old national lock held everyone)."""
    from tests.test_observations_filing import form_data, open_form

    with app.app_context():
        chq = factories.department("BO-H", "Chuquisaca")
        sucre = factories.municipality("010101", "Sucre", chq)
        world = {
            "institution": factories.institution().id,
            "category": factories.category("information", 15).id,
            "municipality": sucre.code,
        }
        db.session.commit()
    slow, quick = _clients(app, make_user, "filer", 2)
    forms = [form_data(world, open_form(client)[0]) for client in (slow, quick)]
    stuck, release = threading.Event(), threading.Event()
    follow = observation_services.follow

    def held_follow(user, observation):
        if threading.current_thread().name == "slow-filer":
            stuck.set()
            release.wait(30)
        return follow(user, observation)

    monkeypatch.setattr(observation_services, "follow", held_follow)
    outcome: dict[str, object] = {}

    def file_slowly() -> None:
        outcome["slow"] = slow.post("/observations/new", data=forms[0]).status_code

    thread = threading.Thread(target=file_slowly, name="slow-filer")
    thread.start()
    try:
        assert stuck.wait(30)
        started = time.monotonic()
        assert quick.post("/observations/new", data=forms[1]).status_code == 302
        waited = time.monotonic() - started
    finally:
        release.set()
        thread.join(30)
    assert outcome["slow"] == 302
    assert waited < 5, f"the second filer waited {waited:.1f} s for the first"
    with app.app_context():
        filed = sorted(db.session.scalars(select(Observation.code)))
        year = utcnow().year
        assert filed == [codes.format_code(year, 1), codes.format_code(year, 2)]


def test_a_double_click_on_file_files_once(app, make_user):
    from tests.test_observations_filing import form_data, open_form

    with app.app_context():
        chq = factories.department("BO-H", "Chuquisaca")
        world = {
            "institution": factories.institution().id,
            "category": factories.category("information", 15).id,
            "municipality": factories.municipality("010101", "Sucre", chq).code,
        }
        db.session.commit()
    (filer,) = _clients(app, make_user, "twice", 1)
    data = form_data(world, open_form(filer)[0])

    def send(_i: int) -> int:
        return filer.post("/observations/new", data=data).status_code

    assert run_together(app, 2, send) == [302, 302]
    with app.app_context():
        filed = list(db.session.scalars(select(Observation.code)))
        assert len(filed) == 1 and filed[0] is not None
