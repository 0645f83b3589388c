"""Pages for phones and languages (issue 15, points 10, 11 and 13): the wide tables label every
cell with its column header (data-label) so they can be shown as cards, tracking codes sit in one
element that never wraps (class code-id), and institution and category names shown in a fallback
language carry lang in selects and lists, not only in page text."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask

from app.accounts.models import Role
from app.extensions import db
from app.institutions.models import Institution
from tests import factories
from tests.conftest import logged_in

CODE = re.compile(r"CS-\d{4}-\d{5,}")
SPANISH_ONLY = "Gobierno Autónomo Municipal de Sucre"
TRANSLATED = {"es": "Ministerio de Salud", "qu": "Qhali kamachiq", "ay": "Qullañ ministerio"}


class Page(HTMLParser):
    """The elements of a page as (tag, attributes, text directly inside), and the rows of its
    tables as lists of (tag, attributes) of their cells."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str], list[str]]] = []
        self._open: list[tuple[str, dict[str, str], list[str]]] = []
        self.tables: list[dict] = []
        #: Every text node with the elements it is inside.
        self.texts: list[tuple[str, list[tuple[str, dict[str, str], list[str]]]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = (tag, {k: v or "" for k, v in attrs}, [])
        self.elements.append(found)
        if tag == "table":
            self.tables.append({"attrs": found[1], "headers": [], "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]["rows"]:
            self.tables[-1]["rows"][-1].append(found)
        if tag not in ("br", "input", "img", "meta", "link", "hr", "source"):
            self._open.append(found)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element[2].append(data)
        self.texts.append((data, list(self._open)))

    def text(self, element: tuple[str, dict[str, str], list[str]]) -> str:
        return " ".join("".join(element[2]).split())

    def table(self, cls: str = "cards") -> dict:
        tables = [t for t in self.tables if cls in t["attrs"].get("class", "").split()]
        assert len(tables) == 1, f"{len(tables)} tables with class {cls}"
        table = tables[0]
        table["headers"] = [self.text(c) for c in table["rows"][0] if c[0] == "th"]
        return table

    def options(self, name: str) -> list[tuple[dict[str, str], str]]:
        """The options of the select named ``name``, as (attributes, text)."""
        found, inside = [], False
        for element in self.elements:
            if element[0] == "select":
                inside = element[1].get("name") == name
            elif element[0] == "option" and inside:
                found.append((element[1], self.text(element)))
        assert found, f"no select named {name}"
        return found


def assert_cards(html: str, key_labels: list[str]) -> list[list[dict[str, str]]]:
    """The ``cards`` table labels each data cell with its column's header, in order, and marks
    the key cells; returns the data rows' cell attributes."""
    table = Page(html).table()
    headers = table["headers"]
    rows = [[c[1] for c in row] for row in table["rows"][1:]]
    assert rows, "the table has no data rows"
    for cells in rows:
        assert [c.get("data-label") for c in cells] == headers
        keys = [c["data-label"] for c in cells if "key" in c.get("class", "").split()]
        assert keys == key_labels
    return rows


def codes_wrapped(html: str) -> tuple[set[str], list[str]]:
    """The tracking codes shown as text in the body, and those not inside a ``code-id``
    element (the page's <title> is plain text and is left out)."""
    page = Page(html)
    shown, bare = set(), []
    for data, open_elements in page.texts:
        if any(tag in ("title", "script", "style") for tag, _a, _t in open_elements):
            continue
        for code in CODE.findall(data):
            shown.add(code)
            if not any("code-id" in a.get("class", "").split() for _t, a, _x in open_elements):
                bare.append(f"{code} in <{open_elements[-1][0]}>: {data.strip()[:60]}")
    return shown, bare


@pytest.fixture
def scene(app: Flask, make_user):  # type: ignore[no-untyped-def]
    """Two institutions (one named in Spanish only, one translated to Quechua and Aymara), a
    category named in Spanish and English, and accepted observations for both."""
    filer = make_user(email="filer@example.org")
    with app.app_context():
        sucre = factories.institution(SPANISH_ONLY, "GAMS")
        health = Institution(names=TRANSLATED, acronym="MS", kind=sucre.kind)
        db.session.add(health)
        category = factories.category("information", 15)
        filer = db.session.merge(filer)
        codes = [
            factories.observation(
                filer, state="accepted", institution=institution, category=category
            ).code
            for institution in (sucre, sucre, health)
        ]
        db.session.commit()
        facts = {"sucre": sucre.id, "health": health.id, "category": category.id, "codes": codes}
    make_user(role=Role.RESPONDER, email="resp@example.org", institution=sucre_of(app, facts))
    return facts


def sucre_of(app: Flask, facts: dict) -> Institution:
    with app.app_context():
        found = db.session.get(Institution, facts["sucre"])
        db.session.expunge(found)
        return found


# Point 10: wide tables as labelled cards -------------------------------------------------------


def test_inbox_cells_are_labelled_and_code_state_due_are_key(app, scene):
    html = logged_in(app, "resp@example.org").get("/inbox").get_data(as_text=True)
    rows = assert_cards(html, ["Code", "State", "Answer due by"])
    assert len(rows) == 2
    assert Page(html).table()["headers"][:3] == ["Code", "Title", "State"]


def test_observation_list_cells_are_labelled(client, scene):
    html = client.get("/observations").get_data(as_text=True)
    rows = assert_cards(html, ["Code", "State", "Answer due by"])
    assert len(rows) == 3


def test_accountability_institutions_table_cells_are_labelled(client, scene):
    html = client.get("/accountability").get_data(as_text=True)
    rows = assert_cards(html, ["Institution"])
    assert len(rows) == 2
    assert Page(html).table()["headers"] == [
        "Rank",
        "Institution",
        "Accepted",
        "Answered on time",
        "Overdue now",
        "Median working days",
    ]


def test_the_labels_are_the_translated_column_headers(client, scene):
    html = client.get("/observations?lang=es").get_data(as_text=True)
    assert_cards(html, ["Código", "Estado", "Plazo de respuesta"])


def test_the_stylesheet_turns_card_tables_into_labelled_blocks_on_phones(app):
    css = (Path(app.static_folder) / "css" / "qhawaq.css").read_text()
    phone = css.split("@media (max-width: 40rem)", 1)[1]
    assert "content: attr(data-label)" in phone
    assert "table.cards" in phone and "display: block" in phone
    assert re.search(r"\.code-id\s*\{\s*white-space:\s*nowrap", css)


# Point 11: tracking codes in one element that does not wrap -----------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/observations",
        "/inbox",
        "/observations/{code}",
        "/inbox/{code}",
        "/accountability/observations?figure=accepted",
        "/institutions/{sucre}",
    ],
)
def test_tracking_codes_never_break(app, scene, path):
    client = logged_in(app, "resp@example.org")
    url = path.format(code=scene["codes"][0], sucre=scene["sucre"])
    response = client.get(url)
    assert response.status_code == 200, url
    shown, bare = codes_wrapped(response.get_data(as_text=True))
    assert shown & set(scene["codes"]), f"no tracking code on {url}"
    assert not bare, bare


# Point 13: names in a fallback language carry lang in selects and lists -----------------------


def fallback_options(options: list[tuple[dict[str, str], str]]) -> dict[str, str | None]:
    return {text: attrs.get("lang") for attrs, text in options}


@pytest.mark.parametrize("lang", ["qu", "ay", "gn"])
def test_fallback_names_carry_lang_in_filter_selects(client, scene, lang):
    html = client.get(f"/observations?lang={lang}").get_data(as_text=True)
    page = Page(html)
    institutions = fallback_options(page.options("institution"))
    assert institutions[SPANISH_ONLY] == "es"
    if lang in TRANSLATED:
        assert institutions[TRANSLATED[lang]] is None  # in the page's language: no lang
    else:
        assert institutions[TRANSLATED["es"]] == "es"
    categories = fallback_options(page.options("category"))
    assert categories["information"] == "es"
    # Options the interface translates (states, "All …") are in the page's language.
    assert all(attrs.get("lang") is None for attrs, _t in page.options("state"))
    # In Spanish nothing is a fallback.
    page = Page(client.get("/observations?lang=es").get_data(as_text=True))
    assert all(attrs.get("lang") is None for attrs, _t in page.options("institution"))
    assert all(attrs.get("lang") is None for attrs, _t in page.options("category"))


@pytest.mark.parametrize("lang", ["qu", "ay", "gn"])
def test_fallback_categories_carry_lang_on_accountability_pages(client, scene, lang):
    for path in ("/accountability", f"/institutions/{scene['sucre']}", "/territories/BO-H"):
        page = Page(client.get(f"{path}?lang={lang}").get_data(as_text=True))
        categories = fallback_options(page.options("category"))
        assert categories["information"] == "es", path


def test_fallback_names_carry_lang_in_charts(client, scene):
    page = Page(client.get(f"/institutions/{scene['sucre']}?lang=ay").get_data(as_text=True))
    rows = [e for e in page.elements if e[0] == "th" and e[1].get("scope") == "row"]
    by_text = {page.text(e): e[1].get("lang") for e in rows}
    # The "Observations by category" chart's table (the drawing itself is one image, role=img).
    assert by_text["information"] == "es"


@pytest.mark.parametrize("lang", ["qu", "ay", "gn"])
def test_fallback_names_carry_lang_in_the_filing_form(app, make_user, scene, lang):
    make_user(email=f"citizen.{lang}@example.org", language=lang)
    client = logged_in(app, f"citizen.{lang}@example.org")
    page = Page(client.get(f"/observations/new?lang={lang}").get_data(as_text=True))
    assert fallback_options(page.options("institution_id"))[SPANISH_ONLY] == "es"
    assert fallback_options(page.options("category_id"))["information"] == "es"


def test_a_label_made_with_str_keeps_its_language(app_ctx):
    """Choices are built with str(name) in many routes; that string still knows its language."""
    from app.core.i18n_content import localized

    label = str(localized({"es": "Salud"}, "qu"))
    assert label == "Salud" and label.lang == "es" and label.is_fallback
    assert not str(localized({"es": "Salud", "qu": "Qhali"}, "qu")).is_fallback
    assert str(localized({"es": "Salud"}, "es")).lang == "es"
    assert sorted([str(localized({"es": "b"})), "a"]) == ["a", "b"]
