"""Reminders and escalation (``flask deadlines run``) with frozen dates: the reminder 3 working
days before the due date across a weekend and Carnaval, the overdue reminder the day after the due
date, escalation after more than 10 working days, the weekly digest, never twice, a new reminder
for a new due date after a clarification pause, who receives what, and that no deadline mail
names a confidential filer.

Bolivia 2026: Carnaval is Monday 16 and Tuesday 17 February (national holidays)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from app.accounts.models import Role, User
from app.core.db import utcnow
from app.core.workdays import WorkCalendar
from app.deadlines import services
from app.deadlines.services import reminder_date
from app.extensions import db
from app.institutions.models import Institution
from app.observations.actions import TransitionData
from app.observations.lifecycle import transition
from app.observations.models import (
    AdminHoliday,
    ClosedOutcome,
    DeadlineNotice,
    DigestNotice,
    HolidayScope,
    Observation,
    ObservationState,
)
from tests import factories
from tests.conftest import count_queries

FILER_NAME = "Rosalía Quispe-Confidencial"
FILER_EMAIL = "rosalia.secreta@example.org"
FILER_ORGANISATION = "Junta Vecinal Reservada"


@dataclass
class World:
    institution: Institution
    other: Institution
    filer: User
    responder: User
    responder_qu: User
    institution_admin: User
    blocked_responder: User
    blocked_admin: User
    other_responder: User
    other_admin: User
    moderator: User
    admin: User
    blocked_moderator: User


def _user(
    email: str,
    role: Role,
    institution: Institution | None = None,
    *,
    language: str = "en",
    blocked: bool = False,
    **kw: object,
) -> User:
    return factories.user(
        email,
        role=role,
        language=language,
        institution=institution,
        blocked_at=utcnow() if blocked else None,
        **kw,
    )


@pytest.fixture
def world(app_ctx) -> World:
    institution = factories.institution()
    other = factories.institution("Ministerio de Prueba Ajena", "MPA")
    created = World(
        institution=institution,
        other=other,
        filer=_user(FILER_EMAIL, Role.CITIZEN, display_name=FILER_NAME),
        responder=_user("responder@example.org", Role.RESPONDER, institution, language="es"),
        responder_qu=_user("runa@example.org", Role.RESPONDER, institution, language="qu"),
        institution_admin=_user(
            "jefa@example.org", Role.RESPONDER, institution, is_institution_admin=True
        ),
        blocked_responder=_user(
            "blocked-responder@example.org", Role.RESPONDER, institution, blocked=True
        ),
        blocked_admin=_user(
            "blocked-jefe@example.org",
            Role.RESPONDER,
            institution,
            blocked=True,
            is_institution_admin=True,
        ),
        other_responder=_user("ajeno@example.org", Role.RESPONDER, other),
        other_admin=_user(
            "jefe-ajeno@example.org", Role.RESPONDER, other, is_institution_admin=True
        ),
        moderator=_user("moderadora@example.org", Role.MODERATOR),
        admin=_user("admin@example.org", Role.ADMIN),
        blocked_moderator=_user("blocked-mod@example.org", Role.MODERATOR, blocked=True),
    )
    db.session.commit()
    return created


#: Who receives responder reminders for the main institution: non-blocked responders only.
RESPONDERS = {"responder@example.org", "runa@example.org", "jefa@example.org"}
#: Non-blocked moderators and admins (the factory's moderator accepts every observation).
MODERATORS = {"moderadora@example.org", "admin@example.org", "factory-mod@example.org"}


def observation(
    world: World, due: date, *, institution: Institution | None = None, title: str | None = None
) -> Observation:
    """A confidential observation, accepted, with its due date set to ``due``."""
    created = factories.observation(
        world.filer,
        state="accepted",
        identity="confidential",
        institution=institution or world.institution,
        title=title or f"Obra paralizada {due.isoformat()}",
        organisation_name=FILER_ORGANISATION,
    )
    created.due_date = due
    db.session.commit()
    return created


def run(today: date) -> dict[str, int]:
    counts = services.run(today)
    db.session.commit()
    return counts


def mails(outbox, kind: str | None = None) -> list:
    return [
        m
        for m in outbox()
        if m.kind.startswith("deadline_") and (kind is None or m.kind == f"deadline_{kind}")
    ]


def recipients(outbox, kind: str) -> set[str]:
    return {m.recipient for m in mails(outbox, kind)}


def days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


# --- due soon ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "reminder"),
    [
        # Thu 5, Fri 6 and Mon 9 March remain on Wed 4; nothing on Tue 3.
        (date(2026, 3, 9), date(2026, 3, 4)),
        # Across a weekend: Fri 20, Mon 23 and Tue 24 remain on Thu 19 February.
        (date(2026, 2, 24), date(2026, 2, 19)),
        # Across the weekend and Carnaval: Wed 18, Thu 19, Fri 20 remain on Fri 13 February.
        (date(2026, 2, 20), date(2026, 2, 13)),
        # Thu 12, Fri 13 and Wed 18 remain on Wed 11 (weekend and Carnaval between them).
        (date(2026, 2, 18), date(2026, 2, 11)),
        # Thu 19, Fri 20, Mon 23 remain on Wed 18; the day before it is Carnaval Tuesday.
        (date(2026, 2, 23), date(2026, 2, 18)),
    ],
)
def test_due_soon_reminder_on_the_working_day_three_working_days_before(
    world, outbox, due, reminder
):
    assert reminder_date(due, WorkCalendar()) == reminder
    observation(world, due)
    for day in days(reminder - timedelta(days=10), reminder - timedelta(days=1)):
        assert run(day)["due_soon"] == 0, day
    assert mails(outbox) == []

    counts = run(reminder)
    assert (counts["due_soon"], counts["overdue"], counts["mails"]) == (1, 0, len(RESPONDERS))
    assert recipients(outbox, "due_soon") == RESPONDERS


def test_the_observations_own_calendar_moves_the_reminder(world, outbox):
    """An institution holiday on Thu 5 March: for its observation due Mon 9 March, Wed 4, Fri 6
    and Mon 9 remain on Tue 3; the other institution's observation waits until Wed 4."""
    db.session.add(
        AdminHoliday(
            on_date=date(2026, 3, 5),
            name="Aniversario institucional",
            scope=HolidayScope.INSTITUTION,
            institution_id=world.institution.id,
        )
    )
    db.session.commit()
    mine = observation(world, date(2026, 3, 9))
    theirs = observation(world, date(2026, 3, 9), institution=world.other)

    assert run(date(2026, 3, 2))["due_soon"] == 0
    assert run(date(2026, 3, 3))["due_soon"] == 1
    assert recipients(outbox, "due_soon") == RESPONDERS
    [english] = [m for m in mails(outbox) if m.recipient == "jefa@example.org"]
    assert english.subject == f"Reminder: the answer to observation {mine.code} is due soon"
    assert run(date(2026, 3, 4))["due_soon"] == 1
    assert recipients(outbox, "due_soon") == RESPONDERS | {
        "ajeno@example.org",
        "jefe-ajeno@example.org",
    }
    assert theirs.code in mails(outbox)[-1].body


def test_due_soon_is_sent_on_a_later_run_when_the_reminder_day_was_missed(world, outbox):
    observation(world, date(2026, 2, 20))  # reminder day Fri 13 February
    assert run(date(2026, 2, 17))["due_soon"] == 1  # the first run after it, on Carnaval
    assert run(date(2026, 2, 20))["due_soon"] == 0  # the due day: already reminded


# --- overdue -------------------------------------------------------------------------------------


def test_overdue_reminder_the_first_day_after_the_due_date_not_on_it(world, outbox):
    created = observation(world, date(2026, 2, 20))  # a Friday
    assert run(date(2026, 2, 20)) == {
        "due_soon": 1,
        "overdue": 0,
        "escalated": 0,
        "digest": 0,
        "mails": len(RESPONDERS),
    }
    assert mails(outbox, "overdue") == []

    counts = run(date(2026, 2, 21))  # Saturday: already overdue (0 working days late)
    assert (counts["overdue"], counts["escalated"]) == (1, 0)
    assert recipients(outbox, "overdue") == RESPONDERS
    body = next(m.body for m in mails(outbox, "overdue") if m.recipient == "jefa@example.org")
    assert f'observation {created.code} "{created.title}" was due on February 20, 2026' in body
    assert f"{current_app.config['BASE_URL'].rstrip('/')}/observations/{created.code}" in body
    assert run(date(2026, 2, 23))["overdue"] == 0


def test_mails_are_in_each_recipients_language(world, outbox):
    created = observation(world, date(2026, 2, 20))
    run(date(2026, 2, 21))
    by_recipient = {m.recipient: m for m in mails(outbox, "overdue")}
    assert by_recipient["runa@example.org"].language == "qu"
    assert by_recipient["runa@example.org"].body.startswith("Napaykuyki")
    assert by_recipient["responder@example.org"].language == "es"
    spanish = by_recipient["responder@example.org"].body
    assert spanish.startswith("Hola") and "20 de febrero de 2026" in spanish
    assert by_recipient["jefa@example.org"].body.startswith("Hello")
    link = f"/observations/{created.code}"
    assert all(link in m.body and "://" in m.body for m in by_recipient.values())


# --- never twice ---------------------------------------------------------------------------------


def test_running_twice_sends_nothing_the_second_time(world, outbox):
    observation(world, date(2026, 2, 20))
    first = run(date(2026, 2, 13))
    assert first["due_soon"] == 1 and first["mails"] == len(RESPONDERS)
    before = len(outbox())
    assert run(date(2026, 2, 13)) == dict.fromkeys(first, 0)
    assert len(outbox()) == before


def test_every_day_for_two_months_sends_each_notice_once(world, outbox):
    first = observation(world, date(2026, 2, 20))
    second = observation(world, date(2026, 3, 9))
    for day in days(date(2026, 2, 1), date(2026, 3, 31)):
        run(day)
        run(day)  # cron every minute: the same day many times
    notices = db.session.execute(
        select(DeadlineNotice.observation_id, DeadlineNotice.kind, func.count())
        .group_by(DeadlineNotice.observation_id, DeadlineNotice.kind)
        .order_by(DeadlineNotice.observation_id, DeadlineNotice.kind)
    ).all()
    assert notices == [
        (first.id, "due_soon", 1),
        (first.id, "escalated", 1),
        (first.id, "overdue", 1),
        (second.id, "due_soon", 1),
        (second.id, "escalated", 1),
        (second.id, "overdue", 1),
    ]
    assert len(mails(outbox, "due_soon")) == 2 * len(RESPONDERS)
    assert len(mails(outbox, "overdue")) == 2 * len(RESPONDERS)
    assert len(mails(outbox, "escalated")) == 2 * len(MODERATORS)
    # Overdue from Saturday 21 February to 31 March: ISO weeks 8 to 14, one digest each.
    assert db.session.scalar(select(func.count(DigestNotice.id))) == 7
    assert len(mails(outbox, "digest")) == 7


def test_a_concurrent_run_that_recorded_the_notice_first_wins(world, outbox, monkeypatch):
    """The unique constraint is the last guard: when another run recorded the notice after this
    run read what was sent, this run's insert fails in its savepoint and it sends nothing for
    that observation, but carries on with the others."""
    raced = observation(world, date(2026, 2, 20))
    other = observation(world, date(2026, 2, 20))
    real = services.kinds_due

    def racing(obs, today, calendar, sent):
        kinds = real(obs, today, calendar, sent)
        if obs.id == raced.id:
            for kind in kinds:  # what the other run just did
                db.session.add(
                    DeadlineNotice(observation_id=obs.id, kind=kind, due_date=obs.due_date)
                )
            db.session.flush()
        return kinds

    monkeypatch.setattr(services, "kinds_due", racing)
    counts = run(date(2026, 2, 13))
    assert (counts["due_soon"], counts["mails"]) == (1, len(RESPONDERS))
    assert all(other.code in m.body and raced.code not in m.body for m in mails(outbox))
    assert db.session.scalar(select(func.count(DeadlineNotice.id))) == 2


# --- a new due date ------------------------------------------------------------------------------


def test_a_new_due_date_after_a_clarification_pause_gets_new_reminders(world, outbox):
    created = factories.observation(world.filer, identity="confidential")
    db.session.commit()
    moderator = db.session.get(User, world.moderator.id)
    responder = db.session.get(User, world.responder.id)
    thu_12_feb = datetime(2026, 2, 12, 15, 0, tzinfo=UTC)
    transition(created, "accept", moderator, now=thu_12_feb)
    db.session.commit()
    assert created.due_date == date(2026, 3, 9)  # 15 working days, Carnaval skipped

    assert run(date(2026, 3, 4))["due_soon"] == 1
    transition(
        created,
        "request_clarification",
        responder,
        TransitionData(note="¿En qué cuadra?"),
        now=datetime(2026, 3, 5, 15, 0, tzinfo=UTC),
    )
    db.session.commit()
    # Paused: no due date, no reminder, never overdue.
    for day in days(date(2026, 3, 5), date(2026, 3, 10)):
        assert run(day) == dict.fromkeys(("due_soon", "overdue", "escalated", "digest", "mails"), 0)

    transition(
        created,
        "clarify",
        db.session.get(User, world.filer.id),
        TransitionData(note="Entre Junín y Bolívar."),
        now=datetime(2026, 3, 10, 15, 0, tzinfo=UTC),
    )
    db.session.commit()
    # Fri 6, Mon 9 and Tue 10 were paused: the due date moves from Mon 9 to Thu 12 March, whose
    # reminder day (Tue 10, Wed 11, Thu 12 remain on Mon 9) has already passed.
    assert created.due_date == date(2026, 3, 12)
    assert run(date(2026, 3, 10))["due_soon"] == 1
    assert run(date(2026, 3, 11))["due_soon"] == 0
    assert len(mails(outbox, "due_soon")) == 2 * len(RESPONDERS)
    assert run(date(2026, 3, 12))["overdue"] == 0
    assert run(date(2026, 3, 13))["overdue"] == 1
    assert sorted(
        db.session.execute(
            select(DeadlineNotice.kind, DeadlineNotice.due_date).order_by(DeadlineNotice.id)
        ).all()
    ) == [
        ("due_soon", date(2026, 3, 9)),
        ("due_soon", date(2026, 3, 12)),
        ("overdue", date(2026, 3, 12)),
    ]


def test_only_running_clocks_get_reminders(world, outbox):
    """Answered observations (which keep their due date) and closed ones get nothing;
    acknowledged ones do."""
    responder = db.session.get(User, world.responder.id)
    answered = observation(world, date(2026, 2, 20))
    transition(answered, "answer", responder, TransitionData(note="Listo."))
    acknowledged = observation(world, date(2026, 2, 20))
    transition(acknowledged, "acknowledge", responder)
    closed = observation(world, date(2026, 2, 20))
    transition(
        closed,
        "close",
        db.session.get(User, world.moderator.id),
        TransitionData(note="Cerrada.", outcome=ClosedOutcome.NO_ANSWER),
    )
    db.session.commit()
    assert answered.due_date == closed.due_date == date(2026, 2, 20)
    assert {o.state for o in (answered, acknowledged, closed)} == {
        ObservationState.ANSWERED,
        ObservationState.ACKNOWLEDGED,
        ObservationState.CLOSED,
    }

    for day in (date(2026, 2, 13), date(2026, 2, 21), date(2026, 3, 9)):
        run(day)
    bodies = [m.body for m in mails(outbox)]
    assert bodies and all(acknowledged.code in body for body in bodies)
    assert not any(answered.code in body or closed.code in body for body in bodies)


# --- escalation ----------------------------------------------------------------------------------


def test_escalation_after_more_than_ten_working_days_overdue_once(world, outbox):
    # Due Fri 13 February. Working days late: Wed 18 = 1 (Carnaval skipped), Thu 19 = 2, Fri 20
    # = 3, 23-27 Feb = 4-8, Mon 2 March = 9, Tue 3 = 10, Wed 4 = 11.
    created = observation(world, date(2026, 2, 13))
    assert run(date(2026, 2, 14))["overdue"] == 1
    for day in days(date(2026, 2, 15), date(2026, 3, 3)):
        assert run(day)["escalated"] == 0, day
    assert mails(outbox, "escalated") == []

    counts = run(date(2026, 3, 4))
    assert (counts["escalated"], counts["overdue"]) == (1, 0)
    assert recipients(outbox, "escalated") == MODERATORS
    body = next(m.body for m in mails(outbox, "escalated") if m.recipient == "admin@example.org")
    assert created.code in body and "11 working days overdue" in body
    assert "Gobierno Autónomo Municipal de Sucre" in body
    assert run(date(2026, 3, 5))["escalated"] == 0
    assert run(date(2026, 4, 30))["escalated"] == 0
    assert len(mails(outbox, "escalated")) == len(MODERATORS)


# --- weekly digest -------------------------------------------------------------------------------


def test_weekly_digest_once_per_iso_week_per_institution(world, outbox):
    late = observation(world, date(2026, 2, 20), title="Puente sin barandas")
    later = observation(world, date(2026, 3, 4), title="Mercado sin techo")
    observation(world, date(2026, 3, 20))  # not overdue: not listed
    theirs = observation(world, date(2026, 3, 2), institution=world.other)

    counts = run(date(2026, 3, 9))  # Monday of 2026-W11
    assert counts["digest"] == 2
    assert recipients(outbox, "digest") == {"jefa@example.org", "jefe-ajeno@example.org"}
    digest = {m.recipient: m for m in mails(outbox, "digest")}
    mine = digest["jefa@example.org"]
    assert mine.subject == "Weekly digest: 2 overdue observations"
    # Fri 20 Feb: 23-27 Feb, 2-6 March, Mon 9 = 11 working days; Wed 4 March: Thu 5, Fri 6, Mon 9.
    assert f'{late.code} "Puente sin barandas"' in mine.body
    assert "Due on February 20, 2026, 11 working days overdue." in mine.body
    assert f'{later.code} "Mercado sin techo"' in mine.body
    assert "Due on March 4, 2026, 3 working days overdue." in mine.body
    assert mine.body.index(late.code) < mine.body.index(later.code)
    assert theirs.code not in mine.body
    assert theirs.code in digest["jefe-ajeno@example.org"].body
    assert digest["jefe-ajeno@example.org"].subject == "Weekly digest: 1 overdue observation"

    for day in days(date(2026, 3, 10), date(2026, 3, 15)):  # the rest of the week
        assert run(day)["digest"] == 0, day
    assert len(mails(outbox, "digest")) == 2

    assert run(date(2026, 3, 16))["digest"] == 2  # Monday of 2026-W12
    assert len(mails(outbox, "digest")) == 4
    assert sorted(db.session.scalars(select(DigestNotice.period).distinct())) == [
        "2026-W11",
        "2026-W12",
    ]


def test_digest_is_sent_on_the_first_run_of_the_week_whatever_the_day(world, outbox):
    observation(world, date(2026, 3, 4))
    assert run(date(2026, 3, 12))["digest"] == 1  # a Thursday, the first run that week
    assert run(date(2026, 3, 13))["digest"] == 0
    assert services.iso_week(date(2027, 1, 1)) == "2026-W53"


# --- who receives what ---------------------------------------------------------------------------


def test_only_the_institutions_non_blocked_responders_are_reminded(world, outbox):
    observation(world, date(2026, 2, 20))
    run(date(2026, 2, 13))
    run(date(2026, 2, 21))
    everyone = {m.recipient for m in mails(outbox, "due_soon") + mails(outbox, "overdue")}
    assert everyone == RESPONDERS
    assert "ajeno@example.org" not in everyone and "jefe-ajeno@example.org" not in everyone
    assert "blocked-responder@example.org" not in everyone
    assert not everyone & MODERATORS


def test_blocked_moderators_and_admins_get_nothing(world, outbox):
    observation(world, date(2026, 2, 13))
    run(date(2026, 3, 9))
    sent_to = {m.recipient for m in mails(outbox)}
    assert sent_to >= MODERATORS | {"jefa@example.org"}
    assert not sent_to & {
        "blocked-mod@example.org",
        "blocked-jefe@example.org",
        "blocked-responder@example.org",
    }


def test_a_responder_who_filed_it_is_not_reminded_of_their_own_filing(world, outbox):
    responder = db.session.get(User, world.responder.id)
    created = factories.observation(responder, state="accepted", institution=world.institution)
    created.due_date = date(2026, 2, 20)
    db.session.commit()
    run(date(2026, 2, 13))
    assert recipients(outbox, "due_soon") == RESPONDERS - {"responder@example.org"}


def test_no_deadline_mail_names_a_confidential_filer(world, outbox):
    for due in (date(2026, 2, 13), date(2026, 2, 20), date(2026, 3, 9)):
        observation(world, due)
    for day in days(date(2026, 2, 1), date(2026, 3, 31)):
        run(day)
    sent = mails(outbox)
    assert {m.kind for m in sent} == {
        "deadline_due_soon",
        "deadline_overdue",
        "deadline_escalated",
        "deadline_digest",
    }
    for message in sent:
        text = f"{message.subject}\n{message.body}".lower()
        for secret in (FILER_NAME, FILER_EMAIL, FILER_ORGANISATION, "rosalía", "quispe"):
            assert secret.lower() not in text, (message.kind, message.recipient)


# --- speed ---------------------------------------------------------------------------------------


def test_a_quiet_run_costs_the_same_queries_however_many_observations(app, world, monkeypatch):
    """Once everything due is sent, a run only looks at the observations that may still need
    something (overdue but not yet escalated, or due within the look-ahead and not yet
    reminded): it reads them, their notices, one calendar and
    the digest state, in the same number of queries with 4 or 34 observations."""
    today = date(2026, 3, 31)
    looked_at: list[int] = []
    real = services.kinds_due

    def spy(obs, *args):
        looked_at.append(obs.id)
        return real(obs, *args)

    monkeypatch.setattr(services, "kinds_due", spy)

    def add(n: int) -> None:
        for i in range(n):
            # Long overdue (escalated), overdue for 2 working days, reminded (due Thu 2 April).
            observation(world, [date(2026, 2, 13), date(2026, 3, 27), date(2026, 4, 2)][i % 3])
        observation(world, date(2026, 6, 30))  # beyond the look-ahead

    def quiet_run() -> tuple[int, int]:
        assert run(today)["mails"] > 0
        looked_at.clear()
        with count_queries(app) as statements:
            assert run(today) == dict.fromkeys(
                ("due_soon", "overdue", "escalated", "digest", "mails"), 0
            )
        return len(statements), len(looked_at)

    add(3)
    few, looked = quiet_run()
    assert looked == 1
    add(30)
    assert quiet_run() == (few, 11)


# --- the command ---------------------------------------------------------------------------------


def test_the_cli_command_runs_commits_and_prints_the_counts(app, world, outbox):
    observation(world, date(2026, 3, 9))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["deadlines", "run", "--today", "2026-03-10"])
    assert result.exit_code == 0, result.output
    assert "overdue 1" in result.output and f"mails {len(RESPONDERS) + 1}" in result.output
    assert len(mails(outbox, "overdue")) == len(RESPONDERS)
    assert len(mails(outbox, "digest")) == 1

    again = runner.invoke(args=["deadlines", "run", "--today", "2026-03-10"])
    assert again.exit_code == 0
    assert "due soon 0, overdue 0, escalated 0, digests 0, mails 0" in again.output

    wrong = runner.invoke(args=["deadlines", "run", "--today", "10/03/2026"])
    assert wrong.exit_code != 0
