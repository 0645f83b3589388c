"""The life of one demo observation, simulated day by day with the lifecycle's own rules: filed,
triaged (accepted, rejected, marked duplicate or still waiting), acknowledged, paused for a
clarification, answered on time or late (or not yet: overdue now), accepted or disputed by the
filer, closed by moderation.

The result is plain rows (the observation, its events, pauses, answer figures and moderation log
entries) that ``app.demo.observations_bulk`` writes in a few statements. Due dates and working
days come from the app's own calendar functions (``app.core.workdays``), with the same calendar
``app.observations.due_dates.calendar_for`` gives an observation when admins added no holiday, so
what is stored equals what the app would compute (a test checks it)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from app.core.clock import local_midnight
from app.core.workdays import Pause, WorkCalendar, add_working_days, working_days_between
from app.demo import voices
from app.moderation.models import LogAction, TargetType
from app.observations.models import AnswerOutcome, ClosedOutcome
from app.observations.models import ObservationState as S
from app.observations.states import FILER, INSTITUTION, MODERATOR

#: Weights of the answer outcomes (information provided, corrective action, not competent,
#: other) per category; the others mostly get a corrective action.
ANSWER_WEIGHTS = {
    "information": [85, 5, 5, 5],
    "proposal": [10, 20, 5, 65],
    "other": [20, 50, 10, 20],
}


@dataclass(frozen=True)
class Profile:
    """How an institution answers: acknowledges receipt, answers on time, never answers."""

    acknowledges: float
    on_time: float
    silent: float


@dataclass
class Cast:
    """Who acts on one observation."""

    filer_id: int
    moderator_id: int
    responder_id: int
    institution_id: int
    reject_reason_ids: list[int]
    #: The observation's category key: what the answer and a dispute are about.
    category: str = "other"


@dataclass
class Story:
    """One simulated observation: its final columns and everything that happened to it."""

    row: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    pauses: list[tuple[date, date | None]] = field(default_factory=list)
    figures: dict[str, Any] | None = None
    log: list[dict[str, Any]] = field(default_factory=list)
    #: Index (in the generated list) of the observation this one duplicates.
    duplicate_of: int | None = None


class Simulator:
    def __init__(self, rng: random.Random, today: date, calendar: WorkCalendar) -> None:
        self.rng = rng
        self.today = today
        self.calendar = calendar

    def at(self, day: date, hour: float) -> datetime:
        """A La Paz wall-clock moment of ``day`` (so its La Paz date is ``day``)."""
        return local_midnight(day) + timedelta(hours=hour)

    def due(self, start: date, days: int, pauses: list[tuple[date, date | None]]) -> date | None:
        return add_working_days(start, days, self.calendar, self._pauses(pauses)).due

    @staticmethod
    def _pauses(pauses: list[tuple[date, date | None]]) -> list[Pause]:
        return list(pauses)

    def run(
        self,
        story: Story,
        cast: Cast,
        filed: date,
        profile: Profile,
        deadline_days: int,
        duplicate_candidates: list[int],
    ) -> None:
        """Fill ``story`` with what happened from ``filed`` until yesterday."""
        r, t, row = self.rng, self.today, story.row
        last = filed

        def event(
            action: str,
            target: S,
            day: date,
            role: str,
            *,
            note: str = "",
            reason_id: int | None = None,
        ) -> datetime:
            nonlocal last
            moment = self.at(day, r.uniform(8, 17))
            if story.events:  # the same day as the previous act: a little after it
                moment = max(
                    moment, story.events[-1]["created_at"] + timedelta(minutes=r.randint(5, 60))
                )
            actor = {FILER: cast.filer_id, MODERATOR: cast.moderator_id}.get(
                role, cast.responder_id
            )
            story.events.append(
                {
                    "action": action,
                    "from_state": row["state"].value,
                    "to_state": target.value,
                    "actor_id": actor,
                    "actor_role": role,
                    "institution_id": cast.institution_id if role == INSTITUTION else None,
                    "note": note,
                    "reason_id": reason_id,
                    "created_at": moment,
                }
            )
            log_action = {
                "accept": LogAction.ACCEPT,
                "reject": LogAction.REJECT,
                "mark_duplicate": LogAction.MARK_DUPLICATE,
                "request_info": LogAction.REQUEST_INFO,
                "close": LogAction.CLOSE,
            }.get(action)
            if log_action is not None:
                story.log.append(
                    {
                        "created_at": moment,
                        "month": day.strftime("%Y-%m"),
                        "moderator_id": cast.moderator_id,
                        "action": log_action,
                        "target_type": TargetType.OBSERVATION,
                        "reason_id": reason_id,
                        "note": note,
                        "item_count": 1,
                    }
                )
            row["state"] = target
            row["updated_at"] = moment
            last = day
            return moment

        def close(day: date, outcome: ClosedOutcome) -> None:
            moment = event("close", S.CLOSED, day, MODERATOR, note=voices.CLOSE_NOTES[outcome])
            row["closed_outcome"] = outcome.value
            row["closed_at"] = moment

        row["state"] = S.DRAFT
        row["submitted_at"] = event("submit", S.SUBMITTED, filed, FILER)
        row["created_at"] = row["submitted_at"] - timedelta(minutes=r.randint(3, 40))

        triage = filed + timedelta(days=r.randint(0, 3))
        if triage >= t:
            if filed <= t - timedelta(days=2) and r.random() < 0.3:
                moment = event(
                    "request_info",
                    S.SUBMITTED,
                    filed + timedelta(days=1),
                    MODERATOR,
                    note=r.choice(voices.INFO_REQUESTS),
                )
                row["info_requested_at"] = moment
            return
        draw = r.random()
        if draw < 0.06:
            note = r.choice(voices.REJECTION_NOTES)
            reason = r.choice(cast.reject_reason_ids) if cast.reject_reason_ids else None
            row["closed_at"] = event("reject", S.REJECTED, triage, MODERATOR, note=note,
                                     reason_id=reason)  # fmt: skip
            row["rejection_reason"] = note
            return
        if draw < 0.09 and duplicate_candidates:
            story.duplicate_of = r.choice(duplicate_candidates)
            row["closed_at"] = event("mark_duplicate", S.DUPLICATE, triage, MODERATOR)
            return

        row["accepted_at"] = event("accept", S.ACCEPTED, triage, MODERATOR)
        row["clock_start"], row["deadline_days"] = triage, deadline_days
        pauses = story.pauses
        row["due_date"] = self.due(triage, deadline_days, pauses)

        if r.random() < profile.acknowledges:
            day = triage + timedelta(days=r.randint(1, 4))
            if day < t:
                event("acknowledge", S.ACKNOWLEDGED, day, INSTITUTION)
        if r.random() < 0.1:
            asked = last + timedelta(days=r.randint(1, 5))
            if asked < t:
                event(
                    "request_clarification",
                    S.CLARIFICATION_REQUESTED,
                    asked,
                    INSTITUTION,
                    note=r.choice(voices.CLARIFICATION_QUESTIONS),
                )
                pauses.append((asked, None))
                row["due_date"] = None
                answered = asked + timedelta(days=r.randint(1, 12))
                if answered >= t:
                    return
                if r.random() < 0.15:
                    if asked < t - timedelta(days=45):
                        close(asked + timedelta(days=40), ClosedOutcome.NOT_RESOLVED)
                    return
                event(
                    "clarify",
                    S.ACKNOWLEDGED,
                    answered,
                    FILER,
                    note=r.choice(voices.CLARIFICATIONS),
                )
                pauses[-1] = (asked, answered)
                row["due_date"] = self.due(triage, deadline_days, pauses)

        answer_day = self._answer_day(row, profile, deadline_days, pauses, last)
        if answer_day is None:
            if triage < t - timedelta(days=80) and r.random() < 0.7:
                close(triage + timedelta(days=r.randint(60, 75)), ClosedOutcome.NO_ANSWER)
            return
        self._answer(story, event, answer_day, first=True, category=cast.category)

        reacted = answer_day + timedelta(days=r.randint(1, 12))
        if reacted >= t:
            return
        draw = r.random()
        if draw < 0.55:
            self._accept_answer(story, event, reacted)
        elif draw < 0.75:
            row["satisfaction"] = r.choice([1, 2, 2])
            row["dispute_count"] = 1
            event(
                "dispute",
                S.ACKNOWLEDGED,
                reacted,
                FILER,
                note=r.choice(voices.DISPUTES[cast.category == "information"]),
            )
            row["clock_start"] = reacted
            row["due_date"] = self.due(reacted, deadline_days, pauses)
            second = self.due(reacted, r.randint(3, deadline_days + 5), pauses)
            assert second is not None
            if second >= t:
                return
            self._answer(story, event, second, first=False, category=cast.category)
            again = second + timedelta(days=r.randint(1, 10))
            if again >= t:
                return
            draw = r.random()
            if draw < 0.5:
                self._accept_answer(story, event, again)
            elif draw < 0.8:
                row["satisfaction"] = r.choice([1, 2])
                row["dispute_count"] = 2
                event(
                    "dispute",
                    S.DISPUTED,
                    again,
                    FILER,
                    note=r.choice(voices.DISPUTES[cast.category == "information"]),
                )
                if again < t - timedelta(days=30):
                    close(
                        again + timedelta(days=r.randint(10, 25)),
                        r.choice([ClosedOutcome.NOT_RESOLVED, ClosedOutcome.RESOLVED]),
                    )
            elif second < t - timedelta(days=40):
                close(second + timedelta(days=r.randint(30, 38)), ClosedOutcome.RESOLVED)
        elif answer_day < t - timedelta(days=40):
            close(
                answer_day + timedelta(days=r.randint(30, 40)),
                r.choices([ClosedOutcome.RESOLVED, ClosedOutcome.NOT_RESOLVED], [3, 1])[0],
            )

    def _answer_day(
        self,
        row: dict[str, Any],
        profile: Profile,
        deadline_days: int,
        pauses: list[tuple[date, date | None]],
        last: date,
    ) -> date | None:
        """When the institution answers, or None while it has not (yet)."""
        r = self.rng
        if r.random() < profile.silent:
            return None
        days = (
            r.randint(2, deadline_days)
            if r.random() < profile.on_time
            else deadline_days + r.randint(1, 25)
        )
        day = self.due(row["clock_start"], days, pauses)
        assert day is not None
        day = max(day, last + timedelta(days=1))
        return day if day < self.today else None

    def _answer(self, story: Story, event: Any, day: date, *, first: bool, category: str) -> None:
        r, row = self.rng, story.row
        weights = ANSWER_WEIGHTS.get(category, [15, 70, 5, 10])
        outcome = r.choices(list(AnswerOutcome), weights)[0]
        moment = event(
            "answer", S.ANSWERED, day, INSTITUTION, note=r.choice(voices.ANSWERS[outcome])
        )
        row["answer_outcome"] = outcome.value
        if not first:
            return
        row["first_answer_at"] = moment
        due = row["due_date"]
        story.figures = {
            "answer_working_days": working_days_between(
                row["clock_start"], day, self.calendar, self._pauses(story.pauses)
            ),
            "answer_due_date": due,
            "answered_on_time": due is not None and day <= due,
        }

    def _accept_answer(self, story: Story, event: Any, day: date) -> None:
        row = story.row
        row["satisfaction"] = self.rng.choice([3, 4, 4, 5, 5])
        row["closed_at"] = event("accept_answer", S.RESOLVED, day, FILER)
        row["closed_outcome"] = ClosedOutcome.RESOLVED.value
