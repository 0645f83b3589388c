"""Assignment inside an institution (issue 17): a responder takes an observation, assigns it to a
colleague or releases it; the assignee is told; the inbox has "Assigned to me" and "Unassigned"
tabs; a transfer ends the assignment; nothing of it is public. A change is a compare-and-set on
the assignee the page showed: a stale page gets 409 with who handles it now."""

from __future__ import annotations

import re
import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.accounts.models import Role, User
from app.core.db import utcnow
from app.extensions import db
from app.inbox import assignment
from app.inbox.models import Assignment
from app.institutions.models import Institution
from app.notifications import preferences
from app.notifications.models import Category, Delivery, Notification
from app.observations.models import Observation, ObservationState
from tests import factories
from tests.concurrency import run_together
from tests.conftest import PASSWORD, count, count_queries, fetch
from tests.conftest import logged_in as login

NOT_COLLEAGUE = "Choose a responder of your institution who can act on it."
CHANGED = "Someone else changed who handles this observation while you were looking at it"


@pytest.fixture
def scene(app: Flask, make_user, make_institution) -> dict:
    """Institution GAMS with three responders (Beto suspended), MOP with one; an observation
    accepted and forwarded to GAMS."""
    gams = make_institution("Gobierno Autónomo Municipal de Sucre", acronym="GAMS")
    mop = make_institution("Ministerio de Obras Públicas", acronym="MOP")
    people = {
        "ana": make_user(
            email="ana@example.org",
            role=Role.RESPONDER,
            institution=gams,
            display_name="Ana Quispe",
        ),
        "beto": make_user(
            email="beto@example.org",
            role=Role.RESPONDER,
            institution=gams,
            display_name="Beto Mamani",
        ),
        "susi": make_user(
            email="susi@example.org",
            role=Role.RESPONDER,
            institution=gams,
            display_name="Susi Yupanqui",
        ),
        "far": make_user(
            email="far@example.org",
            role=Role.RESPONDER,
            institution=mop,
            display_name="Lejos Condori",
        ),
        "filer": make_user(email="filer@example.org", display_name="Filomena Pública"),
        "mod": make_user(email="mod@example.org", role=Role.MODERATOR),
    }
    with app.app_context():
        db.session.execute(
            update(User).where(User.id == people["susi"].id).values(blocked_at=utcnow())
        )
        filer = db.session.get(User, people["filer"].id)
        observation = factories.observation(
            filer, state="accepted", institution=db.session.get(type(gams), gams.id)
        )
        db.session.commit()
        code, observation_id = observation.code, observation.id
    return {
        "code": code,
        "id": observation_id,
        "gams": gams.id,
        "mop": mop.id,
        "ids": {name: user.id for name, user in people.items()},
    }


def post(client: FlaskClient, code: str, what: str, expected: int | None = None, **data):
    form = {"expected": "" if expected is None else str(expected), **data}
    return client.post(f"/inbox/{code}/{what}", data=form)


def assignee_of(app: Flask, observation_id: int) -> int | None:
    return fetch(app, Observation, observation_id).assignee_id


def assigned_notes(app: Flask) -> list[tuple[int, dict]]:
    with app.app_context():
        rows = db.session.scalars(
            select(Notification).where(Notification.kind == "institution_work")
        )
        return [(n.user_id, n.data) for n in rows if n.data.get("event") == "assigned"]


def assigned_mails(outbox) -> list[str]:
    """Who was mailed that an observation was assigned to them."""
    return [
        m.recipient
        for m in outbox("notify_institution")
        if "was assigned to you." in m.subject and "was assigned to you." in m.body
    ]


def test_take_assign_to_a_colleague_and_release(app, scene, outbox) -> None:
    code, ids = scene["code"], scene["ids"]
    ana, beto = login(app, "ana@example.org"), login(app, "beto@example.org")
    before = fetch(app, Observation, scene["id"])
    page = ana.get(f"/inbox/{code}").get_data(as_text=True)
    assert "Who handles it" in page and "Nobody handles it yet." in page
    # The assign list: active colleagues only (not the suspended one, not another institution's).
    options = re.findall(r'<option value="(\d+)">', page)
    assert sorted(int(o) for o in options) == sorted([ids["ana"], ids["beto"]])

    response = post(ana, code, "take")
    assert response.status_code == 302 and response.headers["Location"] == f"/inbox/{code}"
    assert assignee_of(app, scene["id"]) == ids["ana"]
    assert assigned_notes(app) == []  # nobody is told what they did themself
    page = ana.get(f"/inbox/{code}").get_data(as_text=True)
    assert "You handle this observation now." in page and "You handle it." in page
    assert "Ana Quispe took it." in page

    response = post(ana, code, "assign", ids["ana"], assignee=str(ids["beto"]))
    assert response.status_code == 302
    assert assignee_of(app, scene["id"]) == ids["beto"]
    assert assigned_notes(app) == [(ids["beto"], {"code": code, "event": "assigned"})]
    assert assigned_mails(outbox) == ["beto@example.org"]
    page = beto.get(f"/inbox/{code}").get_data(as_text=True)
    assert "Ana Quispe assigned it to Beto Mamani." in page and "You handle it." in page
    notes = beto.get("/notifications").get_data(as_text=True)
    sentence = f'Observation <span class="code-id">{code}</span> was assigned to you.'
    assert f'<a href="/inbox/{code}">{sentence}</a>' in notes

    response = post(beto, code, "release", ids["beto"])
    assert response.status_code == 302
    assert assignee_of(app, scene["id"]) is None
    page = beto.get(f"/inbox/{code}").get_data(as_text=True)
    assert "Beto Mamani released it." in page and "Nobody handles it yet." in page
    with app.app_context():
        log = [
            (a.institution_id, a.assignee_id, a.assigned_by_id)
            for a in db.session.scalars(select(Assignment).order_by(Assignment.id))
        ]
    assert log == [
        (scene["gams"], ids["ana"], ids["ana"]),
        (scene["gams"], ids["beto"], ids["ana"]),
        (scene["gams"], None, ids["beto"]),
    ]
    # Not a public change: an answer form open meanwhile stays valid, the open data's
    # "updated" time does not move.
    after = fetch(app, Observation, scene["id"])
    assert (after.version, after.updated_at) == (before.version, before.updated_at)


def test_the_assignee_mail_follows_their_choice(app, scene, outbox) -> None:
    ids = scene["ids"]
    with app.app_context():
        preferences.set_delivery(ids["beto"], Category.INSTITUTION_WORK, Delivery.DIGEST)
        db.session.commit()
    response = post(login(app, "ana@example.org"), scene["code"], "assign", assignee=ids["beto"])
    assert response.status_code == 302
    assert assigned_mails(outbox) == []
    with app.app_context():
        notes = db.session.scalars(select(Notification).where(Notification.user_id == ids["beto"]))
        found = [n.digest_pending for n in notes if n.data["event"] == "assigned"]
        assert found == [True]


@pytest.mark.parametrize(
    "assignee",
    ["far", "susi", "filer", "mod", "", "abc", "-1", "99999", "99999999999999999999"],
)
def test_only_an_active_colleague_can_be_assigned(app, scene, assignee) -> None:
    value = str(scene["ids"].get(assignee, assignee))
    response = post(login(app, "ana@example.org"), scene["code"], "assign", assignee=value)
    assert response.status_code == 400
    assert NOT_COLLEAGUE in response.get_data(as_text=True)
    assert assignee_of(app, scene["id"]) is None
    assert count(app, Assignment) == 0


def test_a_malformed_expected_is_a_400(app, scene) -> None:
    response = login(app, "ana@example.org").post(
        f"/inbox/{scene['code']}/take", data={"expected": "x1"}
    )
    assert response.status_code == 400
    assert "The form was not sent whole" in response.get_data(as_text=True)
    assert count(app, Assignment) == 0


def test_the_panel_forms_carry_their_csrf_token(app, scene, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"email": "ana@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    page = client.get(f"/inbox/{scene['code']}").get_data(as_text=True)
    assert post(client, scene["code"], "take").status_code == 400
    assert count(app, Assignment) == 0
    token = re.search(
        r'action="/inbox/[^"]+/take">\s*<input type="hidden" name="csrf_token" value="([^"]+)"',
        page,
    ).group(1)
    assert post(client, scene["code"], "take", csrf_token=token).status_code == 302
    assert assignee_of(app, scene["id"]) == scene["ids"]["ana"]


def test_who_may_not_take_or_assign(app, scene, make_user) -> None:
    code, ids = scene["code"], scene["ids"]
    refused = {
        "filer@example.org": 403,  # a citizen has no inbox
        "mod@example.org": 403,  # moderators use the public page
        "far@example.org": 404,  # another institution's does not exist in your inbox
    }
    for email, status in refused.items():
        client = login(app, email)
        for what in ("take", "release"):
            assert post(client, code, what).status_code == status, (email, what)
        assert post(client, code, "assign", assignee=ids["beto"]).status_code == status
    visitor = post(app.test_client(), code, "take")
    assert visitor.status_code == 302 and "/login" in visitor.headers["Location"]
    assert login(app, "far@example.org").get(f"/inbox/{code}").status_code == 404
    # A responder who filed about their own institution never handles it, nor sees who does.
    gams = fetch(app, Institution, scene["gams"])
    inside = make_user(email="inside@example.org", role=Role.RESPONDER, institution=gams)
    with app.app_context():
        own = factories.observation(
            db.session.get(User, inside.id), state="accepted", institution=gams
        )
        db.session.commit()
        own_code = own.code
    client = login(app, "inside@example.org")
    assert post(client, own_code, "take").status_code == 403
    assert "Who handles it" not in client.get(f"/inbox/{own_code}").get_data(as_text=True)
    # ...and is not offered to colleagues for it.
    page = login(app, "ana@example.org").get(f"/inbox/{own_code}").get_data(as_text=True)
    assert f'<option value="{inside.id}">' not in page
    assert f'<option value="{inside.id}">' in login(app, "ana@example.org").get(
        f"/inbox/{code}"
    ).get_data(as_text=True)
    assert count(app, Assignment) == 0


def test_a_stale_page_gets_409_with_who_handles_it_now(app, scene) -> None:
    code, ids = scene["code"], scene["ids"]
    ana, beto = login(app, "ana@example.org"), login(app, "beto@example.org")
    assert post(ana, code, "take").status_code == 302
    # Beto's page still showed nobody: his take, assignment and release are not applied.
    for what, data in (("take", {}), ("assign", {"assignee": ids["beto"]}), ("release", {})):
        response = post(beto, code, what, None, **data)
        assert response.status_code == 409, what
        html = response.get_data(as_text=True)
        assert CHANGED in html and "Ana Quispe handles it now." in html
        assert "Handled by Ana Quispe." in html
        assert f'name="expected" value="{ids["ana"]}"' in html  # acting again works
    assert assignee_of(app, scene["id"]) == ids["ana"]
    assert count(app, Assignment) == 1
    # From the page he now has, his release applies.
    assert post(beto, code, "release", ids["ana"]).status_code == 302
    assert assignee_of(app, scene["id"]) is None


def test_the_sql_compare_and_set_refuses_a_stale_expected(app, scene) -> None:
    """The write itself checks the value shown, not only the route's read before it."""
    ids = scene["ids"]
    with app.app_context():
        observation = db.session.get(Observation, scene["id"])
        ana, beto = db.session.get(User, ids["ana"]), db.session.get(User, ids["beto"])
        assert assignment.change(observation, ana, ana.id, None)
        db.session.commit()
        assert not assignment.change(observation, beto, beto.id, None)
        assert not assignment.change(observation, beto, None, beto.id)
        # Another institution's responder matches no row either, whatever they expect.
        far = db.session.get(User, ids["far"])
        assert not assignment.change(observation, far, far.id, ana.id)
        db.session.rollback()
    assert assignee_of(app, scene["id"]) == ids["ana"]
    assert count(app, Assignment) == 1


def test_a_closed_observation_keeps_its_history_but_no_longer_changes(app, scene) -> None:
    code, ids = scene["code"], scene["ids"]
    ana = login(app, "ana@example.org")
    assert post(ana, code, "take").status_code == 302
    with app.app_context():
        db.session.execute(
            update(Observation)
            .where(Observation.id == scene["id"])
            .values(state=ObservationState.CLOSED)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    page = ana.get(f"/inbox/{code}").get_data(as_text=True)
    assert "Ana Quispe took it." in page and "You handle it." in page
    assert f"/inbox/{code}/release" not in page and f"/inbox/{code}/take" not in page
    response = post(ana, code, "release", ids["ana"])
    assert response.status_code == 409
    assert "who handles it can no longer change" in response.get_data(as_text=True)
    assert assignee_of(app, scene["id"]) == ids["ana"]


def test_mine_and_unassigned_tabs(app, scene) -> None:
    ids = scene["ids"]
    with app.app_context():
        filer = db.session.get(User, ids["filer"])
        gams = db.session.get(Institution, scene["gams"])
        made = {
            name: factories.observation(filer, state="accepted", institution=gams, title=title)
            for name, title in (
                ("ana_water", "Tanque de agua sin terminar"),
                ("ana_road", "Camino cortado"),
                ("beto_water", "Agua turbia en el barrio"),
                ("free_water", "Pozo de agua abandonado"),
                ("ana_closed", "Agua cerrada"),
                ("free_closed", "Agua resuelta"),
            )
        }
        made["free_first"] = db.session.get(Observation, scene["id"])
        owners = {"ana_water": "ana", "ana_road": "ana", "beto_water": "beto", "ana_closed": "ana"}
        for name, who in owners.items():
            made[name].assignee_id = ids[who]
        for name in ("ana_closed", "free_closed"):
            made[name].state = ObservationState.CLOSED
        db.session.commit()
        codes = {name: o.code for name, o in made.items()}
    ana = login(app, "ana@example.org")

    def listed(url: str) -> tuple[set[str], str]:
        html = ana.get(url).get_data(as_text=True)
        return set(re.findall(r">(CS-\d{4}-\d{5})</a>", html)), html

    mine, html = listed("/inbox?tab=mine")
    assert mine == {codes["ana_water"], codes["ana_road"]}
    assert "Assigned to me (2)" in html and "Unassigned (2)" in html and "All (7)" in html
    unassigned, _html = listed("/inbox?tab=unassigned")
    assert unassigned == {codes["free_water"], codes["free_first"]}
    searched, html = listed("/inbox?tab=mine&q=agua")
    assert searched == {codes["ana_water"]}
    assert "Assigned to me (1)" in html and "Unassigned (1)" in html
    beto_html = login(app, "beto@example.org").get("/inbox?tab=mine").get_data(as_text=True)
    assert set(re.findall(r">(CS-\d{4}-\d{5})</a>", beto_html)) == {codes["beto_water"]}
    # Who handles each row, labelled for the phone cards.
    _all, html = listed("/inbox")
    rows = {c: row for row in html.split("<tr>")[1:] for c in re.findall(r">(CS-[\d-]+)</a>", row)}
    assert '<td data-label="Handled by"><strong>You</strong></td>' in rows[codes["ana_road"]]
    assert '<td data-label="Handled by">Beto Mamani</td>' in rows[codes["beto_water"]]
    assert '<td data-label="Handled by">Nobody</td>' in rows[codes["free_water"]]
    # Another institution has none of ours in its tabs.
    far = login(app, "far@example.org").get("/inbox?tab=unassigned").get_data(as_text=True)
    assert "Unassigned (0)" in far and not re.findall(r">(CS-\d{4}-\d{5})</a>", far)


def test_the_tabs_cost_no_more_queries_as_assignments_grow(app, scene) -> None:
    ids = scene["ids"]
    counts = []
    for size in (1, 30):
        with app.app_context():
            filer = db.session.get(User, ids["filer"])
            gams = db.session.get(Institution, scene["gams"])
            for n in range(size):
                made = factories.observation(filer, state="accepted", institution=gams)
                made.assignee_id = ids["ana" if n % 2 else "beto"]
            db.session.commit()
        client = login(app, "ana@example.org")
        client.get("/inbox?tab=mine")
        with count_queries(app) as statements:
            assert client.get("/inbox?tab=mine").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_a_confirmed_transfer_ends_the_assignment(app, scene) -> None:
    code, ids = scene["code"], scene["ids"]
    ana = login(app, "ana@example.org")
    assert post(ana, code, "take").status_code == 302
    response = ana.post(
        f"/observations/{code}/act/propose_transfer",
        data={
            "propose_transfer-institution_id": scene["mop"],
            "propose_transfer-note": "Es competencia del ministerio.",
        },
    )
    assert response.status_code == 302
    # Proposing changes nothing yet: Ana still handles it.
    assert assignee_of(app, scene["id"]) == ids["ana"]
    assert (
        login(app, "mod@example.org").post(f"/observations/{code}/act/confirm_transfer").status_code
        == 302
    )
    assert assignee_of(app, scene["id"]) is None
    with app.app_context():
        last = db.session.scalars(select(Assignment).order_by(Assignment.id.desc())).first()
        assert (last.institution_id, last.assignee_id, last.assigned_by_id) == (
            scene["gams"],
            None,
            None,
        )
    far = login(app, "far@example.org")
    html = far.get("/inbox?tab=unassigned").get_data(as_text=True)
    assert code in html and "Unassigned (1)" in html
    page = far.get(f"/inbox/{code}").get_data(as_text=True)
    assert "Nobody handles it yet." in page
    # GAMS's history is GAMS's: the new institution does not see who handled it there.
    assert "Ana Quispe" not in page and "took it" not in page
    assert post(far, code, "take").status_code == 302
    assert assignee_of(app, scene["id"]) == ids["far"]
    assert post(ana, code, "take", ids["far"]).status_code == 404


def test_nothing_of_it_is_public(app, scene) -> None:
    code, ids = scene["code"], scene["ids"]
    assert (
        post(login(app, "ana@example.org"), code, "assign", assignee=ids["beto"]).status_code == 302
    )
    viewers = {
        "visitor": app.test_client(),
        "filer": login(app, "filer@example.org"),
        "moderator": login(app, "mod@example.org"),
        "other institution": login(app, "far@example.org"),
        # Even the institution's own responders: the public page is the public's.
        "assignee": login(app, "beto@example.org"),
    }
    for who, client in viewers.items():
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        html = client.get(f"/observations/{code}").get_data(as_text=True)
        assert "Beto Mamani" not in html, who
        assert "Who handles it" not in html and "/take" not in html, who
    for url in (
        f"/api/v1/observations/{code}",
        "/api/v1/observations",
        "/open-data/observations.json",
        "/open-data/observations.csv",
        f"/open311/v2/requests/{code}.json",
    ):
        response = app.test_client().get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert "Beto" not in body and "assign" not in body.lower(), url
    # The assignment is only in the institution's view.
    assert "Beto Mamani" in login(app, "ana@example.org").get(f"/inbox/{code}").get_data(
        as_text=True
    )


@pytest.mark.concurrency
def test_two_responders_taking_at_once_one_wins(app, scene, monkeypatch) -> None:
    """Both requests have read "nobody" before either writes (held on a barrier just before the
    write), so only the compare-and-set in SQL can refuse the second."""
    code, ids = scene["code"], scene["ids"]
    clients = [login(app, "ana@example.org"), login(app, "beto@example.org")]
    both_read = threading.Barrier(2, timeout=30)
    write = assignment.change

    def change_once_both_read(*args, **kwargs):  # type: ignore[no-untyped-def]
        both_read.wait()
        return write(*args, **kwargs)

    monkeypatch.setattr(assignment, "change", change_once_both_read)

    def take(i: int) -> tuple[int, str]:
        response = post(clients[i], code, "take")
        return response.status_code, response.get_data(as_text=True)

    results = run_together(app, 2, take)
    assert sorted(status for status, _html in results) == [302, 409]
    winner = ids["ana"] if results[0][0] == 302 else ids["beto"]
    loser_page = next(html for status, html in results if status == 409)
    name = "Ana Quispe" if winner == ids["ana"] else "Beto Mamani"
    assert CHANGED in loser_page and f"{name} handles it now." in loser_page
    assert assignee_of(app, scene["id"]) == winner
    assert count(app, Assignment) == 1
