"""The responder inbox: isolation between institutions, tab membership and counts with a frozen
"today" across the Carnaval weekend (Mon 16 and Tue 17 Feb 2026), search, reporter protection,
permissions and a constant number of queries."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask

from app.accounts.models import Role
from app.core.workdays import WorkCalendar, working_days_between
from app.extensions import db
from app.inbox import services as inbox
from app.observations.models import (
    AdminHoliday,
    HolidayScope,
    IdentityLevel,
    Observation,
    ObservationState,
)
from tests import factories
from tests.conftest import count_queries
from tests.conftest import logged_in as login

#: Friday before Carnaval: the next working days are Wed 18, Thu 19 and Fri 20 February.
FRIDAY = date(2026, 2, 13)
_codes = itertools.count(1)


@pytest.fixture
def frozen_today(monkeypatch: pytest.MonkeyPatch):
    """Freeze the inbox's "today"; returns a setter to move it."""
    today = {"value": FRIDAY}
    monkeypatch.setattr(inbox, "local_today", lambda now=None: today["value"])

    def move(day: date) -> None:
        today["value"] = day

    return move


def add(
    institution_id: int,
    filer_id: int,
    state: str,
    due: date | None = None,
    *,
    title: str = "Obra paralizada en el distrito 6",
    description: str = "Desde marzo no hay trabajadores en la obra.",
    identity: str = "public",
    organisation: str = "",
) -> Observation:
    """An observation in ``state`` (read-side tests: the lifecycle is tested elsewhere)."""
    created = Observation(
        code=f"CS-2026-{next(_codes):05d}",
        filer_id=filer_id,
        institution_id=institution_id,
        category=factories.category(),
        title=title,
        description=description,
        identity=IdentityLevel(identity),
        organisation_name=organisation,
        state=ObservationState(state),
        accepted_at=datetime(2026, 1, 5, 14, tzinfo=UTC),
        clock_start=date(2026, 1, 5),
        deadline_days=15,
        due_date=due,
    )
    db.session.add(created)
    db.session.flush()
    return created


def codes_on(html: str) -> list[str]:
    return re.findall(r">(CS-\d{4}-\d{5})</a>", html)


def tab_counts(html: str) -> dict[str, int]:
    """The count shown on each tab link, by tab key."""
    found = {}
    for href, count in re.findall(r'<a href="(/inbox[^"]*)"[^>]*>[^<(]+\((\d[\d,.]*)\)</a>', html):
        match = re.search(r"tab=(\w+)", href)
        found[match.group(1) if match else "all"] = int(re.sub(r"\D", "", count))
    return found


@pytest.fixture
def scene(app: Flask, make_user, make_institution):
    """Institution A (ours) with one observation of each kind around FRIDAY, institution B with
    its own; a responder for each."""
    mine = make_institution("Gobierno Autónomo Municipal de Ayllu")
    other = make_institution("Ministerio Ajeno")
    make_user(role=Role.RESPONDER, institution=mine, email="a@example.org")
    make_user(role=Role.RESPONDER, institution=other, email="b@example.org")
    filer = make_user(email="filer@example.org", display_name="Filomena Pública")
    with app.app_context():
        a, b = mine.id, other.id
        rows = {
            "new_soon": add(a, filer.id, "accepted", date(2026, 2, 20)),
            "new_later": add(a, filer.id, "accepted", date(2026, 2, 23)),
            "due_today": add(a, filer.id, "acknowledged", FRIDAY),
            "late_1": add(a, filer.id, "acknowledged", date(2026, 2, 12)),
            "late_10": add(a, filer.id, "acknowledged", date(2026, 1, 30)),
            "clarification": add(a, filer.id, "clarification_requested", None),
            "answered": add(a, filer.id, "answered", date(2026, 1, 20)),
            "disputed": add(a, filer.id, "disputed", date(2026, 1, 21)),
            "resolved": add(a, filer.id, "resolved", date(2026, 1, 10)),
            "closed": add(a, filer.id, "closed", date(2026, 1, 9)),
            # Never in an inbox: not accepted by moderation (yet, or at all).
            "submitted": add(a, filer.id, "submitted", None),
            "rejected": add(a, filer.id, "rejected", None),
            # Institution B's, one per tab it could wrongly land in.
            "b_new": add(b, filer.id, "accepted", date(2026, 2, 18), title="Asunto ajeno B"),
            "b_late": add(b, filer.id, "acknowledged", date(2026, 2, 2), title="Asunto ajeno B"),
            "b_closed": add(b, filer.id, "closed", date(2026, 1, 2), title="Asunto ajeno B"),
        }
        codes = {key: o.code for key, o in rows.items()}
        db.session.commit()
    return {"codes": codes, "mine": mine.id, "other": other.id}


EXPECTED = {
    "all": [
        # by due date, none last
        "closed",
        "resolved",
        "answered",
        "disputed",
        "late_10",
        "late_1",
        "due_today",
        "new_soon",
        "new_later",
        "clarification",
    ],
    # Nobody is assigned in this scene: "unassigned" is every one not resolved or closed.
    "mine": [],
    "unassigned": [
        "answered",
        "disputed",
        "late_10",
        "late_1",
        "due_today",
        "new_soon",
        "new_later",
        "clarification",
    ],
    "new": ["new_soon", "new_later"],
    "due_soon": ["due_today", "new_soon"],
    "overdue": ["late_10", "late_1"],
    "clarification": ["clarification"],
    "answered": ["answered"],
    "closed": ["closed", "resolved"],
}


def test_tabs_membership_order_and_counts(app, scene, frozen_today) -> None:
    client = login(app, "a@example.org")
    codes = scene["codes"]
    for tab, keys in EXPECTED.items():
        response = client.get("/inbox" if tab == "all" else f"/inbox?tab={tab}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert codes_on(html) == [codes[k] for k in keys], tab
        assert tab_counts(html) == {t: len(k) for t, k in EXPECTED.items()}
        for key in ("submitted", "rejected", "b_new", "b_late", "b_closed"):
            assert codes[key] not in html
    # An unknown tab is the default one.
    html = client.get("/inbox?tab=nonsense").get_data(as_text=True)
    assert codes_on(html) == [codes[k] for k in EXPECTED["all"]]


def test_every_tab_is_defined_on_the_page(app, scene, frozen_today) -> None:
    html = login(app, "a@example.org").get("/inbox?tab=due_soon").get_data(as_text=True)
    assert html.count("within the next 3 working days; weekends and holidays do not count") == 2
    with app.test_request_context(headers={"Accept-Language": "en"}):
        sentences = inbox.definitions()
    assert set(sentences) == set(inbox.TAB_KEYS)
    for sentence in sentences.values():
        assert sentence.replace("'", "&#39;") in html


def test_deadline_notes_in_working_days(app, scene, frozen_today) -> None:
    html = login(app, "a@example.org").get("/inbox").get_data(as_text=True)
    rows = {code: row for row in html.split("<tr>")[1:] for code in codes_on(row)}
    codes = scene["codes"]
    # Carnaval (Mon 16, Tue 17) does not count: Wed 18, Thu 19, Fri 20.
    assert "Due in 3 working days" in rows[codes["new_soon"]]
    assert "Due in 4 working days" in rows[codes["new_later"]]
    assert "Due today" in rows[codes["due_today"]]
    assert "Overdue by 1 working day<" in rows[codes["late_1"]]
    # 2 to 6 and 9 to 13 February.
    assert "Overdue by 10 working days" in rows[codes["late_10"]]
    for key in ("clarification", "answered", "disputed", "resolved", "closed"):
        assert "working day" not in rows[codes[key]], key
        assert "Overdue" not in rows[codes[key]], key


def test_due_soon_across_the_carnaval_weekend(app, scene, frozen_today) -> None:
    client = login(app, "a@example.org")
    codes = scene["codes"]

    def due_soon() -> list[str]:
        return codes_on(client.get("/inbox?tab=due_soon").get_data(as_text=True))

    # Friday 13: cut-off Friday 20 (Carnaval skipped), so the 23rd is not due soon yet.
    assert due_soon() == [codes["due_today"], codes["new_soon"]]
    # Saturday 14: still Wed 18, Thu 19, Fri 20. Friday 13 is now overdue, by 0 working days.
    frozen_today(date(2026, 2, 14))
    assert due_soon() == [codes["new_soon"]]
    html = client.get("/inbox?tab=overdue").get_data(as_text=True)
    assert codes[("due_today")] in codes_on(html)
    assert re.search(r'class="overdue">Overdue</strong>', html)
    # Thursday 19: Fri 20, Mon 23, Tue 24.
    frozen_today(date(2026, 2, 19))
    assert due_soon() == [codes["new_soon"], codes["new_later"]]
    # Tuesday 24: the 23rd has passed.
    frozen_today(date(2026, 2, 24))
    assert due_soon() == []
    overdue = codes_on(client.get("/inbox?tab=overdue").get_data(as_text=True))
    assert overdue[-2:] == [codes["new_soon"], codes["new_later"]]


def test_cutoff_uses_national_and_the_institutions_admin_holidays(app, scene) -> None:
    with app.app_context():
        calendar = inbox.inbox_calendar(scene["mine"])
        assert inbox.due_soon_cutoff(FRIDAY, calendar) == date(2026, 2, 20)
        assert inbox.due_soon_cutoff(date(2026, 2, 19), calendar) == date(2026, 2, 24)
        # Another institution's holiday does not move ours; our own does.
        db.session.add_all(
            [
                AdminHoliday(
                    on_date=date(2026, 2, 19),
                    name="Aniversario ajeno",
                    scope=HolidayScope.INSTITUTION,
                    institution_id=scene["other"],
                ),
                AdminHoliday(
                    on_date=date(2026, 2, 20),
                    name="Aniversario",
                    scope=HolidayScope.INSTITUTION,
                    institution_id=scene["mine"],
                ),
            ]
        )
        db.session.commit()
        calendar = inbox.inbox_calendar(scene["mine"])
        assert inbox.due_soon_cutoff(FRIDAY, calendar) == date(2026, 2, 23)
        counts = inbox.tab_counts(scene["mine"], FRIDAY, date(2026, 2, 23))
        assert counts["due_soon"] == 3


def test_working_day_counter_agrees_with_workdays() -> None:
    calendar = WorkCalendar()
    first, last = date(2025, 12, 20), date(2026, 4, 10)
    counter = inbox.WorkingDayCounter(calendar, first, last)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    for start in days[::3]:
        for end in days[::4]:
            expected = working_days_between(start, end, calendar)
            assert counter.between(start, end) == expected, (start, end)
    with pytest.raises(ValueError):
        counter.between(first - timedelta(days=1), last)


def test_another_institution_never_sees_our_inbox(app, scene, frozen_today) -> None:
    codes = scene["codes"]
    ours = [codes[k] for k in EXPECTED["all"]]
    client = login(app, "b@example.org")
    for url in [
        "/inbox",
        *(f"/inbox?tab={tab}" for tab in EXPECTED),
        f"/inbox?q={codes['late_1']}",
        f"/inbox?tab=overdue&q={codes['late_1']}",
        "/inbox?q=paralizada",
        "/inbox?q=distrito+6",
        "/inbox?q=CS-2026",
    ]:
        html = client.get(url).get_data(as_text=True)
        assert not set(ours) & set(codes_on(html)), url
        assert "Obra paralizada" not in html, url
    html = client.get("/inbox").get_data(as_text=True)
    assert codes_on(html) == [codes["b_closed"], codes["b_late"], codes["b_new"]]
    assert tab_counts(html) == {
        "all": 3,
        "mine": 0,
        "unassigned": 2,
        "new": 1,
        "due_soon": 1,
        "overdue": 1,
        "clarification": 0,
        "answered": 0,
        "closed": 1,
    }
    assert "Ministerio Ajeno" in html
    assert "Ayllu" not in html


def test_search_by_code_and_by_words(app, make_user, make_institution, frozen_today) -> None:
    mine = make_institution()
    make_user(role=Role.RESPONDER, institution=mine, email="a@example.org")
    filer = make_user()
    with app.app_context():
        water = add(
            mine.id,
            filer.id,
            "acknowledged",
            date(2026, 3, 2),
            title="Tanque de AGUA sin terminar",
            description="La obra está parada.",
        )
        pipes = add(
            mine.id,
            filer.id,
            "answered",
            date(2026, 2, 2),
            title="Cañerías rotas",
            description="Sin agua potable desde hace 100% de los días.",
        )
        school = add(
            mine.id,
            filer.id,
            "accepted",
            date(2026, 3, 3),
            title="Escuela_sin techo",
            description="Las aulas no tienen techo.",
        )
        db.session.commit()
        water_code, pipes_code, school_code = water.code, pipes.code, school.code
    client = login(app, "a@example.org")

    def found(query: str, tab: str = "") -> list[str]:
        url = f"/inbox?q={query}" + (f"&tab={tab}" if tab else "")
        return codes_on(client.get(url).get_data(as_text=True))

    number = int(pipes_code.rsplit("-", 1)[1])
    assert found(pipes_code) == [pipes_code]
    assert found(f"cs+2026+{number}") == [pipes_code]
    assert found(f"2026-{number}") == [pipes_code]
    # Words: case ignored, every word must appear, in the title or the description.
    assert found("agua") == [pipes_code, water_code]
    assert found("Agua+TANQUE") == [water_code]
    assert found("agua+techo") == []
    # LIKE wildcards are taken literally.
    assert found("100%25") == [pipes_code]
    assert found("%25") == [pipes_code]
    assert found("escuela_sin") == [school_code]
    assert found("a_ua") == []
    # A search stays within the tab, and the tab counts follow the search.
    assert found("agua", tab="answered") == [pipes_code]
    html = client.get("/inbox?q=agua").get_data(as_text=True)
    assert tab_counts(html)["all"] == 2
    assert tab_counts(html)["answered"] == 1
    assert tab_counts(html)["new"] == 0
    assert 'href="/inbox?tab=answered&amp;q=agua"' in html
    assert "No observation in this tab matches the search." in client.get(
        "/inbox?q=nada+de+esto"
    ).get_data(as_text=True)


def test_filer_shown_only_as_filer_visible_allows(app, make_user, make_institution) -> None:
    mine = make_institution()
    make_user(role=Role.RESPONDER, institution=mine, email="a@example.org")
    public = make_user(display_name="Pública Mamani")
    hidden = make_user(display_name="Oculta Quispe")
    secret = make_user(display_name="Secreta Condori")
    with app.app_context():
        add(mine.id, public.id, "accepted", date(2026, 3, 2))
        add(mine.id, hidden.id, "accepted", date(2026, 3, 3), identity="hidden")
        add(
            mine.id,
            secret.id,
            "accepted",
            date(2026, 3, 4),
            identity="confidential",
            organisation="Junta Vecinal Reservada",
        )
        db.session.commit()
    for url in ("/inbox", "/inbox?tab=new", "/inbox?q=Secreta", "/inbox?q=Reservada"):
        html = login(app, "a@example.org").get(url).get_data(as_text=True)
        assert "Secreta" not in html.replace("q=Secreta", "").replace('value="Secreta"', "")
        assert "Condori" not in html
        assert "Reservada" not in html.replace("q=Reservada", "").replace('value="Reservada"', "")
    html = login(app, "a@example.org").get("/inbox").get_data(as_text=True)
    assert "Pública Mamani" in html
    # Hidden from the public, not from the institution that must answer.
    assert "Oculta Quispe" in html
    assert html.count("Identity protected") == 1


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (None, 302),
        (Role.CITIZEN, 403),
        (Role.MODERATOR, 403),
        (Role.ADMIN, 403),
        ("responder without institution", 403),
        ("responder", 200),
    ],
)
def test_who_may_open_the_inbox(app, make_user, make_institution, who, expected) -> None:
    email = None
    if who == "responder":
        email = make_user(role=Role.RESPONDER, institution=make_institution()).email
    elif who == "responder without institution":
        email = make_user(role=Role.RESPONDER).email
    elif who is not None:
        email = make_user(role=who).email
    client = login(app, email)
    response = client.get("/inbox")
    assert response.status_code == expected
    if expected == 302:
        assert "/login" in response.headers["Location"]
    home = client.get("/").get_data(as_text=True)
    assert ('href="/inbox"' in home) is (expected == 200)


def test_constant_number_of_queries(app, make_user, make_institution, frozen_today) -> None:
    small = make_institution("Pequeña")
    large = make_institution("Grande")
    make_user(role=Role.RESPONDER, institution=small, email="small@example.org")
    make_user(role=Role.RESPONDER, institution=large, email="large@example.org")
    filers = [make_user() for _ in range(3)]
    kinds = [
        ("accepted", 5),
        ("acknowledged", -3),
        ("acknowledged", 1),
        ("clarification_requested", None),
        ("answered", -20),
        ("closed", -40),
    ]
    identities = ["public", "hidden", "confidential"]
    with app.app_context():
        for institution, size in ((small, 5), (large, 60)):
            for n in range(size):
                state, offset = kinds[n % len(kinds)]
                add(
                    institution.id,
                    filers[n % 3].id,
                    state,
                    None if offset is None else FRIDAY + timedelta(days=offset + n % 7),
                    identity=identities[n % 3],
                    title=f"Agua {n}",
                )
        db.session.commit()
    for url in ("/inbox", "/inbox?tab=overdue", "/inbox?q=agua", "/inbox?page=2"):
        counts = []
        for email in ("small@example.org", "large@example.org"):
            client = login(app, email)
            client.get(url)  # warm up (translations, holiday tables)
            with count_queries(app) as statements:
                assert client.get(url).status_code == 200
            counts.append(len(statements))
        assert counts[0] == counts[1], (url, counts)
        assert counts[1] <= 8, counts


def test_pages_of_fifty_with_shareable_links(app, make_user, make_institution) -> None:
    mine = make_institution()
    make_user(role=Role.RESPONDER, institution=mine, email="a@example.org")
    filer = make_user()
    with app.app_context():
        made = [
            add(mine.id, filer.id, "accepted", date(2026, 3, 1) + timedelta(days=n % 30))
            for n in range(60)
        ]
        expected = [o.code for o in sorted(made, key=lambda o: (o.due_date, o.id))]
        db.session.commit()
    client = login(app, "a@example.org")
    first = client.get("/inbox?tab=new&q=obra").get_data(as_text=True)
    assert codes_on(first) == expected[:50]
    assert "Page 1 of 2" in first
    assert 'href="/inbox?tab=new&amp;q=obra&amp;page=2"' in first
    second = client.get("/inbox?tab=new&q=obra&page=2").get_data(as_text=True)
    assert codes_on(second) == expected[50:]


def test_inbox_bench_runs_at_tiny_scale(tmp_path) -> None:
    """bench/inbox_page.py builds its database by the migrations and measures every page (the
    figures are benchmarks, docs/performance.md; here only that it runs, in constant queries)."""
    from bench import inbox_page

    target = tmp_path / "inbox.db"
    lines: list[str] = []
    counts = inbox_page.build(target, observations=120, others=30, out=lines.append)
    assert counts["observations"] == 150
    results = inbox_page.run(target, runs=2, warmup=1, out=lines.append)
    assert [r.page.label for r in results] == [p.label for p in inbox_page.pages()]
    for result in results:
        assert len(result.times_ms) == 2
        assert result.queries == result.queries_max > 0
    assert len({r.queries for r in results}) == 1
    with pytest.raises(SystemExit, match="--reset"):
        inbox_page.build(target, observations=1, out=lines.append)
