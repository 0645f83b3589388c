"""Plan pages (issue 19): the list with its filters and figures, one plan's program tree with
rolled-up progress and budget totals, the milestone timeline's marks, counts that leave out what
the public may not see, and a fixed number of queries whatever the plan's size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.core.clock import local_today
from app.core.db import utcnow
from app.extensions import db
from app.institutions.models import Institution, InstitutionKind
from app.plans import services
from app.programs import services as program_services
from app.programs.models import Milestone, Plan, PlanType, Program
from tests import factories
from tests.conftest import count_queries, rendered


@dataclass
class World:
    ids: dict[str, int]


def _program(plan: Plan, code: str, parent: Program | None = None, **fields: Any) -> Program:
    return factories.program(
        titles={"es": f"Programa {code}", "en": f"Program {code}"},
        code=code,
        plan=plan,
        parent=parent,
        **fields,
    )


def _milestone(program: Program, days: int, done: int | None = None) -> Milestone:
    today = local_today()
    milestone = Milestone(
        program=program,
        on_date=today + timedelta(days=days),
        done_on=None if done is None else today + timedelta(days=done),
        titles={"es": f"Hito {program.code} {days}", "en": f"Milestone {program.code} {days}"},
    )
    db.session.add(milestone)
    return milestone


def build(app: Flask) -> World:
    """Plan 1 (PTDI of Chuquisaca): A (weight 1) > A.1 (w1, 20%) and A.2 (w3) > A.2.1 (60%);
    B (weight 3, 10%). Plan 2: a ministry's PEI without programs. Plan 3: a POA of Sucre (a
    municipality of Chuquisaca, no department on the plan)."""
    with app.app_context():
        chuquisaca = factories.department("BO-H", "Chuquisaca")
        factories.department("BO-L", "La Paz")
        sucre = factories.municipality("010101", "Sucre", chuquisaca)
        gad = factories.institution("Gobierno Autónomo Departamental de Chuquisaca", "GADCH")
        ministry = Institution(
            names={"es": "Ministerio de Salud"}, acronym="MSYD", kind=InstitutionKind.MINISTRY
        )
        db.session.add(ministry)
        plan = factories.plan(gad, PlanType.PTDI)
        plan.department = chuquisaca
        plan.titles = {"es": "PTDI Chuquisaca", "en": "Chuquisaca PTDI"}
        pei = factories.plan(ministry, PlanType.PEI)
        pei.titles = {"es": "PEI Salud"}
        poa = factories.plan(gad, PlanType.POA)
        poa.municipality = sucre
        poa.titles = {"es": "POA Sucre"}
        a = _program(plan, "A", budget_bob=Decimal("1000.00"), weight=1)
        a1 = _program(plan, "A.1", a, budget_bob=Decimal("200.00"), weight=1)
        a2 = _program(plan, "A.2", a, budget_bob=Decimal("300.00"), weight=3)
        a21 = _program(plan, "A.2.1", a2, budget_bob=Decimal("50.50"), weight=1)
        b = _program(plan, "B", weight=3)
        db.session.flush()
        program_services.set_progress(a1, 20)
        program_services.set_progress(a21, 60)
        program_services.set_progress(b, 10)
        a.comment_count, a1.comment_count = 4, 2
        # Not in the plan: its comments and observations do not count.
        elsewhere = _program(poa, "Z", comment_count=7)
        filer = factories.user("filer.plans@example.org")
        seen = factories.observation(filer, state="accepted", program=a1, title="Vista A1")
        factories.observation(filer, state="submitted", program=a1, title="Sin aceptar")
        hidden = factories.observation(filer, state="accepted", program=b, title="Oculta")
        hidden.hidden_at = utcnow()
        factories.observation(filer, state="accepted", program=b, title="Vista B")
        factories.observation(filer, state="accepted", program=elsewhere, title="Otro plan")
        _milestone(a, -10, done=-12)  # reached
        _milestone(a1, -1)  # late: yesterday, not reached
        _milestone(a21, 0)  # ahead: due today
        _milestone(b, 30)  # ahead
        db.session.commit()
        return World(
            {
                "plan": plan.id,
                "pei": pei.id,
                "poa": poa.id,
                "gad": gad.id,
                "ministry": ministry.id,
                "a": a.id,
                "a1": a1.id,
                "a2": a2.id,
                "a21": a21.id,
                "b": b.id,
                "seen": seen.id,
            }
        )


def _alive(app: Flask, world: World) -> bool:
    with app.app_context():
        return db.session.get(Plan, world.ids["plan"]) is not None


@pytest.fixture
def world(app, worlds) -> World:
    return worlds.get("plans", lambda: build(app), lambda w: _alive(app, w))


def _detail(app: Flask, client, plan_id: int, query: str = "") -> tuple[str, dict[str, Any]]:
    with rendered(app) as contexts:
        response = client.get(f"/plans/{plan_id}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True), contexts[0]


def test_tree_rollup_and_budget_totals(app, client, world):
    html, context = _detail(app, client, world.ids["plan"])
    figures = context["figures"]
    # A = round((20·1 + 60·3) / 4) = 50; the plan = round((50·1 + 10·3) / 4) = 20.
    assert figures.progress == 20
    assert (figures.programs, figures.top_level, figures.comments) == (5, 2, 6)
    assert figures.budget == Decimal("1550.50")
    roots = context["tree"].items
    assert [n.program.code for n in roots] == ["A", "B"]
    a, b = roots
    assert (a.program.progress, b.program.progress) == (50, 10)
    assert [c.program.code for c in a.children] == ["A.1", "A.2"]
    a2 = a.children[1]
    assert a2.program.progress == 60
    assert [c.program.code for c in a2.children] == ["A.2.1"]
    assert (a.subtree_budget, a.descendants) == (Decimal("1550.50"), 3)
    assert (a2.subtree_budget, a2.descendants) == (Decimal("350.50"), 1)
    assert (b.subtree_budget, b.descendants) == (None, 0)
    assert a.not_shown == 0
    # Shown as nested lists, with the totals written out.
    assert html.count('<ul class="plan-tree">') == 1
    assert "BOB" in html and "1,550.50" in html and "350.50" in html
    assert "No budget published" in html
    assert f'href="/programs/{world.ids["a21"]}"' in html


def test_counts_leave_out_hidden_and_unaccepted_observations(app, client, world):
    _html, context = _detail(app, client, world.ids["plan"])
    # Public: "Vista A1" and "Vista B"; not the submitted one, the hidden one, nor another plan's.
    assert context["observation_total"] == 2
    by_code = {}
    stack = list(context["tree"].items)
    while stack:
        node = stack.pop()
        by_code[node.program.code] = node
        stack += node.children
    assert by_code["A.1"].observations == 1
    assert by_code["B"].observations == 1
    assert by_code["A"].observations == 0
    assert by_code["A.1"].program.comment_count == 2


def test_milestone_marks(app, client, world):
    html, context = _detail(app, client, world.ids["plan"])
    counts = context["milestone_counts"]
    assert (counts.done, counts.due, counts.late, counts.total) == (1, 2, 1, 4)
    states = [m.state(context["today"]).value for m in context["milestones"].items]
    assert states == ["done", "late", "due", "due"]
    # Each mark is printed beside its milestone, with the program it belongs to.
    assert html.count('class="milestone-done"') == 1
    assert html.count('class="milestone-late"') == 1
    assert html.count('class="milestone-due"') == 2
    assert "Milestone A.1 -1" in html and "A.1 · Program A.1" in html


def test_institution_and_territory_links(client, world):
    html = client.get(f"/plans/{world.ids['plan']}").get_data(as_text=True)
    assert f'href="/institutions/{world.ids["gad"]}"' in html
    assert 'href="/territories/BO-H"' in html
    assert "Chuquisaca PTDI" in html  # the reader's language
    poa = client.get(f"/plans/{world.ids['poa']}").get_data(as_text=True)
    # A municipal plan links the municipality and its department.
    assert 'href="/territories/010101"' in poa and 'href="/territories/BO-H"' in poa
    pei = client.get(f"/plans/{world.ids['pei']}").get_data(as_text=True)
    assert "This plan has no programs yet." in pei and "No milestones yet." in pei


def test_unknown_plan_is_not_found(client, world):
    for path in ("/plans/999999", "/plans/0", "/plans/99999999999999999999", "/plans/abc"):
        assert client.get(path).status_code == 404, path


def test_linked_from_program_institution_and_navigation(client, world):
    plan_link = f'href="/plans/{world.ids["plan"]}"'
    assert plan_link in client.get(f"/programs/{world.ids['a1']}").get_data(as_text=True)
    institution = client.get(f"/institutions/{world.ids['gad']}").get_data(as_text=True)
    assert plan_link in institution and f'href="/plans/{world.ids["poa"]}"' in institution
    assert 'href="/plans"' in client.get("/").get_data(as_text=True)


def _listed(app: Flask, client, query: str) -> list[int]:
    with rendered(app) as contexts:
        response = client.get(f"/plans{query}")
    assert response.status_code == 200
    return [plan.id for plan in contexts[0]["page"].items]


def test_list_shows_figures_in_planning_order(app, client, world):
    with rendered(app) as contexts:
        html = client.get("/plans").get_data(as_text=True)
    ids = world.ids
    assert [p.id for p in contexts[0]["page"].items] == [ids["plan"], ids["pei"], ids["poa"]]
    figures = contexts[0]["figures"]
    assert (figures[ids["plan"]].programs, figures[ids["plan"]].progress) == (5, 20)
    assert ids["pei"] not in figures  # no programs: the page shows zeros
    assert "5 programs" in html and "0 programs" in html and "1 program" in html
    assert "Territorial Plan for Integral Development (PTDI)" in html


def test_list_filters(app, client, world):
    ids = world.ids
    assert _listed(app, client, "?type=PEI") == [ids["pei"]]
    assert _listed(app, client, f"?institution={ids['gad']}") == [ids["plan"], ids["poa"]]
    # A department's plans include those of its municipalities.
    assert _listed(app, client, "?department=BO-H") == [ids["plan"], ids["poa"]]
    assert _listed(app, client, "?department=BO-L") == []
    assert _listed(app, client, f"?type=POA&department=BO-H&institution={ids['gad']}") == [
        ids["poa"]
    ]
    # Nonsense is no filter (or finds nothing), never an error.
    everything = [ids["plan"], ids["pei"], ids["poa"]]
    assert _listed(app, client, "?type=XYZ&institution=abc") == everything
    assert _listed(app, client, "?institution=99999999999999999999&page=-3") == everything
    assert _listed(app, client, "?department=" + "x" * 500) == []
    assert _listed(app, client, "?page=99999999") == []


def _queries(app: Flask, client, url: str) -> int:
    with count_queries(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_fixed_queries_and_a_big_plan_stays_usable(app, client, world):
    ids = world.ids
    urls = [f"/plans/{ids['plan']}", "/plans", f"/plans/{ids['plan']}?page=2&milestones=1"]
    before = [_queries(app, client, url) for url in urls]
    with app.app_context():
        plan = db.session.get(Plan, ids["plan"])
        poa = db.session.get(Plan, ids["poa"])
        filer = factories.user("filer.plans@example.org")
        # 30 more top-level programs (four pages of 10), one with 60 sub-programs, each with a
        # milestone and an observation; more plans for the list.
        for n in range(30):
            root = _program(plan, f"C{n:02d}", budget_bob=Decimal("10.00"))
            _milestone(root, n - 15)
            factories.observation(filer, state="accepted", program=root, title=f"Obs {n}")
        big = db.session.scalar(select(Program).where(Program.code == "C00"))
        for n in range(30):
            child = _program(plan, f"C00.{n:02d}", big, budget_bob=Decimal("1.00"))
            _program(plan, f"C00.{n:02d}.1", child, budget_bob=Decimal("0.50"))
        for n in range(25):
            extra = factories.plan(poa.institution, PlanType.POA)
            extra.titles = {"es": f"POA {n}"}
        db.session.commit()
    assert [_queries(app, client, url) for url in urls] == before

    _html, context = _detail(app, client, ids["plan"])
    tree = context["tree"]
    assert services.ROOTS_PER_PAGE == 10 and services.SHOWN_PER_ROOT == 15
    assert (tree.total, tree.pages, len(tree.items)) == (32, 4, 10)
    first = tree.items[0]
    assert first.program.code == "A"
    html, context = _detail(app, client, ids["plan"], "?page=1")
    assert "45 more sub-programs are not listed here" in html
    big = next(n for n in context["tree"].items if n.program.code == "C00")
    # 60 sub-programs at two levels: 15 shown, 45 counted and linked; totals cover them all.
    shown = []
    stack = list(big.children)
    while stack:
        node = stack.pop()
        shown.append(node)
        stack += node.children
    assert (big.descendants, len(shown), big.not_shown) == (60, 15, 45)
    assert big.subtree_budget == Decimal("10.00") + 30 * Decimal("1.50")
    html, context = _detail(app, client, ids["plan"], "?page=4")
    assert [n.program.code for n in context["tree"].items] == ["C28", "C29"]
    assert "more sub-programs are not listed here" not in html
    # The timeline opens on the page holding the next milestone: 34 milestones, 17 before today.
    counts = context["milestone_counts"]
    assert (counts.total, counts.before_today) == (34, 17)
    milestones = context["milestones"]
    assert (milestones.number, milestones.pages) == (1, 2)
    _html, context = _detail(app, client, ids["plan"], "?milestones=2")
    assert context["milestones"].number == 2 and len(context["milestones"].items) == 14
    _html, context = _detail(app, client, ids["plan"], "?milestones=999&page=999")
    assert context["milestones"].number == 2 and context["tree"].number == 4
    with app.app_context():
        for n in range(10):
            _milestone(db.session.get(Program, ids["b"]), -100 - n, done=-100)
        db.session.commit()
    # 27 of 44 before today: the default page is the second, where the 28th (today's) is.
    _html, context = _detail(app, client, ids["plan"])
    assert (context["milestones"].number, context["milestones"].pages) == (2, 3)
    assert context["milestones"].items[7].on_date == local_today()


def test_program_tree_stops_at_the_depth_bound(app_ctx):
    plan = factories.plan()
    parent = _program(plan, "L0")
    for depth in range(1, services.MAX_DEPTH + 4):
        parent = _program(plan, f"L{depth}", parent)
    db.session.flush()
    page = services.program_tree(plan, 1, 1)
    root = page.items[0]
    assert root.descendants == services.MAX_DEPTH
