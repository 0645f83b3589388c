"""Reminders and escalation, run by ``flask deadlines run`` from cron (every minute is fine).

Only observations whose clock runs are looked at: accepted or acknowledged, with a due date. (A
clarification request stops the clock and clears the due date; answered, closed and the other
states have no deadline running.) For each of them:

- ``due_soon``: from the working day on which 3 working days remain until the due date (the due
  day counted) up to the due date itself, every non-blocked responder of the assigned institution
  gets a reminder. Across a weekend or Carnaval that working day can be a week before the due
  date; the calendar day before it gets nothing.
- ``overdue``: on the first run after the due date (the due day itself is still on time, as in
  ``workdays.is_overdue``) the same responders are told it is overdue.
- ``escalated``: once it is more than 10 working days overdue
  (``workdays.working_days_overdue``), every non-blocked moderator and administrator is told.
- weekly digest: on the first run of each ISO week (with cron every minute, Monday just after
  midnight) each institution with overdue observations sends its institution admins (responders
  with ``is_institution_admin``) one mail listing them, with how many working days late each is.

Working days are counted with the observation's own calendar (``observations.due_dates.
calendar_for``: national holidays plus the admin holidays of its department and institution),
built once per (department, institution) per run. Whoever filed an observation is never among
its recipients (a responder or moderator does not remind themself about their own filing).

**Never twice.** Before a mail is queued, a ``DeadlineNotice(observation, kind, due_date)`` (or a
``DigestNotice(institution, ISO week)``) is added in a savepoint of the same transaction, so the
record and its mails become real together at the command's single commit, or neither does; a
later run finds the record and sends nothing. Two runs started together take turns: ``run``
first takes the job's lock (``core.locks.one_run_at_a_time``: an advisory lock on PostgreSQL, the
write lock on SQLite), held until the commit, so the second run reads the first one's records
before deciding and raises nothing. The unique constraint is the last guard: a run that took no
lock and inserts the same record gets an IntegrityError, rolls its savepoint back and skips it.
The due date is part of the key: when a clarification pause or a dispute moves it, the new due
date gets its own reminders.

A notice is recorded even when nobody can receive it (an institution without responder accounts
yet): the moment has passed, and the escalation to moderators still follows.

**Privacy.** Templates get an :class:`Item` (code, title, dates, link, institution), never the
observation, so no deadline mail can name the filer, whatever the identity level.

**Speed.** One query selects the candidates, leaving out those with nothing left to send (already
escalated, or not yet overdue and already reminded), one more reads the notices already sent for
them, recipients are loaded once per run, and a calendar (one query) only when calendar days
cannot settle the question. A quiet minute costs the same few queries however many observations
there are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import groupby
from operator import attrgetter
from typing import Any

from flask import current_app
from flask_babel import ngettext
from sqlalchemy import ColumnElement, case, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from app.accounts.models import Role, User
from app.accounts.services import active_moderators
from app.core.clock import local_today
from app.core.i18n import force_language
from app.core.locks import one_run_at_a_time
from app.core.urls import external_url
from app.core.workdays import WorkCalendar, is_overdue, working_days_overdue
from app.deadlines import notify as deadline_notify
from app.extensions import db
from app.institutions.models import Institution
from app.notifications import preferences
from app.notifications.models import Category
from app.notifications.services import notify
from app.observations import states
from app.observations.due_dates import calendar_for
from app.observations.models import DeadlineNotice, DigestNotice, Observation
from app.observations.models import ObservationState as S

#: Working days before the due date (the due day counted) when responders are reminded.
REMIND_BEFORE = 3
#: Working days overdue after which moderators are told.
ESCALATE_AFTER = 10
#: How far ahead due dates are looked at. 3 working days never span 45 calendar days unless
#: admins enter a month of holidays; even then the reminder only comes later, before the due day.
LOOKAHEAD = timedelta(days=45)

#: The clock runs, and a due date is known (clarification_requested has none).
RUNNING_STATES = tuple(sorted(states.CLOCK_STATES - {S.CLARIFICATION_REQUESTED}))

DUE_SOON = deadline_notify.DUE_SOON
OVERDUE = deadline_notify.OVERDUE
ESCALATED = deadline_notify.ESCALATED
DIGEST = "digest"
KINDS = (DUE_SOON, OVERDUE, ESCALATED)

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Item:
    """What a deadline mail may say about an observation: never who filed it."""

    code: str
    title: str
    due_date: date
    #: 0 while not overdue (and on a weekend or holiday right after the due date).
    working_days_overdue: int
    url: str
    institution: Institution


def reminder_date(due: date, calendar: WorkCalendar, days: int = REMIND_BEFORE) -> date:
    """The working day on which ``days`` working days remain until ``due``, the due day counted,
    so that ``working_days_between(reminder_date(due), due) == days``. Due Friday 20 February
    2026 → Friday 13 February: Wednesday 18, Thursday 19 and Friday 20 remain, the weekend and
    Carnaval (Monday 16, Tuesday 17) in between do not count."""
    day, remaining = due, 0
    while remaining < days:
        if calendar.is_working_day(day):
            remaining += 1
        day -= _ONE_DAY
    while not calendar.is_working_day(day):
        day -= _ONE_DAY
    return day


def iso_week(day: date) -> str:
    """The digest period: the ISO week, e.g. ``2026-W48`` (the ISO year, which differs from the
    calendar year around New Year)."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def run(today: date | None = None) -> dict[str, int]:
    """Send what is due on ``today`` (La Paz date; default: now). Flushes, never commits: the
    caller commits once. Returns how many notices of each kind were recorded (``due_soon``,
    ``overdue``, ``escalated``: observations; ``digest``: institutions) and ``mails`` queued."""
    today = today or local_today()
    one_run_at_a_time("deadlines", DeadlineNotice.__table__)
    counts = dict.fromkeys((*KINDS, DIGEST, "mails"), 0)
    calendars = Calendars()
    site = current_app.config["SITE_NAME"]
    _send_reminders(today, calendars, site, counts)
    _send_digests(today, calendars, site, counts)
    return counts


# --- reminders and escalation --------------------------------------------------------------------


def _candidate_conditions(today: date) -> list[ColumnElement[bool]]:
    """Running observations due within the look-ahead that may still have something to send:
    not the ones already escalated for their current due date, nor the not-yet-overdue ones
    already reminded for it."""
    last_kind = case((Observation.due_date < today, ESCALATED), else_=DUE_SOON)
    # An alias, so ``sent_notices`` can join these conditions to the notices table itself.
    notice = aliased(DeadlineNotice)
    finished = (
        select(notice.id)
        .where(
            notice.observation_id == Observation.id,
            notice.due_date == Observation.due_date,
            notice.kind == last_kind,
        )
        .correlate(Observation)
        .exists()
    )
    return [
        Observation.state.in_(RUNNING_STATES),
        Observation.code.is_not(None),
        Observation.institution_id.is_not(None),
        Observation.due_date.is_not(None),
        Observation.due_date <= today + LOOKAHEAD,
        ~finished,
    ]


def sent_notices(conditions: list[ColumnElement[bool]]) -> set[tuple[int, str]]:
    """(observation id, kind) of the notices already recorded for the candidates' current due
    dates."""
    rows = db.session.execute(
        select(DeadlineNotice.observation_id, DeadlineNotice.kind)
        .join(Observation, Observation.id == DeadlineNotice.observation_id)
        .where(DeadlineNotice.due_date == Observation.due_date, *conditions)
    )
    return {(observation_id, kind) for observation_id, kind in rows}


def kinds_due(
    observation: Observation, today: date, calendars: Calendars, sent: set[tuple[int, str]]
) -> list[str]:
    """Which notices this observation should get today and has not had for its due date. The
    calendar is only built when the calendar days cannot settle it."""
    due = observation.due_date
    assert due is not None
    found: list[str] = []
    if is_overdue(due, today):
        if (observation.id, OVERDUE) not in sent:
            found.append(OVERDUE)
        if (
            (observation.id, ESCALATED) not in sent
            # Fewer calendar days than that cannot hold enough working days.
            and (today - due).days > ESCALATE_AFTER
            and working_days_overdue(due, today, calendars.get(observation)) > ESCALATE_AFTER
        ):
            found.append(ESCALATED)
    elif (observation.id, DUE_SOON) not in sent and (
        # The reminder day is at least that many calendar days before the due date.
        today >= due - timedelta(days=REMIND_BEFORE)
        or today >= reminder_date(due, calendars.get(observation))
    ):
        found.append(DUE_SOON)
    return found


def _send_reminders(today: date, calendars: Calendars, site: str, counts: dict[str, int]) -> None:
    conditions = _candidate_conditions(today)
    candidates = db.session.scalars(
        select(Observation)
        .where(*conditions)
        .order_by(Observation.institution_id, Observation.due_date, Observation.id)
    ).all()
    if not candidates:
        return
    sent = sent_notices(conditions)
    work = []
    for observation in candidates:
        kinds = kinds_due(observation, today, calendars, sent)
        if kinds:
            work.append((observation, kinds))
    if not work:
        return
    responders = _responders(
        {o.institution_id for o, kinds in work if DUE_SOON in kinds or OVERDUE in kinds}
    )
    moderators = active_moderators() if any(ESCALATED in kinds for _, kinds in work) else []
    for observation, kinds in work:
        item = _item(observation, today, calendars)
        for kind in kinds:
            if not _record(
                DeadlineNotice(observation_id=observation.id, kind=kind, due_date=item.due_date)
            ):
                continue
            counts[kind] += 1
            people = moderators if kind == ESCALATED else responders[observation.institution_id]
            told = notify(
                deadline_notify.DUE_SOON_KIND
                if kind == DUE_SOON
                else deadline_notify.OVERDUE_KIND
                if kind == OVERDUE
                else deadline_notify.ESCALATED_KIND,
                to=_without_filer(people, observation),
                observation_id=observation.id,
                data={"code": item.code, "due": item.due_date.isoformat()},
                item=item,
                escalate_after=ESCALATE_AFTER,
            )
            counts["mails"] += len(told)


# --- weekly digest ------------------------------------------------------------------------------


def _send_digests(today: date, calendars: Calendars, site: str, counts: dict[str, int]) -> None:
    period = iso_week(today)
    overdue = [
        Observation.state.in_(RUNNING_STATES),
        Observation.code.is_not(None),
        Observation.institution_id.is_not(None),
        Observation.due_date < today,
    ]
    already = exists().where(
        DigestNotice.institution_id == Observation.institution_id, DigestNotice.period == period
    )
    institution_ids = db.session.scalars(
        select(Observation.institution_id).where(*overdue, ~already).distinct()
    ).all()
    if not institution_ids:
        return
    observations = db.session.scalars(
        select(Observation)
        .where(*overdue, Observation.institution_id.in_(institution_ids))
        .order_by(Observation.institution_id, Observation.due_date, Observation.id)
    ).all()
    admins = _responders(set(institution_ids), admins_only=True)
    for institution_id, group in groupby(observations, key=attrgetter("institution_id")):
        if not _record(DigestNotice(institution_id=institution_id, period=period)):
            continue
        counts[DIGEST] += 1
        items = [_item(o, today, calendars) for o in group]
        for user in admins[institution_id]:
            with force_language(user.language):
                subject = ngettext(
                    "Weekly digest: %(num)d overdue observation",
                    "Weekly digest: %(num)d overdue observations",
                    len(items),
                )
            if not _queue(
                user,
                kind="deadline_digest",
                subject=subject,
                template="deadline_digest",
                institution=items[0].institution,
                items=items,
                today=today,
                site=site,
            ):
                continue
            counts["mails"] += 1


# --- helpers ------------------------------------------------------------------------------------


class Calendars:
    """One working-day calendar per (department, institution) for the whole run."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int | None, int | None], WorkCalendar] = {}

    def get(self, observation: Observation) -> WorkCalendar:
        key = (observation.department_id, observation.institution_id)
        if key not in self._cache:
            self._cache[key] = calendar_for(observation, "es")
        return self._cache[key]


def _item(observation: Observation, today: date, calendars: Calendars) -> Item:
    due = observation.due_date
    assert observation.code is not None and due is not None
    assert observation.institution is not None
    late = is_overdue(due, today)
    return Item(
        code=observation.code,
        title=observation.title,
        due_date=due,
        working_days_overdue=(
            working_days_overdue(due, today, calendars.get(observation)) if late else 0
        ),
        url=external_url("observations.detail", code=observation.code),
        institution=observation.institution,
    )


def _queue(user: User, *, kind: str, subject: object, template: str, **context: Any) -> bool:
    """The weekly digest to an institution admin, unless they turned institution work mail
    off (in their language: ``force_language`` resets the date formatting locale too)."""
    return preferences.queue_unless_off(
        user, Category.INSTITUTION_WORK, kind=kind, subject=subject, template=template, **context
    )


def _record(notice: DeadlineNotice | DigestNotice) -> bool:
    """Add the notice in a savepoint; False when another run already recorded it."""
    try:
        with db.session.begin_nested():
            db.session.add(notice)
            db.session.flush()
    except IntegrityError:
        return False
    return True


def _responders(
    institution_ids: set[int | None], admins_only: bool = False
) -> defaultdict[int | None, list[User]]:
    """Non-blocked responders (or only institution admins) per institution, in one query (an
    institution without any, or none at all, gets an empty list)."""
    found: defaultdict[int | None, list[User]] = defaultdict(list)
    ids = sorted(i for i in institution_ids if i is not None)
    if not ids:
        return found
    query = select(User).where(
        User.role == Role.RESPONDER, User.institution_id.in_(ids), User.blocked_at.is_(None)
    )
    if admins_only:
        query = query.where(User.is_institution_admin.is_(True))
    for user in db.session.scalars(query.order_by(User.id)):
        found[user.institution_id].append(user)
    return found


def _without_filer(people: Iterable[User], observation: Observation) -> list[User]:
    return [user for user in people if user.id != observation.filer_id]
