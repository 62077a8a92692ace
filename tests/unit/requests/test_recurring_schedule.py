"""Recurring schedules: the next due time is a pure function of the schedule and a moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from itsm.requests.recurring import next_after, schedule_error

MONDAY_9 = {"kind": "weekly", "weekday": 0, "time": "09:00"}
FIRST_WORKING_DAY = {"kind": "monthly_first_working_day", "time": "09:00"}


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_every_monday_at_nine():
    assert next_after(MONDAY_9, at(2026, 11, 23, 8, 59)) == at(2026, 11, 23, 9, 0)  # a Monday
    assert next_after(MONDAY_9, at(2026, 11, 23, 9, 0)) == at(2026, 11, 30, 9, 0)


def test_first_working_day_of_the_month_skips_the_weekend():
    # 1 August 2026 is a Saturday: the first working day is Monday the 3rd.
    assert next_after(FIRST_WORKING_DAY, at(2026, 7, 15)) == at(2026, 8, 3, 9, 0)
    assert next_after(FIRST_WORKING_DAY, at(2026, 8, 3, 9, 0)) == at(2026, 9, 1, 9, 0)


def test_invalid_schedules_are_named():
    assert schedule_error({"kind": "hourly"}) == "kind"
    assert schedule_error({"kind": "weekly", "weekday": 9}) == "weekday"
    assert schedule_error({"kind": "daily", "time": "nine"}) == "time"
    assert schedule_error(MONDAY_9) is None


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)),
    st.sampled_from([MONDAY_9, FIRST_WORKING_DAY, {"kind": "daily", "time": "07:30"}]),
)
def test_next_due_time_is_after_and_within_reach(moment, schedule):
    moment = moment.replace(tzinfo=UTC)
    due = next_after(schedule, moment)
    assert moment < due <= moment + timedelta(days=40)
    assert next_after(schedule, due - timedelta(microseconds=1)) == due
