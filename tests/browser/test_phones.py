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
    "/plans",
    "/search?q=agua",
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
    "/privacy",
    "/groups",
    "/login",
    "/register",
]
SIGNED_IN = [
    "/account",
    "/account/notifications",
    "/account/data",
    "/account/delete",
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
#: Pages of an institution's responder.
RESPONDER = ["/inbox", "/inbox/{code}"]
#: Pages whose wide table turns into labelled cards on a phone (issue 15, point 10).
CARD_PAGES = ["/observations", "/accountability", "/inbox"]
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


#: Each card table on the page: whether its region scrolls sideways, whether its header row
#: takes room, the cells without a visible label, and rows whose first visible cell is not a key.
CARDS = """() => [...document.querySelectorAll('table.cards')].map(table => {
  const region = table.closest('.table-scroll') || table;
  const cells = [...table.querySelectorAll('tbody td[data-label]')];
  const unlabelled = cells.filter(td => {
    const before = getComputedStyle(td, '::before').content;
    return !before.includes(td.dataset.label);
  }).map(td => td.dataset.label);
  const rows = [...table.querySelectorAll('tbody tr')]
    .filter(tr => tr.querySelector('td[data-label]'));
  const keyNotFirst = rows.filter(tr => {
    const cells = [...tr.querySelectorAll('td')];
    cells.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
    return !cells[0].classList.contains('key');
  }).length;
  return {
    scrolls: region.scrollWidth - region.clientWidth,
    headerHeight: table.tHead.getBoundingClientRect().height,
    rows: rows.length, unlabelled, keyNotFirst,
  };
})"""
#: Tracking codes: how many lines each takes where it is, and once its container is squeezed
#: to 3em (where overflow-wrap: anywhere would otherwise break it).
CODE_LINES = """() => [...document.querySelectorAll('.code-id')].map(el => {
  const where = el.getClientRects().length;
  const box = el.parentElement;
  box.style.width = box.style.maxWidth = '3em';
  box.style.overflowWrap = 'anywhere';
  const squeezed = el.getClientRects().length;
  const lineHeight = parseFloat(getComputedStyle(el).lineHeight);
  const height = el.getBoundingClientRect().height;
  return {code: el.textContent.trim(), where, squeezed, oneLineHigh: height < 1.5 * lineHeight};
})"""


#: A long Guaraní word (with the puso, U+02BC), the hardest to fit.
LONG_WORD = "Mba\u02bceporãmba\u02bceporãmba\u02bceporãmba\u02bceporã"


@pytest.fixture(scope="module")
def on_record(live_server) -> list[str]:
    """Accepted observations for the Sucre institution, with long Guaraní words in the title,
    so the observation list, the inbox and the accountability table have rows; their codes."""
    from app.accounts.models import User
    from app.extensions import db
    from app.institutions.models import Institution
    from tests import factories
    from tests.browser.server import instance_app

    server, facts = live_server
    app = instance_app(server.env()["DATABASE_URL"], server.directory)
    with app.app_context():
        filer = db.session.query(User).filter_by(email=facts["staff"]["es"]["flaggers"][0]).one()
        sucre = db.session.get(Institution, facts["institution_id"])
        codes = [
            factories.observation(
                filer,
                state="accepted",
                institution=sucre,
                title=f"{LONG_WORD} tekoporãrã {n}",
            ).code
            for n in range(3)
        ]
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return codes


def responder(new_context, auditor, server, facts, language):  # type: ignore[no-untyped-def]
    """Sucre's responder on a phone, with ``language`` chosen on this browser."""
    person = j.actor(new_context, auditor, server, "responder", language, phone=True)
    person.goto(f"/?lang={language}")
    j.log_in(person, facts["staff"]["es"]["responder"], facts["password"])
    return person


@pytest.mark.parametrize("language", ["es", "ay", "gn"])
def test_no_page_scrolls_sideways_on_a_phone(
    new_context, auditor, live_server, on_record, language
):
    server, facts = live_server
    values = {
        "program_id": facts["program_id"],
        "institution_id": facts["institution_id"],
        "code": on_record[0],
    }

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
    problems += visit(responder(new_context, auditor, server, facts, language), RESPONDER)
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


@pytest.mark.parametrize("language", ["es", "gn"])
def test_wide_tables_are_labelled_cards_on_a_phone(
    new_context, auditor, live_server, on_record, language
):
    """The inbox, the observation list and the accountability institutions table: no sideways
    scroll, header row out of the way, every cell labelled, the key cells first."""
    server, facts = live_server
    visitor = j.actor(new_context, auditor, server, "visitor", language, phone=True)
    visitor.goto(f"/?lang={language}")
    people = {"/inbox": responder(new_context, auditor, server, facts, language)}
    problems = []
    for path in CARD_PAGES:
        person = people.get(path, visitor)
        person.goto(path)
        tables = person.page.evaluate(CARDS)
        assert tables, f"{path}: no card table"
        for table in tables:
            squeezed = table["scrolls"] > 0 or table["headerHeight"] > 1
            if not table["rows"] or squeezed or table["unlabelled"] or table["keyNotFirst"]:
                problems.append(f"{language} {path}: {table}")
        if person.page.evaluate(OVERFLOW):
            problems.append(f"{language} {path}: {person.page.evaluate(OVERFLOW)}")
    assert not problems, "\n".join(problems)
    desktop = j.actor(new_context, auditor, server, "visitor", language)
    desktop.goto("/observations")
    assert desktop.page.locator("table.cards thead").is_visible()  # an ordinary table there


def test_tracking_codes_stay_on_one_line(new_context, auditor, live_server, on_record):
    server, facts = live_server
    person = responder(new_context, auditor, server, facts, "gn")
    for path in ("/observations", "/inbox", f"/observations/{on_record[0]}"):
        person.goto(path)
        codes = person.page.evaluate(CODE_LINES)
        assert {c["code"] for c in codes} & set(on_record), f"{path}: no tracking code"
        broken = [c for c in codes if (c["where"], c["squeezed"]) != (1, 1) or not c["oneLineHigh"]]
        assert not broken, f"{path}: {broken}"
