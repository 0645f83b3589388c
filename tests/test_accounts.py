from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.accounts.models import Role, User
from app.extensions import db, limiter
from tests.conftest import PASSWORD, link_from


def register(client, email="ana@example.org", password="una frase larga", **extra):  # noqa: S107
    data = {
        "display_name": "Ana Quispe",
        "email": email,
        "password": password,
        "confirm": password,
        "language": "es",
        **extra,
    }
    return client.post("/register", data=data)


def get_user(app, email):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def test_register_verify_login(app, client, outbox, auth):
    response = register(client, email="Ana@Example.org")
    assert response.status_code == 200
    assert "ana@example.org".lower() in response.get_data(as_text=True).lower()

    user = get_user(app, "ana@example.org")
    assert user is not None and user.email_verified_at is None
    assert user.password_hash.startswith("$argon2id$")

    [mail] = outbox("verify_email")
    assert mail.recipient == "ana@example.org"
    assert mail.language == "es"
    link = link_from(mail.body, "/verify/")

    response = client.get(link)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert get_user(app, "ana@example.org").email_verified_at is not None

    response = auth.login("ana@example.org", "una frase larga")
    assert response.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert "ana@example.org" in page


def test_register_form_errors_keep_input(client, app):
    response = client.post(
        "/register",
        data={
            "display_name": "Ana",
            "email": "not-an-email",
            "password": "short",
            "confirm": "other",
            "language": "qu",
        },
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="Ana"' in html and 'value="not-an-email"' in html
    assert 'aria-invalid="true"' in html
    assert "error-summary" in html
    assert get_user(app, "not-an-email") is None


def test_register_existing_email_reveals_nothing(client, make_user, outbox):
    make_user(email="taken@example.org")
    first = register(client, email="taken@example.org").get_data(as_text=True)
    second = register(client, email="fresh@example.org").get_data(as_text=True)
    # Same page shape for both; only the echoed address differs.
    assert first.replace("taken@example.org", "X") == second.replace("fresh@example.org", "X")
    assert [m.kind for m in outbox()] == ["register_existing", "verify_email"]


def test_verification_link_tampered_or_for_old_address(app, client, outbox):
    register(client)
    link = link_from(outbox("verify_email")[0].body, "/verify/")
    assert client.get(link[:-3] + "abc").status_code == 400
    with app.app_context():
        user = db.session.scalar(select(User))
        user.email = "changed@example.org"
        db.session.commit()
    assert client.get(link).status_code == 400


def test_verification_link_expires(app, client, outbox, monkeypatch):
    register(client)
    link = link_from(outbox("verify_email")[0].body, "/verify/")
    monkeypatch.setitem(app.config, "EMAIL_TOKEN_MAX_AGE", -1)
    assert client.get(link).status_code == 400


def test_wrong_password_and_unknown_email_same_answer(client, make_user, auth):
    make_user(email="maria@example.org")
    wrong = auth.login("maria@example.org", "wrong password!")
    unknown = auth.login("nobody@example.org", "wrong password!")
    assert wrong.status_code == unknown.status_code == 200
    wrong_html = wrong.get_data(as_text=True)
    assert "The email or the password is not right." in wrong_html
    strip = lambda html: re.sub(r"[\w.]+@example\.org", "", html)  # noqa: E731
    assert strip(wrong_html) == strip(unknown.get_data(as_text=True))
    assert client.get("/account").status_code == 302  # still anonymous


def test_login_redirects_only_to_local_next(client, make_user, auth):
    make_user(email="x@example.org")
    for target in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ]:
        response = client.post(
            f"/login?next={target}", data={"email": "x@example.org", "password": PASSWORD}
        )
        assert response.headers["Location"] == "/", target
        auth.logout()
    response = client.post(
        "/login?next=/account", data={"email": "x@example.org", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/account"


def test_login_throttled_per_account(app, client, make_user, auth, monkeypatch):
    make_user(email="victim@example.org")
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "3 per 5 minutes")
    for _ in range(3):
        assert auth.login("victim@example.org", "bad password 1").status_code == 200
    # Even the right password is refused now, with a translated message on the login form.
    response = auth.login("victim@example.org", PASSWORD)
    assert response.status_code == 429
    assert "Too many wrong passwords for this account." in response.get_data(as_text=True)
    # The count is on the account in the database, not in this process's limiter memory.
    limiter.reset()
    assert auth.login("victim@example.org", PASSWORD).status_code == 429
    # Another account from the same address is not affected by this account's limit.
    make_user(email="other@example.org")
    assert auth.login("other@example.org", PASSWORD).status_code == 302


def test_account_lock_ends_with_its_window_and_a_success_resets_the_count(
    app, make_user, monkeypatch
):
    from datetime import timedelta

    from app.accounts import services
    from app.core.db import utcnow

    make_user(email="window@example.org")
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "2 per 5 minutes")
    start = utcnow()
    with app.app_context():
        user = services.find_by_email("window@example.org")
        services.record_failed_login("window@example.org", start)
        services.record_failed_login("window@example.org", start + timedelta(minutes=1))
        db.session.commit()
        db.session.refresh(user)
        assert user.failed_logins == 2
        assert services.login_locked_until(user, start + timedelta(minutes=4)) == start + timedelta(
            minutes=5
        )
        assert services.login_locked_until(user, start + timedelta(minutes=5)) is None
        # A failure after the window starts a new count at one.
        services.record_failed_login("window@example.org", start + timedelta(minutes=6))
        db.session.commit()
        db.session.refresh(user)
        assert user.failed_logins == 1
        assert services.login_locked_until(user, start + timedelta(minutes=6)) is None
        services.authenticate("window@example.org", PASSWORD)
        db.session.commit()
        db.session.refresh(user)
        assert (user.failed_logins, user.failed_logins_since) == (0, None)


def test_login_throttled_per_ip(app, client, make_user, auth, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_IP", "4 per 5 minutes")
    for n in range(4):
        assert auth.login(f"guess{n}@example.org", "bad password 1").status_code == 200
    assert auth.login("guess9@example.org", "bad password 1").status_code == 429
    other_ip = app.test_client()
    response = other_ip.post(
        "/login",
        data={"email": "guess9@example.org", "password": "x"},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert response.status_code == 200


def test_successful_logins_do_not_count(app, client, make_user, auth, monkeypatch):
    make_user(email="often@example.org")
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "2 per 5 minutes")
    for _ in range(4):
        assert auth.login("often@example.org").status_code == 302
        auth.logout()


def test_password_reset(app, client, make_user, outbox, auth):
    make_user(email="olvido@example.org", language="qu")
    response = client.post("/password/forgot", data={"email": "olvido@example.org"})
    assert response.status_code == 200
    [mail] = outbox("reset_password")
    assert mail.language == "qu"
    link = link_from(mail.body, "/password/reset/")
    assert client.get(link).status_code == 200
    response = client.post(
        link, data={"password": "nueva frase segura", "confirm": "nueva frase segura"}
    )
    assert response.status_code == 302
    assert auth.login("olvido@example.org", PASSWORD).status_code == 200  # old one refused
    assert auth.login("olvido@example.org", "nueva frase segura").status_code == 302
    # The link is spent once used.
    assert client.get(link).status_code == 400
    assert [m.kind for m in outbox()] == ["reset_password", "password_changed"]


def test_password_reset_unknown_email_same_page(client, make_user, outbox):
    make_user(email="known@example.org")
    known = client.post("/password/forgot", data={"email": "known@example.org"}).get_data(
        as_text=True
    )
    unknown = client.post("/password/forgot", data={"email": "unknown@example.org"}).get_data(
        as_text=True
    )
    assert known.replace("known@example.org", "X") == unknown.replace("unknown@example.org", "X")
    assert len(outbox("reset_password")) == 1


def test_change_password_ends_other_sessions(app, make_user, outbox):
    make_user(email="two@example.org")
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        device.post("/login", data={"email": "two@example.org", "password": PASSWORD})
        assert device.get("/account").status_code == 200
    response = laptop.post(
        "/account/password",
        data={
            "current": "wrong one here",
            "password": "otra frase segura",
            "confirm": "otra frase segura",
        },
    )
    assert response.status_code == 200
    assert "The current password is not right." in response.get_data(as_text=True)
    response = laptop.post(
        "/account/password",
        data={"current": PASSWORD, "password": "otra frase segura", "confirm": "otra frase segura"},
    )
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302
    assert outbox("password_changed")


def test_profile_updates_name_and_language(app, client, make_user, auth):
    make_user(email="perfil@example.org")
    auth.login("perfil@example.org")
    response = client.post("/account", data={"display_name": "Nuevo Nombre", "language": "ay"})
    assert response.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert '<html lang="ay">' in page
    assert get_user(app, "perfil@example.org").display_name == "Nuevo Nombre"


def test_profile_rejects_unknown_language(client, make_user, auth, app):
    make_user(email="p2@example.org")
    auth.login("p2@example.org")
    response = client.post("/account", data={"display_name": "N", "language": "xx"})
    assert response.status_code == 200
    assert get_user(app, "p2@example.org").language == "en"


def test_blocked_user_cannot_log_in_and_is_logged_out(app, make_user, auth, client):
    from app.accounts import services

    admin = make_user(email="root@example.org", role=Role.ADMIN)
    make_user(email="bad@example.org")
    auth.login("bad@example.org")
    assert client.get("/account").status_code == 200
    with app.app_context():
        services.block(db.session.get(User, admin.id), get_user_attached("bad@example.org"), "spam")
        db.session.commit()
    assert client.get("/account").status_code == 302  # the open session ended
    response = auth.login("bad@example.org")
    assert response.status_code == 200
    assert "This account is blocked." in response.get_data(as_text=True)
    # A wrong password on a blocked account gets the generic message, revealing nothing.
    response = auth.login("bad@example.org", "wrong password!")
    assert "blocked" not in response.get_data(as_text=True)


def get_user_attached(email):
    return db.session.scalar(select(User).where(User.email == email))


def test_unverified_user_is_told_and_can_resend(client, make_user, auth, outbox):
    make_user(email="new@example.org", verified=False)
    auth.login("new@example.org")
    page = client.get("/").get_data(as_text=True)
    assert "/account" in page and 'role="status"' in page
    assert client.post("/verify/resend").status_code == 302
    assert len(outbox("verify_email")) == 1


@pytest.mark.parametrize("url", ["/account", "/account/password"])
def test_account_pages_need_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def _copy_cookies(source, names):
    """A new browser holding copies of ``source``'s cookies (what a thief would replay)."""
    copies = []
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, name
        thief = source.application.test_client()
        thief.set_cookie(name, cookie.value)
        copies.append(thief)
    return copies


def test_logout_ends_the_session_and_the_remember_me_cookie(app, make_user):
    make_user(email="copied@example.org")
    browser = app.test_client()
    browser.post(
        "/login", data={"email": "copied@example.org", "password": PASSWORD, "remember": "y"}
    )
    assert browser.get("/account").status_code == 200
    session_copy, remember_copy = _copy_cookies(browser, ["session", "remember_token"])
    assert session_copy.get("/account").status_code == 200  # the copies work before logout
    assert remember_copy.get("/account").status_code == 200
    assert browser.post("/logout").status_code == 302
    for copy in (session_copy, remember_copy):
        assert copy.get("/account").status_code == 302


def test_sign_out_everywhere_ends_every_device(app, make_user):
    make_user(email="lost-phone@example.org")
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        device.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        device.post("/login", data={"email": "lost-phone@example.org", "password": PASSWORD})
    page = laptop.get("/account").get_data(as_text=True)
    assert "Sign out everywhere" in page
    response = laptop.post("/account/sign-out-everywhere", follow_redirects=True)
    assert "You are signed out on every device." in response.get_data(as_text=True)
    assert laptop.get("/account").status_code == 302
    assert phone.get("/account").status_code == 302
    # Logging in again works, with a new session.
    laptop.post("/login", data={"email": "lost-phone@example.org", "password": PASSWORD})
    assert laptop.get("/account").status_code == 200
