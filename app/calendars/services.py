"""What the calendars show: an observation's due date, an institution's accountability sessions
and the sessions of a department's institutions, as iCalendar events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask_babel import gettext as _
from icalendar import Event
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app.accountability.models import AccountabilitySession
from app.accountability.sessions import previous_semester, semester_of
from app.calendars import ical
from app.core.db import utcnow
from app.core.i18n_content import localized
from app.core.text import show_redactions
from app.core.urls import external_url
from app.extensions import db
from app.institutions.models import Institution
from app.observations.models import Observation
from app.territory.models import Department, Municipality

#: The most sessions one calendar lists (the newest).
MAX_SESSIONS = 200


def due_event(observation: Observation) -> Event | None:
    """The day the institution must answer by (None when no deadline runs). Nothing about who
    filed it."""
    if observation.due_date is None:
        return None
    institution = observation.institution
    title = show_redactions(observation.title)
    lines = [
        _(
            "%(institution)s must answer observation %(code)s by this date.",
            institution=localized(institution.names) if institution else "",
            code=observation.code,
        )
        if institution
        else _("Observation %(code)s must be answered by this date.", code=observation.code),
        title,
    ]
    url = external_url("observations.detail", code=observation.code)
    return ical.all_day(
        event_uid=ical.uid("due", observation.code),
        day=observation.due_date,
        summary=_("Answer due: %(code)s", code=observation.code),
        description="\n".join([*lines, url]),
        url=url,
        stamp=utcnow(),
    )


def session_event(session: AccountabilitySession, codes: Sequence[str | None] = ()) -> Event:
    """A session, on the day it is held, with what the institution's page shows of it (place,
    notes, report, the public observations raised there)."""
    institution = localized(session.institution.names)
    page = external_url("accountability.institution", institution_id=session.institution_id)
    lines = [
        _("Public accountability session of %(institution)s", institution=institution),
        _("Place: %(place)s", place=session.place),
    ]
    if session.notes:
        lines.append(session.notes)
    if session.report_key:
        report = external_url("accountability_sessions.report", session_id=session.id)
        lines.append(_("Report (PDF): %(url)s", url=report))
    shown = [code for code in codes if code]
    if shown:
        lines.append(_("Observations raised: %(codes)s", codes=", ".join(shown)))
    lines.append(page)
    return ical.all_day(
        event_uid=ical.uid("session", session.id),
        day=session.held_on,
        summary=_("Accountability session: %(institution)s", institution=institution),
        description="\n".join(lines),
        url=f"{page}#sessions",
        stamp=session.updated_at,
        location=session.place,
    )


def since(today: date) -> date:
    """The first day of the previous semester: a department's calendar lists the sessions from
    then on (sessions are recorded once held, so "upcoming" includes the recent ones)."""
    year, half = (int(part) for part in previous_semester(semester_of(today)).split("-"))
    return date(year, 1 if half == 1 else 7, 1)


def department_sessions(department: Department, start: date) -> list[AccountabilitySession]:
    """Sessions held from ``start`` on by institutions of the department (placed in it or in one
    of its municipalities), soonest first. One query."""
    in_department = or_(
        Institution.department_id == department.id,
        Institution.municipality_id.in_(
            select(Municipality.id).where(Municipality.department_id == department.id)
        ),
    )
    return list(
        db.session.scalars(
            select(AccountabilitySession)
            .join(Institution, Institution.id == AccountabilitySession.institution_id)
            .options(joinedload(AccountabilitySession.institution))
            .where(in_department, AccountabilitySession.held_on >= start)
            .order_by(AccountabilitySession.held_on, AccountabilitySession.id)
            .limit(MAX_SESSIONS)
        )
    )
