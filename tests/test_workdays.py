"""Working-day deadlines. Every date is a literal (no clock); the 2026 calendar used below:
February 1 and March 1 are Sundays; Carnaval is Monday 16 and Tuesday 17 February; Good Friday
is 3 April; La Paz's departmental day is Thursday 16 July."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import format_date

from app.core import workdays
from app.core.workdays import (
    DEFAULT_INFORMATION_DAYS,
    Holiday,
    WorkCalendar,
    add_working_days,
    holiday_names_language,
    is_overdue,
    working_days_between,
    working_days_overdue,
)

NATIONAL = WorkCalendar()
ACCEPTED = date(2026, 2, 11)  # a Wednesday, the week before Carnaval


def due(start: date, days: int, calendar: WorkCalendar = NATIONAL, pauses=()) -> date | None:
    return add_working_days(start, days, calendar, pauses).due


# --- which days are working days ------------------------------------------------------------


def test_weekdays_work_weekends_do_not():
    assert NATIONAL.is_working_day(date(2026, 3, 4))  # Wednesday
    assert not NATIONAL.is_working_day(date(2026, 3, 7))  # Saturday
    assert not NATIONAL.is_working_day(date(2026, 3, 8))  # Sunday


def test_carnaval_monday_and_tuesday_are_holidays():
    assert not NATIONAL.is_working_day(date(2026, 2, 16))
    assert not NATIONAL.is_working_day(date(2026, 2, 17))
    assert NATIONAL.is_working_day(date(2026, 2, 18))  # Ash Wednesday is worked
    assert [h.name for h in NATIONAL.holidays_on(date(2026, 2, 16))] == ["Carnaval"]


def test_good_friday_2026():
    assert not NATIONAL.is_working_day(date(2026, 4, 3))
    # Wed 1 Apr + 2: Thu 2 (1), Fri 3 Good Friday, Sat-Sun, Mon 6 (2).
    assert due(date(2026, 4, 1), 2) == date(2026, 4, 6)


def test_admin_holiday_is_skipped_like_a_national_one():
    strike = Holiday(date(2026, 3, 10), "Día del servidor público municipal", "admin")
    calendar = WorkCalendar([strike])
    assert not calendar.is_working_day(date(2026, 3, 10))
    # Mon 9 Mar + 1: Tue 10 is the admin holiday, so Wed 11.
    result = add_working_days(date(2026, 3, 9), 1, calendar)
    assert result.due == date(2026, 3, 11)
    assert result.skipped_holidays == (strike,)
    assert due(date(2026, 3, 9), 1) == date(2026, 3, 10)  # the national calendar is unaffected


def test_admin_holiday_on_a_weekend_counts_as_weekend():
    saturday = Holiday(date(2026, 3, 7), "Feria", "admin")
    result = add_working_days(date(2026, 3, 6), 1, WorkCalendar([saturday]))
    assert result.due == date(2026, 3, 9)
    assert result.skipped_holidays == ()
    assert result.skipped_weekend_days == 2


def test_department_adds_the_package_departmental_holidays():
    la_paz = WorkCalendar(department="BO-L")
    assert [h.source for h in la_paz.holidays_on(date(2026, 7, 16))] == ["departmental"]
    # Wed 15 Jul + 1: Thu 16 is La Paz's day there, a working day elsewhere.
    assert due(date(2026, 7, 15), 1, la_paz) == date(2026, 7, 17)
    assert due(date(2026, 7, 15), 1) == date(2026, 7, 16)
    with pytest.raises(ValueError, match="department"):
        WorkCalendar(department="BO-X")


def test_holidays_between_lists_every_holiday_in_order_weekends_included():
    extra = Holiday(date(2026, 10, 20), "Aniversario", "admin")
    calendar = WorkCalendar([extra])
    found = calendar.holidays_between(date(2026, 10, 1), date(2026, 11, 2))
    assert [(h.day, h.source) for h in found] == [
        (date(2026, 10, 17), "national"),  # Día de la Dignidad Nacional, a Saturday
        (date(2026, 10, 20), "admin"),
        (date(2026, 11, 2), "national"),  # end day included
    ]
    assert [h.day for h in NATIONAL.holidays_between(date(2026, 12, 24), date(2027, 1, 2))] == [
        date(2026, 12, 25),
        date(2027, 1, 1),
    ]


def test_holiday_names_follow_the_language():
    assert holiday_names_language("en") == "en_US"
    assert holiday_names_language("qu") == "es"
    english = WorkCalendar(language=holiday_names_language("en"))
    assert [h.name for h in english.holidays_on(date(2026, 4, 3))] == ["Good Friday"]


def test_package_holidays_are_built_once_per_year(monkeypatch):
    calls = []
    real = workdays.holidays.country_holidays

    def counting(*args, **kwargs):
        calls.append(kwargs.get("years"))
        return real(*args, **kwargs)

    workdays._package_holidays.cache_clear()
    monkeypatch.setattr(workdays.holidays, "country_holidays", counting)
    calendar = WorkCalendar()
    add_working_days(date(2026, 1, 5), 200, calendar)  # runs into 2026-10
    add_working_days(date(2026, 2, 1), 15, WorkCalendar())  # a new calendar, same year
    assert calls == [2026]
    workdays._package_holidays.cache_clear()


# --- adding working days ---------------------------------------------------------------------


def test_day_one_is_the_next_working_day():
    # Wed 4 Mar + 1 → Thu 5: the day of acceptance never counts.
    assert due(date(2026, 3, 4), 1) == date(2026, 3, 5)


def test_weekend_is_skipped_and_counted():
    # Thu 5 Mar + 2: Fri 6 (1), Sat 7 and Sun 8 skipped, Mon 9 (2).
    result = add_working_days(date(2026, 3, 5), 2, NATIONAL)
    assert result.due == date(2026, 3, 9)
    assert result.skipped_weekend_days == 2
    assert result.skipped_holidays == ()


def test_start_on_friday_saturday_or_holiday():
    assert due(date(2026, 3, 6), 1) == date(2026, 3, 9)  # Friday → Monday
    saturday = add_working_days(date(2026, 3, 7), 1, NATIONAL)
    assert saturday.due == date(2026, 3, 9)  # Saturday → Monday
    assert saturday.skipped_weekend_days == 1  # only Sunday: the start day itself is not skipped
    # Accepted on Carnaval Monday: Tue 17 is Carnaval too, so day 1 is Wed 18.
    on_holiday = add_working_days(date(2026, 2, 16), 1, NATIONAL)
    assert on_holiday.due == date(2026, 2, 18)
    assert [h.day for h in on_holiday.skipped_holidays] == [date(2026, 2, 17)]


def test_zero_days_is_the_start_day():
    assert due(date(2026, 3, 4), 0) == date(2026, 3, 4)
    assert due(date(2026, 3, 7), 0) == date(2026, 3, 7)  # even a Saturday: nothing to count
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 4), -1, NATIONAL)


def test_fifteen_day_default_across_carnaval():
    # Accepted Wed 11 Feb 2026. Counting from the next day:
    #   Thu 12 (1), Fri 13 (2), Sat 14 + Sun 15 weekend, Mon 16 + Tue 17 Carnaval,
    #   Wed 18 (3), Thu 19 (4), Fri 20 (5), Sat 21 + Sun 22 weekend,
    #   Mon 23 (6), Tue 24 (7), Wed 25 (8), Thu 26 (9), Fri 27 (10), Sat 28 + Sun 1 Mar weekend,
    #   Mon 2 Mar (11), Tue 3 (12), Wed 4 (13), Thu 5 (14), Fri 6 Mar (15).
    result = add_working_days(ACCEPTED, DEFAULT_INFORMATION_DAYS, NATIONAL)
    assert DEFAULT_INFORMATION_DAYS == 15
    assert result.due == date(2026, 3, 6)
    assert result.skipped_weekend_days == 6
    assert [(h.day, h.name) for h in result.skipped_holidays] == [
        (date(2026, 2, 16), "Carnaval"),
        (date(2026, 2, 17), "Carnaval"),
    ]
    assert not result.paused and result.paused_days == 0


def test_oruro_carnaval_friday_pushes_the_deadline_one_more_day():
    # Same count with Oruro's Friday 13 Feb off: day 15 moves from Fri 6 to Mon 9 Mar.
    assert due(ACCEPTED, 15, WorkCalendar(department="BO-O")) == date(2026, 3, 9)


def test_deadline_across_new_year():
    # Wed 23 Dec + 7: Thu 24 (1), Fri 25 Christmas, weekend, Mon 28 (2), Tue 29 (3), Wed 30 (4),
    # Thu 31 (5), Fri 1 Jan New Year, weekend, Mon 4 Jan (6), Tue 5 Jan 2027 (7).
    assert due(date(2026, 12, 23), 7) == date(2027, 1, 5)


# --- pauses ----------------------------------------------------------------------------------


def test_closed_pause_pushes_the_due_date_by_its_working_days():
    # Clarification asked Wed 25 Feb, answered Mon 2 Mar: Thu 26, Fri 27 and Mon 2 do not count
    # (3 working days; the weekend between is a weekend anyway). Without the pause day 15 was
    # Fri 6 Mar; now Mon 9 (13), Tue 10 (14), Wed 11 Mar (15).
    result = add_working_days(ACCEPTED, 15, NATIONAL, [(date(2026, 2, 25), date(2026, 3, 2))])
    assert result.due == date(2026, 3, 11)
    assert result.paused_days == 3
    assert result.skipped_weekend_days == 8
    assert not result.paused


def test_pause_day_boundaries():
    # The day the clarification is asked still counts; the answer day does not.
    # Mon 9 Mar + 1 with a pause asked Tue 10 → due Tue 10 (counted before the pause).
    assert due(date(2026, 3, 9), 1, pauses=[(date(2026, 3, 10), date(2026, 3, 12))]) == date(
        2026, 3, 10
    )
    # + 2: Tue 10 (1), Wed 11 + Thu 12 paused, Fri 13 (2).
    assert due(date(2026, 3, 9), 2, pauses=[(date(2026, 3, 10), date(2026, 3, 12))]) == date(
        2026, 3, 13
    )
    # A pause answered the day it was asked stops nothing.
    assert due(date(2026, 3, 9), 2, pauses=[(date(2026, 3, 10), date(2026, 3, 10))]) == date(
        2026, 3, 11
    )
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 9), 2, NATIONAL, [(date(2026, 3, 10), date(2026, 3, 9))])


def test_open_pause_leaves_the_due_date_undetermined():
    result = add_working_days(ACCEPTED, 15, NATIONAL, [(date(2026, 2, 25), None)])
    assert result.paused
    assert result.due is None
    assert not is_overdue(result.due, date(2026, 12, 31))


def test_open_pause_asked_on_the_due_day_does_not_hide_the_due_date():
    result = add_working_days(ACCEPTED, 15, NATIONAL, [(date(2026, 3, 6), None)])
    assert result.due == date(2026, 3, 6)
    assert not result.paused


# --- counting and lateness -------------------------------------------------------------------


@pytest.mark.parametrize(
    "start", [ACCEPTED, date(2026, 3, 7), date(2026, 2, 16), date(2026, 12, 23)]
)
@pytest.mark.parametrize("days", [0, 1, 5, 15, 30])
def test_working_days_between_undoes_add_working_days(start, days):
    pauses = [(start, start + timedelta(days=2)), (start + timedelta(9), start + timedelta(12))]
    result = add_working_days(start, days, NATIONAL, pauses)
    assert working_days_between(start, result.due, NATIONAL, pauses) == days


def test_working_days_between_edges():
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 9), NATIONAL) == 1  # Fri → Mon
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 9), NATIONAL) == 0
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 6), NATIONAL) == 0  # reversed
    assert working_days_between(date(2026, 3, 7), date(2026, 3, 8), NATIONAL) == 0  # weekend
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 18), NATIONAL) == 1  # Carnaval
    # An open pause stops the count from the day after it was asked.
    open_pause = [(date(2026, 3, 4), None)]
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 31), NATIONAL, open_pause) == 2


def test_overdue_boundary():
    deadline = date(2026, 3, 6)  # a Friday
    assert not is_overdue(deadline, date(2026, 3, 5))
    assert not is_overdue(deadline, deadline)  # the due day itself is on time
    assert is_overdue(deadline, date(2026, 3, 7))
    assert working_days_overdue(deadline, deadline, NATIONAL) == 0
    assert working_days_overdue(deadline, date(2026, 3, 8), NATIONAL) == 0  # late, 0 working days
    assert working_days_overdue(deadline, date(2026, 3, 9), NATIONAL) == 1  # next working day
    assert working_days_overdue(deadline, date(2026, 3, 10), NATIONAL) == 2
    assert working_days_overdue(None, date(2026, 3, 10), NATIONAL) == 0


def test_overdue_across_carnaval():
    # Due Fri 13 Feb: Mon 16 and Tue 17 are Carnaval, so Wed 18 is the first day late.
    assert working_days_overdue(date(2026, 2, 13), date(2026, 2, 17), NATIONAL) == 0
    assert working_days_overdue(date(2026, 2, 13), date(2026, 2, 18), NATIONAL) == 1


# --- explanation -----------------------------------------------------------------------------


def test_explanation_in_english(app):
    pauses = [(date(2026, 2, 25), date(2026, 3, 2))]
    result = add_working_days(ACCEPTED, 15, WorkCalendar(language="en_US"), pauses)
    with app.test_request_context("/?lang=en"):
        text = result.explain()
    assert text == (
        "The deadline is 15 working days, counted from the day after February 11, 2026. "
        "It falls due on March 11, 2026. 8 weekend days were skipped. "
        "Holidays skipped: Carnival (Feb 16) and Carnival (Feb 17). "
        "The clock was stopped for 3 working days while a clarification was awaited."
    )


def test_explanation_uses_the_request_locale(app):
    result = add_working_days(date(2026, 4, 1), 2, NATIONAL)
    with app.test_request_context("/?lang=es"):
        text = result.explain()
        start, end = format_date(date(2026, 4, 1), "long"), format_date(date(2026, 4, 6), "long")
    assert start == "1 de abril de 2026"
    assert start in text
    assert end in text
    assert "Viernes Santo" in text
    assert "3 abr" in text


def test_explanation_of_a_paused_deadline(app):
    result = add_working_days(date(2026, 3, 4), 1, NATIONAL, [(date(2026, 3, 4), None)])
    with app.test_request_context("/?lang=en"):
        text = result.explain()
    assert text == (
        "The deadline is 1 working day, counted from the day after March 4, 2026. "
        "The clock is stopped while a clarification is awaited, so the due date is not known yet."
    )
