"""Per-observation answer figures, stored once at the first answer, and the small statistics the
accountability pages show: the Wilson score interval and percentiles from a histogram."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from app.accountability.models import ObservationFigures
from app.core.clock import local_today
from app.core.workdays import working_days_between
from app.extensions import db
from app.observations.due_dates import calendar_for, pauses_of
from app.observations.effects import Transitioned, after_transition
from app.observations.models import Observation

#: 95 % two-sided normal quantile.
Z95 = 1.96


@after_transition("accountability.first_answer")
def _after_transition(done: Transitioned) -> None:
    if done.first_answer:
        record_first_answer(done.observation, done.event.created_at)


def record_first_answer(observation: Observation, answered_at: datetime) -> None:
    """For the first answer only (an effect of ``app.observations.lifecycle.transition``):
    working days from the clock start to the answer's La Paz date, with the observation's own
    calendar and pauses, and whether that date was on or before the due date then in force."""
    if observation.clock_start is None:
        return
    answered_on = local_today(answered_at)
    days = working_days_between(
        observation.clock_start,
        answered_on,
        calendar_for(observation, "es"),
        pauses_of(observation),
    )
    due = observation.due_date
    db.session.merge(
        ObservationFigures(
            observation_id=observation.id,
            answer_working_days=days,
            answer_due_date=due,
            answered_on_time=due is not None and answered_on <= due,
        )
    )


@dataclass(frozen=True)
class Share:
    """``count`` out of ``total``, with its 95 % Wilson score interval."""

    count: int
    total: int

    @property
    def value(self) -> float | None:
        return self.count / self.total if self.total else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.count, self.total)

    @property
    def low(self) -> float | None:
        interval = self.interval
        return interval[0] if interval is not None else None

    @property
    def high(self) -> float | None:
        interval = self.interval
        return interval[1] if interval is not None else None


def wilson(count: int, total: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for a proportion (Wilson 1927): unlike p ± z·√(p(1-p)/n) it
    stays within [0, 1] and is sensible for small counts and for 0 % or 100 %.

        centre = (p + z²/2n) / (1 + z²/n)
        half   = z · √(p(1-p)/n + z²/4n²) / (1 + z²/n)
    """
    if total <= 0:
        return None
    p = count / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def _value_at_rank(histogram: list[tuple[int, int]], rank: int) -> int:
    """The ``rank``-th smallest value (1-based) of a sorted ``[(value, count)]`` histogram."""
    seen = 0
    for value, count in histogram:
        seen += count
        if seen >= rank:
            return value
    raise ValueError("rank beyond the histogram")


def median(histogram: list[tuple[int, int]]) -> float | None:
    """The usual median: the middle value, or the mean of the two middle ones."""
    histogram = sorted(h for h in histogram if h[1] > 0)
    n = sum(count for _value, count in histogram)
    if n == 0:
        return None
    if n % 2:
        return float(_value_at_rank(histogram, (n + 1) // 2))
    return (_value_at_rank(histogram, n // 2) + _value_at_rank(histogram, n // 2 + 1)) / 2


def percentile(histogram: list[tuple[int, int]], p: float) -> int | None:
    """Nearest-rank percentile: the smallest value with at least ``p`` of the data at or below
    it (an observed value, never an interpolation)."""
    histogram = sorted(h for h in histogram if h[1] > 0)
    n = sum(count for _value, count in histogram)
    if n == 0:
        return None
    return _value_at_rank(histogram, max(1, math.ceil(p * n)))
