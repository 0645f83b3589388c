"""Issue 17: the privacy page, in the five languages, linked from the footer, the registration
form and the filing form; it names the operator's contact from the settings."""

from __future__ import annotations

import pytest

from app.core.i18n import FORMAT_LOCALES
from tests.conftest import logged_in


@pytest.mark.parametrize("lang", list(FORMAT_LOCALES))
def test_the_privacy_page_speaks_every_language(app, lang):
    page = app.test_client().get(f"/privacy?lang={lang}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'<html lang="{lang}"' in html
    for anchor in ('id="what"', 'id="who-sees"', 'id="how-long"', 'id="your-rights"'):
        assert anchor in html
    for link in ("/account/data", "/account/delete", "/account/notifications"):
        assert f'href="{link}"' in html


def test_the_page_says_what_each_identity_level_shows(client):
    html = client.get("/privacy").get_data(as_text=True)
    assert "Everyone sees your name next to the observation." in html
    assert "Only the moderators know who you are" in html
    assert "7 days" in html and "14 days" in html


def test_the_contact_comes_from_the_settings(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "OPERATOR_NAME", "Control Social Chuquisaca")
    monkeypatch.setitem(app.config, "PRIVACY_CONTACT", "datos@control.example.bo")
    html = client.get("/privacy").get_data(as_text=True)
    assert "Control Social Chuquisaca" in html
    assert 'href="mailto:datos@control.example.bo"' in html
    monkeypatch.setitem(app.config, "PRIVACY_CONTACT", "")
    assert "mailto:" not in client.get("/privacy").get_data(as_text=True)


def test_linked_from_the_footer_the_registration_and_the_filing_form(app, client, make_user):
    assert 'href="/privacy"' in client.get("/").get_data(as_text=True)
    assert 'href="/privacy"' in client.get("/register").get_data(as_text=True)
    make_user(email="filer@example.org")
    filing = logged_in(app, "filer@example.org").get("/observations/new")
    assert filing.status_code == 200
    assert 'href="/privacy#who-sees"' in filing.get_data(as_text=True)
