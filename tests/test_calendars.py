"""iCalendar files (issue 20): an observation's due date for whoever may see the observation
(private when it is not public), an institution's accountability sessions, and a department's
subscribable calendar. Every file parses with ``icalendar``; dates are La Paz dates; nothing in
them names a filer or shows what the public may not see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import Flask
from flask_babel import gettext as _
from icalendar import Calendar
from sqlalchemy import select

from app.accountability.models import AccountabilitySession, SessionObservation
from app.accounts.models import Role
from app.calendars import ical
from app.calendars.services import since
from app.core.clock import local_today
from app.core.db import utcnow
from app.extensions import db
from app.institutions.models import Institution
from app.observations.models import Observation
from tests import factories
from tests.test_feeds import signed_in

LANGUAGES = ("es", "qu", "ay", "gn", "en")
FILER_NAME = "Casimira Choque-Privada"
FILER_EMAIL = "casimira.privada@example.org"
SECRETS = (FILER_NAME, "Choque-Privada", FILER_EMAIL, "casimira.privada", "HIDDENCAL")


@dataclass
class World:
    codes: dict[str, str]
    due: dict[str, date]
    institution: int
    municipal: int
    far: int
    sessions: dict[str, int]


def _session(institution: Institution, day: date, place: str, **fields) -> AccountabilitySession:
    session = AccountabilitySession(
        institution_id=institution.id,
        held_on=day,
        semester=f"{day.year}-{1 if day.month <= 6 else 2}",
        place=place,
        **fields,
    )
    db.session.add(session)
    db.session.flush()
    return session


def build(app: Flask) -> World:
    with app.app_context():
        chuquisaca = factories.department()
        la_paz = factories.department("BO-L", "La Paz")
        sucre_town = factories.municipality("010101", "Sucre", chuquisaca)
        mine = factories.institution()
        mine.department = chuquisaca
        municipal = factories.institution("Gobierno Municipal de Yotala", "GAMY")
        municipal.municipality = sucre_town
        far = factories.institution("Gobernación de La Paz", "GADLP")
        far.department = la_paz
        filer = factories.user(FILER_EMAIL, display_name=FILER_NAME)
        factories.user("resp.cal@example.org", role=Role.RESPONDER, institution=mine)
        factories.user("far.cal@example.org", role=Role.RESPONDER, institution=far)
        factories.user("mod.cal@example.org", role=Role.MODERATOR)
        factories.user("other.cal@example.org")
        made = {
            "public": factories.observation(
                filer,
                state="accepted",
                identity="confidential",
                institution=mine,
                title="Alcantarilla rota",
            ),
            "hidden": factories.observation(
                filer, state="accepted", institution=mine, title="HIDDENCAL obra"
            ),
            "submitted": factories.observation(filer, institution=mine, title="En espera"),
        }
        made["hidden"].hidden_at = utcnow()
        today = local_today()
        sessions = {
            "recent": _session(
                mine, today, "Casa de la Cultura", notes="Se presentó el POA.", report_key="r/k.pdf"
            ),
            "old": _session(mine, today - timedelta(days=800), "Salón antiguo"),
            "municipal": _session(municipal, today - timedelta(days=3), "Plaza de Yotala"),
            "far": _session(far, today, "Salón de La Paz"),
        }
        for key in ("public", "hidden"):
            db.session.add(
                SessionObservation(session_id=sessions["recent"].id, observation_id=made[key].id)
            )
        db.session.commit()
        return World(
            codes={k: str(o.code) for k, o in made.items()},
            due={k: o.due_date for k, o in made.items() if o.due_date},
            institution=mine.id,
            municipal=municipal.id,
            far=far.id,
            sessions={k: s.id for k, s in sessions.items()},
        )


@pytest.fixture
def world(app, worlds) -> World:
    def alive(w: World) -> bool:
        with app.app_context():
            return db.session.get(Institution, w.institution) is not None

    return worlds.get("calendars", lambda: build(app), alive)


def parse(client, url: str) -> Calendar:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(response.get_data())
    assert cal.name == "VCALENDAR"
    assert str(cal["VERSION"]) == "2.0" and str(cal["PRODID"]).startswith("-//Qhawaq//")
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["America/La_Paz"]
    for event in cal.walk("VEVENT"):
        assert event["UID"] and event["DTSTAMP"] and event["SUMMARY"], url
        assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(days=1)
    return cal


def events(cal: Calendar) -> list:
    return list(cal.walk("VEVENT"))


def urls(w: World) -> list[str]:
    return [
        f"/calendars/observations/{w.codes['public']}.ics",
        f"/calendars/institutions/{w.institution}.ics",
        f"/calendars/institutions/{w.municipal}.ics",
        "/calendars/territories/BO-H.ics",
        "/calendars/territories/BO-L.ics",
    ]


# --- the due date -----------------------------------------------------------------------------


def test_due_date_of_a_public_observation(client, world):
    code = world.codes["public"]
    response = client.get(f"/calendars/observations/{code}.ics")
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert f'filename="{code}.ics"' in response.headers["Content-Disposition"]
    [event] = events(parse(client, f"/calendars/observations/{code}.ics"))
    assert event.decoded("DTSTART") == world.due["public"]
    assert isinstance(event.decoded("DTSTART"), date)
    assert str(event["UID"]) == f"due-{code}@127.0.0.1"
    assert str(event["SUMMARY"]) == f"Answer due: {code}"
    description = str(event["DESCRIPTION"])
    assert "Gobierno Autónomo Municipal de Sucre must answer" in description
    assert "Alcantarilla rota" in description and f"/observations/{code}" in str(event["URL"])


def test_due_date_of_a_hidden_observation_is_private(app, client, world):
    url = f"/calendars/observations/{world.codes['hidden']}.ics"
    for email in (None, "other.cal@example.org", "far.cal@example.org"):
        viewer = client if email is None else signed_in(app, email)
        assert viewer.get(url).status_code == 404, email
    for email in (FILER_EMAIL, "resp.cal@example.org", "mod.cal@example.org"):
        response = signed_in(app, email).get(url)
        assert response.status_code == 200, email
        # Signed-in answers are never stored by anyone (core.security: "no-store").
        assert "no-store" in response.headers["Cache-Control"], email
        assert "public" not in response.headers["Cache-Control"], email
        [event] = events(Calendar.from_ical(response.get_data()))
        assert event.decoded("DTSTART") == world.due["hidden"]
        # Whoever asks, the file does not name the filer.
        text = response.get_data(as_text=True)
        assert FILER_NAME not in text and FILER_EMAIL not in text


def test_an_observation_without_a_deadline_has_an_empty_calendar(app, client, world):
    url = f"/calendars/observations/{world.codes['submitted']}.ics"
    assert client.get(url).status_code == 404
    filer = signed_in(app, FILER_EMAIL)
    response = filer.get(url)
    assert response.status_code == 200
    assert "public" not in response.headers["Cache-Control"]
    assert events(Calendar.from_ical(response.get_data())) == []
    assert client.get("/calendars/observations/CS-1999-00001.ics").status_code == 404


# --- sessions ---------------------------------------------------------------------------------


def test_institution_calendar_lists_its_sessions(client, world):
    cal = parse(client, f"/calendars/institutions/{world.institution}.ics")
    by_uid = {str(e["UID"]): e for e in events(cal)}
    assert set(by_uid) == {
        f"session-{world.sessions['recent']}@127.0.0.1",
        f"session-{world.sessions['old']}@127.0.0.1",
    }
    recent = by_uid[f"session-{world.sessions['recent']}@127.0.0.1"]
    assert recent.decoded("DTSTART") == local_today()
    assert str(recent["LOCATION"]) == "Casa de la Cultura"
    description = str(recent["DESCRIPTION"])
    assert "Se presentó el POA." in description
    assert f"/accountability/sessions/{world.sessions['recent']}/report" in description
    # The public observation raised there is named; the hidden one is not.
    assert world.codes["public"] in description and world.codes["hidden"] not in description
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT6H" in cal.to_ical().decode()
    assert client.get("/calendars/institutions/999999.ics").status_code == 404


def test_department_calendar_is_subscribable_and_lists_its_institutions_sessions(client, world):
    response = client.get("/calendars/territories/BO-H.ics")
    assert response.headers["Cache-Control"] == "public, max-age=300"
    body = response.get_data(as_text=True)
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT6H" in body and "X-PUBLISHED-TTL:PT6H" in body
    cal = parse(client, "/calendars/territories/BO-H.ics")
    uids = [str(e["UID"]) for e in events(cal)]
    # Its department's institution and the one in one of its municipalities, soonest first;
    # not the session older than the previous semester, not another department's.
    assert uids == [
        f"session-{world.sessions['municipal']}@127.0.0.1",
        f"session-{world.sessions['recent']}@127.0.0.1",
    ]
    far = [str(e["UID"]) for e in events(parse(client, "/calendars/territories/bo-l.ics"))]
    assert far == [f"session-{world.sessions['far']}@127.0.0.1"]
    for unknown in ("BO-X", "010101", "x" * 300):
        assert client.get(f"/calendars/territories/{unknown}.ics").status_code == 404


@pytest.mark.parametrize(
    ("today", "start"),
    [
        (date(2026, 3, 15), date(2025, 7, 1)),
        (date(2026, 7, 1), date(2026, 1, 1)),
        (date(2026, 6, 30), date(2025, 7, 1)),
        (date(2026, 12, 31), date(2026, 1, 1)),
    ],
)
def test_the_department_calendar_starts_with_the_previous_semester(today, start):
    assert since(today) == start


def test_a_calendar_only_some_may_see_is_private(app):
    with app.test_request_context("/"):
        private = ical.response(Calendar(), "x.ics", public=False)
        public = ical.response(Calendar(), "y.ics", public=True)
    assert private.headers["Cache-Control"] == "private, no-store"
    assert "Cookie" in private.headers["Vary"]
    assert public.headers["Cache-Control"] == "public, max-age=300"


def test_no_calendar_carries_what_the_public_may_not_see(app, client, world):
    for url in urls(world):
        text = client.get(url).get_data(as_text=True)
        assert [s for s in SECRETS if s.lower() in text.lower()] == [], url
    with app.app_context():
        hidden = db.session.scalar(select(Observation).where(Observation.hidden_at.is_not(None)))
        assert hidden is not None and hidden.title.startswith("HIDDENCAL")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_calendars_speak_the_page_language(app, client, world, lang):
    cal = parse(client, f"/calendars/territories/BO-H.ics?lang={lang}")
    with app.test_request_context(f"/?lang={lang}"):
        expected = _("Accountability sessions in %(department)s", department="Chuquisaca")
        summary = _("Answer due: %(code)s", code=world.codes["public"])
    assert str(cal["NAME"]) == expected and cal["NAME"].params["LANGUAGE"] == lang
    [event] = events(
        parse(client, f"/calendars/observations/{world.codes['public']}.ics?lang={lang}")
    )
    assert str(event["SUMMARY"]) == summary and event["SUMMARY"].params["LANGUAGE"] == lang


def test_pages_link_their_calendars(app, client, world):
    pages = {
        f"/observations/{world.codes['public']}": (
            f"/calendars/observations/{world.codes['public']}.ics?lang=en"
        ),
        f"/institutions/{world.institution}": (
            f"/calendars/institutions/{world.institution}.ics?lang=en"
        ),
        "/territories/BO-H": "/calendars/territories/BO-H.ics?lang=en",
    }
    for page, calendar in pages.items():
        html = client.get(page).get_data(as_text=True)
        head, body = html.split("</head>")
        assert 'type="text/calendar"' in head and f'href="{calendar}"' in head, page
        assert f'href="{calendar}"' in body, page
    # An observation without a due date offers no calendar.
    filer = signed_in(app, FILER_EMAIL)
    html = filer.get(f"/observations/{world.codes['submitted']}").get_data(as_text=True)
    assert "text/calendar" not in html
