"""The columns of the accountability sessions dataset (rendición pública de cuentas, Law 341
Art. 37), declared once: see ``schema.py``. A session is public as a whole on its institution's
page, so every session is a row; what is left out is what that page does not show: who recorded
it and when, and the codes of observations the public cannot see (``records.session_codes``)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l

from app.accountability.models import AccountabilitySession
from app.opendata.schema import Column, Schema, es_name, iso


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A session and the tracking codes of the public observations raised at it."""

    session: AccountabilitySession
    codes: tuple[str, ...] = ()


def _report_url(row: SessionRow) -> str | None:
    if not row.session.report_key:
        return None
    return url_for("accountability_sessions.report", session_id=row.session.id, _external=True)


_S = Column[SessionRow]

SESSIONS = Schema[SessionRow](
    "sessions",
    _l("Public accountability sessions"),
    (
        _S("id", "integer", lambda r: r.session.id, _l("Session identifier.")),
        _S(
            "institution_id",
            "integer",
            lambda r: r.session.institution_id,
            _l("The institution that held the session."),
        ),
        _S(
            "institution_name",
            "string",
            lambda r: es_name(r.session.institution.names),
            _l("Name in Spanish of the institution."),
        ),
        _S("held_on", "string", lambda r: iso(r.session.held_on), _l("Date it was held.")),
        _S(
            "semester",
            "string",
            lambda r: r.session.semester,
            _l(
                "Semester it counts for: <year>-1 (January to June) or <year>-2 (July to December)."
            ),
        ),
        _S("place", "string", lambda r: r.session.place, _l("Where it was held.")),
        _S("notes", "string", lambda r: r.session.notes, _l("Notes published with the session.")),
        _S(
            "report_url",
            "string",
            _report_url,
            _l("Address of the report presented at the session (PDF), if one was attached."),
            nullable=True,
        ),
        _S(
            "observations",
            "array",
            lambda r: list(r.codes),
            _l("Tracking codes of the public observations raised at the session."),
            schema={"type": "array", "items": {"type": "string"}},
        ),
        _S(
            "url",
            "string",
            lambda r: url_for(
                "accountability.institution",
                institution_id=r.session.institution_id,
                _anchor="sessions",
                _external=True,
            ),
            _l("Address of the institution's page, where its sessions are listed."),
        ),
    ),
)
