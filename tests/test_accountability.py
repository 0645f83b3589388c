"""Accountability figures computed by hand on a small fixture and compared; working days to the
first answer stored by the answer transition; the Wilson interval; pages with a fixed number of
queries; rendición de cuentas sessions."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.accountability import scope as figure_scope
from app.accountability import services, sessions
from app.accountability.figures import median, percentile, wilson
from app.accountability.models import AccountabilitySession, ObservationFigures
from app.accounts.models import Role, User
from app.core.clock import local_today
from app.extensions import db
from app.institutions.models import InstitutionKind
from app.observations import codes
from app.observations.actions import TransitionData
from app.observations.lifecycle import transition
from app.observations.models import IdentityLevel, Observation, ObservationState
from tests import factories
from tests.conftest import count_queries

S = ObservationState
TODAY = date(2026, 7, 1)
SCOPE = figure_scope.Scope(start=date(2026, 1, 1), end=date(2026, 6, 1))


def _filer() -> User:
    return factories.user("filer.acc@example.org", display_name="Filer Acc", language="es")


def _row(filer, inst, submitted, state, *, wd=None, on_time=None, sat=None, due=None, hidden=False):
    """An observation written directly with the columns the figures read."""
    observation = Observation(
        filer=filer,
        institution=inst,
        category=factories.category(),
        department=factories.department(),
        title="t",
        description="d",
        identity=IdentityLevel.PUBLIC,
        state=state,
        submitted_at=submitted,
        accepted_at=submitted if state not in (S.SUBMITTED, S.REJECTED) else None,
        due_date=due,
        first_answer_at=submitted if wd is not None else None,
        satisfaction=sat,
        hidden_at=submitted if hidden else None,
    )
    db.session.add(observation)
    db.session.flush()
    observation.code = f"CS-2026-{observation.id:05d}"
    if wd is not None:
        db.session.add(
            ObservationFigures(
                observation_id=observation.id, answer_working_days=wd, answered_on_time=on_time
            )
        )
    db.session.flush()
    return observation


def utc(y, m, d, h=15):
    return datetime(y, m, d, h, tzinfo=UTC)


@pytest.fixture
def fixture_rows(app_ctx):
    return build_fixture_rows()


def build_fixture_rows() -> dict:
    filer = _filer()
    a = factories.institution("Municipio A", "MA")
    b = factories.institution("Municipio B", "MB")
    rows = [
        _row(filer, a, utc(2026, 1, 10), S.RESOLVED, wd=5, on_time=True, sat=4),
        _row(filer, a, utc(2026, 1, 20), S.ANSWERED, wd=10, on_time=True),
        _row(filer, a, utc(2026, 2, 5), S.CLOSED),
        _row(filer, a, utc(2026, 2, 15), S.ACKNOWLEDGED, due=date(2026, 6, 1)),
        _row(filer, a, utc(2026, 3, 3), S.ACCEPTED, due=date(2026, 7, 10)),
        _row(filer, a, utc(2026, 3, 9), S.RESOLVED, wd=20, on_time=False, sat=2),
        _row(filer, a, utc(2026, 4, 1), S.ANSWERED, wd=3, on_time=True, hidden=True),
        _row(filer, a, utc(2026, 4, 2), S.REJECTED),
        _row(filer, a, utc(2026, 5, 5), S.SUBMITTED),
        # 30 June, 22:00 in La Paz (UTC-4): June, although it is already July in UTC.
        _row(filer, a, utc(2026, 7, 1, 2), S.ANSWERED, wd=7, on_time=True),
        # 31 December 2025, 23:00 in La Paz: outside the period.
        _row(filer, a, utc(2026, 1, 1, 3), S.ANSWERED, wd=1, on_time=True),
        _row(filer, b, utc(2026, 2, 1), S.ACCEPTED, due=date(2026, 3, 1)),
    ]
    db.session.commit()
    return {"a": a.id, "b": b.id, "rows": [r.id for r in rows]}


def test_wilson_interval_by_hand():
    low, high = wilson(3, 6)
    # p=0.5, n=6, z=1.96: centre 0.5, half 1.96·√(0.25/6 + 3.8416/144)/(1 + 3.8416/6) = 0.31239
    assert low == pytest.approx(0.18761, abs=1e-5)
    assert high == pytest.approx(0.81239, abs=1e-5)
    # 0 of 10: upper bound z²/n / (1 + z²/n) = 0.38416 / 1.38416
    assert wilson(0, 10) == pytest.approx((0.0, 0.277540), abs=1e-5)
    assert wilson(10, 10) == pytest.approx((0.722460, 1.0), abs=1e-5)
    # 4 of 7: centre (0.571429 + 0.274400) / 1.548800 = 0.546119;
    # half 1.96·√(0.034985 + 0.019600) / 1.548800 = 0.295665
    low, high = wilson(4, 7)
    assert (low, high) == pytest.approx((0.250454, 0.841784), abs=1e-5)
    assert wilson(0, 0) is None


def test_median_and_percentile_by_hand():
    assert median([(5, 1), (7, 1), (10, 1), (20, 1)]) == 8.5
    assert median([(3, 2), (9, 1)]) == 3
    assert percentile([(5, 1), (7, 1), (10, 1), (20, 1)], 0.9) == 20
    # 10 values 1..10: the 9th is the nearest-rank 90th percentile.
    assert percentile([(v, 1) for v in range(1, 11)], 0.9) == 9
    assert median([]) is None and percentile([], 0.9) is None


def test_every_figure_by_hand(fixture_rows):
    scope = figure_scope.Scope(SCOPE.start, SCOPE.end, institution_id=fixture_rows["a"])
    f = services.figures_for(scope, TODAY)
    c = f.counts
    assert c.received == 10  # the December one is out; rejected, submitted and hidden count
    assert c.accepted == 7
    assert c.answered == 4
    assert c.due == 6  # 4 answered + 1 closed + 1 overdue
    assert c.answered_on_time == 3
    assert c.open == 4
    assert c.overdue == 1
    assert c.accepted_by_filer == 2
    assert (c.rated, f.satisfaction) == (2, 3.0)
    assert f.histogram == [(5, 1), (7, 1), (10, 1), (20, 1)]
    assert f.median_days == 8.5
    assert f.p90_days == 20
    assert (f.answered_share.count, f.answered_share.total) == (4, 7)
    assert (f.on_time_share.count, f.on_time_share.total) == (3, 6)
    assert f.on_time_share.low == pytest.approx(0.18761, abs=1e-5)
    assert (f.filer_share.count, f.filer_share.total) == (2, 4)
    by_month = [
        (m.start.month, m.counts.received, m.counts.accepted, m.counts.answered) for m in f.months
    ]
    assert by_month == [
        (1, 2, 2, 2),
        (2, 2, 2, 0),
        (3, 2, 2, 1),
        (4, 2, 0, 0),
        (5, 1, 0, 0),
        (6, 1, 1, 1),
    ]


def test_each_figure_lists_exactly_what_it_counts(fixture_rows):
    scope = figure_scope.Scope(SCOPE.start, SCOPE.end, institution_id=fixture_rows["a"])
    counts = services.figures_for(scope, TODAY).counts
    for figure in figure_scope.LISTABLE:
        listed = db.session.scalar(
            select(func.count()).select_from(
                figure_scope.figure_query(scope, figure, TODAY).order_by(None).subquery()
            )
        )
        expected = counts.accepted if figure == "received" else getattr(counts, figure)
        assert listed == expected, figure


def test_ranking_needs_the_minimum(fixture_rows):
    table = services.institution_table(services.figures_by_institution(SCOPE, TODAY), minimum=5)
    assert [(row.institution.acronym, row.rank) for row in table] == [("MA", 1), ("MB", None)]
    table = services.institution_table(services.figures_by_institution(SCOPE, TODAY), minimum=1)
    # MB: 0 of 1 on time; MA: 3 of 6.
    assert [(row.institution.acronym, row.rank) for row in table] == [("MA", 1), ("MB", 2)]


def _responder(inst) -> User:
    user = factories.user(
        "resp.acc@example.org",
        role=Role.RESPONDER,
        display_name="R",
        language="es",
        institution_id=inst.id,
    )
    moderator = factories.user(
        "mod.acc@example.org", role=Role.MODERATOR, display_name="M", language="es"
    )
    return user, moderator


@pytest.mark.parametrize(
    ("accepted_on", "answered_on", "working_days", "on_time"),
    [
        # Monday 2 March to Friday 13 March 2026: 3-6 and 9-13 March.
        (datetime(2026, 3, 2, 15, tzinfo=UTC), datetime(2026, 3, 13, 15, tzinfo=UTC), 9, True),
        # Friday 13 Feb to Wednesday 18 Feb: Carnaval (16-17 Feb) and the weekend skipped.
        (datetime(2026, 2, 13, 15, tzinfo=UTC), datetime(2026, 2, 18, 15, tzinfo=UTC), 1, True),
        # 15 working days from 2 March fall due on 23 March; 24 March is late (16).
        (datetime(2026, 3, 2, 15, tzinfo=UTC), datetime(2026, 3, 24, 15, tzinfo=UTC), 16, False),
        # 02:00 UTC on 24 March is still 23 March in La Paz: on time.
        (datetime(2026, 3, 2, 15, tzinfo=UTC), datetime(2026, 3, 24, 2, tzinfo=UTC), 15, True),
    ],
)
def test_answer_stores_working_days(app_ctx, accepted_on, answered_on, working_days, on_time):
    inst = factories.institution()
    responder, moderator = _responder(inst)
    observation = factories.draft(
        _filer(), institution=inst, category=factories.category(), title="t", description="d"
    )
    observation.code = codes.allocate(2026)
    transition(observation, "submit", observation.filer, now=accepted_on)
    transition(observation, "accept", moderator, now=accepted_on)
    transition(observation, "answer", responder, TransitionData(note="Aquí."), now=answered_on)
    figures = db.session.get(ObservationFigures, observation.id)
    assert figures.answer_working_days == working_days
    assert figures.answered_on_time is on_time
    assert figures.answer_due_date == observation.due_date


def test_pages_show_figures_and_links(app, client, fixture_rows):
    html = client.get("/accountability?start=2026-01&end=2026-06").get_data(as_text=True)
    assert "Median working days to the first answer" in html
    assert "figure=answered_on_time" in html and "start=2026-01" in html
    assert '<svg role="img"' in html and "<table" in html
    response = client.get(f"/institutions/{fixture_rows['a']}?start=2026-01&end=2026-06")
    assert response.status_code == 200
    assert "Municipio A" in response.get_data(as_text=True)
    listing = client.get(
        f"/accountability/observations?figure=overdue&institution={fixture_rows['a']}"
        "&start=2026-01&end=2026-06"
    )
    assert listing.status_code == 200
    assert client.get("/accountability/observations?figure=nope").status_code == 404
    assert client.get("/institutions/999999").status_code == 404
    assert client.get("/territories/BO-H").status_code == 200
    assert client.get("/territories/nowhere").status_code == 404
    assert client.get("/accountability?start=garbage&end=1999-99").status_code == 200


def test_a_long_period_is_cut_to_the_last_sixty_months(client, app_ctx):
    html = client.get("/accountability?start=2000-01&end=2026-03").get_data(as_text=True)
    # 2021-04 to 2026-03: sixty months, the end month included.
    assert figure_scope.MAX_MONTHS == 60
    assert "start=2021-04" in html and "start=2021-03" not in html


def test_pages_run_a_fixed_number_of_queries(app, client, fixture_rows):
    def queries_for(url: str) -> int:
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    urls = ["/accountability", f"/institutions/{fixture_rows['a']}", "/territories/BO-H"]
    before = [queries_for(u) for u in urls]
    with app.app_context():
        filer = db.session.scalar(select(User).where(User.email == "filer.acc@example.org"))
        inst = db.session.get(factories.Institution, fixture_rows["a"])
        other = factories.institution("Municipio C", "MC")
        for day in range(1, 25):
            _row(
                filer,
                inst if day % 2 else other,
                utc(2026, 6, day),
                S.ANSWERED,
                wd=day,
                on_time=True,
            )
            _row(filer, inst, utc(2026, 6, day), S.ACKNOWLEDGED, due=date(2026, 6, 28))
        db.session.commit()
    assert [queries_for(u) for u in urls] == before


# --- sessions ----------------------------------------------------------------------------------


def test_semesters():
    assert sessions.semester_of(date(2026, 6, 30)) == "2026-1"
    assert sessions.semester_of(date(2026, 7, 1)) == "2026-2"
    assert sessions.previous_semester("2026-1") == "2025-2"
    assert sessions.previous_semester("2026-2") == "2026-1"


def _pdf() -> bytes:
    from tests.test_observation_privacy import pdf_naming_the_filer

    return pdf_naming_the_filer()


def test_institution_admin_records_a_session(app, client, auth, make_user, make_institution):
    inst = make_institution("Gobernación de Prueba", acronym="GP")
    other = make_institution("Otra", acronym="OT")
    admin = make_user(role=Role.RESPONDER, institution=inst, email="ia@example.org")
    with app.app_context():
        db.session.get(User, admin.id).is_institution_admin = True
        filer = _filer()
        public = _row(
            filer, db.session.get(factories.Institution, inst.id), utc(2026, 3, 1), S.ACCEPTED
        )
        hidden = _row(
            filer,
            db.session.get(factories.Institution, inst.id),
            utc(2026, 3, 1),
            S.ACCEPTED,
            hidden=True,
        )
        db.session.commit()
        public_code, hidden_code = public.code, hidden.code
    assert client.get(f"/institutions/{inst.id}/sessions/new").status_code == 302  # login first
    auth.login("ia@example.org")
    assert client.get(f"/institutions/{other.id}/sessions/new").status_code == 403
    today = local_today()
    data = {
        "held_on": today.isoformat(),
        "place": "Salón municipal",
        "notes": "Primera rendición.",
        "observations": f"{public_code} {hidden_code}",
        "report": (io.BytesIO(_pdf()), "informe.pdf"),
    }
    response = client.post(
        f"/institutions/{inst.id}/sessions/new", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 400  # the hidden one is not a public observation
    assert "not public observations" in response.get_data(as_text=True)
    future = {**data, "held_on": (today + timedelta(days=1)).isoformat(), "observations": ""}
    future["report"] = (io.BytesIO(_pdf()), "informe.pdf")
    response = client.post(
        f"/institutions/{inst.id}/sessions/new", data=future, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "A session can be recorded once it has been held" in html
    assert "Primera rendición." in html  # the form comes back as typed
    data["observations"] = public_code
    data["report"] = (io.BytesIO(_pdf()), "informe.pdf")
    response = client.post(
        f"/institutions/{inst.id}/sessions/new", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    page = client.get(f"/institutions/{inst.id}").get_data(as_text=True)
    assert "Salón municipal" in page and public_code in page
    assert "a session was held" in page
    with app.app_context():
        session = db.session.scalar(select(AccountabilitySession))
        assert session.semester == sessions.semester_of(today)
        session_id = session.id
    with client.get(f"/accountability/sessions/{session_id}/report") as report:
        assert report.status_code == 200 and report.data.startswith(b"%PDF")
        assert b"Wilfreda" not in report.data  # cleaned: no document information
    missing = client.get("/accountability/sessions").get_data(as_text=True)
    this_semester = missing.split(f'id="semester-{sessions.semester_of(today)}"')[1]
    this_semester = this_semester.split("</section>")[0]
    assert "Otra" in this_semester and "Gobernación de Prueba" not in this_semester
    # Earlier semesters are listed too: the institution held none then.
    earlier = sessions.previous_semester(sessions.semester_of(today))
    before = missing.split(f'id="semester-{earlier}"')[1].split("</section>")[0]
    assert "Gobernación de Prueba" in before and "Otra" in before
    response = client.post(f"/institutions/{inst.id}/sessions/{session_id}/delete")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccountabilitySession)) == 0


def test_counts_agree_with_the_conditions_in_every_scope_shape(fixture_rows):
    """The grouped queries (one arm per month, hidden rows subtracted) give what each figure's
    SQL condition counts directly, for scopes with and without filters."""
    from app.institutions.models import Institution

    kind = db.session.get(Institution, fixture_rows["a"]).kind
    # One observation with no institution yet (submitted, in scope): counted as received.
    loose = _row(_filer_or_existing(), None, utc(2026, 3, 20), S.SUBMITTED)
    db.session.commit()
    scopes = [
        SCOPE,
        figure_scope.Scope(date(2026, 3, 1), date(2026, 3, 1)),
        figure_scope.Scope(SCOPE.start, SCOPE.end, kind=str(kind.value)),
        figure_scope.Scope(SCOPE.start, SCOPE.end, department_id=loose.department_id),
        figure_scope.Scope(SCOPE.start, SCOPE.end, institution_id=fixture_rows["b"]),
    ]
    conds = figure_scope.conditions(TODAY)
    for scope in scopes:
        figures = services.figures_for(scope, TODAY)
        for name, condition in conds.items():
            expected = db.session.scalar(
                select(func.count())
                .select_from(Observation)
                .outerjoin(ObservationFigures, ObservationFigures.observation_id == Observation.id)
                .where(*figure_scope.scope_where(scope), condition)
            )
            assert getattr(figures.counts, name) == expected, (scope, name)
        for month in figures.months:
            one = services.figures_for(
                figure_scope.with_period(scope, month.start, month.start), TODAY
            )
            assert one.counts == month.counts, (scope, month.start)


def _filer_or_existing() -> User:
    return db.session.scalar(select(User).where(User.email == "filer.acc@example.org"))


def test_institution_and_territory_filters_offer_their_options(client, fixture_rows):
    """The kind and category selects list their choices (not only through the URL)."""
    for url in (f"/institutions/{fixture_rows['a']}", "/territories/BO-H"):
        html = client.get(url).get_data(as_text=True)
        kinds = html.split('name="kind"')[1].split("</select>")[0]
        categories = html.split('name="category"')[1].split("</select>")[0]
        assert 'value="municipal_government"' in kinds, url
        assert kinds.count("<option") == 1 + len(list(InstitutionKind)), url
        assert categories.count("<option") >= 2, url
