"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), read-only, JSON and XML.

Mapping: a *service* is an observation category; a *service request* is a public observation
(``publicly_visible()``: accepted, not hidden), ``service_request_id`` its tracking code,
``status`` open/closed by the state groups, ``agency_responsible`` the institution's name,
``expected_datetime`` the end of the due day (La Paz). GeoReport has no field for who filed, and
none is added; descriptions are the stored texts (moderation's redactions applied)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.core.clock import site_timezone
from app.core.db import utcnow
from app.extensions import db
from app.institutions.models import Institution
from app.observations import queries, states
from app.observations.models import Category, Evidence, Observation
from app.opendata.records import _es

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
    return _respond(
        fmt if fmt in FORMATS else "json",
        [{"code": code, "description": description}],
        "errors",
        "error",
        status=code,
    )


def _stamp(value: datetime | None) -> str | None:
    """W3C datetime with the La Paz offset, as GeoReport examples show."""
    return value.astimezone(site_timezone()).isoformat(timespec="seconds") if value else None


def _end_of(day: date | None) -> str | None:
    if day is None:
        return None
    return datetime.combine(day, time(23, 59, 59), tzinfo=site_timezone()).isoformat()


@bp.route("/discovery.<fmt>")
def discovery(fmt: str):  # type: ignore[no-untyped-def]
    if fmt not in FORMATS:
        return _error("json", 404, "format not supported")
    payload = {
        "changeset": "2026-01-01T00:00:00-04:00",
        "contact": current_app.config["BASE_URL"],
        "key_service": "",
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
def services(fmt: str):  # type: ignore[no-untyped-def]
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
            "metadata": False,
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


def _records(observations: list[Observation]) -> list[dict[str, Any]]:
    """GeoReport fields, with the first public image as ``media_url`` (one query for all)."""
    media: dict[int, str] = {}
    ids = [o.id for o in observations]
    if ids:
        for item in db.session.scalars(
            select(Evidence)
            .options(joinedload(Evidence.observation))
            .where(
                Evidence.observation_id.in_(ids),
                Evidence.event_id.is_(None),
                Evidence.mime.like("image/%"),
            )
            .order_by(Evidence.id)
        ):
            if item.observation_id not in media and queries.can_see_evidence(item, None):
                media[item.observation_id] = url_for(  # type: ignore[index]
                    "observations.evidence_file", evidence_id=item.id, _external=True
                )
    found = []
    for o in observations:
        place = ", ".join(
            part
            for part in (
                o.place_description,
                o.municipality.name if o.municipality else "",
                o.department.name if o.department else "",
            )
            if part
        )
        found.append(
            {
                "service_request_id": o.code,
                "status": "open" if o.state in states.OPEN_STATES else "closed",
                "status_notes": o.state.title,
                "service_name": str(o.category.name) if o.category else "",
                "service_code": o.category.key if o.category else "",
                "description": o.description,
                "agency_responsible": _es(o.institution.names) if o.institution else "",
                "service_notice": "",
                "requested_datetime": _stamp(o.submitted_at),
                "updated_datetime": _stamp(o.updated_at),
                "expected_datetime": _end_of(o.due_date),
                "address": place,
                "address_id": "",
                "zipcode": "",
                "lat": o.latitude,
                "long": o.longitude,
                "media_url": media.get(o.id, ""),
            }
        )
    return found


def _public() -> Any:
    return (
        select(Observation)
        .options(
            joinedload(Observation.category),
            joinedload(Observation.institution),
            joinedload(Observation.department),
            joinedload(Observation.municipality),
        )
        .where(queries.publicly_visible())
    )


@bp.route("/requests.<fmt>")
def requests(fmt: str):  # type: ignore[no-untyped-def]
    if fmt not in FORMATS:
        return _error("json", 404, "format not supported")
    args = request.args
    query = _public()
    if args.get("service_request_id"):
        codes = [c.strip() for c in args["service_request_id"].split(",") if c.strip()][:100]
        query = query.where(Observation.code.in_(codes))
    if args.get("service_code"):
        codes = [c.strip() for c in args["service_code"].split(",") if c.strip()][:50]
        query = query.where(
            Observation.category_id.in_(select(Category.id).where(Category.key.in_(codes)))
        )
    status = args.get("status", "")
    if status:
        wanted = {s.strip() for s in status.split(",")}
        if not wanted <= {"open", "closed"}:
            return _error(fmt, 400, "status must be open or closed")
        if wanted == {"open"}:
            query = query.where(Observation.state.in_(states.OPEN_STATES))
        elif wanted == {"closed"}:
            query = query.where(Observation.state.in_(states.CLOSED_STATES))
    start = _parse_time(args["start_date"]) if args.get("start_date") else None
    end = _parse_time(args["end_date"]) if args.get("end_date") else None
    if (args.get("start_date") and start is None) or (args.get("end_date") and end is None):
        return _error(fmt, 400, "start_date and end_date must be W3C datetimes")
    if start is None and end is None and not args.get("service_request_id"):
        start = utcnow() - timedelta(days=DEFAULT_DAYS)
    if start is not None:
        query = query.where(Observation.submitted_at >= start.astimezone(UTC))
    if end is not None:
        query = query.where(Observation.submitted_at <= end.astimezone(UTC))
    agency = args.get("agency_responsible", "").strip()
    if agency:
        if agency.isdigit() and len(agency) < 10:
            query = query.where(Observation.institution_id == int(agency))
        else:
            matching = [
                i.id
                for i in db.session.scalars(select(Institution))
                if agency.lower() in {_es(i.names).lower(), (i.acronym or "").lower()}
            ]
            query = query.where(Observation.institution_id.in_(matching))
    observations = list(
        db.session.scalars(
            query.order_by(Observation.submitted_at.desc(), Observation.id.desc()).limit(
                MAX_REQUESTS
            )
        ).unique()
    )
    return _respond(fmt, _records(observations), "service_requests", "request")


@bp.route("/requests/<code>.<fmt>")
def request_detail(code: str, fmt: str):  # type: ignore[no-untyped-def]
    if fmt not in FORMATS:
        return _error("json", 404, "format not supported")
    from app.observations.services import normalise_code

    found = db.session.scalars(
        _public().where(Observation.code == normalise_code(code[:40]))
    ).first()
    if found is None:
        return _error(fmt, 404, "no such service request")
    return _respond(fmt, _records([found]), "service_requests", "request")
