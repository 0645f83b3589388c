"""Browser tests: Debian's Chromium (headless) driven by Playwright against the app served by
gunicorn. Skipped, with one reason, when Chromium or Playwright is missing (``.ci/run`` installs
both; ``tests/browser/install.sh`` installs the npm tools)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.audit import VNU_JAR, Auditor
from tests.browser.server import LiveServer, seed

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def _missing() -> str | None:
    """Everything the browser tests need that is not here, named (None when all is)."""
    from tests.browser.audit import AXE_JS

    missing = []
    if not CHROMIUM.exists():
        missing.append(f"Chromium ({CHROMIUM}: apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[dev]')")
    if not AXE_JS.exists():
        missing.append("axe-core (tests/browser/vendor/axe.min.js)")
    if not VNU_JAR.exists():
        missing.append("tests/browser/node_modules (vnu-jar: npm ci in tests/browser)")
    if shutil.which("java") is None:
        missing.append("Java (apt-get install default-jre-headless), for the HTML checker")
    if not missing:
        return None
    return ", ".join(missing) + " — bash tests/browser/install.sh installs them all"


def pytest_collection_modifyitems(config, items) -> None:  # type: ignore[no-untyped-def]
    here = Path(__file__).parent
    reason = _missing()
    for item in items:
        if reason and here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))


@pytest.fixture(scope="session")
def live_server() -> Iterator[tuple[LiveServer, dict]]:
    server = LiveServer()
    server.prepare()
    facts = seed(server.env()["DATABASE_URL"], server.directory)
    server.start()
    yield server, facts
    server.stop()
    shutil.rmtree(server.directory, ignore_errors=True)


@pytest.fixture(scope="session")
def auditor(live_server) -> Auditor:
    return Auditor(origin=live_server[0].url)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_context(chromium, auditor, live_server):  # type: ignore[no-untyped-def]
    """``new_context(language, phone=False, javascript=True)`` → an audited browser context."""
    contexts = []

    def make(language: str, *, phone: bool = False, javascript: bool = True):  # type: ignore[no-untyped-def]
        context = chromium.new_context(
            base_url=live_server[0].url,
            locale=language,
            extra_http_headers={"Accept-Language": language},
            viewport=PHONE if phone else DESKTOP,
            is_mobile=phone,
            has_touch=phone,
            java_script_enabled=javascript,
        )
        context.set_default_timeout(15_000)
        auditor.attach(context, javascript=javascript)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def vnu_available() -> bool:
    return VNU_JAR.exists() and shutil.which("java") is not None
