"""Open311 GeoReport v2: field names per the specification, JSON and XML, filters, errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote
from xml.etree import ElementTree as ET

import pytest

from app.extensions import db
from app.observations.models import ObservationState as S
from tests import factories
from tests.test_accountability import _row

FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


@pytest.fixture
def requests(app_ctx):
    filer = factories.user("o311@example.org", display_name="Open Filer", language="es")
    inst = factories.institution()
    now = datetime.now(UTC)
    open_one = _row(filer, inst, now, S.ACCEPTED, due=date(2030, 1, 2))
    open_one.latitude, open_one.longitude = -19.04, -65.26
    closed = _row(filer, inst, now - timedelta(days=3), S.RESOLVED, wd=2, on_time=True)
    old = _row(filer, inst, now - timedelta(days=200), S.ACCEPTED)
    hidden = _row(filer, inst, now, S.ACCEPTED, hidden=True)
    db.session.commit()
    return {
        "open": open_one.code,
        "closed": closed.code,
        "old": old.code,
        "hidden": hidden.code,
        "institution": inst.id,
    }


def test_requests_json_fields(client, requests):
    data = client.get("/open311/v2/requests.json").json
    assert [r["service_request_id"] for r in data] == [requests["open"], requests["closed"]]
    for item in data:
        assert set(item) == set(FIELDS)  # jsonify sorts the keys
    first = data[0]
    assert first["status"] == "open" and first["service_code"] == "information"
    assert first["lat"] == -19.04 and first["long"] == -65.26
    assert first["expected_datetime"] == "2030-01-02T23:59:59-04:00"
    assert data[1]["status"] == "closed"


def test_requests_filters(client, requests):
    def codes(query: str) -> list[str]:
        return [
            r["service_request_id"] for r in client.get(f"/open311/v2/requests.json?{query}").json
        ]

    assert codes("status=open") == [requests["open"]]
    assert codes("status=closed") == [requests["closed"]]
    assert codes("service_code=information") == [requests["open"], requests["closed"]]
    assert codes("service_code=other") == []
    assert codes(f"agency_responsible={requests['institution']}") == [
        requests["open"],
        requests["closed"],
    ]
    assert codes("agency_responsible=GAMS") == [requests["open"], requests["closed"]]
    start = quote((datetime.now(UTC) - timedelta(days=365)).isoformat())
    end = quote((datetime.now(UTC) - timedelta(days=100)).isoformat())
    assert codes(f"start_date={start}&end_date={end}") == [requests["old"]]
    assert client.get("/open311/v2/requests.json?status=maybe").status_code == 400
    assert client.get("/open311/v2/requests.json?start_date=yesterday").status_code == 400


def test_xml_and_single_request(client, requests):
    response = client.get(f"/open311/v2/requests/{requests['open']}.xml")
    assert response.mimetype == "text/xml"
    root = ET.fromstring(  # noqa: S314
        response.data
    )
    assert root.tag == "service_requests"
    [request] = root.findall("request")
    assert [child.tag for child in request] == FIELDS
    assert request.findtext("service_request_id") == requests["open"]
    missing = client.get(f"/open311/v2/requests/{requests['hidden']}.xml")
    assert missing.status_code == 404
    assert (
        ET.fromstring(  # noqa: S314
            missing.data
        )
        .find("error/code")
        .text
        == "404"
    )
    assert client.get(f"/open311/v2/requests/{requests['hidden']}.json").json[0]["code"] == 404


def test_services_and_discovery(client, requests):
    services = client.get("/open311/v2/services.json").json
    assert services[0]["service_code"] == "information"
    assert set(services[0]) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    root = ET.fromstring(  # noqa: S314
        client.get("/open311/v2/services.xml").data
    )
    assert root.tag == "services" and root.find("service/service_code").text == "information"
    discovery = client.get("/open311/v2/discovery.json").json
    assert discovery["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    root = ET.fromstring(  # noqa: S314
        client.get("/open311/v2/discovery.xml").data
    )
    assert root.find("endpoints/endpoint/formats/format").text == "application/json"
    assert client.get("/open311/v2/services.csv").status_code == 404
