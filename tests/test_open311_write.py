"""Open311 in the writing direction: an application with a key files an observation
(``POST requests``), gets a token, resolves it to the tracking code, and sees the request in
``GET requests`` once moderators accept it. Keys are issued and revoked by administrators, kept
hashed, and limited; refused requests write nothing and say why in GeoReport's error format, in
the asker's language. The reads are also exercised through a third-party GeoReport client."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import pytest
from flask_babel import force_locale, gettext
from PIL import Image
from sqlalchemy import select, update

from app.accounts.models import Role, User
from app.core.storage import storage
from app.extensions import db
from app.observations.models import Evidence, IdentityLevel, Observation, ObservationState
from app.open311.models import ApiClient, Open311Filing
from tests import factories
from tests.conftest import count, logged_in

POST = "/open311/v2/requests.json"
DESCRIPTION = (
    "El puente peatonal del barrio San Roque tiene tablas rotas desde marzo y los niños cruzan "
    "por el río."
)


@pytest.fixture
def world(app, make_user):
    make_user(role=Role.ADMIN, email="admin@example.org")
    make_user(role=Role.MODERATOR, email="mod@example.org")
    make_user(email="vecina@example.org", display_name="Vecina Registrada")
    with app.app_context():
        factories.department("BO-H", "Chuquisaca")
        institution = factories.institution()
        factories.category("information")
        db.session.commit()
        institution_id = institution.id
    admin = logged_in(app, "admin@example.org")
    return {"admin": admin, "institution": institution_id, "key": register(admin, "Mi Barrio")}


def register(admin, name: str) -> str:
    page = admin.post("/admin/api-clients", data={"name": name, "contact": "dev@example.org"})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    found = re.search(r'<code class="key">([^<]+)</code>', page.get_data(as_text=True))
    assert found, "the new key is shown once"
    return found.group(1)


def filing(world, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "api_key": world["key"],
        "service_code": "information",
        "description": DESCRIPTION,
        "lat": "-19.05",
        "long": "-65.26",
        "address_string": "Calle Loa y Bolívar",
        "email": "persona.nueva@example.org",
        "first_name": "Rosa",
        "last_name": "Quispe",
        "attribute[department]": "BO-H",
        "attribute[institution]": "GAMS",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def png(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_filing_round_trips_token_code_moderation_and_public_list(app, world, client):
    reply = client.post(POST, data=filing(world))
    assert reply.status_code == 201, reply.get_data(as_text=True)
    [answer] = reply.json
    assert set(answer) == {"token", "service_notice", "account_id"}
    token = answer["token"]

    [resolved] = client.get(f"/open311/v2/tokens/{token}.json").json
    code = resolved["service_request_id"]
    assert resolved["token"] == token and code.startswith("CS-")

    with app.app_context():
        observation = db.session.scalar(select(Observation).where(Observation.code == code))
        assert observation.state == ObservationState.SUBMITTED
        assert observation.identity == IdentityLevel.HIDDEN  # the default
        assert observation.title == DESCRIPTION[:80].rsplit(" ", 1)[0] + "…"
        assert observation.place_description == "Calle Loa y Bolívar"
        assert observation.institution_id == world["institution"]
        person = observation.filer
        assert person.email == "persona.nueva@example.org"
        assert person.display_name == "Rosa Quispe" and not person.is_verified
        assert db.session.scalar(select(Open311Filing.observation_id)) == observation.id

    # Not public yet: not listed, not found, and its token says nothing more than its code.
    assert client.get(f"/open311/v2/requests/{code}.json").status_code == 404
    assert code not in client.get("/open311/v2/requests.json").get_data(as_text=True)

    moderator = logged_in(app, "mod@example.org")
    assert code in moderator.get("/moderation").get_data(as_text=True)
    page = moderator.get(f"/observations/{code}").get_data(as_text=True)
    assert "Filed through the application Mi Barrio (Open311)." in page
    accepted = moderator.post(
        f"/observations/{code}/act/accept", data={"institution_id": world["institution"]}
    )
    assert accepted.status_code == 302

    listed = client.get("/open311/v2/requests.json").json
    assert [r["service_request_id"] for r in listed] == [code]
    [detail] = client.get(f"/open311/v2/requests/{code}.json").json
    assert detail["description"] == DESCRIPTION and detail["lat"] == -19.05
    # The person stays out of every Open311 reply.
    for path in (POST, f"/open311/v2/requests/{code}.xml", f"/open311/v2/tokens/{token}.xml"):
        body = client.get(path).get_data(as_text=True)
        assert "Rosa" not in body and "persona.nueva" not in body and "Quispe" not in body


def test_xml_reply_and_an_existing_citizen_files_in_their_own_account(app, world, client):
    reply = client.post(
        "/open311/v2/requests.xml",
        data=filing(world, email="VECINA@example.org", **{"attribute[identity]": "public"}),
    )
    assert reply.status_code == 201 and reply.mimetype == "text/xml"
    root = ET.fromstring(reply.data)  # noqa: S314 - our own reply
    assert root.tag == "service_requests" and root.find("request/token").text
    with app.app_context():
        observation = db.session.scalar(select(Observation))
        assert observation.filer.display_name == "Vecina Registrada"
        assert observation.identity == IdentityLevel.PUBLIC
        assert count(app, User) == 3  # nobody new


@pytest.mark.parametrize(
    ("changes", "parameter", "message"),
    [
        ({"description": None}, "description", "Describe what you observed."),
        ({"service_code": "nothing"}, "service_code", "Choose a category."),
        ({"attribute[department]": None}, "attribute[department]", "Choose a department."),
        ({"attribute[institution]": "NOPE"}, "attribute[institution]", None),
        ({"lat": "-40"}, "lat", "That point is not in Bolivia."),
        ({"lat": "abc"}, "lat", None),
        ({"long": None}, "long", "Give both latitude and longitude, or neither."),
        ({"attribute[identity]": "shouted"}, "attribute[identity]", None),
        ({"email": None}, "email", None),
        ({"email": "not-an-address"}, "email", None),
        ({"email": "mod@example.org"}, "email", None),
        ({"media_url": "http://example.org/x.jpg"}, "media_url", None),
    ],
)
def test_refused_filings_say_why_in_the_specs_format_and_write_nothing(
    app, world, client, changes, parameter, message
):
    users_before = count(app, User)
    reply = client.post(POST, data=filing(world, **changes), headers={"Accept-Language": "es"})
    assert reply.status_code == 400, reply.get_data(as_text=True)
    errors = reply.json
    assert all(set(e) == {"code", "description"} and e["code"] == 400 for e in errors)
    assert any(e["description"].startswith(f"{parameter}: ") for e in errors), errors
    if message is not None:
        with app.test_request_context(), force_locale("es"):
            expected = gettext(message)
        assert any(e["description"] == f"{parameter}: {expected}" for e in errors), errors
    assert count(app, Observation) == 0 and count(app, Open311Filing) == 0
    assert count(app, User) == users_before and count(app, Evidence) == 0


def test_keys_missing_unknown_or_revoked_are_refused(app, world, client):
    for data in (filing(world, api_key=None), filing(world, api_key="q311_guess")):
        reply = client.post(POST, data=data)
        assert reply.status_code == 403 and reply.json[0]["code"] == 403
    # The key also works as a header.
    assert (
        client.post(
            POST, data=filing(world, api_key=None), headers={"X-Api-Key": world["key"]}
        ).status_code
        == 201
    )
    with app.app_context():
        stored = db.session.scalar(select(ApiClient))
        assert world["key"] not in (stored.key_hash, stored.key_prefix)
        assert stored.last_used_at is not None
        client_id = stored.id
    listing = world["admin"].get("/admin/api-clients").get_data(as_text=True)
    assert "Mi Barrio" in listing and world["key"] not in listing
    # Only administrators manage keys.
    assert logged_in(app, "mod@example.org").get("/admin/api-clients").status_code == 403
    revoked = world["admin"].post(f"/admin/api-clients/{client_id}/revoke")
    assert revoked.status_code == 302
    reply = client.post(POST, data=filing(world, email="otra@example.org"))
    assert reply.status_code == 403
    assert count(app, Observation) == 1
    assert "Revoked on" in world["admin"].get("/admin/api-clients").get_data(as_text=True)


def test_the_registration_form_comes_back_with_a_clear_error(world):
    page = world["admin"].post("/admin/api-clients", data={"name": "", "contact": "x@y.org"})
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "Write the application's name." in text and 'value="x@y.org"' in text


def test_the_rate_limit_holds_per_key(app, world, client):
    other = register(world["admin"], "Otra App")
    app.config["OPEN311_LIMIT_PER_KEY"] = "2 per minute"
    try:
        statuses = [
            client.post(POST, data=filing(world, email=f"p{n}@example.org")).status_code
            for n in range(3)
        ]
        assert statuses == [201, 201, 429]
        assert client.post(POST, data=filing(world, api_key=other)).status_code == 201
    finally:
        app.config["OPEN311_LIMIT_PER_KEY"] = "10000 per minute"
    assert count(app, Observation) == 3


def test_an_image_travels_as_media_and_a_bad_file_is_refused(app, world, client):
    data = filing(world)
    data["media"] = (io.BytesIO(png()), "puente.png")
    assert client.post(POST, data=data, content_type="multipart/form-data").status_code == 201
    with app.app_context():
        [item] = db.session.scalars(select(Evidence)).all()
        assert item.observation_id is not None and item.mime == "image/png"
    with app.app_context():
        kept = set(storage().iter_keys())
    # A good image stored, then a bad one refused: the whole filing is refused and the good
    # image's file goes with the rolled-back transaction.
    bad = filing(world, email="otra@example.org")
    bad["media"] = [
        (io.BytesIO(png((10, 120, 40))), "otro.png"),
        (io.BytesIO(b"not an image at all"), "x.png"),
    ]
    reply = client.post(POST, data=bad, content_type="multipart/form-data")
    assert reply.status_code == 400 and reply.json[0]["description"].startswith("media: x.png")
    assert count(app, Observation) == 1 and count(app, Evidence) == 1
    with app.app_context():
        assert set(storage().iter_keys()) == kept


def test_service_definitions_describe_the_attributes(app, world, client):
    services = client.get("/open311/v2/services.json").json
    assert services[0]["metadata"] is True
    definition = client.get("/open311/v2/services/information.json").json
    codes = [a["code"] for a in definition["attributes"]]
    assert codes == ["title", "identity", "department", "municipality", "institution", "program"]
    identity = definition["attributes"][1]
    assert identity["datatype"] == "singlevaluelist"
    assert [v["key"] for v in identity["values"]] == ["public", "hidden", "confidential"]
    root = ET.fromstring(client.get("/open311/v2/services/information.xml").data)  # noqa: S314
    assert root.tag == "service_definition"
    assert [a.findtext("code") for a in root.findall("attributes/attribute")] == codes
    assert root.find("attributes/attribute/values/value/key") is not None
    assert client.get("/open311/v2/services/nothing.json").status_code == 404
    assert client.get("/open311/v2/tokens/nothing.json").status_code == 404


def test_updated_after_lets_a_client_sync(app, world, client):
    with app.app_context():
        filer = factories.user("f@example.org")
        institution = db.session.get(factories.Institution, world["institution"])
        rows = [
            factories.observation(filer, state="accepted", institution=institution)
            for _n in range(3)
        ]
        base = datetime(2026, 11, 1, tzinfo=UTC)
        for n, row in enumerate(rows):
            db.session.execute(
                update(Observation)
                .where(Observation.id == row.id)
                .values(updated_at=base + timedelta(days=3 - n))
            )
        db.session.commit()
        codes = [row.code for row in rows]
    synced = client.get("/open311/v2/requests.json?updated_after=2026-11-02T12:00:00Z").json
    # The oldest change first: rows[1] (Nov 3) then rows[0] (Nov 4); rows[2] (Nov 2) is older.
    assert [r["service_request_id"] for r in synced] == [codes[1], codes[0]]
    bad = client.get("/open311/v2/requests.json?updated_after=yesterday")
    assert bad.status_code == 400 and "updated_after" in bad.json[0]["description"]


class _Shim:
    """``requests`` for the georeport client, answered by the app in-process (no network)."""

    def __init__(self, client) -> None:
        self.client = client

    def get(self, url: str, params=None):
        shim = self

        class Reply:
            def __init__(self) -> None:
                self.response = shim.client.get(urlsplit(url).path, query_string=params or {})
                self.content = self.response.data
                self.status_code = self.response.status_code

            def json(self):
                return self.response.json

            def raise_for_status(self) -> None:
                assert self.status_code < 400, self.status_code

        return Reply()


@pytest.mark.parametrize("output", ["json", "xml"])
def test_a_third_party_georeport_client_reads_us(app, world, client, monkeypatch, output):
    import georeport.georeport as module
    from georeport import GeoReport

    reply = client.post(POST, data=filing(world))
    [resolved] = client.get(f"/open311/v2/tokens/{reply.json[0]['token']}.json").json
    code = resolved["service_request_id"]
    with app.app_context():
        observation = db.session.scalar(select(Observation))
        observation.state = ObservationState.ACCEPTED
        observation.accepted_at = datetime.now(UTC)
        db.session.commit()

    monkeypatch.setattr(module, "requests", _Shim(client))
    reader = GeoReport("http://qhawaq.test/open311/v2", output_format=output)
    services = reader.get_service_list()
    if output == "xml":
        services = [services] if isinstance(services, dict) else services
    assert services[0]["service_code"] == "information"
    definition = reader.get_service_definition("information")
    assert definition["service_code"] == "information"
    found = reader.get_service_requests(service_request_id=code)
    if output == "xml":  # xmltodict gives one request as a dict
        found = [found] if isinstance(found, dict) else found
    assert [r["service_request_id"] for r in found] == [code]
