"""The live tallies behind the accountability pages: the figures summed from them equal the
figures counted from the observations, for every scope they answer and every "today"; every kind
of change recounts them in the same transaction; the migration counts what already exists; the
CLI recounts after a bulk load."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from app.accountability import counting, tallies, tally_sums
from app.accountability.models import AnswerDaysTally, ObservationFigures, ObservationTally
from app.accountability.scope import Scope
from app.extensions import db
from app.institutions.models import InstitutionKind
from app.observations.models import Observation, ObservationState
from tests import factories
from tests.test_accountability import SCOPE, TODAY, _filer, _row, fixture_rows, utc  # noqa: F401

S = ObservationState


def _snapshot() -> tuple[list, list]:
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
    key = lambda row: tuple((v is None, v if v is not None else 0) for v in row)  # noqa: E731
    return sorted(map(tuple, counts), key=key), sorted(map(tuple, days), key=key)


def assert_tallies_exact() -> None:
    """The tallies as kept (recounted as a commit would) equal the tallies recounted from
    scratch."""
    tallies.recount_pending(db.session)
    kept = _snapshot()
    tallies.rebuild(db.session.connection())
    assert _snapshot() == kept
    assert kept[0], "the tallies are empty: nothing was counted"


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
    """The by-hand fixture plus what it lacks: a kind of its own, an observation not yet
    forwarded, waiting ones due today, tomorrow, without a due date, answered while waiting, a
    hidden one waiting, and a month with nothing."""
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
    db.session.commit()
    return {**fixture_rows, "c": c.id, "extra": [r.id for r in rows]}


SCOPES = [
    {},
    {"start": date(2026, 5, 1), "end": date(2026, 5, 1)},
    {"start": date(2025, 12, 1), "end": date(2026, 7, 1)},
    {"institution": "a"},
    {"institution": "c"},
    {"kind": InstitutionKind.DEPARTMENTAL_GOVERNMENT.value},
    {"kind": InstitutionKind.MUNICIPAL_GOVERNMENT.value},
]


@pytest.mark.parametrize("shape", SCOPES)
@pytest.mark.parametrize("today", [date(2026, 3, 1), date(2026, 6, 2), TODAY, date(2027, 1, 1)])
def test_tallies_give_the_figures_the_observations_give(varied, shape, today):
    scope = Scope(
        start=shape.get("start", SCOPE.start),
        end=shape.get("end", SCOPE.end),
        institution_id=varied[shape["institution"]] if "institution" in shape else None,
        kind=shape.get("kind", ""),
    )
    assert tally_sums.tallies_cover(scope)
    from_tallies = tally_sums.figures_from_tallies(scope, today)
    assert from_tallies, "nothing counted: the comparison would prove nothing"
    assert _plain(from_tallies) == _plain(counting.figures_from_observations(scope, today))


def test_overdue_and_due_split_by_today_on_the_tallies(varied):
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


def test_scopes_with_a_territory_category_or_program_count_the_observations(varied):
    for extra in (
        {"department_id": 1},
        {"category_id": 1},
        {"program_id": 1},
        {"municipality_id": 1},
    ):
        assert not tally_sums.tallies_cover(Scope(SCOPE.start, SCOPE.end, **extra))


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
    assert _snapshot() == ([], [])  # a draft is not counted
    observation.code = codes.allocate(2026)
    lifecycle.transition(observation, "submit", filer)
    db.session.commit()
    counts, _days = _snapshot()
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
    assert _snapshot() == ([], [])  # Core inserts bypass the ORM hook
    result = app.test_cli_runner().invoke(args=["accountability", "rebuild-tallies"])
    assert result.exit_code == 0, result.output
    assert "1 months" in result.output
    db.session.remove()
    counts, _days = _snapshot()
    assert [(m, i, s, h, n) for m, i, s, h, n, *_rest in counts] == [
        (202603, institution_id, "accepted", False, 3)
    ]


def test_month_keys_follow_la_paz(app_ctx):
    assert tallies.month_key(utc(2026, 7, 1, 2)) == 202606  # 30 June, 22:00 in La Paz
    assert tallies.month_key(utc(2026, 7, 1, 5)) == 202607
    assert tallies.month_key(date(2026, 12, 31)) == 202612
