"""The filing form with JavaScript (static/js/filing.js, issue 15 point 16): choosing a department
narrows the municipalities to that department, Enter in the program search box searches, and
the page logs no console error. With JavaScript off the list stays whole, grouped by department."""

from __future__ import annotations

import pytest

from tests.browser import journeys as j

pytestmark = pytest.mark.browser

#: The municipality select as the page holds it now: (group's data-department, option values).
OPTIONS = """() => Array.from(document.querySelectorAll('select[name="municipality"] option'))
  .map(o => [o.parentElement.tagName === 'OPTGROUP' ? o.parentElement.dataset.department : null,
             o.value])"""


def municipalities(page) -> list[tuple[str | None, str]]:  # type: ignore[no-untyped-def]
    return [tuple(pair) for pair in page.evaluate(OPTIONS)]


def departments_of(options: list[tuple[str | None, str]]) -> set[str | None]:
    return {department for department, value in options if value}


def citizen(new_context, auditor, server, facts, **options):  # type: ignore[no-untyped-def]
    person = j.actor(new_context, auditor, server, "citizen", "es", **options)
    errors: list[str] = []
    person.page.on("pageerror", lambda error: errors.append(str(error)))
    person.page.on(
        "console", lambda message: message.type == "error" and errors.append(message.text)
    )
    j.log_in(person, facts["staff"]["es"]["flaggers"][1], facts["password"])
    return person, errors


def test_a_department_narrows_the_municipalities(new_context, auditor, live_server):
    server, facts = live_server
    person, errors = citizen(new_context, auditor, server, facts)
    page = person.page
    person.goto("/observations/new")
    fingerprinted = 'script[src*="/js/filing.js?v="][defer]'
    assert page.evaluate(f"() => !!document.querySelector('{fingerprinted}')")

    everything = municipalities(page)
    assert everything[0] == (None, "")  # "Not sure / several"
    assert {"BO-H", "BO-P", "BO-L"} <= departments_of(everything)

    page.select_option('select[name="department"]', "BO-H")
    chuquisaca = municipalities(page)
    assert departments_of(chuquisaca) == {"BO-H"}
    assert chuquisaca[0] == (None, "")
    assert set(chuquisaca) == {o for o in everything if o[0] in (None, "BO-H")}

    # A municipality of the department stays chosen; changing department lets it go.
    sucre = chuquisaca[1][1]
    page.select_option('select[name="municipality"]', sucre)
    page.select_option('select[name="department"]', "BO-H")
    assert page.input_value('select[name="municipality"]') == sucre
    page.select_option('select[name="department"]', "BO-P")
    assert departments_of(municipalities(page)) == {"BO-P"}
    assert page.input_value('select[name="municipality"]') == ""

    # No department: the whole list again, in its order.
    page.select_option('select[name="department"]', "")
    assert municipalities(page) == everything

    # Enter in the program search box searches, keeping what was typed.
    page.fill('input[name="title"]', "La obra del tanque está paralizada")
    page.fill('input[name="program_q"]', "agua distrito")
    with page.expect_navigation():
        page.press('input[name="program_q"]', "Enter")
    person.check()
    assert page.input_value('input[name="title"]') == "La obra del tanque está paralizada"
    pick = f'input[name="program_pick"][value="{facts["program_id"]}"]'
    assert page.locator(pick).count() == 1
    page.check(pick)
    person.submit('form[action$="/observations/new"]', '[name="program_choose"]')
    assert page.input_value('input[name="program_id"]') == str(facts["program_id"])
    assert page.locator('[name="program_clear"]').count() == 1

    # The chosen program's department (Chuquisaca) narrows the list as the page opens.
    assert page.input_value('select[name="department"]') == "BO-H"
    assert departments_of(municipalities(page)) == {"BO-H"}

    assert auditor.axe(page) == []
    assert errors == []


def test_without_javascript_the_list_stays_whole(new_context, auditor, live_server):
    server, facts = live_server
    person, errors = citizen(new_context, auditor, server, facts, javascript=False)
    page = person.page
    person.goto("/observations/new")
    page.select_option('select[name="department"]', "BO-H")
    options = municipalities(page)
    assert {"BO-H", "BO-P", "BO-L"} <= departments_of(options)
    assert len(departments_of(options)) == 9
    assert errors == []
