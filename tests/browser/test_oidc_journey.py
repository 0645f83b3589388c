"""Issue 18 in a browser, with JavaScript off, in Spanish and in Aymara: a person presses "Sign in
with Ciudadanía Digital", signs in on the provider's own login page, authorises on its consent
page, comes back signed in to a new verified account, chooses to show the mark publicly, logs
out (which ends the provider's session too, so the next sign-in asks for the password again).

The provider is tests/oidc/provider.mjs (oidc-provider, a certified OpenID Connect
implementation); the app is a live server of its own pointed at it through QHAWAQ_OIDC_*. The
shared live server stays as it is: its journeys run without the button. Skipped, with the
reason, when Node or the provider's npm packages are missing (tests/browser/install.sh)."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.browser.conftest import DESKTOP
from tests.browser.server import LiveServer
from tests.oidc import provider as op

pytestmark = pytest.mark.browser


@dataclass
class Site:
    server: LiveServer
    provider: op.Provider

    def db(self, sql: str, *params: object) -> list[tuple]:
        path = self.server.env()["DATABASE_URL"].removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            return conn.execute(sql, params).fetchall()

    def everything_stored(self) -> str:
        path = self.server.env()["DATABASE_URL"].removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            tables = [
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            return "\n".join(
                repr(row)
                for t in tables
                for row in conn.execute(f'SELECT * FROM "{t}"')  # noqa: S608
            )


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    reason = op.missing()
    if reason:
        pytest.skip(f"Ciudadanía Digital journey skipped: {reason} — bash tests/browser/install.sh")
    server = LiveServer(workers=1)
    provider = op.Provider([f"{server.url}/login/ciudadania/callback"], [f"{server.url}/"]).start()
    server.extra_env.update(provider.env())
    try:
        server.prepare()
        server.start()
        yield Site(server, provider)
    finally:
        server.stop()
        provider.stop()
        shutil.rmtree(server.directory, ignore_errors=True)


@pytest.fixture
def browser_page(chromium, auditor, site):  # type: ignore[no-untyped-def]
    """``browser_page(language)``: a page without JavaScript that may reach the app and the
    provider, nothing else (the provider's pages load nothing from elsewhere)."""
    contexts = []
    foreign: list[str] = []

    def make(language: str):  # type: ignore[no-untyped-def]
        context = chromium.new_context(
            base_url=site.server.url,
            locale=language,
            extra_http_headers={"Accept-Language": language},
            viewport=DESKTOP,
            java_script_enabled=False,
        )
        context.set_default_timeout(15_000)
        allowed = (site.server.url + "/", site.provider.issuer + "/")

        def route(route) -> None:  # type: ignore[no-untyped-def]
            if route.request.url.startswith(allowed):
                route.continue_()
            else:
                foreign.append(route.request.url)
                route.abort()

        context.route("**/*", route)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    assert not foreign, foreign


def audited(page, auditor, language: str) -> None:  # type: ignore[no-untyped-def]
    """Record the app's page for the HTML check at the end of the browser tests (its HTML as
    shown: this context is not weighed, its navigations cross the provider's pages)."""
    auditor.check(page, "oidc-citizen", language, javascript=False)


def sign_in_at_provider(page, site: Site, login: str) -> None:  # type: ignore[no-untyped-def]
    """The login page, then the consent page, of the provider (their own forms)."""
    with page.expect_navigation():
        page.locator('a[href^="/login/ciudadania"]').first.click()
    assert page.url.startswith(f"{site.provider.issuer}/interaction/"), page.url
    page.fill('input[name="usuario"]', login)
    page.fill('input[name="contrasena"]', op.ACCOUNTS[login]["password"])
    with page.expect_navigation():
        page.click('button[value="ingresar"]')
    assert page.url.startswith(f"{site.provider.issuer}/interaction/"), page.url
    assert page.locator('button[value="autorizar"]').count() == 1
    with page.expect_navigation():
        page.click('button[value="autorizar"]')


@pytest.mark.parametrize(("language", "login"), [("es", "juana"), ("ay", "mario")])
def test_sign_in_with_ciudadania_digital_without_javascript(
    site, browser_page, auditor, language, login
):
    person = op.ACCOUNTS[login]
    page = browser_page(language)
    page.goto("/login")
    audited(page, auditor, language)
    assert page.locator("html").get_attribute("lang") == language
    sign_in_at_provider(page, site, login)

    # Back on the site, signed in, in the person's language.
    assert page.url == f"{site.server.url}/", page.url
    audited(page, auditor, language)
    assert page.locator("html").get_attribute("lang") == language
    [(user_id, name, lang, verified, email_ok)] = site.db(
        "SELECT id, display_name, language, identity_verified_at, email_verified_at"
        " FROM users WHERE email = ?",
        person["email"],
    )
    assert name == f"{person['nombre']['nombres']} {person['nombre']['primer_apellido']}"
    assert lang == language and verified and email_ok
    [(subject, digest)] = site.db(
        "SELECT subject, document_hash FROM user_identities WHERE user_id = ?", user_id
    )
    assert subject == login and len(digest) == 64
    assert person["documento_identidad"]["numero_documento"] not in site.everything_stored()

    # The account page says so; the person chooses to show the mark publicly.
    page.goto("/account")
    audited(page, auditor, language)
    assert page.locator('form[action="/account/verified-badge"]').count() == 1
    page.check('input[name="show"]')
    with page.expect_navigation():
        page.click("#badge-submit")
    assert site.db("SELECT show_verified_publicly FROM users WHERE id = ?", user_id) == [(1,)]

    # Logging out ends the provider's session too: the page's Refresh takes the browser there
    # (no JavaScript), the provider asks, then sends it back home.
    with page.expect_navigation(url=f"{site.provider.issuer}/session/end**"):
        page.locator('form[action="/logout"] [type=submit]').first.click()
    with page.expect_navigation(url=f"{site.server.url}/"):
        page.click('button[name="logout"][value="yes"]')
    audited(page, auditor, language)
    page.goto("/account")
    assert "/login" in page.url
    # The provider forgot the person: the next sign-in shows its login page again.
    page.goto("/login")
    with page.expect_navigation():
        page.locator('a[href^="/login/ciudadania"]').first.click()
    assert page.locator('input[name="usuario"]').count() == 1
    assert not site.server.server_errors(), site.server.server_errors()


def test_an_existing_account_is_linked_after_its_password(site, browser_page, auditor):
    """The provider's address already has an account here: the person proves it with the
    account's password (in Quechua, without JavaScript) before anything is linked."""
    from app.accounts import services
    from app.extensions import db
    from tests.browser.server import SEED_PASSWORD, instance_app

    rosa = op.ACCOUNTS["rosa"]
    app = instance_app(site.server.env()["DATABASE_URL"], site.server.directory)
    with app.app_context():
        services.create_user(
            email=rosa["email"], password=SEED_PASSWORD, display_name="Rosa C.", language="qu"
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    [(user_id,)] = site.db("SELECT id FROM users WHERE email = ?", rosa["email"])
    accounts = site.db("SELECT count(*) FROM users")

    page = browser_page("qu")
    response = page.goto("/login/ciudadania/link")  # nothing pending: the failure page
    assert response is not None and response.status == 400
    audited(page, auditor, "qu")
    page.goto("/login")
    sign_in_at_provider(page, site, "rosa")
    assert page.url == f"{site.server.url}/login/ciudadania/link", page.url
    audited(page, auditor, "qu")
    assert site.db("SELECT count(*) FROM user_identities WHERE user_id = ?", user_id) == [(0,)]
    page.fill('input[name="password"]', "not-the-password-2026")
    with page.expect_navigation():
        page.click('form:not([action]) [type="submit"]')
    assert site.db("SELECT count(*) FROM user_identities WHERE user_id = ?", user_id) == [(0,)]
    page.fill('input[name="password"]', SEED_PASSWORD)
    with page.expect_navigation():
        page.click('form:not([action]) [type="submit"]')
    assert page.url == f"{site.server.url}/", page.url
    assert site.db("SELECT subject FROM user_identities WHERE user_id = ?", user_id) == [("rosa",)]
    assert site.db("SELECT count(*) FROM users") == accounts  # no second account
    assert not site.server.server_errors(), site.server.server_errors()
