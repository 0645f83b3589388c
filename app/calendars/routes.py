"""iCalendar files: an observation's due date (for whoever may see the observation), an
institution's accountability sessions, and a subscribable calendar of a department's sessions.

The due date follows the observation page's rule (``observation.view``): anyone for a public
observation, the filer and those who work on it otherwise; a calendar only some people may see is
sent ``private, no-store``. Sessions are public."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.accountability import sessions
from app.calendars import ical, services
from app.core.clock import local_today
from app.core.i18n_content import localized
from app.extensions import db
from app.institutions.models import Institution
from app.observations.lookup import by_code
from app.observations.permissions import can
from app.territory.models import Department

bp = Blueprint("calendars", __name__, url_prefix="/calendars")


@bp.route("/observations/<code>.ics")
def observation(code: str) -> Response:
    """The observation's due date, for whoever may see the observation (404 otherwise)."""
    viewer = current_user._get_current_object() if current_user.is_authenticated else None
    found = by_code(code)
    if found is None or not can(viewer, "observation.view", found):
        abort(404)
    cal = ical.new_calendar(
        _("Observation %(code)s", code=found.code),
        _("The date by which the institution must answer."),
    )
    event = services.due_event(found)
    if event is not None:
        cal.add_component(event)
    return ical.response(cal, f"{found.code}.ics", public=can(None, "observation.view", found))


@bp.route("/institutions/<int:institution_id>.ics")
def institution(institution_id: int) -> Response:
    """Every accountability session the institution recorded (the newest ones)."""
    found = db.get_or_404(Institution, institution_id)
    cal = ical.new_calendar(
        _("Accountability sessions of %(institution)s", institution=localized(found.names)),
        _("Public accountability sessions (rendición pública de cuentas)"),
        subscribable=True,
    )
    for view in sessions.sessions_of(found)[: services.MAX_SESSIONS]:
        codes = [o.code for o in view.observations]
        cal.add_component(services.session_event(view.session, codes))
    return ical.response(cal, f"institution-{found.id}.ics", public=True)


@bp.route("/territories/<territory>.ics")
def territory(territory: str) -> Response:
    """The sessions of the department's institutions from the previous semester on: a calendar
    to subscribe to."""
    found = db.session.scalar(
        select(Department).where(Department.iso_code == territory.strip().upper()[:10])
    )
    if found is None:
        abort(404)
    cal = ical.new_calendar(
        _("Accountability sessions in %(department)s", department=found.name),
        _(
            "Public accountability sessions of the institutions of %(department)s.",
            department=found.name,
        ),
        subscribable=True,
    )
    for session in services.department_sessions(found, services.since(local_today())):
        cal.add_component(services.session_event(session))
    return ical.response(cal, f"{found.iso_code}.ics", public=True)
