"""One public read layer (issue 16, point 3): every dataset's CSV header, JSON fields, data
dictionary entries, API bodies and OpenAPI schema properties come from the same schema, so a
column added in one place only fails here; one filter parser and one query builder serve the
/observations page, the API, the downloads and Open311 alike."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from app.accountability.models import AccountabilitySession, SessionObservation
from app.api.openapi import COMPONENTS, DETAILS, ENDPOINT_LIST, openapi_document
from app.core.i18n import force_language
from app.extensions import db
from app.observations.models import Evidence, ObservationEvent
from app.observations.models import ObservationState as S
from app.observations.queries import FilterError, ListFilters, state_filters
from app.opendata.catalogue_schemas import INSTITUTIONS, MILESTONES, PROGRAMS
from app.opendata.dictionary import DICTIONARY
from app.opendata.exports import DATASETS
from app.opendata.figure_schemas import FIGURES, STATISTICS
from app.opendata.observation_schemas import ANSWERS, EVENTS, OBSERVATIONS
from app.opendata.schema import Column, Schema
from app.programs.models import Milestone
from tests import factories
from tests.test_accountability import _row

COMPONENT_OF = {schema.name: component for component, schema in COMPONENTS.items()}
CODE = re.compile(r"CS-2026-\d{5}")


@pytest.fixture
def world(app_ctx: Flask) -> dict[str, Any]:
    """Two institutions in two departments, a program with a milestone, observations in open,
    answered (with a public document), closed, overdue and hidden states, and their events."""
    filer = factories.user("read.layer@example.org", display_name="Read Layer", language="es")
    a = factories.institution()
    b = factories.institution("Gobernación de La Paz", "GADLP")
    program = factories.program(code="P-7", institution=a)
    db.session.add(Milestone(program_id=program.id, on_date=date(2026, 3, 1), titles={"es": "H"}))
    now = datetime.now(UTC)
    rows = {
        "open": _row(filer, a, now, S.ACCEPTED, due=date(2099, 1, 1)),
        "answered": _row(filer, a, now, S.ANSWERED, wd=2, on_time=True),
        "closed": _row(filer, b, now - timedelta(days=2), S.CLOSED),
        "overdue": _row(filer, b, now, S.ACKNOWLEDGED, due=date(2020, 1, 2)),
        "hidden": _row(filer, a, now, S.ACCEPTED, hidden=True),
    }
    rows["open"].program_id = program.id
    rows["closed"].department = factories.department("BO-L", "La Paz")
    for observation in rows.values():
        for action, to_state in (("submit", "submitted"), ("accept", "accepted")):
            db.session.add(
                ObservationEvent(
                    observation_id=observation.id,
                    action=action,
                    to_state=to_state,
                    actor_role="moderator",
                )
            )
    answer = ObservationEvent(
        observation_id=rows["answered"].id,
        action="answer",
        from_state="accepted",
        to_state="answered",
        actor_role="institution",
        institution_id=a.id,
        note="Respuesta",
    )
    db.session.add(answer)
    session = AccountabilitySession(
        institution_id=a.id, held_on=date(2026, 3, 2), semester="2026-1", place="Salón", notes=""
    )
    db.session.add(session)
    db.session.flush()
    db.session.add(SessionObservation(session_id=session.id, observation_id=rows["answered"].id))
    db.session.add(
        Evidence(
            observation_id=rows["answered"].id,
            event_id=answer.id,
            uploader_id=filer.id,
            storage_key="x/informe.pdf",
            mime="application/pdf",
            size=3,
            sha256="0" * 64,
            original_name="informe.pdf",
        )
    )
    db.session.commit()
    return {
        **{name: o.code for name, o in rows.items()},
        "a": a.id,
        "b": b.id,
        "program": program.id,
        "category": rows["open"].category_id,
    }


def _download(client: FlaskClient, name: str, fmt: str, query: str = "") -> tuple[int, str]:
    with client.get(f"/open-data/{name}.{fmt}?{query}") as response:
        return response.status_code, response.get_data(as_text=True)


def test_every_output_of_a_dataset_comes_from_its_schema(client, world):
    document = client.get("/api/openapi.json").json
    validate(document)
    components = document["components"]["schemas"]
    # Every component is a dataset's schema, a detail built on them, or the error body.
    assert set(components) == set(COMPONENTS) | set(DETAILS) | {"Error"}
    dictionary_page = client.get("/open-data/dictionary").get_data(as_text=True)
    for name, dataset in DATASETS.items():
        fields = list(dataset.schema.fields)
        status, text = _download(client, name, "csv")
        assert status == 200
        header = next(csv.reader(io.StringIO(text)))
        assert header == fields, name
        status, text = _download(client, name, "json")
        data = json.loads(text)
        assert data["fields"] == fields, name
        assert data["items"], name  # positive control: the world has rows of every kind
        assert all(list(item) == fields for item in data["items"]), name
        assert list(DICTIONARY[name]) == fields, name
        assert all(str(DICTIONARY[name][f] or "") for f in fields), name
        section = dictionary_page.split(f'<h2 id="{name}">', 1)[1].split("<h2", 1)[0]
        assert re.findall(r"<code>(\w+)</code>", section) == fields, name
        component = components[COMPONENT_OF[name]]
        # jsonify sorts an object's keys; the required list keeps the columns' order.
        assert sorted(component["properties"]) == sorted(fields), name
        assert component["required"] == fields, name
        with force_language("en"):  # the document is in English for every visitor
            for f in fields:
                assert component["properties"][f]["description"] == str(DICTIONARY[name][f])


def test_api_bodies_have_exactly_the_schema_columns(client, world):
    def keys(url: str) -> list[str]:
        return sorted(client.get(url).json)

    def item_keys(url: str) -> list[list[str]]:
        items = client.get(url).json["items"]
        assert items, url
        return [sorted(item) for item in items]

    assert set(map(tuple, item_keys("/api/v1/observations"))) == {
        tuple(sorted(OBSERVATIONS.fields))
    }
    assert set(map(tuple, item_keys("/api/v1/institutions"))) == {
        tuple(sorted(INSTITUTIONS.fields))
    }
    assert set(map(tuple, item_keys("/api/v1/programs"))) == {tuple(sorted(PROGRAMS.fields))}
    detail = client.get(f"/api/v1/observations/{world['answered']}").json
    assert sorted(detail) == sorted([*OBSERVATIONS.fields, "events", "answers"])
    assert all(sorted(e) == sorted(EVENTS.fields) for e in detail["events"])
    [answer] = detail["answers"]
    assert sorted(answer) == sorted(ANSWERS.fields) and len(answer["documents"]) == 1
    institution = client.get(f"/api/v1/institutions/{world['a']}").json
    assert sorted(institution) == sorted([*INSTITUTIONS.fields, "figures"])
    assert sorted(institution["figures"]) == sorted(FIGURES.fields)
    program = client.get(f"/api/v1/programs/{world['program']}").json
    assert sorted(program) == sorted([*PROGRAMS.fields, "milestones", "observation_count"])
    assert [sorted(m) for m in program["milestones"]] == [sorted(MILESTONES.fields)]
    assert keys("/api/v1/statistics") == sorted(STATISTICS.fields)
    statistics = client.get("/api/v1/statistics").json
    assert statistics["accepted"] == 4 and statistics["on_time_share"]["count"] == 1


def test_one_filter_parser_for_the_page_the_api_the_downloads_and_open311(client, world):
    expected = {
        "": {"open", "answered", "closed", "overdue"},
        "state=open": {"open", "answered", "overdue"},
        "state=closed": {"closed"},
        "state=overdue": {"overdue"},
        "state=answered": {"answered"},
        f"institution={world['b']}": {"closed", "overdue"},
        "department=BO-L": {"closed"},
        f"program={world['program']}": {"open"},
        f"category={world['category']}": {"open", "answered", "closed", "overdue"},
        f"state=open&institution={world['a']}": {"open", "answered"},
    }
    for query, names in expected.items():
        codes = {world[name] for name in names}
        api = client.get(f"/api/v1/observations?per_page=100&{query}").json["items"]
        assert {item["code"] for item in api} == codes, query
        _status, text = _download(client, "observations", "csv", query)
        assert set(CODE.findall(text)) == codes, query
        page = client.get(f"/observations?{query}").get_data(as_text=True)
        assert set(CODE.findall(page)) == codes, query
        _status, text = _download(client, "events", "json", query)
        assert {item["observation"] for item in json.loads(text)["items"]} == codes, query
    for geo, query in (
        ("status=open", "state=open"),
        ("status=closed", "state=closed"),
        (f"agency_responsible={world['b']}", f"institution={world['b']}"),
        ("agency_responsible=GADLP", f"institution={world['b']}"),
    ):
        open311 = client.get(f"/open311/v2/requests.json?{geo}").json
        api = client.get(f"/api/v1/observations?per_page=100&{query}").json["items"]
        assert {r["service_request_id"] for r in open311} == {i["code"] for i in api}, geo
    _status, text = _download(client, "answers", "csv", f"institution={world['b']}")
    assert not CODE.findall(text)
    _status, text = _download(client, "answers", "csv", f"institution={world['a']}")
    assert CODE.findall(text) == [world["answered"]]


def test_bad_filters_are_refused_by_strict_readers_only(client, world):
    for query, detail in (
        ("state=draft", "state: unknown value"),
        ("institution=abc", "institution: expected a whole number from 1 to 2147483647"),
        ("department=" + "x" * 41, "department: invalid value"),
    ):
        response = client.get(f"/api/v1/observations?{query}")
        assert response.status_code == 400 and response.json["detail"] == detail
        assert _download(client, "observations", "csv", query)[0] == 400
        assert client.get(f"/observations?{query}").status_code == 200
    # Datasets that are not lists of observations take no filters: nothing to refuse.
    assert _download(client, "institutions", "csv", "state=draft")[0] == 200


def test_strict_and_lenient_reading_of_the_list_filters():
    args = {"state": "open", "institution": "4", "department": " BO-L ", "program": ""}
    assert ListFilters.from_args(args) == ListFilters(
        state="open", institution=4, department="BO-L"
    )
    lenient = {"state": "draft", "institution": "abc", "category": "99999999999", "program": "7"}
    # A page shows what it can: an id that is not one is no filter; the state is matched as given.
    assert ListFilters.from_args(lenient, strict=False) == ListFilters(state="draft", program=7)
    with pytest.raises(FilterError, match=r"^state: unknown value$"):
        ListFilters.from_args(lenient)
    with pytest.raises(FilterError, match=r"^category: expected a whole number"):
        ListFilters.from_args({"category": "0"})


def test_openapi_parameters_are_the_declarations_the_routes_read():
    document = openapi_document("http://localhost")
    validate(document)
    assert [e.path for e in ENDPOINT_LIST] == list(document["paths"])
    for endpoint in ENDPOINT_LIST:
        parameters = document["paths"][endpoint.path]["get"]["parameters"]
        query = [p for p in parameters if p["in"] == "query"]
        assert [p["name"] for p in query] == [p.name for p in endpoint.parameters]
        assert [p["schema"] for p in query] == [p.json_schema() for p in endpoint.parameters]
    state = next(
        p
        for p in document["paths"]["/api/v1/observations"]["get"]["parameters"]
        if p["name"] == "state"
    )
    assert state["schema"]["enum"] == sorted(state_filters())


def test_a_column_is_declared_once():
    column = Column[int]("n", "integer", lambda n: n)
    schema = Schema[int]("numbers", None, (column, Column[int]("m", "integer", lambda n: -n)))
    assert schema.record(3) == {"n": 3, "m": -3}
    assert schema.json_schema(describe=False)["required"] == ["n", "m"]
    with pytest.raises(ValueError, match="declared twice"):
        Schema[int]("numbers", None, (column, column))
