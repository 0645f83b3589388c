"""The OpenAPI 3.1 description of the JSON API, written by hand as a dict (no YAML, no
generator): tests validate it with openapi-spec-validator and fuzz the API with schemathesis."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.observations import states
from app.opendata import records as r

#: (path, summary) for the human page at /api.
ENDPOINTS = [
    ("/api/v1/observations", _l("Public observations, newest first; filters below.")),
    ("/api/v1/observations/{code}", _l("One observation with its public timeline and answers.")),
    ("/api/v1/institutions", _l("Institutions; filter by kind and department.")),
    ("/api/v1/institutions/{id}", _l("One institution with its figures for the last 12 months.")),
    ("/api/v1/plans", _l("Plans (PDES, PTDI, PEI, POA); filter by institution.")),
    ("/api/v1/programs", _l("Programs; filter by plan, institution and department.")),
    ("/api/v1/programs/{id}", _l("One program with its milestones.")),
    ("/api/v1/statistics", _l("Accountability figures for a period and filters.")),
    ("/api/openapi.json", _l("This API described in OpenAPI 3.1.")),
]

_NULLABLE_STR = {"type": ["string", "null"]}
_NULLABLE_INT = {"type": ["integer", "null"]}
_NULLABLE_NUM = {"type": ["number", "null"]}
_NULLABLE_BOOL = {"type": ["boolean", "null"]}
_TITLES = {"type": "object", "additionalProperties": {"type": "string"}}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties)}


_OBSERVATION_TYPES: dict[str, Any] = {
    "code": {"type": "string"},
    "url": {"type": "string"},
    "state": {"type": "string", "enum": sorted(s.value for s in states.PUBLIC_STATES)},
    "status": {"type": "string", "enum": ["open", "closed"]},
    "title": {"type": "string"},
    "description": {"type": "string"},
    "category": _NULLABLE_STR,
    "institution_id": _NULLABLE_INT,
    "institution": _NULLABLE_STR,
    "program_id": _NULLABLE_INT,
    "department": _NULLABLE_STR,
    "municipality": _NULLABLE_STR,
    "place_description": {"type": "string"},
    "latitude": _NULLABLE_NUM,
    "longitude": _NULLABLE_NUM,
    "identity": {"type": "string", "enum": ["public", "hidden", "confidential"]},
    "filer_name": {"type": "string", "description": "Empty unless the identity level is public."},
    "organisation_name": {"type": "string"},
    "submitted_at": _NULLABLE_STR,
    "accepted_at": _NULLABLE_STR,
    "deadline_days": _NULLABLE_INT,
    "due_date": _NULLABLE_STR,
    "overdue": {"type": "boolean"},
    "first_answer_at": _NULLABLE_STR,
    "answer_working_days": _NULLABLE_INT,
    "answered_on_time": _NULLABLE_BOOL,
    "answer_outcome": _NULLABLE_STR,
    "closed_at": _NULLABLE_STR,
    "closed_outcome": _NULLABLE_STR,
    "satisfaction": _NULLABLE_INT,
    "dispute_count": {"type": "integer"},
    "updated_at": _NULLABLE_STR,
}
assert set(_OBSERVATION_TYPES) == set(r.OBSERVATION_FIELDS)

_EVENT = _object(
    {
        "id": {"type": "integer"},
        "observation": {"type": "string"},
        "action": {"type": "string"},
        "from_state": _NULLABLE_STR,
        "to_state": {"type": "string"},
        "actor_role": {"type": "string"},
        "institution_id": _NULLABLE_INT,
        "note": {"type": "string"},
        "created_at": _NULLABLE_STR,
    }
)
_ANSWER = _object(
    {
        "id": {"type": "integer"},
        "observation": {"type": "string"},
        "institution_id": _NULLABLE_INT,
        "note": {"type": "string"},
        "created_at": _NULLABLE_STR,
        "documents": {"type": "array", "items": {"type": "string"}},
    }
)
_INSTITUTION = _object(
    {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "names": _TITLES,
        "acronym": {"type": "string"},
        "kind": {"type": "string"},
        "department": _NULLABLE_STR,
        "municipality": _NULLABLE_STR,
        "deadline_days": _NULLABLE_INT,
        "active": {"type": "boolean"},
        "url": {"type": "string"},
    }
)
_PLAN = _object(
    {
        "id": {"type": "integer"},
        "plan_type": {"type": "string"},
        "institution_id": {"type": "integer"},
        "period_start": {"type": "integer"},
        "period_end": {"type": "integer"},
        "title": {"type": "string"},
        "titles": _TITLES,
    }
)
_PROGRAM = _object(
    {
        "id": {"type": "integer"},
        "code": {"type": "string"},
        "plan_id": {"type": "integer"},
        "parent_id": _NULLABLE_INT,
        "title": {"type": "string"},
        "titles": _TITLES,
        "institution_id": {"type": "integer"},
        "department": _NULLABLE_STR,
        "municipality": _NULLABLE_STR,
        "budget_bob": _NULLABLE_STR,
        "start_date": _NULLABLE_STR,
        "end_date": _NULLABLE_STR,
        "status": _NULLABLE_STR,
        "progress": {"type": "integer"},
        "comment_count": {"type": "integer"},
        "stance_for": {"type": "integer"},
        "stance_neutral": {"type": "integer"},
        "stance_against": {"type": "integer"},
        "url": {"type": "string"},
    }
)
_MILESTONE = _object(
    {
        "id": {"type": "integer"},
        "program_id": {"type": "integer"},
        "on_date": _NULLABLE_STR,
        "title": {"type": "string"},
        "titles": _TITLES,
    }
)
_SHARE = _object(
    {
        "count": {"type": "integer"},
        "total": {"type": "integer"},
        "value": _NULLABLE_NUM,
        "low": _NULLABLE_NUM,
        "high": _NULLABLE_NUM,
    }
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _page_of(name: str) -> dict[str, Any]:
    return _object(
        {
            "items": {"type": "array", "items": _ref(name)},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "next": _NULLABLE_STR,
            "previous": _NULLABLE_STR,
            "licence": {"type": "string"},
        }
    )


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


_ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
_PAGING = [
    _query("page", {"type": "integer", "minimum": 1, "maximum": 10000}, "Page number, from 1."),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": 100}, "Items per page."),
]
_DEPARTMENT = _query(
    "department", {"type": "string", "maxLength": 40}, "ISO 3166-2 code, e.g. BO-L."
)
_MONTH = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}


def _json_response(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    "400": _json_response(_ref("Error"), "Invalid parameter"),
    "404": _json_response(_ref("Error"), "Not found"),
}


def _get(summary: str, parameters: list[dict[str, Any]], schema: dict[str, Any]) -> dict:  # type: ignore[type-arg]
    return {
        "get": {
            "summary": summary,
            "parameters": parameters,
            "responses": {"200": _json_response(schema), **_ERRORS},
        }
    }


def _path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _ID}


def openapi_document(server: str = "") -> dict[str, Any]:
    observation_states = sorted(
        {s.value for s in states.PUBLIC_STATES} | {"open", "closed", "overdue"}
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Qhawaq API",
            "version": "1.0.0",
            "description": (
                "Read-only data of citizen social-control observations, institutions, plans and "
                "programs. The same privacy rules as the public pages apply."
            ),
            "license": {"name": r.LICENCE, "url": r.LICENCE_URL},
        },
        "servers": [{"url": server or "/"}],
        "paths": {
            "/api/v1/observations": _get(
                "Public observations",
                [
                    *_PAGING,
                    _query(
                        "state",
                        {"type": "string", "enum": observation_states},
                        "A state, or open, closed or overdue.",
                    ),
                    _query("institution", _ID, "Institution id."),
                    _query("category", _ID, "Category id."),
                    _query("program", _ID, "Program id."),
                    _DEPARTMENT,
                    _query("municipality", {"type": "string", "maxLength": 40}, "INE code."),
                ],
                _page_of("Observation"),
            ),
            "/api/v1/observations/{code}": _get(
                "One observation",
                [
                    {
                        "name": "code",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "maxLength": 40},
                    }
                ],
                _ref("ObservationDetail"),
            ),
            "/api/v1/institutions": _get(
                "Institutions",
                [*_PAGING, _query("kind", {"type": "string"}, "Kind of institution."), _DEPARTMENT],
                _page_of("Institution"),
            ),
            "/api/v1/institutions/{institution_id}": _get(
                "One institution", [_path_id("institution_id")], _ref("InstitutionDetail")
            ),
            "/api/v1/plans": _get(
                "Plans", [*_PAGING, _query("institution", _ID, "Institution id.")], _page_of("Plan")
            ),
            "/api/v1/programs": _get(
                "Programs",
                [
                    *_PAGING,
                    _query("plan", _ID, "Plan id."),
                    _query("institution", _ID, "Institution id."),
                    _DEPARTMENT,
                ],
                _page_of("Program"),
            ),
            "/api/v1/programs/{program_id}": _get(
                "One program", [_path_id("program_id")], _ref("ProgramDetail")
            ),
            "/api/v1/statistics": _get(
                "Accountability figures",
                [
                    _query("start", _MONTH, "First month of filing, YYYY-MM."),
                    _query("end", _MONTH, "Last month of filing, YYYY-MM."),
                    _DEPARTMENT,
                    _query("kind", {"type": "string"}, "Kind of institution."),
                    _query("category", _ID, "Category id."),
                    _query("institution", _ID, "Institution id."),
                    _query("program", _ID, "Program id."),
                ],
                _ref("Statistics"),
            ),
        },
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                    },
                    "required": ["error", "status"],
                },
                "Observation": _object(_OBSERVATION_TYPES),
                "ObservationDetail": {
                    "allOf": [
                        _ref("Observation"),
                        _object(
                            {
                                "events": {"type": "array", "items": _ref("Event")},
                                "answers": {"type": "array", "items": _ref("Answer")},
                            }
                        ),
                    ]
                },
                "Event": _EVENT,
                "Answer": _ANSWER,
                "Institution": _INSTITUTION,
                "InstitutionDetail": {
                    "allOf": [
                        _ref("Institution"),
                        {
                            "type": "object",
                            "properties": {"figures": {"type": ["object", "null"]}},
                            "required": ["figures"],
                        },
                    ]
                },
                "Plan": _PLAN,
                "Program": _PROGRAM,
                "Milestone": _MILESTONE,
                "ProgramDetail": {
                    "allOf": [
                        _ref("Program"),
                        _object(
                            {
                                "milestones": {"type": "array", "items": _ref("Milestone")},
                                "observation_count": {"type": "integer"},
                            }
                        ),
                    ]
                },
                "Share": _SHARE,
                "Statistics": {
                    "type": "object",
                    "properties": {
                        "period_start": {"type": "string"},
                        "period_end": {"type": "string"},
                        "received": {"type": "integer"},
                        "accepted": {"type": "integer"},
                        "answered": {"type": "integer"},
                        "due": {"type": "integer"},
                        "answered_on_time": {"type": "integer"},
                        "open": {"type": "integer"},
                        "overdue": {"type": "integer"},
                        "accepted_by_filer": {"type": "integer"},
                        "answered_share": _ref("Share"),
                        "on_time_share": _ref("Share"),
                        "filer_share": _ref("Share"),
                        "median_working_days": _NULLABLE_NUM,
                        "p90_working_days": _NULLABLE_INT,
                        "satisfaction": _NULLABLE_NUM,
                        "satisfaction_count": {"type": "integer"},
                        "months": {"type": "array", "items": {"type": "object"}},
                        "definitions": {"type": "object"},
                        "licence": {"type": "string"},
                    },
                    "required": ["received", "accepted", "on_time_share", "months"],
                },
            }
        },
    }
