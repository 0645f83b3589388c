"""The slippy map and the point picker in a real browser, against a tile server of our own (issue
19): with ``QHAWAQ_MAP_TILES_URL`` set, Leaflet (served by the app) draws the page's points on
that server's tiles, a marker leads to its observation, the Content Security Policy lets the
tiles in and nothing else, and on the filing form a click on the map fills the latitude and
longitude fields (and typing in them moves the point). The tile server is a thread here that
answers every tile with one small PNG and notes what was asked."""

from __future__ import annotations

import shutil
import struct
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.browser.conftest import DESKTOP
from tests.browser.server import (
    SEED_PASSWORD,
    LiveServer,
    free_port,
    located_observations,
    seed,
)

pytestmark = pytest.mark.browser


def _png(size: int = 256) -> bytes:
    """A grey square, as a tile server would send (PNG written by hand: no imaging library)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xd0" * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class TileServer:
    """Answers ``/{z}/{x}/{y}.png`` with the same tile and keeps the paths it was asked for."""

    def __init__(self) -> None:
        self.port = free_port()
        self.asked: list[str] = []
        tile, asked = _png(), self.asked

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                asked.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(tile)))
                self.end_headers()
                self.wfile.write(tile)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def template(self) -> str:
        return f"http://127.0.0.1:{self.port}/{{z}}/{{x}}/{{y}}.png"

    def __enter__(self) -> TileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def tiled() -> Iterator[tuple[LiveServer, TileServer, dict]]:
    """The app served with a tile server set, seeded with observations that have points."""
    with TileServer() as tiles:
        server = LiveServer(extra_env={"QHAWAQ_MAP_TILES_URL": tiles.template})
        try:
            server.prepare()
            facts = seed(server.env()["DATABASE_URL"], server.directory, languages=("es",))
            facts["codes"] = located_observations(server, "flag1.es@example.org")
            server.start()
            yield server, tiles, facts
        finally:
            server.stop()
            shutil.rmtree(server.directory, ignore_errors=True)


@pytest.fixture
def page(chromium, tiled):  # type: ignore[no-untyped-def]
    """A desktop page that records the browser's console errors (a CSP refusal is one) and
    every host it asked for something."""
    server, _tiles, _facts = tiled
    context = chromium.new_context(base_url=server.url, locale="es", viewport=DESKTOP)
    context.set_default_timeout(15_000)
    opened = context.new_page()
    opened.errors = []  # type: ignore[attr-defined]
    opened.hosts = set()  # type: ignore[attr-defined]
    opened.on("console", lambda m: m.type == "error" and opened.errors.append(m.text))  # type: ignore[attr-defined]
    opened.on("request", lambda r: opened.hosts.add(r.url.split("/")[2]))  # type: ignore[attr-defined]
    yield opened
    context.close()


def _tiles_shown(page) -> int:  # type: ignore[no-untyped-def]
    """Tile images that loaded (a refused or failed one has no natural width)."""
    page.wait_for_function(
        "document.querySelectorAll('img.leaflet-tile-loaded').length > 0", timeout=15_000
    )
    return page.eval_on_selector_all(
        "img.leaflet-tile-loaded", "tiles => tiles.filter(t => t.naturalWidth === 256).length"
    )


def test_the_list_and_territory_pages_draw_their_points_on_the_tiles(page, tiled):
    server, tiles, facts = tiled
    for path in ("/observations", "/territories/BO-H"):
        tiles.asked.clear()
        page.errors.clear()
        page.goto(path)
        box = page.locator(".slippy-map")
        assert box.is_visible(), path
        assert box.get_attribute("role") == "region" and box.get_attribute("aria-label")
        assert box.bounding_box()["height"] > 200
        assert _tiles_shown(page) > 0, path
        assert tiles.asked and all(p.endswith(".png") for p in tiles.asked)
        markers = page.locator(".slippy-map path.leaflet-interactive")
        assert markers.count() == len(facts["codes"]), path
        # The SVG map and its table stay on the page.
        assert page.locator("#department-map svg .map-regions a").count() == 9
        assert page.errors == [], (path, page.errors)
        assert page.hosts == {server.url.split("/")[2], f"127.0.0.1:{tiles.port}"}, page.hosts
    # A marker leads to its observation's page.
    page.goto("/observations")
    _tiles_shown(page)
    with page.expect_navigation():
        page.locator(".slippy-map path.leaflet-interactive").first.click(force=True)
    assert any(f"/observations/{code}" in page.url for code in facts["codes"]), page.url


def test_a_page_without_points_has_no_slippy_map(page, tiled):
    page.goto("/accountability")
    assert page.locator(".slippy-map").count() == 0
    assert page.locator("script[src*=leaflet]").count() == 0


def test_the_point_picker_fills_the_fields_and_follows_them(page, tiled):
    server, tiles, _facts = tiled
    page.goto("/login")
    page.fill('input[name="email"]', "flag2.es@example.org")
    page.fill('input[name="password"]', SEED_PASSWORD)
    with page.expect_navigation():
        page.locator('form:has(input[name="password"]) [type=submit]').first.click()
    assert "/login" not in page.url
    page.goto("/observations/new")
    picker = page.locator(".point-picker")
    assert picker.is_visible() and page.locator("#point-picker-hint").is_visible()
    assert _tiles_shown(page) > 0
    latitude = page.locator('input[name="latitude"]')
    longitude = page.locator('input[name="longitude"]')
    assert latitude.input_value() == "" and longitude.input_value() == ""
    picker.click()  # its middle, scrolled into view
    lat, lon = float(latitude.input_value()), float(longitude.input_value())
    # The middle of the map fitted to Bolivia, rounded to five decimals.
    assert -23 < lat < -9 and -70 < lon < -57, (lat, lon)
    assert len(latitude.input_value().split(".")[1]) == 5
    assert page.locator(".point-picker path.leaflet-interactive").count() == 1
    # Typing a point moves the marker there.
    before = page.locator(".point-picker path.leaflet-interactive").get_attribute("d")
    latitude.fill("-16.50000")
    latitude.dispatch_event("change")
    longitude.fill("-68.15000")
    longitude.dispatch_event("change")
    after = page.locator(".point-picker path.leaflet-interactive").get_attribute("d")
    assert after != before
    assert page.errors == [], page.errors
    assert page.hosts == {server.url.split("/")[2], f"127.0.0.1:{tiles.port}"}, page.hosts
