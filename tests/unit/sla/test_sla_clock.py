"""The SLA clock on chosen cases: deadlines, pauses, bad input, and speed."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from itsm.sla.calendar import ALWAYS, STANDARD, BusinessCalendar, CalendarError
from itsm.sla.clock import add_business_seconds, business_seconds, deadline, elapsed

HOUR = 3600
MOSCOW = ZoneInfo("Europe/Moscow")


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MOSCOW)


def test_nothing_counts_outside_working_hours():
    friday_evening, monday_morning = msk(2025, 6, 6, 18, 0), msk(2025, 6, 9, 9, 0)
    assert business_seconds(STANDARD, friday_evening, monday_morning) == 0
    assert business_seconds(STANDARD, msk(2025, 6, 9, 18, 0), msk(2025, 6, 10, 9, 0)) == 0
    assert business_seconds(STANDARD, monday_morning, friday_evening) == 0  # end before start


def test_a_deadline_is_due_at_closing_time_not_at_the_next_opening():
    assert add_business_seconds(STANDARD, msk(2025, 6, 9, 9, 0), 9 * HOUR) == msk(2025, 6, 9, 18, 0)


def test_a_deadline_from_outside_hours_starts_counting_at_the_next_opening():
    saturday = msk(2025, 6, 7, 11, 0)
    assert add_business_seconds(STANDARD, saturday, HOUR) == msk(2025, 6, 9, 10, 0)
    assert add_business_seconds(STANDARD, saturday, 0) == saturday


def test_deadlines_are_utc_and_keep_microseconds():
    due = add_business_seconds(STANDARD, msk(2025, 6, 9, 9, 0), 1.5e-6 + 10)
    assert due.tzinfo is UTC
    assert due == msk(2025, 6, 9, 9, 0, 10, 2)


def test_naive_datetimes_and_negative_targets_are_refused():
    with pytest.raises(ValueError, match="aware"):
        business_seconds(STANDARD, datetime(2025, 1, 1), datetime(2025, 1, 2, tzinfo=UTC))
    with pytest.raises(ValueError, match="negative"):
        add_business_seconds(STANDARD, msk(2025, 1, 1), -1)


def test_a_calendar_without_working_hours_raises_instead_of_looping():
    idle = BusinessCalendar("Idle", "UTC")
    with pytest.raises(CalendarError, match="Idle has no working hours"):
        add_business_seconds(idle, msk(2025, 1, 1), 1)
    assert business_seconds(idle, msk(2025, 1, 1), msk(2026, 1, 1)) == 0


def test_a_year_of_holidays_is_crossed_and_then_work_resumes():
    year = {date(2025, 1, 1) + timedelta(days=n) for n in range(365)}
    cal = STANDARD.with_holidays(year)
    assert add_business_seconds(cal, msk(2025, 1, 1), HOUR) == msk(2026, 1, 1, 10, 0)


def test_one_working_day_a_week_falling_on_a_holiday_waits_two_weeks():
    # Found by hypothesis: an early bound on empty days gave up here.
    tuesdays = BusinessCalendar("Tue", "UTC", {1: [("00:00", "00:01")]}, {date(2024, 1, 2)})
    start = datetime(2024, 1, 1, tzinfo=UTC)
    assert add_business_seconds(tuesdays, start, 60) == datetime(2024, 1, 9, 0, 1, tzinfo=UTC)
    assert add_business_seconds(tuesdays, start, 61) == datetime(2024, 1, 16, 0, 0, 1, tzinfo=UTC)


def test_hours_only_in_the_skipped_dst_hour_still_come_round_next_week():
    cal = BusinessCalendar("Gap", "Europe/Berlin", {6: [("02:00", "03:00")]})
    start = datetime(2025, 3, 29, tzinfo=UTC)  # the Sunday after is the spring-forward one
    assert add_business_seconds(cal, start, 1) == datetime(2025, 4, 6, 0, 0, 1, tzinfo=UTC)


def test_long_targets_take_one_step_per_day_not_per_minute():
    started = time.perf_counter()
    due = add_business_seconds(STANDARD, msk(2025, 1, 6, 9, 0), 250 * 9 * HOUR)
    assert due == msk(2025, 12, 19, 18, 0)  # 50 weeks of 5 days later, Friday night
    assert business_seconds(STANDARD, msk(2025, 1, 6, 9, 0), due) == 250 * 9 * HOUR
    assert time.perf_counter() - started < 1.0


def test_elapsed_subtracts_paused_business_time_only():
    start = msk(2025, 6, 9, 9, 0)  # Monday
    pauses = [(msk(2025, 6, 9, 16, 0), msk(2025, 6, 10, 11, 0))]  # 2 + 2 business hours
    now = msk(2025, 6, 10, 18, 0)
    assert elapsed(STANDARD, start, now, pauses) == 18 * HOUR - 4 * HOUR


def test_an_open_pause_counts_to_now_and_overlapping_pauses_count_once():
    start = msk(2025, 6, 9, 9, 0)
    pauses = [
        (msk(2025, 6, 9, 10, 0), msk(2025, 6, 9, 12, 0)),
        (msk(2025, 6, 9, 11, 0), msk(2025, 6, 9, 13, 0)),
        (msk(2025, 6, 9, 15, 0), None),
    ]
    now = msk(2025, 6, 9, 17, 0)
    assert elapsed(STANDARD, start, now, pauses) == 8 * HOUR - 3 * HOUR - 2 * HOUR


def test_deadline_shifts_by_exactly_the_paused_business_time():
    start = msk(2025, 6, 9, 10, 0)
    plain = deadline(STANDARD, start, 8 * HOUR)
    assert plain == msk(2025, 6, 9, 18, 0)
    waiting = [(msk(2025, 6, 9, 12, 0), msk(2025, 6, 9, 15, 0))]
    shifted = deadline(STANDARD, start, 8 * HOUR, waiting)
    assert shifted == msk(2025, 6, 10, 12, 0)
    assert business_seconds(STANDARD, plain, shifted) == 3 * HOUR
    assert elapsed(STANDARD, start, shifted, waiting) == 8 * HOUR


def test_deadline_is_none_while_paused_and_moves_with_the_pause():
    start = msk(2025, 6, 9, 10, 0)
    open_pause = [(msk(2025, 6, 9, 12, 0), None)]
    assert deadline(STANDARD, start, 8 * HOUR, open_pause) is None
    assert elapsed(STANDARD, start, msk(2025, 6, 9, 17, 0), open_pause) == 2 * HOUR


def test_a_deadline_passed_before_the_pause_stays_in_the_past():
    start = msk(2025, 6, 9, 10, 0)
    late_pause = [(msk(2025, 6, 9, 12, 0), None)]
    assert deadline(STANDARD, start, HOUR, late_pause) == msk(2025, 6, 9, 11, 0)
    closed_late = [(msk(2025, 6, 9, 12, 0), msk(2025, 6, 9, 16, 0))]
    assert deadline(STANDARD, start, HOUR, closed_late) == msk(2025, 6, 9, 11, 0)


def test_deadline_as_known_at_a_time_ignores_later_pauses():
    start = msk(2025, 6, 9, 10, 0)
    later = [(msk(2025, 6, 9, 12, 0), None)]
    assert deadline(STANDARD, start, 8 * HOUR, later, now=msk(2025, 6, 9, 11, 0)) == msk(
        2025, 6, 9, 18, 0
    )


def test_pauses_before_the_start_do_not_count():
    start = msk(2025, 6, 9, 10, 0)
    early = [(msk(2025, 6, 9, 9, 0), msk(2025, 6, 9, 11, 0))]
    assert deadline(STANDARD, start, HOUR, early) == msk(2025, 6, 9, 12, 0)
    assert elapsed(STANDARD, start, msk(2025, 6, 9, 12, 0), early) == HOUR


def test_24x7_clock_is_real_time_even_across_a_dst_change():
    start = datetime(2025, 3, 30, 0, 50, tzinfo=ZoneInfo("Europe/Berlin"))
    utc = start.astimezone(UTC)
    assert add_business_seconds(ALWAYS, start, 15 * 60) == utc + timedelta(minutes=15)
    # Four real hours, though the Berlin wall clock moves five.
    assert deadline(ALWAYS, start, 4 * HOUR) == utc + timedelta(hours=4)
