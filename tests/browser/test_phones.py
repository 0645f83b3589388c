"""Phones (360 px wide): no page scrolls sideways, in Spanish, Aymara and Guaraní (whose long
words are the hardest), for the public and for an administrator; every page is audited by axe
(the results are asserted by test_zz_audit) with the narrow layout."""

from __future__ import annotations

import pytest

from tests.browser import journeys as j

pytestmark = pytest.mark.browser

PUBLIC = [
    "/",
    "/programs",
    "/programs/{program_id}",
    "/observations",
    "/observations/lookup",
    "/accountability",
    "/accountability/sessions",
    "/institutions/{institution_id}",
    "/territories/BO-H",
    "/open-data",
    "/open-data/dictionary",
    "/api",
    "/about",
    "/login",
    "/register",
]
SIGNED_IN = [
    "/account",
    "/notifications",
    "/observations/mine",
    "/observations/new",
    "/admin/users",
    "/admin/programs",
    "/admin/institutions",
    "/moderation",
    "/moderation/flags",
    "/moderation/log",
]
#: How far a page scrolls sideways (0 when it fits), and the widest element when it does not.
OVERFLOW = """() => {
  const root = document.documentElement;
  const extra = root.scrollWidth - root.clientWidth;
  if (extra <= 0) return null;
  let widest = null;
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    const inside = el.closest('.table-scroll') !== null;
    if (box.right > root.clientWidth + 1 && !inside && (!widest || box.right > widest.right)) {
      const text = (el.textContent || '').slice(0, 40);
      widest = {right: box.right, tag: el.tagName, cls: el.className, text};
    }
  }
  return {extra, widest};
}"""


@pytest.mark.parametrize("language", ["es", "ay", "gn"])
def test_no_page_scrolls_sideways_on_a_phone(new_context, auditor, live_server, language):
    server, facts = live_server
    values = {"program_id": facts["program_id"], "institution_id": facts["institution_id"]}

    def visit(person: j.Actor, paths: list[str]) -> list[str]:
        found = []
        for path in paths:
            person.goto(path.format(**values))
            overflow = person.page.evaluate(OVERFLOW)
            if overflow:
                found.append(f"{language} {person.who} {path}: {overflow}")
        return found

    visitor = j.actor(new_context, auditor, server, "visitor", language, phone=True)
    visitor.goto(f"/?lang={language}")
    problems = visit(visitor, PUBLIC)
    admin = j.actor(new_context, auditor, server, "admin", language, phone=True)
    admin.goto(f"/?lang={language}")  # the choice made on this browser (the profile says es)
    j.log_in(admin, "admin@example.org", facts["password"])
    problems += visit(admin, SIGNED_IN)
    assert not problems, "\n".join(problems)
    assert not auditor.server_errors, auditor.server_errors


def test_the_menu_folds_on_a_phone_and_opens_without_javascript(new_context, auditor, live_server):
    server, _facts = live_server
    phone = j.actor(new_context, auditor, server, "visitor", "gn", phone=True, javascript=False)
    phone.goto("/?lang=gn")
    header = phone.page.locator("header.site-header").bounding_box()
    assert header is not None and header["height"] < 120, header
    programs = phone.page.locator('header nav a[href="/programs"]')
    assert not programs.is_visible()
    phone.page.locator("header summary").click()
    assert programs.is_visible()
    desktop = j.actor(new_context, auditor, server, "visitor", "es")
    desktop.goto("/")
    assert desktop.page.locator('header nav a[href="/programs"]').is_visible()
    assert not desktop.page.locator("header summary").is_visible()


def test_long_filter_forms_fold_on_a_phone_and_stay_open_when_used(
    new_context, auditor, live_server
):
    server, _facts = live_server
    phone = j.actor(new_context, auditor, server, "visitor", "ay", phone=True, javascript=False)
    for path in ("/observations", "/programs", "/accountability"):
        phone.goto(path)
        assert not phone.page.locator("main details.fold form.filters button").is_visible(), path
        phone.page.locator("main details.fold > summary").click()
        assert phone.page.locator("main details.fold form.filters button").is_visible(), path
    phone.goto("/programs?q=agua")  # a filter in use: shown open, so the person sees it
    assert phone.page.locator("main details.fold form.filters button").is_visible()
    desktop = j.actor(new_context, auditor, server, "visitor", "es")
    desktop.goto("/observations")
    assert desktop.page.locator("main details.fold form.filters button").is_visible()
