"""Checks over every distinct page the journeys visited (this file runs after them: pytest
collects a directory's files in name order). Run the whole tests/browser package."""

from __future__ import annotations

import pytest

from tests.browser.audit import PAGE_BUDGET_BYTES, validate_html

pytestmark = pytest.mark.browser


@pytest.fixture
def pages(auditor):
    if not auditor.pages:
        pytest.skip("no page was visited: run the whole tests/browser package")
    return list(auditor.pages.values())


def test_axe_finds_no_wcag_21_aa_violation(pages):
    languages = {p.language for p in pages if p.violations is not None}
    failures = [
        f"{p.language} {p.who} {p.key}: {v['id']} ({v['impact']}) {v['help']}\n    "
        + "\n    ".join(v["nodes"])
        for p in pages
        for v in p.violations
    ]
    assert not failures, "\n".join(failures)
    assert {"es", "qu"} <= languages


def test_every_page_is_valid_html(pages, vnu_available, tmp_path):
    if not vnu_available:
        pytest.skip("vnu.jar or java is absent: run tests/browser/install.sh")
    errors = validate_html(pages, tmp_path)
    assert not errors, "\n".join(f"{page}: {e}" for page, lines in errors.items() for e in lines)


def test_weight_budget_and_no_other_host(pages, auditor, capsys):
    with capsys.disabled():
        print("\n" + auditor.weight_table())
    heavy = [f"{p.key} {p.language}: {p.bytes} bytes" for p in pages if p.bytes > PAGE_BUDGET_BYTES]
    assert not heavy, heavy
    assert not auditor.foreign_requests, auditor.foreign_requests
    assert not auditor.console_errors, auditor.console_errors
