"""The department maps in a real browser (issue 19): on the overview, the observation list and a
territory page, in all five languages, with JavaScript off (the map loads no script without a
tile server, so axe's run with JavaScript on sees the same page) and on a 360 px phone without
sideways scroll. axe, the HTML checker and the weight budget are asserted by test_zz_audit."""

from __future__ import annotations

import pytest

from tests.browser import journeys as j
from tests.browser.server import located_observations
from tests.browser.test_phones import OVERFLOW

pytestmark = pytest.mark.browser

LANGUAGES = ["es", "qu", "ay", "gn", "en"]
PAGES = ["/accountability", "/observations", "/territories/BO-H"]


@pytest.fixture(scope="module")
def mapped(live_server) -> list[str]:
    """Accepted observations with coordinates in Chuquisaca, so the maps have points."""
    server, facts = live_server
    return located_observations(server, facts["staff"]["es"]["flaggers"][0])


@pytest.mark.parametrize("language", LANGUAGES)
def test_maps_without_javascript_and_on_a_phone(
    new_context, auditor, live_server, mapped, language
):
    server, _facts = live_server
    audited = j.actor(new_context, auditor, server, "map-reader", language)
    no_js = j.actor(new_context, auditor, server, "map-no-js", language, javascript=False)
    phone = j.actor(new_context, auditor, server, "map-phone", language, phone=True)
    for path in PAGES:
        audited.goto(path)
        assert audited.page.locator("script").count() == 0, path
        no_js.goto(path)
        svg = no_js.page.locator("#department-map svg")
        assert svg.is_visible()
        assert no_js.page.locator("#department-map svg .map-regions a").count() == 9
        assert no_js.page.locator("#department-map-table tbody tr").count() >= 9
        if path != "/accountability":
            assert no_js.page.locator(f'a[href="/observations/{mapped[0]}"] circle').count() == 1
        phone.goto(path)
        assert phone.page.evaluate(OVERFLOW) is None, (path, language)
    # Another figure, audited too (its legend and table differ).
    audited.goto("/territories/BO-H?map=on_time")
    chosen = audited.page.locator('#department-map nav a[aria-current="true"]')
    assert "map=on_time" in (chosen.get_attribute("href") or "")
