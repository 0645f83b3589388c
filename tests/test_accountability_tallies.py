"""The live tallies behind the accountability pages: the figures summed from them equal the
figures counted from the observations, for every scope they answer (period, institution or kind,
department, municipality, category, category in a department, program) and every "today", and so
do the filer kinds, the department maps and an institution's states and categories; every kind of
change recounts them in the same transaction, on both engines and with transactions side by side
on PostgreSQL; the migration counts what already exists; the CLI recounts after a bulk load."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from app.accountability import counting, filer_kinds, services, tallies, tally_sums
from app.accountability.models import (
    AnswerDaysTally,
    ObservationFigures,
    ObservationTally,
    ScopeAnswerDays,
    ScopeTally,
)
from app.accountability.scope import Scope
from app.accountability.scope_tallies import COUNT_COLUMNS
from app.extensions import db
from app.institutions.models import InstitutionKind
from app.maps import figures as maps_figures
from app.observations.models import Observation, ObservationState
from tests import factories
from tests.test_accountability import (  # noqa: F401
    SCOPE,
    TODAY,
    _filer,
    _row,
    build_fixture_rows,
    fixture_rows,
    utc,
)
from tests.test_migrations import fresh_app, targets  # noqa: F401

S = ObservationState


def _snapshot() -> tuple[list, ...]:
    """Every tally row: (per state, histogram, split by dimension, split histogram)."""
    counts = db.session.execute(
        select(
            ObservationTally.month,
            ObservationTally.institution_id,
            ObservationTally.state,
            ObservationTally.hidden,
            ObservationTally.observations,
            ObservationTally.answered,
            ObservationTally.answered_on_time,
            ObservationTally.rated,
            ObservationTally.satisfaction_sum,
        )
    ).all()
    days = db.session.execute(
        select(
            AnswerDaysTally.month,
            AnswerDaysTally.institution_id,
            AnswerDaysTally.working_days,
            AnswerDaysTally.observations,
        )
    ).all()
    split = db.session.execute(
        select(
            ScopeTally.month,
            ScopeTally.institution_id,
            ScopeTally.dimension,
            ScopeTally.value,
            ScopeTally.within,
            ScopeTally.label,
            *(getattr(ScopeTally, name) for name in COUNT_COLUMNS),
        )
    ).all()
    split_days = db.session.execute(
        select(
            ScopeAnswerDays.month,
            ScopeAnswerDays.institution_id,
            ScopeAnswerDays.dimension,
            ScopeAnswerDays.value,
            ScopeAnswerDays.within,
            ScopeAnswerDays.working_days,
            ScopeAnswerDays.observations,
        )
    ).all()
    key = lambda row: tuple((v is None, v if v is not None else 0) for v in row)  # noqa: E731
    return tuple(sorted(map(tuple, rows), key=key) for rows in (counts, days, split, split_days))


def assert_tallies_exact() -> None:
    """The tallies as kept (recounted as a commit would) equal the tallies recounted from
    scratch."""
    tallies.recount_pending(db.session)
    kept = _snapshot()
    tallies.rebuild(db.session.connection())
    assert _snapshot() == kept
    assert kept[0], "the tallies are empty: nothing was counted"
    assert kept[2], "the split tallies are empty: nothing was counted"


def _plain(by_institution: dict) -> dict:
    return {
        key: (
            asdict(f.counts),
            f.histogram,
            [(m.start, asdict(m.counts)) for m in f.months],
        )
        for key, f in by_institution.items()
    }


@pytest.fixture
def varied(app_ctx, fixture_rows):  # noqa: F811
    return build_varied(fixture_rows)


@pytest.fixture
def kept_varied(app, worlds):
    """``varied`` built once for the read-only tests of this module."""

    def build() -> dict:
        with app.app_context():
            return build_varied(build_fixture_rows())

    def alive(world: dict) -> bool:
        with app.app_context():
            return db.session.get(Observation, world["extra"][-1]) is not None

    world = worlds.get("varied", build, alive)
    with app.app_context():
        yield world
        db.session.remove()


def build_varied(fixture_rows: dict) -> dict:  # noqa: F811
    """The by-hand fixture plus what it lacks: a kind of its own, an observation not yet
    forwarded, waiting ones due today, tomorrow, without a due date, answered while waiting, a
    hidden one waiting, and a month with nothing; spread over places, categories, a program and
    filer kinds."""
    filer = db.session.scalar(select(Observation.filer_id).limit(1))
    from app.accounts.models import User

    filer = db.session.get(User, filer)
    c = factories.institution("Gobernación C", "GC")
    c.kind = InstitutionKind.DEPARTMENTAL_GOVERNMENT
    rows = [
        _row(filer, None, utc(2026, 3, 20), S.SUBMITTED),
        _row(filer, c, utc(2026, 5, 20), S.ACKNOWLEDGED, due=TODAY),
        _row(filer, c, utc(2026, 5, 21), S.ACCEPTED, due=TODAY + timedelta(days=1)),
        _row(filer, c, utc(2026, 5, 22), S.CLARIFICATION_REQUESTED, due=None),
        _row(filer, c, utc(2026, 5, 23), S.ACKNOWLEDGED, due=date(2026, 6, 2), wd=4, on_time=False),
        _row(filer, c, utc(2026, 6, 2), S.ACCEPTED, due=date(2026, 6, 20), hidden=True),
        _row(filer, c, utc(2026, 6, 3), S.DISPUTED, wd=12, on_time=True, sat=1),
        _row(filer, c, utc(2026, 6, 4), S.RESOLVED, wd=12, on_time=True, sat=5),
    ]
    dims = _spread([*fixture_rows["rows"], *(r.id for r in rows)], fixture_rows["a"])
    db.session.commit()
    return {**fixture_rows, **dims, "c": c.id, "extra": [r.id for r in rows]}


def _spread(ids: list[int], program_institution: int) -> dict[str, int]:
    """Give the observations every combination the split tallies must tell apart: two
    departments and none, a municipality, two categories and none, a program and none, each
    filer kind with and without an actor type."""
    from app.institutions.models import Institution
    from app.observations.models import ActingAs, ActorType

    h = factories.department()
    lp = factories.department("BO-L", "La Paz")
    m = factories.municipality("020101", "Nuestra Señora de La Paz", lp)
    info, complaint = factories.category(), factories.category("complaint")
    program = factories.program(
        plan=factories.plan(db.session.get(Institution, program_institution))
    )
    actor = ActorType(key="junta", names={"es": "Junta vecinal"})
    db.session.add(actor)
    db.session.flush()
    kinds = [ActingAs.INDIVIDUAL, ActingAs.ORGANISATION, ActingAs.GROUP]
    for n, observation_id in enumerate(ids):
        o = db.session.get(Observation, observation_id)
        o.department_id = (h.id, lp.id, None)[n % 3]
        o.municipality_id = m.id if n % 3 == 1 and n % 2 else None
        o.category_id = (info.id, complaint.id, None)[n % 5 % 3]
        o.program_id = program.id if n % 4 == 0 else None
        o.acting_as = kinds[n % 7 % 3]
        o.actor_type_id = actor.id if n % 2 and o.acting_as != ActingAs.INDIVIDUAL else None
    return {
        "h": h.id,
        "lp": lp.id,
        "m": m.id,
        "info": info.id,
        "complaint": complaint.id,
        "program": program.id,
    }


PERIODS = [
    {},
    {"start": date(2026, 5, 1), "end": date(2026, 5, 1)},
    {"start": date(2025, 12, 1), "end": date(2026, 7, 1)},
]
WHO = [
    {},
    {"institution": "a"},
    {"institution": "c"},
    {"kind": InstitutionKind.DEPARTMENTAL_GOVERNMENT.value},
    {"kind": InstitutionKind.MUNICIPAL_GOVERNMENT.value},
]
#: The overview, a department, a municipality, a category, a category in a department, a
#: program (the names in ``varied``).
WHERE = [
    {},
    {"department_id": "lp"},
    {"department_id": "h"},
    {"municipality_id": "m"},
    {"category_id": "info"},
    {"category_id": "complaint", "department_id": "h"},
    {"program_id": "program"},
]
SCOPES = [
    {**period, **who, **where}
    for period in PERIODS
    for who in WHO
    for where in WHERE
    if not (period and who)  # other periods only for the overview and the places
]


def _scope(varied: dict, shape: dict) -> Scope:
    return Scope(
        start=shape.get("start", SCOPE.start),
        end=shape.get("end", SCOPE.end),
        institution_id=varied[shape["institution"]] if "institution" in shape else None,
        kind=shape.get("kind", ""),
        **{name: varied[shape[name]] for name in tally_sums.SPLIT_FILTERS if name in shape},
    )


@pytest.mark.parametrize("shape", SCOPES)
def test_tallies_give_the_figures_the_observations_give(kept_varied, shape):
    varied = kept_varied
    scope = _scope(varied, shape)
    assert tally_sums.tallies_cover(scope)
    counted_something = False
    for today in (date(2026, 3, 1), date(2026, 6, 2), TODAY, date(2027, 1, 1)):
        from_tallies = tally_sums.figures_from_tallies(scope, today)
        assert _plain(from_tallies) == _plain(counting.figures_from_observations(scope, today))
        counted_something |= any(f.counts.received for f in from_tallies.values())
        # The map of the page, every department's figures.
        assert maps_figures.in_scope(scope, today) == maps_figures.counted_in_scope(
            replace(scope, department_id=None, municipality_id=None), today
        )
    if set(shape) <= set(tally_sums.SPLIT_FILTERS):  # the whole fixture's period, anyone's
        assert counted_something, "nothing counted: the comparison would prove nothing"
    if filer_kinds.summable(scope):
        summed = filer_kinds.summed_rows(scope)
        assert sorted(map(tuple, summed), key=str) == sorted(
            map(tuple, filer_kinds.counted_rows(scope, TODAY)), key=str
        )
    if tally_sums.split_of(scope) is None:
        assert services._by_state_and_category(
            scope, summed=True
        ) == services._by_state_and_category(scope, summed=False)


def test_the_spread_fixture_reaches_every_split(kept_varied):
    varied = kept_varied
    """Guards the comparison above: each place, category, program and filer kind of the
    fixture has public observations, so an error in one split cannot hide behind zeros."""
    scope = Scope(SCOPE.start, SCOPE.end)
    for name in ("lp", "h", "m", "info", "complaint", "program"):
        column = next(c for c in tally_sums.SPLIT_FILTERS if c.startswith(_DIMENSION_OF[name]))
        found = tally_sums.figures_from_tallies(replace(scope, **{column: varied[name]}), TODAY)
        assert sum(f.counts.accepted for f in found.values()), name
    kinds = {row[0] for row in filer_kinds.summed_rows(scope)}
    assert kinds == {"individual", "organisation", "group"}
    assert any(row[1] is not None for row in filer_kinds.summed_rows(scope))


_DIMENSION_OF = {
    "lp": "department",
    "h": "department",
    "m": "municipality",
    "info": "category",
    "complaint": "category",
    "program": "program",
}


def test_overdue_and_due_split_by_today_on_the_tallies(kept_varied):
    varied = kept_varied
    """By hand for institution C on 1 July 2026: waiting and public are the ones due 1 July (not
    late: the due day is still on time), due 2 July, no due date, and the one due 2 June that
    was answered while waiting (late); the hidden one does not count."""
    scope = Scope(SCOPE.start, SCOPE.end, institution_id=varied["c"])
    counts = tally_sums.figures_from_tallies(scope, TODAY)[varied["c"]].counts
    assert counts.overdue == 1
    # answered (the three with working days) + closed (none) + waiting and late but unanswered (0)
    assert counts.due == 3
    assert counts.received == 7 and counts.accepted == 6
    later = tally_sums.figures_from_tallies(scope, date(2026, 7, 3))[varied["c"]].counts
    assert (later.overdue, later.due) == (3, 5)


@pytest.mark.parametrize(
    "extra",
    [
        {"department_id": 1, "municipality_id": 1},
        {"municipality_id": 1, "category_id": 1},
        {"department_id": 1, "program_id": 1},
        {"category_id": 1, "program_id": 1},
    ],
)
def test_combinations_the_tallies_do_not_keep_count_the_observations(extra):
    scope = Scope(SCOPE.start, SCOPE.end, **extra)
    assert not tally_sums.tallies_cover(scope)
    assert tally_sums.split_of(scope) is None


def test_a_map_of_a_program_is_counted(kept_varied):
    varied = kept_varied
    scope = Scope(SCOPE.start, SCOPE.end, program_id=varied["program"])
    assert tally_sums.by_department(scope, TODAY) is None
    assert maps_figures.in_scope(scope, TODAY) == maps_figures.counted_in_scope(scope, TODAY)
    assert maps_figures.in_scope(scope, TODAY), "nothing counted"


def test_every_change_recounts_in_the_same_transaction(varied):
    assert_tallies_exact()
    a, b, c = varied["a"], varied["b"], varied["c"]
    observation = db.session.get(Observation, varied["rows"][3])  # A, acknowledged, February

    observation.state = S.ANSWERED  # the state
    observation.first_answer_at = utc(2026, 3, 1)
    db.session.add(
        ObservationFigures(
            observation_id=observation.id, answer_working_days=9, answered_on_time=True
        )
    )
    assert_tallies_exact()

    from app.institutions.models import Institution

    observation.institution = db.session.get(Institution, b)  # through the relationship
    assert_tallies_exact()
    observation.institution_id = c  # through the column
    assert_tallies_exact()

    observation.hidden_at = datetime.now(UTC)  # hidden by moderation
    assert_tallies_exact()
    observation.hidden_at = None
    observation.satisfaction = 3
    assert_tallies_exact()

    figures = db.session.get(ObservationFigures, observation.id)
    figures.answered_on_time = False  # the figures row alone
    assert_tallies_exact()

    # The split tallies' dimensions, each alone (the group stays the same).
    from app.observations.models import ActingAs

    for column, value in (
        ("department_id", varied["lp"]),
        ("municipality_id", varied["m"]),
        ("category_id", varied["complaint"]),
        ("program_id", varied["program"]),
        ("acting_as", ActingAs.GROUP),
        ("department_id", None),
        ("category_id", None),
        ("program_id", None),
        ("municipality_id", None),
    ):
        before = _snapshot()[2]
        setattr(observation, column, value)
        assert_tallies_exact()
        assert _snapshot()[2] != before, column

    unforwarded = db.session.get(Observation, varied["extra"][0])
    unforwarded.institution_id = a  # forwarded at last: leaves the no-institution group
    assert_tallies_exact()

    db.session.delete(db.session.get(Observation, varied["rows"][0]))
    assert_tallies_exact()
    db.session.commit()
    assert_tallies_exact()


def test_a_move_on_an_expired_observation_recounts_the_group_it_leaves(varied):
    """After a commit every loaded object is expired: setting the institution without reading
    it first must still recount the old group."""
    observation = db.session.get(Observation, varied["rows"][0])
    db.session.commit()  # expires it
    observation.institution_id = varied["b"]
    assert_tallies_exact()
    db.session.commit()
    db.session.delete(db.session.get(Observation, varied["rows"][1]))
    db.session.expire_all()  # deleted while expired: its group is still recounted
    assert_tallies_exact()


def test_a_rolled_back_change_leaves_the_tallies_as_they_were(varied):
    before = _snapshot()
    observation = db.session.get(Observation, varied["rows"][0])
    observation.institution_id = varied["b"]
    tallies.recount_pending(db.session)
    assert _snapshot() != before
    db.session.rollback()
    assert _snapshot() == before


def test_a_filing_through_the_app_is_counted(app_ctx):
    from app.observations import codes, lifecycle
    from app.observations.models import IdentityLevel

    filer = _filer()
    institution = factories.institution("Municipio T", "MT")
    observation = factories.draft(
        filer,
        institution=institution,
        category=factories.category(),
        title="t",
        description="d",
        identity=IdentityLevel.PUBLIC,
    )
    db.session.commit()
    assert _snapshot() == ([], [], [], [])  # a draft is not counted
    observation.code = codes.allocate(2026)
    lifecycle.transition(observation, "submit", filer)
    db.session.commit()
    counts, _days, *_split = _snapshot()
    month = tallies.month_key(observation.submitted_at)
    assert [(m, i, s, n) for m, i, s, _h, n, *_rest in counts] == [
        (month, institution.id, "submitted", 1)
    ]


def test_the_cli_recounts_after_a_bulk_load(app, app_ctx):
    filer = _filer()
    institution_id = factories.institution("Municipio Bulk", "MBU").id
    db.session.commit()
    now = datetime(2026, 3, 10, 15, tzinfo=UTC)
    db.session.execute(
        insert(Observation),
        [
            {
                "code": f"CS-2026-9{n:04d}",
                "filer_id": filer.id,
                "identity": "public",
                "institution_id": institution_id,
                "title": "t",
                "description": "d",
                "state": "accepted",
                "submitted_at": now,
                "accepted_at": now,
            }
            for n in range(3)
        ],
    )
    db.session.commit()
    assert _snapshot() == ([], [], [], [])  # Core inserts bypass the ORM hook
    result = app.test_cli_runner().invoke(args=["accountability", "rebuild-tallies"])
    assert result.exit_code == 0, result.output
    assert "1 months" in result.output
    db.session.remove()
    counts, _days, *_split = _snapshot()
    assert [(m, i, s, h, n) for m, i, s, h, n, *_rest in counts] == [
        (202603, institution_id, "accepted", False, 3)
    ]


def test_month_keys_follow_la_paz(app_ctx):
    assert tallies.month_key(utc(2026, 7, 1, 2)) == 202606  # 30 June, 22:00 in La Paz
    assert tallies.month_key(utc(2026, 7, 1, 5)) == 202607
    assert tallies.month_key(date(2026, 12, 31)) == 202612


@pytest.mark.concurrency
def test_moves_between_places_and_categories_at_once_leave_split_tallies_exact(app):
    """Eight transactions change eight observations of one institution and month at once, each
    to another department, category, program or filer kind (one group, many split rows): the
    split tallies equal a recount, and a department's figures equal the counted ones."""
    from app.observations.models import ActingAs
    from tests.concurrency import run_together

    n = 8
    with app.app_context():
        filer = _filer()
        institution = factories.institution("Municipio Concurrente", "MC")
        h = factories.department()
        lp = factories.department("BO-L", "La Paz")
        info, complaint = factories.category(), factories.category("complaint")
        program = factories.program(plan=factories.plan(institution))
        ids = [
            _row(filer, institution, utc(2026, 5, 3 + i), S.ACKNOWLEDGED, due=TODAY).id
            for i in range(n)
        ]
        db.session.commit()
        targets = (h.id, lp.id, info.id, complaint.id, program.id)

    def move(i: int) -> None:
        _department, other, first, second, program_id = targets
        observation = db.session.get(Observation, ids[i])
        observation.department_id = other if i % 2 else None
        observation.category_id = second if i % 3 else first
        observation.program_id = program_id if i % 4 == 0 else None
        observation.acting_as = ActingAs.ORGANISATION if i % 2 else ActingAs.GROUP
        if i % 3 == 0:
            observation.state = S.ANSWERED
            observation.first_answer_at = utc(2026, 6, 1)
        db.session.commit()

    run_together(app, n, move)
    with app.app_context():
        kept = _snapshot()
        tallies.rebuild(db.session.connection())
        assert _snapshot() == kept
        scope = Scope(SCOPE.start, SCOPE.end, department_id=targets[1])
        assert _plain(tally_sums.figures_from_tallies(scope, TODAY)) == _plain(
            counting.figures_from_observations(scope, TODAY)
        )
        departments = {
            row[3]: row[6] for row in kept[2] if row[2] == "department" and row[3] is not None
        }
        assert departments == {targets[1]: n // 2}
        db.session.rollback()


def test_the_scope_tallies_migration_counts_existing_observations(tmp_path, fresh_app):  # noqa: F811
    """Observations filed before 0020, spread over places, categories, a program and filer
    kinds, are in the split tallies after it exactly as ``tallies.rebuild`` counts them (Core
    inserts: no ORM hook runs before the tables exist)."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app.accounts.models import User
    from app.institutions.models import Institution
    from app.observations.models import ActorType, Category
    from app.programs.models import Plan, Program
    from app.territory.models import Department, Municipality

    filed = datetime(2026, 3, 1, 2, 30, tzinfo=UTC)  # 28 February, 22:30 in La Paz
    for url in targets(tmp_path):
        with fresh_app(url).app_context():
            upgrade(revision="0019_comment_html")
            with db.engine.begin() as conn:
                for table, row in (
                    (User, {"id": 1, "email": "f@example.org", "password_hash": "x"}),
                    (Institution, {"id": 1, "names": {"es": "M"}, "kind": "municipal_government"}),
                    (Department, {"id": 1, "iso_code": "BO-L", "name": "La Paz"}),
                    (Municipality, {"id": 1, "code": "020101", "name": "LP", "department_id": 1}),
                    (Category, {"id": 1, "key": "information", "deadline_days": 15}),
                    (ActorType, {"id": 1, "key": "junta"}),
                    (Plan, {"id": 1, "plan_type": "PTDI", "institution_id": 1}),
                    (Program, {"id": 1, "plan_id": 1, "institution_id": 1, "code": "P"}),
                ):
                    defaults = {"display_name": "F"} if table is User else {}
                    if table is Plan:
                        defaults = {"period_start": 2026, "period_end": 2030}
                    conn.execute(insert(table.__table__), {**defaults, **row})
                states = ["resolved", "answered", "answered", "accepted", "rejected", "draft"]
                for n, state in enumerate(states, start=1):
                    answered = state in ("resolved", "answered")
                    conn.execute(
                        insert(Observation.__table__),
                        {
                            "id": n,
                            "code": f"CS-2026-{n:05d}",
                            "filer_id": 1,
                            "identity": "public",
                            "institution_id": 1,
                            "title": "t",
                            "description": "d",
                            "state": state,
                            "submitted_at": None if state == "draft" else filed + timedelta(n),
                            "hidden_at": filed if n == 3 else None,
                            "first_answer_at": filed if answered else None,
                            "due_date": date(2026, 3, 20),
                            "satisfaction": 4 if state == "resolved" else None,
                            "department_id": 1 if n % 2 else None,
                            "municipality_id": 1 if n == 1 else None,
                            "category_id": 1 if n < 4 else None,
                            "program_id": 1 if n in (2, 4) else None,
                            "acting_as": "organisation" if n % 2 else "individual",
                            "actor_type_id": 1 if n == 1 else None,
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
            migrated = _snapshot()
            assert len(migrated[2]) > 10 and migrated[3], "nothing was counted"
            tallies.rebuild(db.session.connection())
            assert _snapshot()[2:] == migrated[2:]  # 0020 counts its own tables only
            db.session.rollback()
            filer_rows = db.session.execute(
                text(
                    "SELECT month, value, within, label, received, accepted "
                    "FROM scope_tallies WHERE dimension = 'filer' ORDER BY label, value"
                )
            ).all()
            db.session.remove()
            # All filed in La Paz's March; hidden 3 and rejected 5 only received; the draft not
            # at all.
            assert sorted((tuple(r) for r in filer_rows), key=str) == sorted(
                [
                    (202603, None, None, "individual", 2, 2),  # 2 and 4
                    (202603, 1, 1, "organisation", 1, 1),  # 1
                    (202603, None, 1, "organisation", 2, 0),  # 3 hidden, 5 rejected
                ],
                key=str,
            )


def test_the_waiting_index_holds_the_states_that_wait():
    """``WAITING`` (the partial index and the live count's condition) is written with constants:
    it must name exactly the states whose clock runs."""
    from app.accountability.counting import CLOCK_STATE_VALUES
    from app.accountability.models import WAITING

    states_in = ", ".join(f"'{s}'" for s in sorted(CLOCK_STATE_VALUES))
    assert f"state IN ({states_in}) AND hidden_at IS NULL" == WAITING
