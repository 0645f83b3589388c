"""Writing iCalendar files (RFC 5545, with RFC 7986's NAME and REFRESH-INTERVAL) with the
``icalendar`` package.

Every date the site keeps for a calendar is a La Paz date without a time (an observation's due
date, the day a session was held), so events are all-day events (``VALUE=DATE``, the day after
as DTEND): a calendar shows them on that day wherever the reader is. The calendar still names
La Paz (a VTIMEZONE and ``X-WR-TIMEZONE``) so a client that adds times uses the site's zone;
DTSTAMP is UTC."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Event, Timezone, vDuration
from werkzeug.wrappers import Response

from app.core.clock import site_timezone
from app.core.i18n import current_language

PRODID = "-//Qhawaq//Qhawaq calendars//ES"
CONTENT_TYPE = "text/calendar; charset=utf-8"
#: How often a subscribed calendar should be fetched again.
REFRESH = timedelta(hours=6)
#: How long a proxy may keep a public calendar (seconds).
MAX_AGE = 300


def uid(kind: str, key: object) -> str:
    """A UID that stays the same for the same object (RFC 5545 3.8.4.7): ``kind-key@host``."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    return f"{kind}-{key}@{host}"


def new_calendar(name: str, description: str, *, subscribable: bool = False) -> Calendar:
    """A calendar named in the reader's language, with La Paz's VTIMEZONE; ``subscribable``
    adds how often clients should refresh it."""
    lang = current_language()
    cal = Calendar()
    cal.add("VERSION", "2.0")
    cal.add("PRODID", PRODID)
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("NAME", name, parameters={"LANGUAGE": lang})
    cal.add("X-WR-CALNAME", name)
    cal.add("DESCRIPTION", description, parameters={"LANGUAGE": lang})
    cal.add("X-WR-CALDESC", description)
    zone = site_timezone().key
    cal.add("X-WR-TIMEZONE", zone)
    if subscribable:
        cal.add("REFRESH-INTERVAL", REFRESH, parameters={"VALUE": "DURATION"})
        cal.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    cal.add_component(Timezone.from_tzid(zone))
    return cal


def all_day(
    *,
    event_uid: str,
    day: date,
    summary: str,
    description: str,
    url: str,
    stamp: datetime,
    location: str = "",
) -> Event:
    """An all-day event on the La Paz date ``day``."""
    lang = current_language()
    event = Event()
    event.add("UID", event_uid)
    event.add("DTSTAMP", stamp)
    event.add("DTSTART", day)
    event.add("DTEND", day + timedelta(days=1))
    event.add("SUMMARY", summary, parameters={"LANGUAGE": lang})
    event.add("DESCRIPTION", description, parameters={"LANGUAGE": lang})
    event.add("URL", url)
    event.add("TRANSP", "TRANSPARENT")
    if location:
        event.add("LOCATION", location, parameters={"LANGUAGE": lang})
    return event


def response(cal: Calendar, filename: str, *, public: bool) -> Response:
    """The calendar as a download. A public one may be cached by anyone; one only some people
    may see is ``private, no-store`` (and varies with the session cookie). Signed-in requests
    leave with ``no-store`` whatever this says (``core.security``)."""
    result = Response(cal.to_ical(), content_type=CONTENT_TYPE)
    result.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    result.headers["Content-Language"] = current_language()
    if public:
        result.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    else:
        result.headers["Cache-Control"] = "private, no-store"
        result.vary.add("Cookie")
    return result
