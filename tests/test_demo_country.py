"""The full demo country (``flask demo``): its size and variety, that every published figure
equals a recount after the bulk load, that the stored deadlines are what the app computes, that a
new filing after it works, and that the same seed on the same day gives the same data."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.accountability.models import (
    AccountabilitySession,
    ObservationFigures,
)
from app.accounts.models import User
from app.comments.models import Comment, CommentVote, Stance
from app.core.clock import local_midnight, local_today
from app.core.workdays import working_days_between
from app.demo import places
from app.demo.services import DEMO_PASSWORD, load_demo
from app.extensions import db
from app.observations import due_dates
from app.observations.models import (
    ActingAs,
    IdentityLevel,
    Observation,
    ObservationEvent,
    ObservationState,
    TrackingCodeCounter,
)
from app.programs.models import Milestone, MilestoneState, Plan, PlanType, Program
from app.programs.services import Consultation, consultation_state, rolled_up_progress
from app.territory.models import Municipality
from tests.conftest import _sweep, logged_in
from tests.test_accountability_tallies import _snapshot, assert_tallies_exact
from tests.test_observations_filing import open_form


def _build(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, (result.output, result.exc_info)
    return result.output


@pytest.fixture
def country(app, worlds):
    """The full demo, built once for the module while no test writes."""
    return worlds.get("demo-country", lambda: _build(app), lambda _output: True)


def test_the_output_counts_what_was_loaded(app, country):
    counts = re.search(
        r"(\d+) institutions, (\d+) users, (\d+) plans, (\d+) programs, (\d+) observations, "
        r"(\d+) comments, (\d+) accountability sessions",
        country,
    )
    assert counts, country
    with app.app_context():
        actual = [
            db.session.scalar(select(func.count()).select_from(model))
            for model in (
                db.metadata.tables["institutions"],
                User,
                Plan,
                Program,
                Observation,
                Comment,
                AccountabilitySession,
            )
        ]
    assert [int(n) for n in counts.groups()] == actual
    assert 180 <= actual[3] <= 240 and 550 <= actual[4] <= 700
    assert DEMO_PASSWORD in country


def test_programs_plans_and_milestones_look_alive(app, country):
    today = local_today()
    with app.app_context():
        plans = db.session.scalars(select(Plan)).all()
        assert {p.plan_type for p in plans} >= {PlanType.PDES, PlanType.PTDI, PlanType.PEI}
        departmental = {p.department_id for p in plans if p.municipality_id is None}
        assert len(departmental - {None}) >= 6
        programs = db.session.scalars(select(Program)).all()
        parents = [p for p in programs if p.children]
        assert len(parents) >= 20
        for parent in parents:
            assert parent.progress == rolled_up_progress(parent.children)
        assert {p.status.key for p in programs} == {
            "planned",
            "in_execution",
            "paused",
            "finished",
        }
        windows = {consultation_state(p, today) for p in programs}
        assert windows == set(Consultation)
        closing_soon = [
            p
            for p in programs
            if p.comments_close_on and 0 <= (p.comments_close_on - today).days <= 5
        ]
        assert closing_soon
        languages = {lang for p in programs for lang in p.titles}
        assert languages == {"es", "qu", "ay", "gn", "en"}
        states = {m.state(today) for m in db.session.scalars(select(Milestone))}
        assert states == set(MilestoneState)
        assert all(p.budget_bob and p.budget_bob > 0 for p in programs)


def test_observations_cover_every_state_level_kind_and_department(app, country):
    today = local_today()
    with app.app_context():
        observations = db.session.scalars(select(Observation)).all()
        states = {o.state for o in observations}
        assert states == set(ObservationState) - {ObservationState.DRAFT}
        assert {o.identity for o in observations} == set(IdentityLevel)
        assert {o.acting_as for o in observations} == set(ActingAs)
        groups = {o.group_id for o in observations if o.acting_as == ActingAs.GROUP}
        assert len(groups) == 2
        assert len({o.department_id for o in observations} - {None}) == 9
        filed = [local_today(o.submitted_at) for o in observations]
        assert min(filed) >= today - timedelta(days=550) and max(filed) < today
        assert (today - min(filed)).days > 480  # spread over about 18 months
        assert sum(o.hidden_at is not None for o in observations) >= 3
        assert sum(o.redacted_at is not None for o in observations) >= 3
        assert sum(o.dispute_count > 0 for o in observations) >= 10
        overdue = [o for o in observations if due_dates.overdue(o, today)]
        assert len(overdue) >= 5
        located = [o for o in observations if o.latitude is not None]
        assert len(located) >= len(observations) * 0.4
        # Every point is near a town of the observation's own department.
        towns = {
            m.name: m.department_id
            for m in db.session.scalars(
                select(Municipality).where(Municipality.name.in_(places.TOWNS))
            )
        }
        for o in located:
            near = [
                name
                for name, (lat, lon, jitter) in places.TOWNS.items()
                if towns.get(name) == o.department_id
                and abs(o.latitude - lat) <= jitter
                and abs(o.longitude - lon) <= jitter
            ]
            assert near, (o.code, o.latitude, o.longitude)
        answered = db.session.scalars(select(ObservationFigures)).all()
        on_time = sum(f.answered_on_time for f in answered)
        assert 0.4 < on_time / len(answered) < 0.95


def test_comments_have_threads_stances_and_five_languages(app, country):
    with app.app_context():
        rows = db.session.execute(
            select(Comment.depth, Comment.stance, User.language).join(
                User, User.id == Comment.author_id
            )
        ).all()
        assert {depth for depth, _s, _l in rows} == {0, 1, 2}
        assert {s for d, s, _l in rows if d == 0} == set(Stance)
        assert {lang for _d, _s, lang in rows} == {"es", "qu", "ay", "gn", "en"}
        commented = db.session.scalar(select(func.count(func.distinct(Comment.program_id))))
        assert commented >= 80


def test_sessions_have_gaps(app, country):
    from app.accountability.sessions import semester_of, without_session

    with app.app_context():
        held = db.session.execute(
            select(AccountabilitySession.institution_id, AccountabilitySession.semester)
        ).all()
        assert len({i for i, _s in held}) >= 10
        current = semester_of(local_today())
        missing = without_session([current])[current]
        assert missing and len(missing) < db.session.scalar(
            select(func.count()).select_from(db.metadata.tables["institutions"])
        )


def test_every_figure_equals_a_recount(app, country):
    with app.app_context():
        assert _snapshot()[1], "no answer-days tallies: nothing answered was counted"
        assert_tallies_exact()
        db.session.rollback()

        alive = Comment.deleted_at.is_(None)
        for program in db.session.scalars(select(Program)):
            counts = dict(
                db.session.execute(
                    select(Comment.stance, func.count())
                    .where(Comment.program_id == program.id, alive, Comment.parent_id.is_(None))
                    .group_by(Comment.stance)
                ).all()
            )
            total = db.session.scalar(
                select(func.count()).where(Comment.program_id == program.id, alive)
            )
            assert program.comment_count == total, program.code
            assert program.stance_for == counts.get(Stance.FOR, 0)
            assert program.stance_neutral == counts.get(Stance.NEUTRAL, 0)
            assert program.stance_against == counts.get(Stance.AGAINST, 0)
        votes = dict(
            db.session.execute(
                select(CommentVote.comment_id, func.count()).group_by(CommentVote.comment_id)
            ).all()
        )
        for comment in db.session.scalars(select(Comment)):
            assert comment.vote_count == votes.get(comment.id, 0)
            assert comment.root_id is not None
            if comment.parent_id is None:
                assert comment.root_id == comment.id and comment.stance is not None

        codes = db.session.scalars(select(Observation.code)).all()
        assert len(codes) == len(set(codes)) and None not in codes
        for counter in db.session.scalars(select(TrackingCodeCounter)):
            numbers = [int(c.rsplit("-", 1)[1]) for c in codes if f"-{counter.year}-" in c]
            assert counter.last_number == max(numbers)


def test_the_unfiltered_list_sums_the_tallies_to_its_recount(app, country):
    """/observations without filters takes its total and its map from the tallies: over 18
    months of every state they equal the rows the list counts."""
    from app.maps import figures as map_figures
    from app.observations import queries

    with app.test_request_context():
        summed = map_figures.in_filtered(queries.ListFilters())
        counted = map_figures.in_list(queries.public_list(queries.ListFilters()))
        assert summed == counted
        public = db.session.scalar(select(func.count()).where(queries.publicly_visible()))
        assert sum(t.accepted for t in summed.values()) == public > 100
        assert sum(t.overdue for t in summed.values()) > 0
        db.session.rollback()
    page = logged_in(app, None).get("/observations").get_data(as_text=True)
    assert _shown_total(page) == public


def _shown_total(page: str) -> int:
    shown = re.search(r'<p role="status">([\d,]+) observations?', page)
    assert shown is not None, page
    return int(shown.group(1).replace(",", ""))


def test_lists_of_a_category_institution_or_department_sum_the_tallies_to_their_recount(
    app, country
):
    """/observations narrowed by a category, an institution, a department or two of them takes
    its total and its map from the tallies too: each equals the rows that list counts, and the
    page shows that total. Other filters (a state, a program) are counted."""
    from app.institutions.models import Institution
    from app.maps import figures as map_figures
    from app.observations import queries
    from app.observations.models import Category
    from app.territory.models import Department

    with app.test_request_context():
        public = queries.publicly_visible()
        category, institution, department = db.session.execute(
            select(Observation.category_id, Observation.institution_id, Department.iso_code)
            .join(Department, Department.id == Observation.department_id)
            .where(public)
            .group_by(Observation.category_id, Observation.institution_id, Department.iso_code)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
        assert db.session.get(Category, category) and db.session.get(Institution, institution)
        cases = [
            queries.ListFilters(department=department),
            queries.ListFilters(category=category),
            queries.ListFilters(institution=institution),
            queries.ListFilters(category=category, department=department),
            queries.ListFilters(institution=institution, department=department),
            queries.ListFilters(institution=institution, category=category),
            queries.ListFilters(department="BO-XX"),
        ]
        totals = []
        for filters in cases:
            summed = map_figures.in_filtered(filters)
            assert summed == map_figures.in_list(queries.public_list(filters)), filters
            totals.append(sum(t.accepted for t in summed.values()))
        assert all(total > 0 for total in totals[:-1]) and totals[-1] == 0
        assert len(set(totals)) > 3
        assert map_figures.in_filtered(queries.ListFilters(state="open")) is None
        assert map_figures.in_filtered(queries.ListFilters(program=1)) is None
        assert map_figures.in_filtered(queries.ListFilters(q="agua")) is None
        db.session.rollback()
    client = logged_in(app, None)
    for filters, total in zip(cases, totals, strict=True):
        args = {
            "department": filters.department,
            "category": filters.category or "",
            "institution": filters.institution or "",
        }
        page = client.get("/observations", query_string=args).get_data(as_text=True)
        assert _shown_total(page) == total, args


def test_the_home_page_totals_equal_the_figures_added_up(app, country):
    """The home page's year counts come from one summed row and one ungrouped count of the
    waiting ones not late yet; over the demo's every state they equal the figures per month and
    institution added up, for this year and for every month the demo covers."""
    from app.accountability.scope import Scope
    from app.accountability.services import figures_for, totals_for

    today = local_today()
    with app.test_request_context():
        for scope in (
            Scope(date(today.year, 1, 1), today.replace(day=1)),
            Scope(date(today.year - 2, 1, 1), today.replace(day=1)),
        ):
            totals = totals_for(scope, today).counts
            assert totals == figures_for(scope, today).counts
            assert totals.received > 0
        assert totals.overdue > 0 and totals.due > totals.answered_on_time
        db.session.rollback()


def test_stored_deadlines_and_answer_figures_are_what_the_app_computes(app, country):
    with app.app_context():
        for observation in db.session.scalars(
            select(Observation).where(Observation.clock_start.is_not(None))
        ):
            info = due_dates.due_date_info(observation, "es")
            assert info is not None and info.due == observation.due_date, observation.code
        figures = db.session.execute(
            select(Observation, ObservationFigures)
            .join(ObservationFigures, ObservationFigures.observation_id == Observation.id)
            .where(Observation.dispute_count == 0)
        ).all()
        assert len(figures) > 100
        for observation, figure in figures:
            answered_on = local_today(observation.first_answer_at)
            days = working_days_between(
                observation.clock_start,
                answered_on,
                due_dates.calendar_for(observation, "es"),
                due_dates.pauses_of(observation),
            )
            assert figure.answer_working_days == days, observation.code
            assert figure.answer_due_date == observation.due_date
            assert figure.answered_on_time == (answered_on <= observation.due_date)
        # Events are in order and end in the stored state.
        last = {}
        for event in db.session.scalars(select(ObservationEvent).order_by(ObservationEvent.id)):
            assert last.get(event.observation_id, (None, event.from_state))[1] == event.from_state
            last[event.observation_id] = (event.created_at, event.to_state)
        for observation in db.session.scalars(select(Observation)):
            assert last[observation.id][1] == observation.state.value


def test_the_public_pages_show_the_country(app, country):
    client = logged_in(app, None)
    for path in ("/", "/programs", "/observations", "/accountability", "/programs?page=3"):
        response = client.get(path)
        assert response.status_code == 200, path


def test_a_citizen_files_a_new_observation_after_the_demo(app, country):
    client = logged_in(app, "ciudadana@demo.qhawaq.bo", DEMO_PASSWORD)
    with app.app_context():
        before = set(db.session.scalars(select(Observation.code)))
        institution_id = db.session.scalar(select(db.metadata.tables["institutions"].c.id).limit(1))
        category_id = db.session.scalar(select(db.metadata.tables["observation_categories"].c.id))
    token, _html = open_form(client)
    response = client.post(
        "/observations/new",
        data={
            "token": token,
            "institution_id": str(institution_id),
            "category_id": str(category_id),
            "title": "Bache peligroso frente a la escuela",
            "description": "Un bache de un metro frente a la unidad educativa, sin señalizar.",
            "department": "BO-H",
            "municipality": "010101",
            "acting_as": "individual",
            "identity": "public",
            "submit": "File observation",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        new = db.session.scalar(select(Observation).order_by(Observation.id.desc()).limit(1))
        assert new.title == "Bache peligroso frente a la escuela"
        assert new.code not in before
        year, number = new.code.split("-")[1:]
        same_year = [int(c.rsplit("-", 1)[1]) for c in before if f"-{year}-" in c]
        assert int(number) == max(same_year, default=0) + 1


def _digest(day: date) -> str:
    before = local_midnight(day)
    rows = [
        [
            (p.code, p.titles, p.progress, str(p.start_date), str(p.comments_close_on))
            for p in db.session.scalars(select(Program).order_by(Program.id))
        ],
        [
            (o.code, o.title, o.state.value, str(o.due_date), str(o.submitted_at), o.latitude)
            for o in db.session.scalars(select(Observation).order_by(Observation.id))
        ],
        # The small demo's comments are written through the services, dated now.
        [
            (c.body, c.depth, str(c.created_at))
            for c in db.session.scalars(
                select(Comment).where(Comment.created_at < before).order_by(Comment.id)
            )
        ],
        [
            str(s.held_on)
            for s in db.session.scalars(
                select(AccountabilitySession).order_by(AccountabilitySession.id)
            )
        ],
    ]
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


def test_the_same_seed_and_day_give_the_same_country(app):
    day = date(2026, 3, 2)
    digests = []
    for seed in (7, 7, 8):
        with app.app_context():
            load_demo(seed=seed, today=day)
            db.session.commit()
            digests.append(_digest(day))
        _sweep(app)
    assert digests[0] == digests[1] != digests[2]
