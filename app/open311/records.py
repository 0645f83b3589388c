"""GeoReport v2 service requests, read from the public read layer: the same public observations
(``records.public_observations``), the same filters (``queries.filter_observations``) and the
same column machinery as the open data (``opendata.schema``), in GeoReport's field names.
GeoReport has no field for who filed, and none is added; descriptions are the stored texts
(moderation's redactions applied)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.core.clock import site_timezone
from app.extensions import db
from app.observations import permissions
from app.observations.models import Evidence, Observation
from app.opendata.observation_schemas import institution_name, status_of
from app.opendata.schema import Column, Schema


def stamp(value: datetime | None) -> str | None:
    """W3C datetime with the La Paz offset, as GeoReport examples show."""
    return value.astimezone(site_timezone()).isoformat(timespec="seconds") if value else None


def end_of(day: date | None) -> str | None:
    if day is None:
        return None
    return datetime.combine(day, time(23, 59, 59), tzinfo=site_timezone()).isoformat()


def address(o: Observation) -> str:
    parts = (
        o.place_description,
        o.municipality.name if o.municipality else "",
        o.department.name if o.department else "",
    )
    return ", ".join(part for part in parts if part)


@dataclass(frozen=True, slots=True)
class RequestRow:
    observation: Observation
    #: The first public image filed with it, or "".
    media_url: str


_C = Column[RequestRow]

#: GeoReport's fields, in the order of its XML examples (JSON keys are sorted by jsonify).
SERVICE_REQUESTS = Schema[RequestRow](
    "service_requests",
    None,
    (
        _C("service_request_id", "string", lambda r: r.observation.code),
        _C("status", "string", lambda r: status_of(r.observation)),
        _C("status_notes", "string", lambda r: r.observation.state.title),
        _C(
            "service_name",
            "string",
            lambda r: str(r.observation.category.name) if r.observation.category else "",
        ),
        _C(
            "service_code",
            "string",
            lambda r: r.observation.category.key if r.observation.category else "",
        ),
        _C("description", "string", lambda r: r.observation.description),
        _C("agency_responsible", "string", lambda r: institution_name(r.observation) or ""),
        _C("service_notice", "string", lambda r: ""),
        _C("requested_datetime", "string", lambda r: stamp(r.observation.submitted_at)),
        _C("updated_datetime", "string", lambda r: stamp(r.observation.updated_at)),
        _C("expected_datetime", "string", lambda r: end_of(r.observation.due_date)),
        _C("address", "string", lambda r: address(r.observation)),
        _C("address_id", "string", lambda r: ""),
        _C("zipcode", "string", lambda r: ""),
        _C("lat", "number", lambda r: r.observation.latitude, nullable=True),
        _C("long", "number", lambda r: r.observation.longitude, nullable=True),
        _C("media_url", "string", lambda r: r.media_url),
    ),
)


def first_images(observation_ids: list[int]) -> dict[int, str]:
    """The first public image of each observation (one query for all)."""
    media: dict[int, str] = {}
    if not observation_ids:
        return media
    for item in db.session.scalars(
        select(Evidence)
        .options(joinedload(Evidence.observation))
        .where(
            Evidence.observation_id.in_(observation_ids),
            Evidence.event_id.is_(None),
            Evidence.mime.like("image/%"),
        )
        .order_by(Evidence.id)
    ):
        observation_id = item.observation_id
        if (
            observation_id is not None
            and observation_id not in media
            and permissions.can(None, "evidence.view", item)
        ):
            media[observation_id] = url_for(
                "observations.evidence_file", evidence_id=item.id, _external=True
            )
    return media


def service_requests(observations: list[Observation]) -> list[dict[str, object]]:
    media = first_images([o.id for o in observations])
    return [SERVICE_REQUESTS.record(RequestRow(o, media.get(o.id, ""))) for o in observations]
