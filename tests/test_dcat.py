"""Issue 20, parts 4 and 5: a catalogue harvesters read (DCAT-AP 3 JSON-LD, parsed here with
rdflib, and the DCAT-US 1.1 ``data.json``), the accountability sessions as a dataset, and CSV
files that open everywhere (header first, one charset, a spreadsheet variant)."""

from __future__ import annotations

import csv
import io
import json
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from flask import Flask
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from app.accountability.models import AccountabilitySession, SessionObservation
from app.core.clock import local_today
from app.extensions import db
from app.observations.models import ObservationEvent
from app.observations.models import ObservationState as S
from app.opendata import exports
from app.opendata.exports import DATASETS
from app.programs.models import Milestone
from tests import factories
from tests.conftest import count_queries
from tests.test_accountability import _row

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority"
LANGUAGES = {"es", "qu", "ay", "gn", "en"}
BASE = "http://localhost"
FORMULA = '=HYPERLINK("http://evil.example","clic")'
HIDDEN_TITLE = "Observación oculta QZX"
HIDDEN_SUBMITTED = datetime(2024, 5, 5, 15, tzinfo=UTC)
#: Within the figures' default period (the last twelve months).
PUBLIC_SUBMITTED = datetime.now(UTC).replace(hour=15) - timedelta(days=3)
PUBLIC_DAY = PUBLIC_SUBMITTED.date()


@dataclass
class World:
    public: str
    hidden: str
    with_report: int
    plain: int
    institution: int


def build(app: Flask) -> World:
    with app.app_context():
        filer = factories.user("dcat.filer@example.org", display_name="Filer", language="es")
        inst = factories.institution()
        public = _row(filer, inst, PUBLIC_SUBMITTED, S.ANSWERED, wd=2, on_time=True)
        hidden = _row(filer, inst, HIDDEN_SUBMITTED, S.ACCEPTED, hidden=True)
        hidden.title = HIDDEN_TITLE
        for observation in (public, hidden):
            db.session.add(
                ObservationEvent(
                    observation_id=observation.id,
                    action="accept",
                    to_state="accepted",
                    actor_role="moderator",
                )
            )
        db.session.add(
            ObservationEvent(
                observation_id=public.id,
                action="answer",
                to_state="answered",
                actor_role="institution",
                institution_id=inst.id,
                note="Respuesta",
            )
        )
        program = factories.program(
            code="P-9",
            institution=inst,
            budget_bob=Decimal("1234.50"),
            start_date=date(2022, 2, 1),
            end_date=date(2024, 11, 30),
        )
        db.session.add(
            Milestone(program_id=program.id, on_date=date(2023, 6, 1), titles={"es": "H"})
        )
        with_report = AccountabilitySession(
            institution_id=inst.id,
            held_on=date(2025, 4, 2),
            semester="2025-1",
            place="Salón municipal",
            notes="Informe de gestión",
            report_key="ab/abcdef.pdf",
            report_size=10,
            created_by_id=filer.id,
        )
        plain = AccountabilitySession(
            institution_id=inst.id,
            held_on=date(2025, 9, 20),
            semester="2025-2",
            place=FORMULA,
            notes="",
            created_by_id=filer.id,
        )
        db.session.add_all([with_report, plain])
        db.session.flush()
        for observation in (public, hidden):
            db.session.add(
                SessionObservation(session_id=with_report.id, observation_id=observation.id)
            )
        db.session.commit()
        return World(public.code, hidden.code, with_report.id, plain.id, inst.id)


def _alive(app: Flask, world: World) -> bool:
    with app.app_context():
        return db.session.get(AccountabilitySession, world.plain) is not None


@pytest.fixture
def world(app, worlds) -> World:
    return worlds.get("dcat", lambda: build(app), lambda w: _alive(app, w))


def _get(client, url: str) -> tuple[Any, str]:
    with client.get(url) as response:
        #: Read before the body is: reading it buffers the response.
        response.was_streamed = response.is_streamed
        return response, response.get_data(as_text=True)


def _graph(client) -> Graph:
    response, text = _get(client, "/open-data/catalogue.jsonld")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/ld+json"
    document = json.loads(text)
    # The context is inline: rdflib never fetches anything (the tests have no network).
    assert isinstance(document["@context"], dict)
    with warnings.catch_warnings():
        # rdflib 7's own JSON-LD parser builds a ConjunctiveGraph, which rdflib 7 deprecates.
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        return Graph().parse(data=text, format="json-ld")


# --- the DCAT-AP catalogue ------------------------------------------------------------------


def test_the_catalogue_parses_with_rdflib_and_names_every_dataset(client, world):
    graph = _graph(client)
    catalogue = URIRef(f"{BASE}/open-data/catalogue.jsonld")
    assert (catalogue, RDF.type, DCAT.Catalog) in graph
    listed = set(graph.objects(catalogue, DCAT.dataset))
    assert listed == {URIRef(f"{BASE}/open-data#{name}") for name in DATASETS}
    assert {t.language for t in graph.objects(catalogue, DCTERMS.title)} == LANGUAGES
    licence = URIRef("https://creativecommons.org/licenses/by/4.0/")
    for name in DATASETS:
        dataset = URIRef(f"{BASE}/open-data#{name}")
        assert (dataset, RDF.type, DCAT.Dataset) in graph, name
        for predicate in (DCTERMS.title, DCTERMS.description, DCAT.keyword):
            values = list(graph.objects(dataset, predicate))
            assert {v.language for v in values} == LANGUAGES, (name, predicate)
            assert all(str(v).strip() for v in values), (name, predicate)
        assert (dataset, DCTERMS.license, licence) in graph, name
        assert (dataset, DCTERMS.spatial, URIRef(f"{EU}/country/BOL")) in graph, name
        assert (dataset, DCTERMS.identifier, Literal(str(dataset))) in graph, name
        (frequency,) = graph.objects(dataset, DCTERMS.accrualPeriodicity)
        assert str(frequency).split("/")[-1] in {"CONT", "IRREG", "DAILY"}, name
        assert str(frequency).startswith(f"{EU}/frequency/"), name
        (publisher,) = graph.objects(dataset, DCTERMS.publisher)
        assert (publisher, RDF.type, FOAF.Agent) in graph
        assert (publisher, FOAF.name, Literal("Qhawaq")) in graph
        (contact,) = graph.objects(dataset, DCAT.contactPoint)
        assert (contact, VCARD.fn, Literal("Qhawaq")) in graph
        (temporal,) = graph.objects(dataset, DCTERMS.temporal)
        assert (temporal, RDF.type, DCTERMS.PeriodOfTime) in graph, name
        for end in (DCAT.startDate, DCAT.endDate):
            (day,) = graph.objects(temporal, end)
            assert day.datatype == XSD.date and isinstance(day.toPython(), date), name
        dictionary = URIRef(f"{BASE}/open-data/dictionary#{name}")
        assert (dataset, FOAF.page, dictionary) in graph, name
        assert (dataset, DCTERMS.conformsTo, dictionary) in graph, name
        assert graph.value(dataset, DCTERMS.modified).toPython() == local_today()
        media = {}
        for distribution in graph.objects(dataset, DCAT.distribution):
            assert (distribution, RDF.type, DCAT.Distribution) in graph
            assert (distribution, DCTERMS.license, licence) in graph
            assert (distribution, DCAT.accessURL, URIRef(f"{BASE}/open-data")) in graph
            (download,) = graph.objects(distribution, DCAT.downloadURL)
            (media_type,) = graph.objects(distribution, DCAT.mediaType)
            (file_type,) = graph.objects(distribution, DCTERMS.format)
            media[str(download)] = (str(media_type), str(file_type))
        assert media == {
            f"{BASE}/open-data/{name}.csv": (
                "https://www.iana.org/assignments/media-types/text/csv",
                f"{EU}/file-type/CSV",
            ),
            f"{BASE}/open-data/{name}.json": (
                "https://www.iana.org/assignments/media-types/application/json",
                f"{EU}/file-type/JSON",
            ),
        }, name


def test_titles_are_translated_under_each_language(client, world):
    graph = _graph(client)
    titles = {
        t.language: str(t)
        for t in graph.objects(URIRef(f"{BASE}/open-data#observations"), DCTERMS.title)
    }
    assert titles == {
        "es": "Observaciones",
        "qu": "Observacionkuna",
        "ay": "Observacionanaka",
        "gn": "Observaciónkuéra",
        "en": "Observations",
    }


def test_periods_cover_the_public_rows_only(client, world):
    graph = _graph(client)

    def period(name: str) -> tuple[date, date]:
        temporal = graph.value(URIRef(f"{BASE}/open-data#{name}"), DCTERMS.temporal)
        return (
            graph.value(temporal, DCAT.startDate).toPython(),
            graph.value(temporal, DCAT.endDate).toPython(),
        )

    # The hidden observation was filed a year earlier: it does not move the start.
    assert period("observations") == (PUBLIC_DAY, PUBLIC_DAY)
    assert period("sessions") == (date(2025, 4, 2), date(2025, 9, 20))
    assert period("programs") == (date(2022, 2, 1), date(2024, 11, 30))
    assert period("milestones") == (date(2023, 6, 1), date(2023, 6, 1))
    assert period("plans") == (date(2021, 1, 1), date(2025, 12, 31))
    assert period("figures")[1] == local_today()
    assert graph.value(URIRef(f"{BASE}/open-data#sessions"), DCTERMS.issued).toPython() == (
        date(2025, 4, 2)
    )


def test_a_dataset_without_rows_has_no_period(client, app):
    graph = _graph(client)
    dataset = URIRef(f"{BASE}/open-data#sessions")
    assert (dataset, RDF.type, DCAT.Dataset) in graph
    assert graph.value(dataset, DCTERMS.temporal) is None


def test_the_catalogue_costs_one_query_per_dataset(app, client, world):
    with count_queries(app) as statements:
        assert client.get("/open-data/catalogue.jsonld").status_code == 200
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # One aggregate per dataset (the figures' period needs none), whatever the rows.
    assert len(selects) == len(DATASETS) - 1, selects


def test_the_contact_email_is_the_configured_one(app, client, world, monkeypatch):
    graph = _graph(client)
    contact = graph.value(URIRef(f"{BASE}/open-data#observations"), DCAT.contactPoint)
    assert graph.value(contact, VCARD.hasEmail) is None  # none configured: none invented
    monkeypatch.setitem(app.config, "OPEN_DATA_CONTACT", "datos@municipio.example")
    graph = _graph(client)
    contact = graph.value(URIRef(f"{BASE}/open-data#observations"), DCAT.contactPoint)
    assert graph.value(contact, VCARD.hasEmail) == URIRef("mailto:datos@municipio.example")


# --- data.json (DCAT-US 1.1) --------------------------------------------------------------------

#: Project Open Data v1.1's required fields (the federal-only bureauCode and programCode aside).
POD = {
    "type": "object",
    "required": ["@type", "conformsTo", "dataset"],
    "properties": {
        "conformsTo": {"const": "https://project-open-data.cio.gov/v1.1/schema"},
        "@type": {"const": "dcat:Catalog"},
        "dataset": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "title",
                    "description",
                    "keyword",
                    "modified",
                    "publisher",
                    "contactPoint",
                    "identifier",
                    "accessLevel",
                    "license",
                    "distribution",
                ],
                "properties": {
                    "title": {"type": "string", "minLength": 1},
                    "description": {"type": "string", "minLength": 1},
                    "keyword": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                    "modified": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                    "publisher": {"type": "object", "required": ["name"]},
                    "contactPoint": {
                        "type": "object",
                        "required": ["fn", "hasEmail"],
                        "properties": {"hasEmail": {"pattern": r"^mailto:[\w.+-]+@[\w.-]+$"}},
                    },
                    "accessLevel": {"const": "public"},
                    "license": {"const": "https://creativecommons.org/licenses/by/4.0/"},
                    "temporal": {"pattern": r"^\d{4}-\d{2}-\d{2}/\d{4}-\d{2}-\d{2}$"},
                    "accrualPeriodicity": {"enum": ["R/PT1S", "R/P1D", "irregular"]},
                    "distribution": {
                        "type": "array",
                        "minItems": 2,
                        "items": {
                            "type": "object",
                            "required": ["@type", "downloadURL", "mediaType", "format"],
                            "properties": {"mediaType": {"enum": ["text/csv", "application/json"]}},
                        },
                    },
                },
            },
        },
    },
}


def test_data_json_has_the_project_open_data_shape(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "OPEN_DATA_CONTACT", "datos@municipio.example")
    response, text = _get(client, "/data.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    document = json.loads(text)
    jsonschema.validate(document, POD)
    assert _get(client, "/open-data/data.json")[1] == text
    by_id = {d["identifier"]: d for d in document["dataset"]}
    assert set(by_id) == {f"{BASE}/open-data#{name}" for name in DATASETS}
    observations = by_id[f"{BASE}/open-data#observations"]
    assert observations["title"] == "Observaciones"  # data.json speaks Spanish
    assert observations["temporal"] == f"{PUBLIC_DAY}/{PUBLIC_DAY}"
    assert observations["describedBy"] == f"{BASE}/open-data/dictionary#observations"
    assert {d["downloadURL"] for d in observations["distribution"]} == {
        f"{BASE}/open-data/observations.csv",
        f"{BASE}/open-data/observations.json",
    }
    assert observations["contactPoint"]["hasEmail"] == "mailto:datos@municipio.example"


# --- the sessions dataset -----------------------------------------------------------------------


def test_the_sessions_dataset_lists_public_observations_only(client, world):
    response, text = _get(client, "/open-data/sessions.json")
    assert response.status_code == 200
    items = {item["id"]: item for item in json.loads(text)["items"]}
    assert set(items) == {world.with_report, world.plain}
    held = items[world.with_report]
    assert held["observations"] == [world.public]  # the hidden one's code stays out
    assert held["report_url"] == f"{BASE}/accountability/sessions/{world.with_report}/report"
    assert held["semester"] == "2025-1" and held["held_on"] == "2025-04-02"
    assert held["url"] == f"{BASE}/institutions/{world.institution}#sessions"
    assert items[world.plain]["report_url"] is None
    assert items[world.plain]["place"] == FORMULA  # JSON keeps the text as written
    _response, csv_text = _get(client, "/open-data/sessions.csv")
    for body in (text, csv_text):
        assert world.hidden not in body and HIDDEN_TITLE not in body
        assert "dcat.filer" not in body and "created_by" not in body
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert {r["observations"] for r in rows} == {world.public, ""}


def test_new_outputs_reveal_no_hidden_observation(client, world):
    urls = ["/open-data/catalogue.jsonld", "/data.json", "/open-data", "/open-data/dictionary"]
    urls += [f"/open-data/{name}.csv?excel=1" for name in DATASETS]
    for url in urls:
        response, text = _get(client, url)
        assert response.status_code == 200, url
        assert world.hidden not in text and HIDDEN_TITLE not in text, url
        assert "@example.org" not in text, url


# --- CSV that opens everywhere ------------------------------------------------------------------


def test_every_csv_starts_with_its_header_and_has_one_charset(client, world):
    for name, dataset in DATASETS.items():
        response, text = _get(client, f"/open-data/{name}.csv")
        assert response.status_code == 200, name
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8", name
        assert next(csv.reader(io.StringIO(text))) == list(dataset.fields), name
        link = response.headers["Link"]
        assert '<https://creativecommons.org/licenses/by/4.0/>; rel="license"' in link
        assert f'<{BASE}/open-data/dictionary#{name}>; rel="describedby"' in link


def test_the_excel_variant(client, world):
    for name, dataset in DATASETS.items():
        response, text = _get(client, f"/open-data/{name}.csv?excel=1")
        assert response.was_streamed, name
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8", name
        assert "-excel.csv" in response.headers["Content-Disposition"], name
        assert text.startswith("\ufeff"), name
        rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
        assert rows[0] == list(dataset.fields), name
        assert len(rows) > 1, name  # positive control: the world has rows of every kind
    _response, text = _get(client, "/open-data/programs.csv?excel=1")
    program = next(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert program["budget_bob"] == "1234,50"
    _response, text = _get(client, "/open-data/figures.csv?excel=1")
    figure = next(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert figure["answered_share"] == "1,0"
    # The plain file keeps the decimal point; off values give it too.
    plain = _get(client, "/open-data/programs.csv")[1]
    assert "1234.50" in plain and not plain.startswith("\ufeff")
    assert _get(client, "/open-data/programs.csv?excel=0")[1] == plain
    assert _get(client, "/open-data/programs.csv?excel=")[1] == plain


@pytest.mark.parametrize("value", ["2", "maybe", "1;DROP"])
def test_an_invalid_excel_value_is_refused(client, world, value):
    assert client.get(f"/open-data/sessions.csv?excel={value}").status_code == 400


def test_the_formula_guard_holds_in_both_variants(client, world):
    _response, text = _get(client, "/open-data/sessions.csv")
    plain = {r["id"]: r for r in csv.DictReader(io.StringIO(text))}
    _response, text = _get(client, "/open-data/sessions.csv?excel=1")
    excel = {
        r["id"]: r for r in csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";")
    }
    for rows in (plain, excel):
        assert rows[str(world.plain)]["place"] == "'" + FORMULA


def test_decimal_commas_only_touch_decimal_columns():
    rows = [{"a": 0.25, "b": "1.5", "c": "=1.5", "d": None, "e": -0.5}]
    text = "".join(
        exports.csv_stream(("a", "b", "c", "d", "e"), rows, excel=True, decimals=frozenset("ae"))
    )
    assert text == "\ufeffa;b;c;d;e\r\n0,25;1.5;'=1.5;;-0,5\r\n"


# --- the pages ----------------------------------------------------------------------------------


def test_the_open_data_page_links_the_catalogue_and_the_variants(client, world):
    _response, html = _get(client, "/open-data")
    head = html.split("</head>", 1)[0]
    assert (
        '<link rel="alternate" type="application/ld+json" href="/open-data/catalogue.jsonld"'
        in head
    )
    assert '<link rel="alternate" type="application/json" href="/data.json"' in head
    body = html.split("</head>", 1)[1]
    assert 'href="/open-data/catalogue.jsonld"' in body and 'href="/data.json"' in body
    for name in DATASETS:
        assert f'<tr id="{name}">' in body, name
        assert f'href="/open-data/{name}.csv?excel=1"' in body, name
        assert f'href="/open-data/dictionary#{name}"' in body, name
    assert "Public accountability sessions" in body
    dictionary = _get(client, "/open-data/dictionary")[1]
    assert 'rel="license"' in dictionary and "CC BY 4.0" in dictionary
    assert '<h2 id="sessions">' in dictionary
    for lang in LANGUAGES:
        assert client.get(f"/open-data?lang={lang}").status_code == 200, lang
