"""Business calendars: validation, normal form, and working time across DST and holidays."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from itsm.sla.calendar import (
    ALWAYS,
    STANDARD,
    BusinessCalendar,
    CalendarError,
    weekdays_calendar,
)
from itsm.sla.clock import add_business_seconds, business_seconds

HOUR = 3600
BERLIN = ZoneInfo("Europe/Berlin")
MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.mark.parametrize(
    ("hours", "fragment"),
    [
        ({0: [("09:00", "25:00")]}, "Invalid time 25:00"),
        ({0: [("9:00", "18:00")]}, "Invalid time 9:00"),
        ({0: [("09:60", "18:00")]}, "Invalid time 09:60"),
        ({0: [("24:30", "24:45")]}, "Invalid time 24:30"),
        ({0: [("18:00", "09:00")]}, "must end after it starts"),
        ({0: [("09:00", "09:00")]}, "must end after it starts"),
        ({0: [("09:00", "13:00"), ("12:00", "18:00")]}, "overlap"),
        ({7: [("09:00", "18:00")]}, "Weekday 7"),
        ({"mon": [("09:00", "18:00")]}, "Weekday 'mon'"),
        ({0: ["09:00-18:00"]}, "(start, end) pairs"),
    ],
)
def test_invalid_hours_are_refused_with_a_clear_message(hours, fragment):
    with pytest.raises(CalendarError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        BusinessCalendar("Bad", "UTC", hours)


def round_trip(value):
    """Pickled and loaded again, as ZODB does (our own bytes, so loading them is safe)."""
    return pickle.loads(pickle.dumps(value))  # noqa: S301


def test_unknown_time_zone_empty_name_and_datetime_holidays_are_refused():
    with pytest.raises(CalendarError, match="Unknown time zone Mars/Olympus"):
        BusinessCalendar("Bad", "Mars/Olympus")
    with pytest.raises(CalendarError, match="Unknown time zone"):
        BusinessCalendar("Bad", "../../etc/passwd")
    with pytest.raises(CalendarError, match="needs a name"):
        BusinessCalendar(" ", "UTC")
    with pytest.raises(CalendarError, match="is not a date"):
        BusinessCalendar("Bad", "UTC", holidays=frozenset({datetime(2025, 1, 1)}))


def test_calendar_errors_carry_a_translatable_message():
    with pytest.raises(CalendarError) as caught:
        BusinessCalendar("Bad", "Mars/Olympus")
    assert caught.value.message.domain == "itsm"
    assert caught.value.message.mapping == {"tz": "Mars/Olympus"}


def test_hours_are_normalized_sorted_merged_and_complete():
    cal = BusinessCalendar(
        "Split", "UTC", {2: [("14:00", "18:00"), ("09:00", "13:00"), ("13:00", "14:00")]}
    )
    assert dict(cal.hours)[2] == (("09:00", "18:00"),)
    assert [day for day, _ in cal.hours] == list(range(7))
    assert cal.intervals(0) == () and cal.intervals(2) == (("09:00", "18:00"),)
    assert BusinessCalendar("Split", "UTC", cal.hours) == cal


def test_calendar_is_an_immutable_picklable_hashable_value():
    cal = STANDARD.with_holidays([date(2025, 1, 1)])
    assert round_trip(cal) == cal
    assert hash(round_trip(cal)) == hash(cal)
    with pytest.raises(AttributeError):
        cal.name = "Other"  # type: ignore[misc]
    assert STANDARD.holidays == frozenset()  # with_holidays made a copy


def test_always_counts_every_instant_and_standard_is_moscow_office_hours():
    assert ALWAYS.is_always and not STANDARD.is_always
    assert STANDARD.timezone == "Europe/Moscow"
    assert all(STANDARD.intervals(day) == (("09:00", "18:00"),) for day in range(5))
    assert STANDARD.intervals(5) == STANDARD.intervals(6) == ()
    start = datetime(2025, 3, 30, 0, 30, tzinfo=UTC)
    assert business_seconds(ALWAYS, start, datetime(2025, 4, 2, 1, 45, tzinfo=UTC)) == (
        3 * 24 * HOUR + 75 * 60
    )


def test_a_week_of_the_standard_calendar_is_45_hours():
    monday = datetime(2025, 6, 2, tzinfo=MOSCOW)
    assert business_seconds(STANDARD, monday, datetime(2025, 6, 9, tzinfo=MOSCOW)) == 45 * HOUR


def test_holidays_count_nothing():
    cal = weekdays_calendar("Hol", "Europe/Moscow", holidays=[date(2025, 6, 12)])
    thursday = datetime(2025, 6, 12, tzinfo=MOSCOW)
    assert business_seconds(cal, thursday, datetime(2025, 6, 13, tzinfo=MOSCOW)) == 0
    assert business_seconds(STANDARD, thursday, datetime(2025, 6, 13, tzinfo=MOSCOW)) == 9 * HOUR


def test_several_intervals_a_day_skip_the_lunch_break():
    cal = BusinessCalendar(
        "Lunch", "Europe/Moscow", {d: [("09:00", "13:00"), ("14:00", "18:00")] for d in range(5)}
    )
    start = datetime(2025, 6, 2, 12, 0, tzinfo=MOSCOW)
    assert business_seconds(cal, start, datetime(2025, 6, 2, 15, 0, tzinfo=MOSCOW)) == 2 * HOUR
    due = add_business_seconds(cal, start, 90 * 60)
    assert due == datetime(2025, 6, 2, 14, 30, tzinfo=MOSCOW)
    # Exactly used up at the start of lunch: due then, not after lunch.
    assert add_business_seconds(cal, start, HOUR) == datetime(2025, 6, 2, 13, 0, tzinfo=MOSCOW)


def test_spring_forward_day_is_23_hours_and_fall_back_day_25():
    sundays = BusinessCalendar("Sun", "Europe/Berlin", {6: [("00:00", "24:00")]})
    spring = datetime(2025, 3, 30, tzinfo=BERLIN)
    autumn = datetime(2025, 10, 26, tzinfo=BERLIN)
    assert business_seconds(sundays, spring, datetime(2025, 3, 31, tzinfo=BERLIN)) == 23 * HOUR
    assert business_seconds(sundays, autumn, datetime(2025, 10, 27, tzinfo=BERLIN)) == 25 * HOUR


def test_an_interval_starting_in_the_skipped_hour_starts_at_the_transition():
    cal = BusinessCalendar("Night", "Europe/Berlin", {6: [("02:30", "04:00")]})
    day = datetime(2025, 3, 30, tzinfo=UTC)
    assert business_seconds(cal, day, day.replace(day=31)) == HOUR
    # 01:00 UTC is 03:00 CEST, the first instant the clock has passed 02:30.
    assert add_business_seconds(cal, day, 1) == datetime(2025, 3, 30, 1, 0, 1, tzinfo=UTC)


def test_an_interval_across_the_repeated_hour_runs_from_its_first_start_to_its_end():
    cal = BusinessCalendar("Night", "Europe/Berlin", {6: [("01:00", "04:00")]})
    day = datetime(2025, 10, 25, tzinfo=UTC)
    assert business_seconds(cal, day, day.replace(day=27)) == 4 * HOUR


def test_office_hours_follow_the_local_clock_across_a_dst_change():
    new_york = ZoneInfo("America/New_York")
    cal = weekdays_calendar("NY", "America/New_York", "09:00", "17:00")
    friday = datetime(2025, 3, 7, 16, 0, tzinfo=new_york)  # EST; Sunday moves to EDT
    due = add_business_seconds(cal, friday, 2 * HOUR)
    assert due == datetime(2025, 3, 10, 10, 0, tzinfo=new_york)
    assert due.utcoffset() is not None and due.tzinfo is UTC
    assert business_seconds(cal, friday, due) == 2 * HOUR
