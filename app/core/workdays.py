"""Working-day deadlines (DS 28168 Art. 13: 15 working days to deliver requested information).

Rules, in one place so every page, mail and statistic counts the same way:

- **Day 1 is the first working day after the start.** The day an observation is accepted never
  counts, even when it is a working day; a deadline of 0 days falls due on the start day itself.
- A working day is Monday to Friday and not a holiday. National holidays come from the
  ``holidays`` package (country ``BO``; Carnaval Monday and Tuesday, Good Friday, Corpus Christi,
  the "observed" Mondays...); optionally the package's departmental holidays; and the holidays an
  admin added, which the caller passes in already filtered for the institution's department.
- **Pauses** stop the clock while the institution waits for a clarification from the citizen. A
  pause ``(asked, answered)`` excludes the days strictly after ``asked`` up to and including
  ``answered``: the day the institution asks still counts (it had that day), and counting resumes
  the working day after the citizen answers, just as it starts the day after acceptance. An open
  pause (``answered`` is None) means the due date is not known yet.
- Dates are Bolivian calendar dates (America/La_Paz); the caller converts timestamps first.

Every result carries what was skipped, so a page can always show how a due date was computed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from functools import lru_cache
from types import MappingProxyType

import holidays
from babel.dates import format_skeleton
from babel.lists import format_list
from flask_babel import format_date, get_locale, gettext, ngettext

#: DS 28168 Art. 13: working days to deliver requested information (Executive bodies).
DEFAULT_INFORMATION_DAYS = 15

#: ``(asked, answered)``: the clock stops for the days after ``asked`` up to ``answered``
#: (None while the answer is awaited).
Pause = tuple[date, date | None]

_ONE_DAY = timedelta(days=1)
_COUNTRY = "BO"
#: Languages the ``holidays`` package names Bolivian holidays in. Quechua, Aymara and Guaraní
#: pages show the official Spanish names, as the glossary does for other official names.
_HOLIDAY_NAME_LANGUAGES = {"es": "es", "en": "en_US"}


@dataclass(frozen=True)
class Holiday:
    day: date
    #: Already in the reader's language (see ``holiday_names_language``).
    name: str
    #: "national" | "departmental" (both from the ``holidays`` package) | "admin".
    source: str


def holiday_names_language(ui_lang: str) -> str:
    """The ``holidays`` package language for a UI language (Spanish unless it is English)."""
    return _HOLIDAY_NAME_LANGUAGES.get(ui_lang, "es")


@lru_cache(maxsize=128)
def _package_holidays(
    year: int, language: str, department: str | None
) -> Mapping[date, tuple[Holiday, ...]]:
    """One year of holidays from the package, cached for the process: building them runs the
    Easter and "observed day" rules, and every deadline computation would otherwise repeat it."""
    national = holidays.country_holidays(_COUNTRY, years=year, language=language)
    found: dict[date, list[Holiday]] = {}
    for day in sorted(national):
        found[day] = [Holiday(day, name, "national") for name in national.get_list(day)]
    if department:
        regional = holidays.country_holidays(
            _COUNTRY, subdiv=department, years=year, language=language
        )
        for day in sorted(regional):
            known = {h.name for h in found.get(day, [])}
            extra = [
                Holiday(day, name, "departmental")
                for name in regional.get_list(day)
                if name not in known
            ]
            if extra:
                found.setdefault(day, []).extend(extra)
    return MappingProxyType({day: tuple(items) for day, items in found.items()})


def _department_code(department: str | None) -> str | None:
    """``"BO-L"`` or ``"L"`` → ``"L"``; refuses codes the package does not know."""
    if not department:
        return None
    code = department.upper().removeprefix(f"{_COUNTRY}-")
    known = holidays.country_holidays(_COUNTRY).subdivisions
    if code not in known:
        raise ValueError(f"unknown Bolivian department code: {department!r}")
    return code


class WorkCalendar:
    """Which days are working days for one institution.

    ``extra_holidays`` are the admin-entered holidays that apply to it (national, its department's
    or its own), already filtered by the caller. ``department`` (ISO 3166-2, ``"BO-L"``) also adds
    the departmental holidays the ``holidays`` package knows; leave it None when admins enter
    departmental holidays themselves. ``language`` is the ``holidays`` package language for the
    holiday names (see ``holiday_names_language``).
    """

    def __init__(
        self,
        extra_holidays: Iterable[Holiday] = (),
        *,
        department: str | None = None,
        language: str = "es",
    ) -> None:
        self.department = _department_code(department)
        self.language = language
        self._extra: dict[date, list[Holiday]] = {}
        for holiday in extra_holidays:
            self._extra.setdefault(holiday.day, []).append(holiday)

    def holidays_on(self, day: date) -> list[Holiday]:
        """Every holiday on ``day`` (a day can carry several names), package ones first."""
        package = _package_holidays(day.year, self.language, self.department)
        return [*package.get(day, ()), *self._extra.get(day, ())]

    def is_holiday(self, day: date) -> bool:
        return bool(self.holidays_on(day))

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday and not a holiday."""
        return day.weekday() < 5 and not self.is_holiday(day)

    def holidays_between(self, start: date, end: date) -> list[Holiday]:
        """All holidays with ``start <= day <= end`` (weekend ones too), in date order."""
        found: list[Holiday] = []
        for year in range(start.year, end.year + 1):
            package = _package_holidays(year, self.language, self.department)
            found.extend(h for items in package.values() for h in items if start <= h.day <= end)
        found.extend(h for items in self._extra.values() for h in items if start <= h.day <= end)
        return sorted(found, key=lambda h: h.day)


class _Kind(Enum):
    WORKING = "working"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    PAUSED = "paused"
    OPEN_PAUSE = "open pause"


def _check_pauses(pauses: Sequence[Pause]) -> Sequence[Pause]:
    for asked, answered in pauses:
        if answered is not None and answered < asked:
            raise ValueError(f"pause ends before it starts: {asked} → {answered}")
    return pauses


def _classify(day: date, calendar: WorkCalendar, pauses: Sequence[Pause]) -> _Kind:
    """Why ``day`` does or does not count. An open pause wins over everything (counting stops);
    inside a closed pause, weekends and holidays are reported as such, so ``paused_days`` is
    exactly how many working days the pause added."""
    if any(asked < day and answered is None for asked, answered in pauses):
        return _Kind.OPEN_PAUSE
    if day.weekday() >= 5:
        return _Kind.WEEKEND
    if calendar.is_holiday(day):
        return _Kind.HOLIDAY
    if any(answered is not None and asked < day <= answered for asked, answered in pauses):
        return _Kind.PAUSED
    return _Kind.WORKING


@dataclass(frozen=True)
class DueDate:
    """A computed deadline and everything that was skipped to reach it."""

    start: date
    days: int
    #: None while the clock is paused by an open pause.
    due: date | None
    paused: bool
    #: Holidays on weekdays between the start and the due date (or where counting stopped).
    skipped_holidays: tuple[Holiday, ...]
    skipped_weekend_days: int
    #: Working days that did not count because a clarification was awaited.
    paused_days: int

    def explain(self) -> str:
        """How the due date was computed, in the current language (call inside a request, or in
        ``force_language`` for mails). Whole translated sentences joined by spaces."""
        long_start = format_date(self.start, "long")
        sentences = [
            ngettext(
                "The deadline is %(num)d working day, counted from the day after %(start)s.",
                "The deadline is %(num)d working days, counted from the day after %(start)s.",
                self.days,
                start=long_start,
            )
        ]
        if self.due is not None:
            sentences.append(gettext("It falls due on %(due)s.", due=format_date(self.due, "long")))
        if self.skipped_weekend_days:
            sentences.append(
                ngettext(
                    "%(num)d weekend day was skipped.",
                    "%(num)d weekend days were skipped.",
                    self.skipped_weekend_days,
                )
            )
        if self.skipped_holidays:
            locale = get_locale()
            items = [
                gettext(
                    "%(name)s (%(date)s)",
                    name=h.name,
                    date=format_skeleton("MMMd", h.day, locale=locale),
                )
                for h in self.skipped_holidays
            ]
            sentences.append(
                ngettext(
                    "Holiday skipped: %(holidays)s.",
                    "Holidays skipped: %(holidays)s.",
                    len(items),
                    holidays=format_list(items, locale=locale),
                )
            )
        if self.paused_days:
            sentences.append(
                ngettext(
                    "The clock was stopped for %(num)d working day while a clarification "
                    "was awaited.",
                    "The clock was stopped for %(num)d working days while a clarification "
                    "was awaited.",
                    self.paused_days,
                )
            )
        if self.paused:
            sentences.append(
                gettext(
                    "The clock is stopped while a clarification is awaited, so the due date is "
                    "not known yet."
                )
            )
        return " ".join(sentences)


def add_working_days(
    start: date, days: int, calendar: WorkCalendar, pauses: Sequence[Pause] = ()
) -> DueDate:
    """The date ``days`` working days after ``start`` (day 1 is the first working day after
    ``start``), skipping weekends, holidays and paused days; see the module docstring."""
    if days < 0:
        raise ValueError("a deadline cannot be negative")
    pauses = _check_pauses(pauses)
    weekend = paused = counted = 0
    skipped: list[Holiday] = []
    day = start
    while counted < days:
        day += _ONE_DAY
        kind = _classify(day, calendar, pauses)
        if kind is _Kind.OPEN_PAUSE:
            return DueDate(start, days, None, True, tuple(skipped), weekend, paused)
        if kind is _Kind.WEEKEND:
            weekend += 1
        elif kind is _Kind.HOLIDAY:
            skipped.extend(calendar.holidays_on(day))
        elif kind is _Kind.PAUSED:
            paused += 1
        else:
            counted += 1
    return DueDate(start, days, day, False, tuple(skipped), weekend, paused)


def working_days_between(
    start: date, end: date, calendar: WorkCalendar, pauses: Sequence[Pause] = ()
) -> int:
    """Working days in ``(start, end]`` that count, with the same rules as
    ``add_working_days`` (so ``working_days_between(s, add_working_days(s, n, c).due, c) == n``);
    0 when ``end <= start``. Used for days late and response-time statistics."""
    pauses = _check_pauses(pauses)
    total = 0
    day = start + _ONE_DAY
    while day <= end:
        if _classify(day, calendar, pauses) is _Kind.WORKING:
            total += 1
        day += _ONE_DAY
    return total


def is_overdue(due: date | None, today: date) -> bool:
    """True from the day after the due date (the due day itself is still on time). A paused
    deadline (``due`` None) is never overdue."""
    return due is not None and today > due


def working_days_overdue(due: date | None, today: date, calendar: WorkCalendar) -> int:
    """How many working days late: 1 on the first working day after the due date. On a weekend
    or holiday right after it, a deadline is already overdue but still 0 working days late."""
    if due is None:
        return 0
    return working_days_between(due, today, calendar)
