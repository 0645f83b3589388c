"""Sign in with Ciudadanía Digital, against a real OpenID Connect provider: oidc-provider (a
certified implementation) started on 127.0.0.1 by tests/oidc/provider.py, with PS256 keys, PKCE
required and Ciudadanía Digital's claim shapes. The app runs in this process (Flask's test
client); the provider's login and consent pages are driven over HTTP like a browser would.

Every failure case gives a page (never a 500), one log line naming the reason and never a token,
and writes no account and no identity. Skipped, with the reason, only when Node or the npm
packages are missing (``bash tests/browser/install.sh`` installs them)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import render_template_string
from flask_babel import gettext
from sqlalchemy import select

from app.accounts import export_records, oidc, oidc_client
from app.accounts.models import User, UserIdentity
from app.core.i18n import force_language
from app.core.logging import JSONFormatter
from app.core.urls import external_url
from app.extensions import db
from tests.concurrency import run_together
from tests.conftest import PASSWORD, count, link_from, logged_in
from tests.oidc import provider as op

ANA = op.ACCOUNTS["ana"]


# Fixtures ------------------------------------------------------------------------------------
def _uris(app) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return [external_url("oidc.callback")], [external_url("main.index")]


def _provider(app, mode: str = "normal") -> op.Provider:  # type: ignore[no-untyped-def]
    reason = op.missing()
    if reason:
        pytest.skip(f"OIDC provider tests skipped: {reason} — bash tests/browser/install.sh")
    callbacks, logouts = _uris(app)
    return op.Provider(callbacks, logouts, mode=mode).start()


@pytest.fixture(scope="module")
def idp(app) -> Iterator[op.Provider]:  # type: ignore[no-untyped-def]
    server = _provider(app)
    yield server
    server.stop()


def _configure(app, monkeypatch, server: op.Provider) -> None:  # type: ignore[no-untyped-def]
    for name, value in server.settings().items():
        monkeypatch.setitem(app.config, name, value)


@pytest.fixture
def oidc_on(app, idp, monkeypatch) -> op.Provider:  # type: ignore[no-untyped-def]
    _configure(app, monkeypatch, idp)
    return idp


@pytest.fixture(autouse=True)
def _forget_providers() -> Iterator[None]:
    """Each test reads the discovery documents and keys afresh (ports are reused)."""
    oidc_client._cache.clear()
    yield
    oidc_client._cache.clear()


@pytest.fixture
def logs(app) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """The app's log lines, as the JSON formatter writes them."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Keep(level=logging.INFO)
    handler.setFormatter(JSONFormatter())
    app.logger.addHandler(handler)
    yield lines
    app.logger.removeHandler(handler)


# Helpers -------------------------------------------------------------------------------------
def start(client, **query: str) -> str:  # type: ignore[no-untyped-def]
    """Press the button: the app sends the browser to the provider."""
    response = client.get("/login/ciudadania", query_string=query)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def come_back(client, url: str):  # type: ignore[no-untyped-def]
    """The browser arrives at the app's callback with what the provider put in the URL."""
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client, login: str, **options):  # type: ignore[no-untyped-def]
    return come_back(client, op.sign_in(start(client), login, **options))


def identities(app) -> list[tuple[int, str, str | None]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = db.session.execute(
            select(UserIdentity.user_id, UserIdentity.subject, UserIdentity.document_hash)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def user_by_email(app, email: str) -> User | None:  # type: ignore[no-untyped-def]
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def every_stored_value(app) -> str:  # type: ignore[no-untyped-def]
    with app.app_context(), db.engine.connect() as conn:
        return "\n".join(
            repr(tuple(row))
            for table in db.metadata.sorted_tables
            for row in conn.execute(table.select())
        )


def expected_hash(app, person: dict) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        return oidc.document_hash(person["documento_identidad"])


def assert_failed(app, logs: list[str], response, status: int, reason: str, title: str) -> None:  # type: ignore[no-untyped-def]
    """A page with ``title`` and ``status``, no account and no identity written, one log line
    naming ``reason``, and no token, code or document number in any log line."""
    html = response.get_data(as_text=True)
    assert response.status_code == status, html[:800]
    assert title in html
    assert count(app, User) == 0
    assert count(app, UserIdentity) == 0
    failures = [json.loads(line) for line in logs if "sign-in failed" in line]
    assert [f["reason"] for f in failures] == [reason], logs
    for line in logs:
        assert "eyJ" not in line  # the start of every JWT: no ID or access token
        assert "code=" not in line and ANA["documento_identidad"]["numero_documento"] not in line


def test_the_skip_message_names_what_is_missing(monkeypatch, tmp_path):
    monkeypatch.setattr(op, "PACKAGE", tmp_path / "package.json")
    assert "tests/oidc/node_modules" in (op.missing() or "")
    monkeypatch.setattr(op.shutil, "which", lambda _name: None)
    assert "Node.js 20" in (op.missing() or "")


# The button ----------------------------------------------------------------------------------
def test_the_button_shows_only_when_issuer_client_and_secret_are_set(app, client, monkeypatch):
    assert "Sign in with Ciudadanía Digital" not in client.get("/login").get_data(as_text=True)
    assert client.get("/login/ciudadania").status_code == 404
    assert client.get("/login/ciudadania/callback?code=x&state=y").status_code == 404
    monkeypatch.setitem(app.config, "OIDC_ISSUER", "https://proveedor.agetic.gob.bo")
    monkeypatch.setitem(app.config, "OIDC_CLIENT_ID", "qhawaq")
    assert "Sign in with Ciudadanía Digital" not in client.get("/login").get_data(as_text=True)
    monkeypatch.setitem(app.config, "OIDC_CLIENT_SECRET", "secret")
    page = client.get("/login?next=/observations/mine").get_data(as_text=True)
    assert "Sign in with Ciudadanía Digital" in page
    assert 'href="/login/ciudadania?next=/observations/mine"' in page


# Signing in ----------------------------------------------------------------------------------
def test_first_sign_in_makes_a_verified_account_and_keeps_only_sub_and_hashed_document(
    app, client, oidc_on
):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    url = start(client, next="/observations/mine")
    query = parse_qs(urlsplit(url).query)
    # The endpoint came from the discovery document; PKCE, state and nonce are sent.
    assert url.startswith(f"{oidc_on.issuer}/auth?")
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["state"] and query["nonce"] and query["scope"] == ["openid profile email"]

    response = come_back(client, op.sign_in(url, "ana"))
    assert response.status_code == 302 and response.headers["Location"] == "/observations/mine"
    user = user_by_email(app, ANA["email"])
    assert user is not None
    assert user.display_name == "Ana María Quispe"
    assert user.language == "es"
    assert user.email_verified_at is not None and user.identity_verified_at is not None
    assert not user.show_verified_publicly
    digest = expected_hash(app, ANA)
    assert identities(app) == [(user.id, "ana", digest)]
    stored = every_stored_value(app)
    assert digest in stored
    number = ANA["documento_identidad"]["numero_documento"]
    assert number not in stored
    # Signed in: the account page says verified.
    page = client.get("/account").get_data(as_text=True)  # in her language, Spanish
    with app.test_request_context(), force_language("es"):
        said = gettext("Verified with Ciudadanía Digital on %(date)s", date="").strip()
    assert said in page


def test_the_next_sign_in_finds_the_same_account(app, client, oidc_on):
    assert sign_in(client, "ana").status_code == 302
    first = identities(app)
    again = app.test_client()
    assert sign_in(again, "ana").status_code == 302
    assert identities(app) == first and count(app, User) == 1
    assert again.get("/account").status_code == 200


def test_the_document_hash_is_keyed_and_normalised(app, monkeypatch):
    with app.app_context():
        one = oidc.document_hash(
            {"tipo_documento": "CI", "numero_documento": "4780123", "complemento": "1A"}
        )
        same = oidc.document_hash(
            {"tipo_documento": " ci", "numero_documento": "4.780.123", "complemento": "1a"}
        )
        other = oidc.document_hash({"tipo_documento": "CI", "numero_documento": "4780123"})
        monkeypatch.setitem(app.config, "OIDC_DOCUMENT_KEY", "a key of its own")
        rekeyed = oidc.document_hash(
            {"tipo_documento": "CI", "numero_documento": "4780123", "complemento": "1A"}
        )
    assert one == same and len(one) == 64
    assert other != one and rekeyed != one
    assert "4780123" not in one


def test_a_second_account_with_the_same_document_is_refused(app, client, oidc_on, logs):
    assert sign_in(client, "ana").status_code == 302
    before = identities(app)
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = sign_in(other, "ana.otra")  # the same document, written differently
    assert response.status_code == 409
    assert "This identity already has an account" in response.get_data(as_text=True)
    assert identities(app) == before and count(app, User) == 1
    assert user_by_email(app, op.ACCOUNTS["ana.otra"]["email"]) is None
    assert any("document held by account" in line for line in logs)


def test_an_existing_address_is_linked_only_after_its_password(app, client, oidc_on, make_user):
    rosa = make_user(email=op.ACCOUNTS["rosa"]["email"], display_name="Rosa")
    response = sign_in(client, "rosa")
    assert response.status_code == 302 and response.headers["Location"] == "/login/ciudadania/link"
    assert identities(app) == []
    assert client.get("/account").status_code == 302  # not signed in yet
    page = client.get("/login/ciudadania/link").get_data(as_text=True)
    assert op.ACCOUNTS["rosa"]["email"] in page

    wrong = client.post("/login/ciudadania/link", data={"password": "not her password"})
    assert wrong.status_code == 200 and "The password is not right." in wrong.get_data(as_text=True)
    assert identities(app) == []

    right = client.post("/login/ciudadania/link", data={"password": PASSWORD})
    assert right.status_code == 302
    assert identities(app) == [(rosa.id, "rosa", expected_hash(app, op.ACCOUNTS["rosa"]))]
    assert client.get("/account").status_code == 200
    assert count(app, User) == 1
    # The pending identity is spent.
    assert client.get("/login/ciudadania/link").status_code == 400


def test_an_existing_address_can_be_proved_by_mail_in_the_same_browser(
    app, client, oidc_on, make_user, outbox
):
    rosa = make_user(email=op.ACCOUNTS["rosa"]["email"], display_name="Rosa")
    assert sign_in(client, "rosa").headers["Location"] == "/login/ciudadania/link"
    assert client.post("/login/ciudadania/link/mail").status_code == 302
    [mail] = outbox("oidc_link")
    assert mail.recipient == rosa.email
    link = link_from(mail.body, "/login/ciudadania/link/confirm")
    # Opened anywhere else (a mail scanner, someone else's browser), it links nothing: not
    # even in a browser holding an identity pending for the same account.
    elsewhere = app.test_client()
    assert elsewhere.get(link).status_code == 400
    assert sign_in(elsewhere, "rosa").headers["Location"] == "/login/ciudadania/link"
    assert elsewhere.get(link).status_code == 400
    assert client.get("/login/ciudadania/link/confirm?token=forged").status_code == 400
    assert identities(app) == []
    assert client.get(link).status_code == 302
    assert [row[:2] for row in identities(app)] == [(rosa.id, "rosa")]
    assert client.get("/account").status_code == 200


def test_a_signed_in_person_links_their_account_and_chooses_the_public_mark(
    app, oidc_on, make_user
):
    mario = make_user(email="mario.otro.correo@example.org", display_name="Mario T.")
    client = logged_in(app, mario.email)
    page = client.get("/account").get_data(as_text=True)
    assert "Verify it with Ciudadanía Digital" in page
    response = sign_in(client, "mario")
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert [row[:2] for row in identities(app)] == [(mario.id, "mario")]
    assert count(app, User) == 1  # the provider's address made no second account

    assert client.post("/account/verified-badge", data={"show": "y"}).status_code == 302
    with app.app_context():
        stored = db.session.get(User, mario.id)
        assert stored is not None and stored.show_verified_publicly
        with force_language("en"):
            mark = render_template_string(
                '{% from "accounts/oidc_mark.html" import verified_mark %}{{ verified_mark(u) }}',
                u=stored,
            )
        assert "verified with Ciudadanía Digital" in mark
    client.post("/account/verified-badge", data={})
    with app.app_context():
        stored = db.session.get(User, mario.id)
        assert stored is not None and not stored.show_verified_publicly
        hidden = render_template_string(
            '{% from "accounts/oidc_mark.html" import verified_mark %}{{ verified_mark(u) }}',
            u=stored,
        )
        assert "verified" not in hidden


def test_an_identity_linked_elsewhere_is_refused_to_another_signed_in_account(
    app, oidc_on, make_user, logs
):
    assert sign_in(app.test_client(), "juana").status_code == 302
    before = identities(app)
    other = make_user(email="otra.persona@example.org")
    client = logged_in(app, other.email)
    response = sign_in(client, "juana")
    assert response.status_code == 409
    assert identities(app) == before
    assert any('"reason": "other_account"' in line for line in logs)


def test_an_account_holds_one_ciudadania_digital_identity(app, client, oidc_on, logs):
    assert sign_in(client, "juana").status_code == 302
    before = identities(app)
    response = sign_in(client, "mario")  # signed in as Juana: would link Mario's identity
    assert response.status_code == 409
    assert identities(app) == before and count(app, User) == 1
    assert any("has another identity" in line for line in logs)


def test_the_badge_cannot_be_shown_without_a_verification(app, make_user):
    citizen = make_user()
    client = logged_in(app, citizen.email)
    assert client.post("/account/verified-badge", data={"show": "y"}).status_code == 302
    with app.app_context():
        stored = db.session.get(User, citizen.id)
        assert stored is not None and not stored.show_verified_publicly


def test_the_archive_lists_the_provider_never_the_document_hash(app, client, oidc_on):
    assert sign_in(client, "ana").status_code == 302
    [(user_id, _subject, digest)] = identities(app)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        methods = export_records.sign_in(user)
    assert [m["provider"] for m in methods] == ["ciudadania_digital"]  # no password to list
    assert methods[0]["subject"] == "ana" and methods[0]["identity_verified_at"]
    assert digest and digest not in json.dumps(methods, default=str)


# Logout --------------------------------------------------------------------------------------
def test_logout_ends_the_provider_session_too(app, client, oidc_on):
    at_provider = op.Visitor(oidc_on.issuer)
    url = start(client)
    assert come_back(client, op.sign_in(url, "ana", visitor=at_provider)).status_code == 302
    # The provider remembers her: a new sign-in comes straight back, no login page.
    assert at_provider.open(start(app.test_client())) is not None

    response = client.post("/logout")
    assert response.headers["Location"] == "/logout/ciudadania"
    page = client.get("/logout/ciudadania")
    assert page.status_code == 200
    refresh = page.headers["Refresh"]
    end = refresh.split("url=", 1)[1]
    assert end.startswith(f"{oidc_on.issuer}/session/end?")
    assert parse_qs(urlsplit(end).query)["client_id"] == [op.CLIENT_ID]
    assert f'href="{end.replace("&", "&amp;")}"' in page.get_data(as_text=True)
    assert client.get("/account").status_code == 302  # logged out here
    with app.app_context():
        home = external_url("main.index")
    assert op.end_session(end, at_provider) == home
    # ...and there: the next sign-in asks for the password again.
    assert at_provider.open(start(app.test_client())) is None
    assert 'name="usuario"' in at_provider.page
    # Only once: the page is not a way to reach the provider for anyone.
    assert client.get("/logout/ciudadania").status_code == 302


def test_a_password_login_logs_out_here_only(app, oidc_on, make_user):
    citizen = make_user()
    client = logged_in(app, citizen.email)
    assert client.post("/logout").headers["Location"] == "/"


# Every failure: a page, a log line, nothing written --------------------------------------------
def test_provider_down_at_discovery(app, client, monkeypatch, logs):
    monkeypatch.setitem(app.config, "OIDC_ISSUER", f"http://127.0.0.1:{op.free_port()}")
    monkeypatch.setitem(app.config, "OIDC_CLIENT_ID", op.CLIENT_ID)
    monkeypatch.setitem(app.config, "OIDC_CLIENT_SECRET", op.CLIENT_SECRET)
    response = client.get("/login/ciudadania")
    assert_failed(app, logs, response, 503, "unavailable", "Ciudadanía Digital does not answer")


def test_provider_down_at_the_token_endpoint(app, client, monkeypatch, logs):
    # A provider of this test's own, stopped between the person's consent and the code
    # exchange (the discovery document was read while it was up).
    server = _provider(app)
    try:
        _configure(app, monkeypatch, server)
        back = op.sign_in(start(client), "ana")
    finally:
        server.stop()
    response = come_back(client, back)
    assert_failed(app, logs, response, 503, "unavailable", "Ciudadanía Digital does not answer")


def test_consent_refused(app, client, oidc_on, logs):
    response = sign_in(client, "ana", consent=False)
    assert_failed(app, logs, response, 403, "denied", "You did not allow the sign-in")


def test_login_cancelled_at_the_provider(app, client, oidc_on, logs):
    response = come_back(client, op.cancel_sign_in(start(client)))
    assert_failed(app, logs, response, 403, "denied", "You did not allow the sign-in")


def test_wrong_state(app, client, oidc_on, logs):
    back = op.sign_in(start(client), "ana")
    forged = back.replace("state=", "state=x")
    response = come_back(client, forged)
    assert_failed(app, logs, response, 400, "state", "This sign-in cannot be completed")
    # The request is spent: the genuine answer cannot be used after a forged one either.
    assert come_back(client, back).status_code == 400


def test_a_callback_this_browser_did_not_start(app, client, oidc_on, logs):
    # Login CSRF / code injection: someone else's answer delivered to this browser, which has
    # a sign-in of its own in flight (and without one: see the crafted callbacks below).
    start(client)
    back = op.sign_in(start(app.test_client()), "ana")
    response = come_back(client, back)
    assert_failed(app, logs, response, 400, "state", "This sign-in cannot be completed")


def test_a_replayed_callback(app, client, oidc_on):
    back = op.sign_in(start(client), "ana")
    assert come_back(client, back).status_code == 302
    assert come_back(client, back).status_code == 400
    assert count(app, User) == 1


def test_wrong_nonce(app, client, oidc_on, logs):
    # The provider echoes the nonce it was sent; this browser's request now expects another,
    # as when an ID token minted for another request is replayed.
    url = start(client)
    with client.session_transaction() as session:
        session["oidc_request"] = {**session["oidc_request"], "nonce": "not-the-one-sent"}
    response = come_back(client, op.sign_in(url, "ana"))
    assert_failed(app, logs, response, 400, "token", "could not be verified")
    assert any("invalid_claim nonce" in line for line in logs)


def test_expired_token(app, client, oidc_on, logs, monkeypatch):
    # The provider's ID tokens live 10 minutes; the app's clock is two hours ahead.
    back = op.sign_in(start(client), "ana")
    monkeypatch.setattr(oidc_client, "now", lambda: int(time.time()) + 2 * 3600)
    response = come_back(client, back)
    assert_failed(app, logs, response, 400, "token", "could not be verified")
    assert any("expired_token" in line for line in logs)


def test_badly_signed_token(app, client, monkeypatch, logs):
    # A second provider that signs with its key but publishes another under the same kid
    # (provider.mjs, "foreign-jwks"): the ID token's signature matches no published key.
    server = _provider(app, mode="foreign-jwks")
    try:
        _configure(app, monkeypatch, server)
        response = sign_in(client, "ana")
    finally:
        server.stop()
    assert_failed(app, logs, response, 400, "token", "could not be verified")
    assert any("bad_signature" in line for line in logs)


def test_an_id_token_for_another_audience_issuer_or_tampered_with_is_refused(
    app, client, oidc_on, monkeypatch
):
    # A real ID token of the provider, kept on its way through, then checked again as if this
    # site were another client, as if another issuer were expected, and with its payload changed.
    seen: list[tuple] = []
    check = oidc_client._id_token_claims

    def keep(*args):  # type: ignore[no-untyped-def]
        seen.append(args)
        return check(*args)

    monkeypatch.setattr(oidc_client, "_id_token_claims", keep)
    assert sign_in(client, "ana").status_code == 302
    [(config, document, token, nonce)] = seen

    def refusal(config, document, token) -> str:  # type: ignore[no-untyped-def]
        with app.app_context(), pytest.raises(oidc_client.OIDCFailure) as failure:
            check(config, document, token, nonce)
        assert failure.value.reason == "token"
        return failure.value.detail

    other_client = oidc_client.Settings(config.issuer, "another-client", "x", 5)
    assert refusal(other_client, document, token) == "id_token: invalid_claim aud"
    other_issuer = {**document, "issuer": "https://proveedor.agetic.gob.bo"}
    assert refusal(config, other_issuer, token) == "id_token: invalid_claim iss"
    header, payload, signature = token["id_token"].split(".")
    tampered = payload[:-4] + ("AAAA" if not payload.endswith("AAAA") else "BBBB")
    forged = {**token, "id_token": f"{header}.{tampered}.{signature}"}
    assert refusal(config, document, forged).startswith("id_token: ")
    unsigned = {**token, "id_token": f"eyJhbGciOiJub25lIn0.{payload}."}  # {"alg":"none"}
    assert refusal(config, document, unsigned).startswith("id_token: ")


@pytest.mark.parametrize("login", ["sin.documento", "sin.correo"])
def test_missing_claims(app, client, oidc_on, logs, login):
    response = sign_in(client, login)
    assert_failed(app, logs, response, 400, "claims", "did not give what we need")


def test_a_blocked_account_is_not_signed_in(app, client, oidc_on, logs):
    assert sign_in(client, "ana").status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user is not None
        user.blocked_at = user.created_at
        db.session.commit()
    again = app.test_client()
    again.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = sign_in(again, "ana")
    assert response.status_code == 403 and "This account is blocked" in response.get_data(
        as_text=True
    )
    assert again.get("/account").status_code == 302


@pytest.mark.parametrize(
    "query",
    [
        "",
        "error=access_denied",
        "code=abc&state=",
        "code=abc&state=x&iss=http://evil.example",
        "error=%3Cscript%3E&error_description=%00%FF",
        "state=" + "x" * 5000,
        "code=abc&state=%C3%B1and%E2%9C%93",
    ],
)
def test_crafted_callbacks_never_fail_with_a_server_error(app, client, oidc_on, query):
    start(client)
    response = client.get(f"/login/ciudadania/callback?{query}")
    assert response.status_code == 400
    assert count(app, User) == 0


def test_link_pages_without_a_pending_identity(app, client, oidc_on):
    assert client.get("/login/ciudadania/link").status_code == 400
    assert client.post("/login/ciudadania/link", data={"password": "x"}).status_code == 400
    assert client.post("/login/ciudadania/link/mail").status_code == 400
    assert client.get("/login/ciudadania/link/confirm").status_code == 400
    assert client.get("/logout/ciudadania").status_code == 302


# Two sign-ins at the same moment (PostgreSQL: the transactions really interleave) -------------
def _first_sign_in(app, people: list[oidc.Person]) -> list[str]:  # type: ignore[no-untyped-def]
    def work(i: int) -> str:
        try:
            outcome = oidc.sign_in(people[i], None)
            db.session.commit()
            return outcome.kind
        except oidc_client.OIDCFailure as failure:
            db.session.rollback()
            return failure.reason

    return run_together(app, len(people), work)


def _person(subject: str, email: str) -> oidc.Person:
    return oidc.Person(subject, "d" * 64, email, True, "Ana Quispe")


@pytest.mark.concurrency
def test_the_same_first_sign_in_twice_at_once_makes_one_account(app):
    results = _first_sign_in(app, [_person("ana", "ana@example.org")] * 4)
    assert results.count("created") == 1, results
    # A sign-in that looked for the identity just before the first one committed, and for the
    # address just after, finds an account it cannot link without proof: it writes nothing and
    # asks for the password or a mail link (a legitimate outcome of the race, not a second account).
    allowed = {"created", "retry", "document_taken", "signed_in", "needs_proof"}
    assert set(results) <= allowed, results
    assert count(app, User) == 1 and count(app, UserIdentity) == 1


@pytest.mark.concurrency
def test_two_accounts_with_one_document_at_once_make_one(app):
    people = [_person(f"ana-{i}", f"ana{i}@example.org") for i in range(4)]
    results = _first_sign_in(app, people)
    assert results.count("created") == 1, results
    assert set(results) <= {"created", "document_taken"}, results
    # The refused ones left no account behind either.
    assert count(app, User) == 1 and count(app, UserIdentity) == 1
