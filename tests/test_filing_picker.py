"""The filing form's program picker and municipality list, without JavaScript (issue 15, point
16): search programs by name or code, pick one (its institution follows), undo the choice, refuse
forged ids; municipalities grouped by department and checked against the department."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from app.extensions import db
from app.observations.models import Observation
from tests import factories
from tests.conftest import PASSWORD


@pytest.fixture
def world(app):
    with app.app_context():
        chq = factories.department("BO-H", "Chuquisaca")
        pts = factories.department("BO-P", "Potosí")
        sucre = factories.municipality("010101", "Sucre", chq)
        yotala = factories.municipality("010102", "Yotala", chq)
        potosi = factories.municipality("050101", "Potosí", pts)
        gams = factories.institution()
        gobernacion = factories.institution("Gobierno Autónomo Departamental de Potosí", "GADP")
        closed = factories.institution("Empresa liquidada", "ELIQ")
        closed.active = False
        cat = factories.category("information", 15)
        water = factories.program(
            code="AGUA-06",
            titles={"es": "Agua potable para el distrito 6"},
            external_id="PTDI-2021-007",
            department=chq,
            municipality=yotala,
        )
        bridge = factories.program(
            code="VIA-12",
            titles={"es": "Puente vehicular sobre el río Pilcomayo", "qu": "Chaka Pilcomayo"},
            plan=factories.plan(gobernacion),
            department=pts,
        )
        hidden = factories.program(
            code="OCULTO-1",
            titles={"es": "Agua oculta del distrito 6"},
            plan=factories.plan(closed),
        )
        db.session.commit()
        return {
            "gams": gams.id,
            "gobernacion": gobernacion.id,
            "category": cat.id,
            "water": water.id,
            "bridge": bridge.id,
            "hidden": hidden.id,
            "sucre": sucre.code,
            "yotala": yotala.code,
            "potosi": potosi.code,
        }


@pytest.fixture
def filer(app, make_user):
    make_user(email="filer@example.org", display_name="Filer Person")
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login = {"email": "filer@example.org", "password": PASSWORD}
    assert client.post("/login", data=login).status_code == 302
    return client


def open_form(client, query=""):
    response = client.get("/observations/new" + query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    return token, html


def typed(world, token, **overrides):
    data = {
        "token": token,
        "program_id": "",
        "institution_id": "",
        "category_id": str(world["category"]),
        "title": "Obra paralizada en el distrito 6",
        "description": "Desde marzo no hay trabajadores en la obra del tanque de agua.",
        "department": "BO-H",
        "municipality": world["sucre"],
        "place_description": "Frente a la escuela",
        "acting_as": "individual",
        "identity": "hidden",
    }
    data.update(overrides)
    return data


def picks(html: str) -> set[int]:
    """The program ids offered as radio buttons."""
    return {int(v) for v in re.findall(r'name="program_pick" id="[^"]+" value="(\d+)"', html)}


def chosen_program(html: str) -> str:
    return re.search(r'name="program_id" type="hidden" value="([^"]*)"', html).group(1)


def observations(app):
    with app.app_context():
        rows = list(db.session.scalars(select(Observation).order_by(Observation.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


class SelectGroups(HTMLParser):
    """The municipality select as [(optgroup label, data-department, [option values])], with
    options outside any group under (None, None)."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.groups: list[tuple[str | None, str | None, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select" and attrs.get("name") == "municipality":
            self.inside = True
            self.groups.append((None, None, []))
        elif self.inside and tag == "optgroup":
            self.groups.append((attrs.get("label"), attrs.get("data-department"), []))
        elif self.inside and tag == "option":
            self.groups[-1][2].append(attrs.get("value"))

    def handle_endtag(self, tag):
        if tag == "select":
            self.inside = False
        elif self.inside and tag == "optgroup":
            self.groups.append((None, None, []))


def municipality_groups(html: str) -> list[tuple[str | None, str | None, list[str]]]:
    parser = SelectGroups()
    parser.feed(html)
    return [group for group in parser.groups if group[2]]


# --- the program picker ------------------------------------------------------------------------


def test_search_finds_programs_by_code_and_by_title_words(filer, world):
    token, html = open_form(filer)
    assert 'name="program_q"' in html and 'name="program_search"' in html
    assert picks(html) == set()

    # By code, as a link (GET) and case-insensitive.
    _token, html = open_form(filer, "?program_q=via-12")
    assert picks(html) == {world["bridge"]}
    assert 'value="via-12"' in html  # what was typed stays in the box
    # The title in the reader's language, else Spanish marked as such.
    assert "Puente vehicular sobre el río Pilcomayo" in html
    assert '<span lang="es">Puente vehicular' in html

    # By title words (any order, accents ignored), with the form's search button.
    response = filer.post(
        "/observations/new", data=typed(world, token, program_q="distrito AGUA", program_search="1")
    )
    assert response.status_code == 200
    assert picks(response.get_data(as_text=True)) == {world["water"]}

    # By the external id of the import, and by a word of another language's title.
    _token, html = open_form(filer, "?program_q=PTDI-2021-007")
    assert picks(html) == {world["water"]}
    _token, html = open_form(filer, "?program_q=chaka")
    assert picks(html) == {world["bridge"]}

    _token, html = open_form(filer, "?program_q=ferrocarril")
    assert picks(html) == set()
    assert "No program matches “ferrocarril”" in html


def test_search_offers_at_most_twenty_and_an_exact_code_first(app, filer, world):
    with app.app_context():
        for n in range(1, 26):
            factories.program(code=f"ESC-{n}", titles={"es": f"Escuela técnica número {n}"})
        near = factories.program(code="AX-7", titles={"es": "Mercado campesino"})
        exact = factories.program(code="X-7", titles={"es": "Mercado central"})
        db.session.commit()
        near_id, exact_id = near.id, exact.id
    _token, html = open_form(filer, "?program_q=escuela tecnica")
    assert len(picks(html)) == 20
    assert "Only the first 20 programs are shown" in html
    _token, html = open_form(filer, "?program_q=x-7")
    offered = [int(v) for v in re.findall(r'name="program_pick" id="[^"]+" value="(\d+)"', html)]
    assert offered == [exact_id, near_id]
    assert "Only the first" not in html


def test_search_hides_programs_that_cannot_be_chosen(filer, world):
    _token, html = open_form(filer, "?program_q=OCULTO-1")
    assert picks(html) == set()
    _token, html = open_form(filer, "?program_q=agua distrito")
    assert picks(html) == {world["water"]}  # not the inactive institution's program
    # Nor from a program page link.
    _token, html = open_form(filer, f"?program={world['hidden']}")
    assert chosen_program(html) == ""


def test_picking_a_program_sets_it_and_its_institution(app, filer, world):
    token, _html = open_form(filer, "?program_q=VIA-12")
    # Choose it: the form comes back with the program, its place filled where empty.
    data = typed(
        world,
        token,
        department="",
        municipality="",
        program_q="VIA-12",
        program_pick=str(world["bridge"]),
        program_choose="1",
    )
    response = filer.post("/observations/new", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert chosen_program(html) == str(world["bridge"])
    assert "Gobierno Autónomo Departamental de Potosí" in html
    assert 'name="institution_id"' not in html  # the institution follows from the program
    assert 'name="program_clear"' in html and 'name="program_q"' not in html
    assert re.search(r'<option selected value="BO-P">', html)
    assert observations(app) == []  # choosing saved nothing

    # File it.
    data = typed(
        world,
        token,
        program_id=str(world["bridge"]),
        department="BO-P",
        municipality=world["potosi"],
        submit="File observation",
    )
    assert filer.post("/observations/new", data=data).status_code == 302
    [observation] = observations(app)
    assert observation.program_id == world["bridge"]
    assert observation.institution_id == world["gobernacion"]


def test_a_picked_result_counts_when_filing_straight_away(app, filer, world):
    token, _html = open_form(filer, "?program_q=agua")
    data = typed(
        world,
        token,
        program_q="agua",
        program_pick=str(world["water"]),
        institution_id=str(world["gobernacion"]),  # ignored: the program decides
        submit="File observation",
    )
    assert filer.post("/observations/new", data=data).status_code == 302
    [observation] = observations(app)
    assert observation.program_id == world["water"]
    assert observation.institution_id == world["gams"]


@pytest.mark.parametrize("forged", ["hidden", "missing", "huge", "letters"])
@pytest.mark.parametrize("field", ["program_id", "program_pick"])
def test_a_forged_program_is_refused_with_a_message(app, filer, world, forged, field):
    value = {
        "hidden": str(world["hidden"]),
        "missing": "987654",
        "huge": "99999999999999999999",
        "letters": "1 OR 1=1",
    }[forged]
    token, _html = open_form(filer)
    data = typed(world, token, institution_id=str(world["gams"]), submit="File observation")
    data[field] = value
    response = filer.post("/observations/new", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "That program cannot be chosen. Search for it again, or choose the institution." in html
    assert chosen_program(html) == ""  # not sent again; the picker is offered instead
    assert 'name="program_q"' in html
    assert observations(app) == []
    # A draft is refused the same way.
    data.pop("submit")
    data["save_draft"] = "Save draft"
    assert filer.post("/observations/new", data=data).status_code == 400
    assert observations(app) == []


def test_choose_without_a_pick_asks_for_one(app, filer, world):
    token, _html = open_form(filer)
    data = typed(world, token, program_q="agua", program_choose="1")
    response = filer.post("/observations/new", data=data)
    assert response.status_code == 400
    assert "Pick one of the programs found, then choose it." in response.get_data(as_text=True)
    assert observations(app) == []


def test_typed_values_survive_a_search_and_an_undo(app, filer, world):
    token, _html = open_form(filer)
    data = typed(
        world,
        token,
        title="Título con acentos <b>y</b> signos",
        latitude="-19.0333",
        longitude="-65.2627",
        acting_as="organisation",
        organisation_name="Junta vecinal Villa Armonía",
        identity="confidential",
        program_q="puente",
        program_search="Search programs",
    )
    response = filer.post("/observations/new", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert picks(html) == {world["bridge"]}
    assert 'value="Título con acentos &lt;b&gt;y&lt;/b&gt; signos"' in html
    assert "Desde marzo no hay trabajadores en la obra del tanque de agua." in html
    assert 'value="Frente a la escuela"' in html
    assert 'value="Junta vecinal Villa Armonía"' in html
    assert 'value="-19.0333"' in html and 'value="-65.2627"' in html
    assert re.search(
        r'checked id="identity-\d" name="identity" type="radio" value="confidential"', html
    )
    assert re.search(
        r'checked id="acting_as-\d" name="acting_as" type="radio" value="organisation"', html
    )
    assert f'<option selected value="{world["sucre"]}">' in html
    assert observations(app) == []  # a search saves nothing, not even a draft

    # Choose it, then undo: back to the search and the institution list, text still there.
    data.pop("program_search")
    data.update(program_id=str(world["bridge"]), program_clear="1")
    response = filer.post("/observations/new", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert chosen_program(html) == ""
    assert 'name="program_q"' in html and 'name="institution_id"' in html
    assert "Junta vecinal Villa Armonía" in html
    assert observations(app) == []


def test_enter_in_the_search_box_searches_and_elsewhere_files(app, filer, world):
    token, html = open_form(filer)
    # The hidden default button comes before every other submit button of the form.
    buttons = re.findall(r'<input[^>]*type="submit"[^>]*>', html)
    assert 'name="enter"' in buttons[0] and 'tabindex="-1"' in buttons[0]
    data = typed(world, token, institution_id=str(world["gams"]), program_q="agua", enter="Send")
    response = filer.post("/observations/new", data=data)
    assert response.status_code == 200 and picks(response.get_data(as_text=True))
    assert observations(app) == []
    data["program_q"] = ""
    assert filer.post("/observations/new", data=data).status_code == 302
    [observation] = observations(app)
    assert observation.program_id is None and observation.institution_id == world["gams"]


# --- municipalities ----------------------------------------------------------------------------


def test_municipalities_are_grouped_by_department(filer, world):
    _token, html = open_form(filer)
    groups = municipality_groups(html)
    assert groups[0] == (None, None, [""])  # "Not sure / several", outside any group
    assert ("Chuquisaca", "BO-H", [world["sucre"], world["yotala"]]) in groups
    assert ("Potosí", "BO-P", [world["potosi"]]) in groups
    assert len(groups) == 3
    # The script that narrows the list is this site's own, deferred, allowed by the policy.
    assert re.search(r'<script src="/static/js/filing\.js\?v=[0-9a-f]{12}" defer></script>', html)
    assert "<script>" not in html


def test_the_script_is_served_and_allowed(app, client, filer, world):
    response = filer.get("/observations/new")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    script = client.get("/static/js/filing.js")
    assert script.status_code == 200
    assert "javascript" in script.content_type
    assert b"data-department" in script.data
    script.close()


@pytest.mark.parametrize("button", ["submit", "save_draft"])
def test_a_municipality_of_another_department_is_refused(app, filer, world, button):
    token, _html = open_form(filer)
    data = typed(world, token, institution_id=str(world["gams"]), municipality=world["potosi"])
    data[button] = "1"
    response = filer.post("/observations/new", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Potosí is not in the department you chose" in html
    assert observations(app) == []
    # An unknown code is refused too; a matching one files.
    data["municipality"] = "999999"
    response = filer.post("/observations/new", data=data)
    assert response.status_code == 400
    assert "Choose a municipality from the list." in response.get_data(as_text=True)
    data["municipality"] = world["yotala"]
    assert filer.post("/observations/new", data=data).status_code == 302
    [observation] = observations(app)
    assert observation.municipality_id is not None


def test_a_department_not_offered_is_refused(app, filer, world):
    token, _html = open_form(filer)
    data = typed(
        world,
        token,
        institution_id=str(world["gams"]),
        department="BO-X",
        municipality="",
        submit="1",
    )
    response = filer.post("/observations/new", data=data)
    assert response.status_code == 400
    assert observations(app) == []
