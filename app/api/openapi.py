"""The OpenAPI 3.1 description of the JSON API, generated with apispec from the declarations the
API itself runs on: the response schemas are the datasets' schemas (``app/opendata/*_schemas``,
the same columns as the downloads and the data dictionary) and the query parameters are the
``Param`` declarations the routes read (``app/api/params.py``). Tests validate the document
with openapi-spec-validator and fuzz the API with schemathesis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apispec import APISpec
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from app.api import params as p
from app.core.urls import MAX_ID
from app.observations.queries import Param
from app.opendata.catalogue_schemas import INSTITUTIONS, MILESTONES, PLANS, PROGRAMS
from app.opendata.figure_schemas import FIGURES, STATISTICS
from app.opendata.observation_schemas import ANSWERS, EVENTS, OBSERVATIONS
from app.opendata.schema import LICENCE, LICENCE_URL, Schema
from app.opendata.session_schemas import SESSIONS

#: Component name → the dataset schema it is generated from.
COMPONENTS: dict[str, Schema[Any]] = {
    "Observation": OBSERVATIONS,
    "Event": EVENTS,
    "Answer": ANSWERS,
    "Institution": INSTITUTIONS,
    "Figures": FIGURES,
    "Plan": PLANS,
    "Program": PROGRAMS,
    "Milestone": MILESTONES,
    "Statistics": STATISTICS,
    "Session": SESSIONS,
}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties)}


def _page_of(component: str) -> dict[str, Any]:
    nullable_string = {"type": ["string", "null"]}
    return _object(
        {
            "items": {"type": "array", "items": component},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "next": nullable_string,
            "previous": nullable_string,
            "licence": {"type": "string"},
        }
    )


#: The detail bodies: a record and what the detail adds to it.
DETAILS: dict[str, dict[str, Any]] = {
    "ObservationDetail": {
        "allOf": [
            "Observation",
            _object(
                {
                    "events": {"type": "array", "items": "Event"},
                    "answers": {"type": "array", "items": "Answer"},
                }
            ),
        ]
    },
    "InstitutionDetail": {
        "allOf": [
            "Institution",
            _object({"figures": {"anyOf": ["Figures", {"type": "null"}]}}),
        ]
    },
    "ProgramDetail": {
        "allOf": [
            "Program",
            _object(
                {
                    "milestones": {"type": "array", "items": "Milestone"},
                    "observation_count": {"type": "integer"},
                }
            ),
        ]
    },
}

ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
    "required": ["error", "status"],
}


@dataclass(frozen=True)
class Endpoint:
    """One GET operation: its path, how the /api page shows it, its parameters (read by the
    route from the same declarations) and the component its 200 answer is."""

    path: str
    shown: str
    description: LazyString
    summary: str
    parameters: tuple[Param, ...]
    response: str | dict[str, Any]
    #: A path parameter: (name, JSON schema).
    path_parameter: tuple[str, dict[str, Any]] | None = None


_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}

ENDPOINT_LIST = (
    Endpoint(
        "/api/v1/observations",
        "/api/v1/observations",
        _l("Public observations, newest first; filters below."),
        "Public observations",
        (*p.PAGING, *p.OBSERVATION_PARAMS),
        _page_of("Observation"),
    ),
    Endpoint(
        "/api/v1/observations/{code}",
        "/api/v1/observations/{code}",
        _l("One observation with its public timeline and answers."),
        "One observation",
        (),
        "ObservationDetail",
        ("code", {"type": "string", "maxLength": 40}),
    ),
    Endpoint(
        "/api/v1/institutions",
        "/api/v1/institutions",
        _l("Institutions; filter by kind and department."),
        "Institutions",
        (*p.PAGING, *p.INSTITUTION_PARAMS),
        _page_of("Institution"),
    ),
    Endpoint(
        "/api/v1/institutions/{institution_id}",
        "/api/v1/institutions/{id}",
        _l("One institution with its figures for the last 12 months."),
        "One institution",
        (),
        "InstitutionDetail",
        ("institution_id", _ID),
    ),
    Endpoint(
        "/api/v1/plans",
        "/api/v1/plans",
        _l("Plans (PDES, PTDI, PEI, POA); filter by institution."),
        "Plans",
        (*p.PAGING, *p.PLAN_PARAMS),
        _page_of("Plan"),
    ),
    Endpoint(
        "/api/v1/programs",
        "/api/v1/programs",
        _l("Programs; filter by plan, institution and department."),
        "Programs",
        (*p.PAGING, *p.PROGRAM_PARAMS),
        _page_of("Program"),
    ),
    Endpoint(
        "/api/v1/programs/{program_id}",
        "/api/v1/programs/{id}",
        _l("One program with its milestones."),
        "One program",
        (),
        "ProgramDetail",
        ("program_id", _ID),
    ),
    Endpoint(
        "/api/v1/statistics",
        "/api/v1/statistics",
        _l("Accountability figures for a period and filters."),
        "Accountability figures",
        p.STATISTICS_PARAMS,
        "Statistics",
    ),
)

#: (path, summary) for the human page at /api.
ENDPOINTS = [
    *((e.shown, e.description) for e in ENDPOINT_LIST),
    ("/api/openapi.json", _l("This API described in OpenAPI 3.1.")),
]


def _parameter(param: Param) -> dict[str, Any]:
    return {
        "name": param.name,
        "in": "query",
        "required": False,
        "schema": param.json_schema(),
        "description": param.description,
    }


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    parameters = [_parameter(param) for param in endpoint.parameters]
    if endpoint.path_parameter:
        name, schema = endpoint.path_parameter
        parameters.insert(0, {"name": name, "in": "path", "required": True, "schema": schema})
    return {
        "summary": endpoint.summary,
        "parameters": parameters,
        "responses": {
            "200": {
                "description": "OK",
                "content": {"application/json": {"schema": endpoint.response}},
            },
            "400": "BadRequest",
            "404": "NotFound",
        },
    }


def openapi_document(server: str = "") -> dict[str, Any]:
    """The document; column descriptions in the current language (the route asks for English)."""
    spec = APISpec(
        title="Qhawaq API",
        version="1.0.0",
        openapi_version="3.1.0",
        info={
            "description": (
                "Read-only data of citizen social-control observations, institutions, plans and "
                "programs. The same privacy rules as the public pages apply."
            ),
            "license": {"name": LICENCE, "url": LICENCE_URL},
        },
        servers=[{"url": server or "/"}],
    )
    spec.components.schema("Error", ERROR)
    for name, schema in COMPONENTS.items():
        spec.components.schema(name, schema.json_schema())
    for name, detail in DETAILS.items():
        spec.components.schema(name, detail)
    for name, description in (("BadRequest", "Invalid parameter"), ("NotFound", "Not found")):
        spec.components.response(
            name, {"description": description, "content": {"application/json": {"schema": "Error"}}}
        )
    for endpoint in ENDPOINT_LIST:
        spec.path(path=endpoint.path, operations={"get": _operation(endpoint)})
    return spec.to_dict()
