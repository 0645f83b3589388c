"""The JSON API: pagination with next links, filters, JSON errors, caching headers, an OpenAPI
3.1 document that validates, and schemathesis finding no server error."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from openapi_spec_validator import validate

from app.api.openapi import openapi_document
from app.extensions import db
from app.observations.models import ObservationState as S
from tests import factories
from tests.test_accountability import _row


@pytest.fixture
def observations(app_ctx):
    filer = factories.user("api.filer@example.org", display_name="Api Filer", language="es")
    inst = factories.institution()
    other = factories.institution("Otra", "OT")
    factories.program(code="P-9")
    when = datetime.now(UTC)
    for i in range(5):
        _row(filer, inst, when, S.ANSWERED if i % 2 else S.ACCEPTED, wd=i, on_time=True)
    _row(filer, other, when, S.ACCEPTED)
    db.session.commit()
    return {"institution": inst.id, "other": other.id}


def test_openapi_document_validates(client):
    validate(openapi_document("http://localhost"))
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json["openapi"] == "3.1.0"
    validate(response.json)


def test_pagination_and_filters(client, observations):
    first = client.get("/api/v1/observations?per_page=2").json
    assert first["total"] == 6 and len(first["items"]) == 2 and first["previous"] is None
    assert "page=2" in first["next"]
    second = client.get(first["next"].split("localhost", 1)[1]).json
    assert second["page"] == 2 and "page=1" in second["previous"]
    codes = {i["code"] for page in (first, second) for i in page["items"]}
    assert len(codes) == 4
    mine = client.get(f"/api/v1/observations?institution={observations['other']}").json
    assert mine["total"] == 1
    assert client.get("/api/v1/observations?state=answered").json["total"] == 2
    assert client.get("/api/v1/observations?state=closed").json["total"] == 0


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/observations?page=0",
        "/api/v1/observations?per_page=1000",
        "/api/v1/observations?state=draft",
        "/api/v1/observations?institution=abc",
        "/api/v1/statistics?start=2026-13",
        "/api/v1/statistics?department=XX",
        "/api/v1/institutions?kind=castle",
    ],
)
def test_bad_parameters_are_json_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response.json["status"] == 400


def test_unknown_is_json_404(client):
    for url in (
        "/api/v1/observations/CS-2026-99999",
        "/api/v1/programs/99999999999",
        "/api/v1/nope",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json["status"] == 404


def test_details_and_etag(client, observations):
    item = client.get("/api/v1/observations?per_page=1").json["items"][0]
    detail = client.get(f"/api/v1/observations/{item['code']}")
    assert detail.status_code == 200 and detail.json["code"] == item["code"]
    assert "events" in detail.json and "actor_id" not in str(detail.json)
    etag = detail.headers["ETag"]
    assert (
        client.get(
            f"/api/v1/observations/{item['code']}", headers={"If-None-Match": etag}
        ).status_code
        == 304
    )
    institution = client.get(f"/api/v1/institutions/{observations['institution']}").json
    assert institution["figures"]["accepted"] == 5
    assert "contact_email" not in institution
    stats = client.get("/api/v1/statistics").json
    # _row gives a first answer to every row with working days: 5 put to the test.
    assert stats["accepted"] == 6 and stats["on_time_share"]["total"] == 5
    program = client.get("/api/v1/programs").json["items"][0]
    assert client.get(f"/api/v1/programs/{program['id']}").json["milestones"] == []
    assert client.get("/api/v1/plans").json["total"] == 1
    assert "/api/v1/statistics" in client.get("/api").get_data(as_text=True)


def test_schemathesis_finds_no_server_error(app, observations):
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error

    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 8
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            response = case.call()
            case.validate_response(response, checks=[not_a_server_error])

        run()
