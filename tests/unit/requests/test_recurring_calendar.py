"""Recurring schedules on a business calendar: local times across DST, holidays skipped."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from itsm.requests.recurring import is_working_day, next_after, schedule_error
from itsm.sla.calendar import BusinessCalendar, weekdays_calendar

MONDAY_9 = {"kind": "weekly", "weekday": 0, "time": "09:00"}
FIRST_WORKING_DAY = {"kind": "monthly_first_working_day", "time": "09:00"}
WORKING_DAYS = {"kind": "working_days", "time": "08:00"}
#: Russia's New Year holidays of 2027: the 1st to the 8th of January.
NEW_YEAR = frozenset(date(2027, 1, day) for day in range(1, 9))
MOSCOW = weekdays_calendar("Moscow", "Europe/Moscow", holidays=NEW_YEAR)
BERLIN = weekdays_calendar("Berlin", "Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_first_working_day_skips_the_new_year_holidays_and_the_weekend():
    # 1-8 January are holidays, 9-10 January a weekend: Monday the 11th, 09:00 in Moscow.
    assert next_after(FIRST_WORKING_DAY, utc(2026, 12, 15), MOSCOW) == utc(2027, 1, 11, 6, 0)
    # Without the holidays the 1st (a Friday) would do.
    plain = weekdays_calendar("Plain", "Europe/Moscow")
    assert next_after(FIRST_WORKING_DAY, utc(2026, 12, 15), plain) == utc(2027, 1, 1, 6, 0)


def test_a_holiday_on_a_monday_moves_the_first_working_day_to_tuesday():
    # 1 February 2027 is a Monday.
    calendar = MOSCOW.with_holidays([date(2027, 2, 1)])
    assert next_after(FIRST_WORKING_DAY, utc(2027, 1, 20), calendar) == utc(2027, 2, 2, 6, 0)


def test_working_days_are_the_calendars_days_with_hours():
    six_days = BusinessCalendar(
        "Shop", "Europe/Moscow", {day: [("10:00", "20:00")] for day in range(6)}
    )
    assert is_working_day(date(2027, 2, 6), six_days)  # a Saturday with hours
    assert not is_working_day(date(2027, 2, 7), six_days)
    assert not is_working_day(date(2027, 1, 4), MOSCOW)  # a holiday
    # Friday 5 February, 08:00 Moscow: next working day for the shop is Saturday.
    assert next_after(WORKING_DAYS, utc(2027, 2, 5, 6), six_days) == utc(2027, 2, 6, 5, 0)
    assert next_after(WORKING_DAYS, utc(2027, 2, 5, 6), MOSCOW) == utc(2027, 2, 8, 5, 0)


def test_every_monday_at_nine_stays_at_nine_local_across_daylight_saving():
    # Berlin moves its clocks on Sunday 28 March and Sunday 31 October 2027.
    assert next_after(MONDAY_9, utc(2027, 3, 21), BERLIN) == utc(2027, 3, 22, 8, 0)  # CET
    assert next_after(MONDAY_9, utc(2027, 3, 22, 8, 0), BERLIN) == utc(2027, 3, 29, 7, 0)  # CEST
    assert next_after(MONDAY_9, utc(2027, 10, 25, 7, 0), BERLIN) == utc(2027, 11, 1, 8, 0)


def test_a_time_the_clock_skips_runs_once_and_a_time_it_repeats_runs_once():
    nightly = {"kind": "daily", "time": "02:30"}
    # 02:30 does not exist on 28 March: read with the winter offset (03:30 summer time).
    spring = next_after(nightly, utc(2027, 3, 27, 12), BERLIN)
    assert spring == utc(2027, 3, 28, 1, 30)
    assert next_after(nightly, spring, BERLIN) == utc(2027, 3, 29, 0, 30)
    # 02:30 happens twice on 31 October: the first one only.
    autumn = next_after(nightly, utc(2027, 10, 30, 12), BERLIN)
    assert autumn == utc(2027, 10, 31, 0, 30)
    assert next_after(nightly, autumn, BERLIN) == utc(2027, 11, 1, 1, 30)


def test_time_must_be_hours_and_minutes():
    assert schedule_error({"kind": "daily", "time": "9:00"}) is None
    assert schedule_error({"kind": "daily", "time": "25:00"}) == "time"
    assert schedule_error({"kind": "daily", "time": "09:5"}) == "time"
    assert schedule_error({"kind": "weekly", "weekday": True}) == "weekday"
    assert schedule_error({"kind": "working_days"}) is None


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)),
    st.sampled_from(
        [MONDAY_9, FIRST_WORKING_DAY, WORKING_DAYS, {"kind": "daily", "time": "02:30"}]
    ),
    st.sampled_from([MOSCOW, BERLIN, weekdays_calendar("NY", "America/New_York")]),
)
def test_next_due_time_is_after_and_is_a_fixed_point(moment, schedule, calendar):
    moment = moment.replace(tzinfo=UTC)
    due = next_after(schedule, moment, calendar)
    assert moment < due <= moment + timedelta(days=45)
    assert next_after(schedule, due - timedelta(microseconds=1), calendar) == due
    local = due.astimezone(calendar.zone)
    if schedule["kind"] != "daily":
        assert is_working_day(local.date(), calendar) or schedule is MONDAY_9
