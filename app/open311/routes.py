"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), JSON and XML: reads for everyone,
and ``POST requests`` for the applications an administrator gave a key (app/open311/filing.py).

Mapping: a *service* is an observation category; a *service request* is a public observation
(``publicly_visible()``: accepted, not hidden), ``service_request_id`` its tracking code,
``status`` open/closed by the state groups, ``agency_responsible`` the institution's name,
``expected_datetime`` the end of the due day (La Paz). GeoReport has no field for who filed, and
none is added; descriptions are the stored texts (moderation's redactions applied)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.core.clock import site_timezone
from app.core.db import utcnow
from app.extensions import csrf, db
from app.institutions.models import Institution
from app.observations.lookup import normalise_code
from app.observations.models import Category, Observation
from app.observations.queries import FilterError, ListFilters
from app.open311 import filing, keys
from app.open311.definitions import service_definition
from app.open311.models import Open311Filing
from app.open311.records import service_requests
from app.opendata.records import public_observations
from app.opendata.schema import es_name

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

FORMATS = ("json", "xml")
#: GeoReport v2: "the default … should be the last 90 days" and at most 1000 requests.
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000


def _respond(fmt: str, payload: Any, root: str, item: str, status: int = 200) -> Response:
    if fmt == "json":
        response = jsonify(payload)
        response.status_code = status
        return response
    element = ET.Element(root)
    for entry in payload if isinstance(payload, list) else [payload]:
        _append(element, item, entry)
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")
    return Response(body, status=status, mimetype="text/xml")


def _append(parent: ET.Element, tag: str, value: Any) -> None:
    child = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(inner, list):
                holder = ET.SubElement(child, key)
                for entry in inner:
                    _append(holder, key.rstrip("s"), entry)
            else:
                _append(child, key, inner)
    elif value is not None:
        child.text = str(value).lower() if isinstance(value, bool) else str(value)


def _error(fmt: str, code: int, description: str) -> Response:
    return _errors(fmt, code, [description])


@bp.route("/discovery.<fmt>")
def discovery(fmt: str) -> Response:
    if fmt not in FORMATS:
        return _error("json", 404, "format not supported")
    payload = {
        "changeset": "2026-01-01T00:00:00-04:00",
        "contact": current_app.config["BASE_URL"],
        "key_service": _(
            "Ask the site's administrators for a key: %(contact)s",
            contact=current_app.config["BASE_URL"],
        ),
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": url_for("open311.services", fmt="json", _external=True).rsplit("/", 1)[0],
                "changeset": "2026-01-01T00:00:00-04:00",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    if fmt == "json":
        return jsonify(payload)
    element = ET.Element("discovery")
    for key in ("changeset", "contact", "key_service"):
        ET.SubElement(element, key).text = payload[key]
    endpoints = ET.SubElement(element, "endpoints")
    for entry in payload["endpoints"]:
        endpoint = ET.SubElement(endpoints, "endpoint")
        for key in ("specification", "url", "changeset", "type"):
            ET.SubElement(endpoint, key).text = entry[key]
        formats = ET.SubElement(endpoint, "formats")
        for name in entry["formats"]:
            ET.SubElement(formats, "format").text = name
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")
    return Response(body, mimetype="text/xml")


@bp.route("/services.<fmt>")
def services(fmt: str) -> Response:
    if fmt not in FORMATS:
        return _error("json", 404, "format not supported")
    categories = db.session.scalars(
        select(Category).where(Category.active).order_by(Category.position, Category.id)
    )
    payload = [
        {
            "service_code": c.key,
            "service_name": str(c.name),
            "description": str(c.name),
            "metadata": True,
            "type": "realtime",
            "keywords": "",
            "group": "",
        }
        for c in categories
    ]
    return _respond(fmt, payload, "services", "service")


def _parse_time(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=site_timezone())


def _listed(value: str, most: int) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()][:most]


def request_filters(args: Mapping[str, str]) -> ListFilters:
    """GeoReport's parameters as the public list's filters: ``service_request_id`` (tracking
    codes), ``service_code`` (category keys), ``status`` (open, closed or both),
    ``start_date``/``end_date`` (the last 90 days unless codes are asked for) and
    ``agency_responsible`` (an institution's id, Spanish name or acronym)."""
    filters = ListFilters()
    if args.get("service_request_id"):
        filters.codes = _listed(args["service_request_id"], 100)
    if args.get("service_code"):
        filters.category_keys = _listed(args["service_code"], 50)
    status = args.get("status", "")
    if status:
        wanted = {s.strip() for s in status.split(",")}
        if not wanted <= {"open", "closed"}:
            raise FilterError("status must be open or closed")
        if len(wanted) == 1:
            filters.state = wanted.pop()
    start = _parse_time(args["start_date"]) if args.get("start_date") else None
    end = _parse_time(args["end_date"]) if args.get("end_date") else None
    if (args.get("start_date") and start is None) or (args.get("end_date") and end is None):
        raise FilterError("start_date and end_date must be W3C datetimes")
    updated = _parse_time(args["updated_after"]) if args.get("updated_after") else None
    if args.get("updated_after") and updated is None:
        raise FilterError("updated_after must be a W3C datetime")
    filters.updated_after = updated
    if start is None and end is None and updated is None and not args.get("service_request_id"):
        start = utcnow() - timedelta(days=DEFAULT_DAYS)
    filters.submitted_from, filters.submitted_to = start, end
    agency = args.get("agency_responsible", "").strip()
    if agency:
        if agency.isdigit() and len(agency) < 10:
            filters.institutions = [int(agency)]
        else:
            filters.institutions = [
                i.id
                for i in db.session.scalars(select(Institution))
                if agency.lower() in {es_name(i.names).lower(), (i.acronym or "").lower()}
            ]
    return filters


@bp.route("/requests.<fmt>", methods=["GET"])
def requests(fmt: str) -> Response:
    if fmt not in FORMATS:
        return _error("json", 404, "format not supported")
    try:
        filters = request_filters(request.args)
    except FilterError as error:
        return _error(fmt, 400, error.message)
    order: tuple[Any, ...]
    if filters.updated_after is not None:
        # Syncing: the oldest change first, so a client asks again from the last one it saw.
        order = (Observation.updated_at.asc(), Observation.id.asc())
    else:
        order = (Observation.submitted_at.desc(), Observation.id.desc())
    query = public_observations(filters).order_by(*order)
    observations = list(db.session.scalars(query.limit(MAX_REQUESTS)).unique())
    return _respond(fmt, service_requests(observations), "service_requests", "request")


@bp.route("/requests/<code>.<fmt>")
def request_detail(code: str, fmt: str) -> Response:
    if fmt not in FORMATS:
        return _error("json", 404, "format not supported")
    found = db.session.scalars(
        public_observations().where(Observation.code == normalise_code(code[:40]))
    ).first()
    if found is None:
        return _error(fmt, 404, "no such service request")
    return _respond(fmt, service_requests([found]), "service_requests", "request")


@bp.route("/services/<code>.<fmt>")
def service(code: str, fmt: str) -> Response:
    if fmt not in FORMATS:
        return _error("json", 404, "format not supported")
    definition = service_definition(code[:40])
    if definition is None:
        return _error(fmt, 404, "no such service_code")
    if fmt == "json":
        return jsonify(definition)
    element = ET.Element("service_definition")
    ET.SubElement(element, "service_code").text = definition["service_code"]
    attributes = ET.SubElement(element, "attributes")
    for entry in definition["attributes"]:
        _append(attributes, "attribute", entry)
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")
    return Response(body, mimetype="text/xml")


@bp.route("/requests.<fmt>", methods=["POST"])
@csrf.exempt
def file_request(fmt: str) -> Response:
    """An application files an observation: its key in ``api_key`` (or the ``X-Api-Key``
    header), GeoReport's fields, ``attribute[…]`` for the rest, an image as ``media``. The reply
    carries a ``token``: the observation is public once moderators accept it."""
    if fmt not in FORMATS:
        return _error("json", 404, "format not supported")
    client = keys.client_for(request.form.get("api_key") or request.headers.get("X-Api-Key"))
    if client is None:
        return _error(fmt, 403, _("api_key: missing, unknown or revoked."))
    uploads = [
        (upload.filename or "", upload.read())
        for upload in request.files.getlist("media")
        if upload and upload.filename
    ]
    try:
        filed = filing.file_request(client, request.form, uploads)
    except filing.Open311Error as refused:
        db.session.rollback()
        return _errors(fmt, refused.status, refused.descriptions)
    token = filed.token
    db.session.commit()
    notice = _("Received. It becomes public once the moderators accept it.")
    return _respond(
        fmt,
        [{"token": token, "service_notice": notice, "account_id": ""}],
        "service_requests",
        "request",
        status=201,
    )


@bp.route("/tokens/<token>.<fmt>")
def token(token: str, fmt: str) -> Response:
    """The tracking code a filing's token stands for (``service_request_id``). The request
    itself is listed by ``GET requests`` once it is public."""
    if fmt not in FORMATS:
        return _error("json", 404, "format not supported")
    found = db.session.scalar(select(Open311Filing).where(Open311Filing.token == token[:40]))
    if found is None:
        return _error(fmt, 404, "no such token")
    return _respond(
        fmt,
        [{"service_request_id": found.observation.code, "token": found.token}],
        "service_requests",
        "request",
    )


def _errors(fmt: str, code: int, descriptions: list[str]) -> Response:
    return _respond(
        fmt if fmt in FORMATS else "json",
        [{"code": code, "description": text} for text in descriptions],
        "errors",
        "error",
        status=code,
    )
