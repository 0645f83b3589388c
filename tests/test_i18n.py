from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import g

from app.config import ROOT
from app.core.i18n import choose_language

LANGS = ["es", "qu", "ay", "gn", "en"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")


@pytest.fixture(scope="module")
def extracted_ids(tmp_path_factory) -> set[str]:
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def catalogue(lang: str):
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("lang", LANGS)
def test_catalogue_complete_and_consistent(lang, extracted_ids):
    """Every UI string is translated, nothing is fuzzy, placeholders match the source."""
    problems = []
    present = set()
    for message in catalogue(lang):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        present.add(ids[0])
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        if not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        expected = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            found = set(PLACEHOLDER.findall(string))
            # A plural's singular form may drop the count ("one hour"), never add a placeholder.
            if not found <= expected or (len(ids) == 1 and found != expected):
                problems.append(f"placeholders differ: {ids[0]!r} -> {string!r}")
    missing = extracted_ids - present
    problems += [f"missing from catalogue: {m!r}" for m in sorted(missing)]
    assert not problems, "\n".join(problems[:40])


def test_placeholder_check_catches_a_mismatch(tmp_path):
    """The check above must fail on a broken entry (guards against a test that asserts nothing)."""
    broken = tmp_path / "broken.po"
    broken.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Hello %(name)s,"\nmsgstr "Hola %(nombre)s,"\n'
    )
    with broken.open("rb") as handle:
        [message] = [m for m in read_po(handle) if m.id]
    assert set(PLACEHOLDER.findall(message.id)) != set(PLACEHOLDER.findall(message.string))


PAGES = ["/", "/about", "/login", "/register", "/password/forgot", "/no-such-page"]


#: A sentence that must come out translated on the login page, per language (from the catalogue).
def translated(lang: str, msgid: str) -> str:
    message = catalogue(lang).get(msgid)
    assert message is not None and message.string, f"{msgid!r} missing in {lang}"
    return message.string


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", PAGES)
def test_every_page_in_every_language(app, lang, path):
    client = app.test_client()
    response = client.get(path, query_string={"lang": lang})
    assert response.status_code in (200, 404)
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert translated(lang, "Skip to main content") in html
    assert translated(lang, "Log in") in html
    for code in LANGS:
        assert f'hreflang="{code}"' in html


def test_translations_differ_from_source():
    """The indigenous catalogues are real translations, not copies of the English source."""
    for lang in ("es", "qu", "ay", "gn"):
        cat = catalogue(lang)
        same = [m.id for m in cat if m.id and isinstance(m.id, str) and m.string == m.id]
        assert len(same) < 0.1 * len(cat), (lang, same[:10])


def test_locale_chain_order(app, make_user):
    """?lang= → this browser's choice (cookie) → user preference → Accept-Language → es."""
    make_user(email="aymara@example.org", language="ay")
    client = app.test_client()

    def lang_of(response):
        return re.search(r'<html lang="(\w+)">', response.get_data(as_text=True)).group(1)

    assert lang_of(client.get("/")) == "es"  # nothing asked: Spanish
    assert lang_of(client.get("/", headers={"Accept-Language": "fr, gn;q=0.8, en;q=0.5"})) == "gn"
    client.set_cookie("lang", "en")
    assert (
        lang_of(client.get("/", headers={"Accept-Language": "gn"})) == "en"
    )  # cookie beats header
    client.post("/login", data={"email": "aymara@example.org", "password": "correct horse battery"})
    # The choice made on this browser beats the profile…
    assert lang_of(client.get("/", headers={"Accept-Language": "gn"})) == "en"
    # …and without one the profile beats the browser's header.
    client.delete_cookie("lang")
    assert lang_of(client.get("/", headers={"Accept-Language": "gn"})) == "ay"
    assert lang_of(client.get("/?lang=qu")) == "qu"  # explicit beats everything
    assert lang_of(client.get("/?lang=xx")) == "qu"  # an unknown code is ignored (cookie: qu)


def test_a_language_chosen_on_the_page_stays_and_can_be_saved(app, make_user):
    """Signed in with Aymara in the profile, the person picks Quechua: the next pages stay in
    Quechua, and a form offers to save it to the profile (then the offer goes)."""
    make_user(email="switch@example.org", language="ay")
    client = app.test_client()
    client.post("/login", data={"email": "switch@example.org", "password": "correct horse battery"})
    assert 'action="/account/language"' not in client.get("/").get_data(as_text=True)
    client.get("/programs?lang=qu")
    page = client.get("/about").get_data(as_text=True)
    assert '<html lang="qu">' in page
    assert 'action="/account/language"' in page and 'name="language" value="qu"' in page
    assert translated("qu", "Save it") in page
    response = client.post("/account/language", data={"language": "qu", "next": "/about"})
    assert response.status_code == 302 and response.headers["Location"] == "/about"
    with app.app_context():
        from app.accounts.models import User
        from app.extensions import db

        assert db.session.query(User).filter_by(email="switch@example.org").one().language == "qu"
    assert 'action="/account/language"' not in client.get("/about").get_data(as_text=True)
    # A hostile value is ignored, and "next" never leaves the site.
    response = client.post("/account/language", data={"language": "xx", "next": "//evil.example"})
    assert response.status_code == 302 and response.headers["Location"] == "/account"


def test_lang_parameter_sets_cookie(app):
    client = app.test_client()
    response = client.get("/?lang=qu")
    assert "lang=qu" in response.headers["Set-Cookie"]
    assert "HttpOnly" in response.headers["Set-Cookie"]
    assert '<html lang="qu">' in client.get("/").get_data(as_text=True)


def test_language_switcher_keeps_query_and_needs_no_js(app):
    html = app.test_client().get("/about?lang=gn").get_data(as_text=True)
    assert 'href="/about?lang=qu"' in html
    assert 'aria-current="true"' in html
    assert "<script" not in html


@pytest.mark.parametrize("lang", ["ay", "gn"])
def test_aymara_and_guarani_format_as_bolivian_spanish(app, lang):
    from flask_babel import format_currency, format_date, format_decimal

    with app.test_request_context(f"/?lang={lang}"):
        assert choose_language() == lang
        assert format_date(date(2026, 2, 5), "long") == "5 de febrero de 2026"
        assert format_decimal(1234567.5) == "1.234.567,5"
        spanish = format_currency(18500000, "BOB")
    with app.test_request_context("/?lang=es"):
        assert format_currency(18500000, "BOB") == spanish
    with app.test_request_context("/?lang=en"):
        assert format_date(date(2026, 2, 5), "long") == "February 5, 2026"


def test_aymara_page_shows_aymara_words_and_spanish_dates(app, make_user):
    make_user(email="jaqi@example.org", language="ay")
    client = app.test_client()
    client.post("/login", data={"email": "jaqi@example.org", "password": "correct horse battery"})
    html = client.get("/account").get_data(as_text=True)
    assert '<html lang="ay">' in html
    assert translated("ay", "My account") in html
    # Dates are shown in La Paz time: between 20:00 and midnight La Paz, UTC is a day ahead.
    from app.core.clock import local_today

    with app.app_context():
        today = local_today()
    months = [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ]
    assert f"{today.day} de {months[today.month - 1]} de {today.year}" in html


def test_mail_rendered_in_recipient_language(app, make_user, outbox):
    from app.accounts import services
    from app.extensions import db

    make_user(email="runa@example.org", language="qu")
    with app.test_request_context("/?lang=en"):
        services.request_password_reset("runa@example.org")
        db.session.commit()
        assert g.get("forced_lang") is None  # the request's own language is restored
    [mail] = outbox("reset_password")
    assert mail.language == "qu"
    assert mail.subject == translated("qu", "Reset your password")
    assert translated("qu", "Hello %(name)s,").replace("%(name)s", "User 1") in mail.body


def test_translations_path_is_absolute(app):
    assert Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]).is_absolute()
