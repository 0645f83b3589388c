"""The figures of a scope as numbers: counts per month and institution, their totals, the
working-days histogram, and the shares and percentiles read from them. Filled by
app/accountability/counting.py (from the observations) or tally_sums.py (from the tallies)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from app.accountability.figures import Share, median, percentile
from app.accountability.scope import Scope
from app.institutions.models import Institution


@dataclass
class Counts:
    received: int = 0
    accepted: int = 0
    answered: int = 0
    due: int = 0
    answered_on_time: int = 0
    open: int = 0
    overdue: int = 0
    accepted_by_filer: int = 0
    rated: int = 0
    satisfaction_sum: int = 0

    def add(self, other: Counts) -> None:
        # Spelled out: a page adds a few thousand of these.
        self.received += other.received
        self.accepted += other.accepted
        self.answered += other.answered
        self.due += other.due
        self.answered_on_time += other.answered_on_time
        self.open += other.open
        self.overdue += other.overdue
        self.accepted_by_filer += other.accepted_by_filer
        self.rated += other.rated
        self.satisfaction_sum += other.satisfaction_sum


@dataclass
class Month:
    start: date
    counts: Counts


@dataclass
class Figures:
    counts: Counts = field(default_factory=Counts)
    #: [(working days, observations)] for answered observations.
    histogram: list[tuple[int, int]] = field(default_factory=list)
    months: list[Month] = field(default_factory=list)

    @property
    def answered_share(self) -> Share:
        return Share(self.counts.answered, self.counts.accepted)

    @property
    def on_time_share(self) -> Share:
        return Share(self.counts.answered_on_time, self.counts.due)

    @property
    def filer_share(self) -> Share:
        return Share(self.counts.accepted_by_filer, self.counts.answered)

    @property
    def median_days(self) -> float | None:
        return median(self.histogram)

    @property
    def p90_days(self) -> int | None:
        return percentile(self.histogram, 0.9)

    @property
    def days_count(self) -> int:
        return sum(count for _days, count in self.histogram)

    @property
    def satisfaction(self) -> float | None:
        return self.counts.satisfaction_sum / self.counts.rated if self.counts.rated else None


@dataclass
class InstitutionRow:
    institution: Institution
    figures: Figures
    #: 1-based rank, or None when the institution has too few observations to be ranked.
    rank: int | None = None


class ByInstitution(dict[int | None, Figures]):
    """Figures per institution (key None: no institution yet), each with its months, filled
    from the observations or from the tallies."""

    def __init__(self, months: list[date]) -> None:
        super().__init__()
        self.months = months

    def of(self, institution_id: int | None) -> Figures:
        found = self.get(institution_id)
        if found is None:
            found = self[institution_id] = Figures(months=[Month(m, Counts()) for m in self.months])
        return found

    def finish(self, histograms: dict[int | None, list[tuple[int, int]]]) -> ByInstitution:
        """Attach the working-days histograms and add the months up into the totals."""
        for institution_id, histogram in histograms.items():
            self.of(institution_id).histogram = sorted(histogram)
        for figures in self.values():
            for month_figures in figures.months:
                figures.counts.add(month_figures.counts)
        return self


def combine(parts: list[Figures], scope: Scope) -> Figures:
    total = Figures(months=[Month(m, Counts()) for m in scope.months])
    merged: dict[int, int] = defaultdict(int)
    for part in parts:
        total.counts.add(part.counts)
        for mine, theirs in zip(total.months, part.months, strict=True):
            mine.counts.add(theirs.counts)
        for days, count in part.histogram:
            merged[days] += count
    total.histogram = sorted(merged.items())
    return total
