"""Open data, API and Open311 outputs apply the privacy rules: no confidential or hidden identity,
no email, moderation's redactions and hidden observations, nothing not yet accepted. Positive
controls prove the search can find what it looks for."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.observations.models import ActingAs, IdentityLevel, Observation
from app.observations.models import ObservationState as S
from app.opendata import exports
from tests import factories
from tests.test_accountability import _row

SECRET_NAME = "Eustaquia Mamani-Oculta"
SECRET_EMAIL = "eustaquia.oculta@example.org"
SECRET_ORG = "Junta Vecinal Sigilo"
REDACTED_PHONE = "7123-SECRETO"
HIDDEN_TITLE = "Título ocultado por moderación XQZ"
REJECTED_TITLE = "Título rechazado WVY"
PUBLIC_NAME = "Ponciano Publico-Visible"
MARKER = "[removed: personal data]"


@pytest.fixture
def scene(app_ctx):
    secret = factories.user(SECRET_EMAIL, display_name=SECRET_NAME, language="es")
    public = factories.user("ponciano@example.org", display_name=PUBLIC_NAME, language="es")
    inst = factories.institution()
    when = datetime.now(UTC)
    codes = {}
    for identity in ("confidential", "hidden"):
        o = _row(secret, inst, when, S.ANSWERED, wd=3, on_time=True)
        o.identity = IdentityLevel(identity)
        o.acting_as = ActingAs.ORGANISATION
        o.organisation_name = SECRET_ORG
        # What moderation's redaction leaves: the marker instead of the phone number.
        o.description = f"Llamar al {MARKER}"
        o.place_description = f"Casa de {MARKER}"
        codes[identity] = o.code
    hidden = _row(public, inst, when, S.ACCEPTED, hidden=True)
    hidden.title = HIDDEN_TITLE
    rejected = _row(public, inst, when, S.REJECTED)
    rejected.title = REJECTED_TITLE
    visible = _row(public, inst, when, S.ACCEPTED)
    codes["public"] = visible.code
    codes["moderated"] = hidden.code
    codes["rejected"] = rejected.code
    db.session.commit()
    return codes


SECRETS = (
    SECRET_NAME,
    "Mamani-Oculta",
    SECRET_EMAIL,
    "eustaquia.oculta",
    SECRET_ORG,
    "Sigilo",
    REDACTED_PHONE,
    HIDDEN_TITLE,
    REJECTED_TITLE,
    "@example.org",
)


def outputs(client, codes) -> dict[str, str]:
    urls = [f"/open-data/{name}.{fmt}" for name in exports.DATASETS for fmt in ("csv", "json")]
    urls += [f"/open-data/{name}.csv?excel=1" for name in exports.DATASETS]
    urls += ["/open-data/catalogue.jsonld", "/data.json"]
    urls += [
        "/api/v1/observations",
        "/api/v1/observations?per_page=100&state=open",
        "/api/v1/institutions",
        "/api/v1/statistics",
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
    ]
    for code in codes.values():
        urls += [
            f"/api/v1/observations/{code}",
            f"/open311/v2/requests/{code}.json",
            f"/open311/v2/requests/{code}.xml",
        ]
    found = {}
    for url in urls:
        with client.get(url) as response:
            found[url] = (
                f"{response.status_code}\n{response.headers}\n{response.get_data(as_text=True)}"
            )
    return found


def test_no_output_reveals_what_it_must_not(client, scene):
    pages = outputs(client, scene)
    for url, text in pages.items():
        for secret in SECRETS:
            assert secret.lower() not in text.lower(), (url, secret)
    # Hidden by moderation, rejected: not found at all.
    for code in (scene["moderated"], scene["rejected"]):
        assert pages[f"/api/v1/observations/{code}"].startswith("404")
        assert pages[f"/open311/v2/requests/{code}.json"].startswith("404")
    # Positive controls: the confidential observation itself is there, redacted; the public
    # filer is named.
    assert scene["confidential"] in pages["/open-data/observations.csv"]
    assert MARKER in pages[f"/api/v1/observations/{scene['confidential']}"]
    assert PUBLIC_NAME in pages["/open-data/observations.csv"]
    assert PUBLIC_NAME in pages[f"/api/v1/observations/{scene['public']}"]


def test_csv_starts_with_its_header_and_parses(client, scene):
    """No comment line before the header (the licence is in the Link header, the dictionary and
    the catalogue), and exactly one charset in Content-Type."""
    with client.get("/open-data/observations.csv") as response:
        assert response.status_code == 200
        assert (
            'attachment; filename="qhawaq-observations-' in response.headers["Content-Disposition"]
        )
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert (
            '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
            in (response.headers["Link"])
        )
        assert 'rel="describedby"' in response.headers["Link"]
        text = response.get_data(as_text=True)
    assert text.startswith("code,")
    assert "Licence" not in text and not text.startswith("#")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["code"] for r in rows} == {scene["confidential"], scene["hidden"], scene["public"]}
    confidential = next(r for r in rows if r["code"] == scene["confidential"])
    assert confidential["filer_name"] == "" and confidential["organisation_name"] == ""
    assert confidential["answer_working_days"] == "3" and confidential["answered_on_time"] == "true"


def test_json_states_the_licence(client, scene):
    for name in exports.DATASETS:
        with client.get(f"/open-data/{name}.json") as response:
            data = json.loads(response.get_data(as_text=True))
        assert data["licence"] == "CC BY 4.0" and data["dataset"] == name
        assert data["fields"] == list(exports.DATASETS[name].fields)
        for item in data["items"]:
            assert list(item) == data["fields"]


def test_every_column_is_in_the_dictionary(client):
    from app.opendata.dictionary import DICTIONARY

    for name, dataset in exports.DATASETS.items():
        assert set(DICTIONARY[name]) == set(dataset.fields), name
    html = client.get("/open-data/dictionary").get_data(as_text=True)
    assert "answer_working_days" in html
    # Descriptions are text, not markup: the code pattern shows its angle brackets.
    assert "CS-&lt;year&gt;-&lt;number&gt;" in html
    for lang, year in (("es", "año"), ("qu", "wata"), ("ay", "mara"), ("gn", "ary")):
        page = client.get(f"/open-data/dictionary?lang={lang}").get_data(as_text=True)
        assert f"CS-&lt;{year}&gt;-" in page, lang


def test_exports_stream_in_batches(app, client, scene, monkeypatch):
    """The response body is a generator reading the database in batches, not one list."""
    from app.opendata import records

    monkeypatch.setattr(records, "CHUNK", 1)
    with client.get("/open-data/observations.csv") as response:
        assert response.is_streamed
        assert response.get_data(as_text=True).count("CS-2026-") >= 3
    with app.app_context():
        assert db.session.scalar(select(Observation).limit(1)) is not None


def test_csv_cells_that_look_like_formulas_are_written_as_text(client, scene, app):
    """CSV injection: a title a citizen wrote as a formula reaches spreadsheets as text."""
    with app.app_context():
        observation = db.session.scalar(
            select(Observation).where(Observation.code == scene["public"])
        )
        observation.title = '=HYPERLINK("http://evil.example","clic")'
        observation.place_description = "@SUM(A1:A9)"
        db.session.commit()
    with client.get("/open-data/observations.csv") as response:
        plain = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    with client.get("/open-data/observations.csv?excel=1") as response:
        text = response.get_data(as_text=True).removeprefix("\ufeff")
        excel = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    for rows in (plain, excel):
        row = next(r for r in rows if r["code"] == scene["public"])
        assert row["title"] == '\'=HYPERLINK("http://evil.example","clic")'
        assert row["place_description"] == "'@SUM(A1:A9)"
    # The JSON keeps the text exactly as written.
    with client.get("/open-data/observations.json") as response:
        assert '=HYPERLINK(\\"http://evil.example\\"' in response.get_data(as_text=True)
