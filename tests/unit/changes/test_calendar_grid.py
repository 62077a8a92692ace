"""The month and week grids of the change calendar and how changes fill them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from itsm.changes.calendar import fill, month_grid, shift_month, week_grid, week_start


def _change(number: str, start: datetime, hours: float) -> SimpleNamespace:
    return SimpleNamespace(
        number=number, planned_start=start, planned_end=start + timedelta(hours=hours)
    )


def test_month_grid_covers_the_month_in_monday_first_weeks() -> None:
    weeks = month_grid(2026, 12, today=date(2026, 12, 1))
    assert weeks[0][0].day == date(2026, 11, 30)  # a Monday
    assert weeks[-1][-1].day == date(2027, 1, 3)  # a Sunday
    assert all(len(week) == 7 for week in weeks)
    inside = [c.day for week in weeks for c in week if not c.outside]
    assert inside == [date(2026, 12, d) for d in range(1, 32)]
    today = [c.day for week in weeks for c in week if c.today]
    assert today == [date(2026, 12, 1)]
    assert "itsm-cal-today" in weeks[0][1].classes
    assert "itsm-cal-outside" in weeks[0][0].classes


@given(st.integers(1950, 2100), st.integers(1, 12))
def test_every_month_grid_is_whole_weeks_containing_the_month(year: int, month: int) -> None:
    weeks = month_grid(year, month, today=date(2000, 1, 1))
    days = [c.day for week in weeks for c in week]
    assert days[0].weekday() == 0 and days[-1].weekday() == 6
    assert all(b - a == timedelta(days=1) for a, b in zip(days, days[1:], strict=False))
    assert date(year, month, 1) in days
    assert 4 <= len(weeks) <= 6


def test_week_grid_is_24_hours_of_7_days() -> None:
    monday = date(2026, 12, 7)
    rows = week_grid(monday, today=date(2026, 12, 9))
    assert len(rows) == 24 and all(len(r) == 7 for r in rows)
    assert rows[0][0].start == datetime(2026, 12, 7, 0, tzinfo=UTC)
    assert rows[23][6].end == datetime(2026, 12, 14, 0, tzinfo=UTC)
    assert [c.today for c in rows[5]] == [False, False, True, False, False, False, False]


def test_fill_puts_changes_and_blackouts_in_every_cell_they_overlap() -> None:
    monday = date(2026, 12, 7)
    rows = week_grid(monday, today=monday)
    cells = [c for row in rows for c in row]
    late = _change("CHG-2", datetime(2026, 12, 7, 23, 30, tzinfo=UTC), 1)  # over midnight
    short = _change("CHG-1", datetime(2026, 12, 8, 9, tzinfo=UTC), 1)  # ends at 10:00
    start = datetime(2026, 12, 8, 9, tzinfo=UTC)
    fill(cells, [short, late], [("Freeze", start, start + timedelta(hours=2))])
    by_hour = {c.start: c for c in cells}

    def numbers(day: int, hour: int) -> list[str]:
        return [c.number for c in by_hour[datetime(2026, 12, day, hour, tzinfo=UTC)].changes]

    assert numbers(7, 23) == ["CHG-2"] and numbers(8, 0) == ["CHG-2"] and numbers(8, 1) == []
    assert numbers(8, 9) == ["CHG-1"] and numbers(8, 10) == []  # half-open
    assert by_hour[datetime(2026, 12, 8, 10, tzinfo=UTC)].blackouts == ["Freeze"]
    assert by_hour[datetime(2026, 12, 8, 11, tzinfo=UTC)].blackouts == []
    assert "itsm-cal-blackout" in by_hour[datetime(2026, 12, 8, 9, tzinfo=UTC)].classes


def test_month_and_week_steps() -> None:
    assert shift_month(2026, 12, 1) == (2027, 1)
    assert shift_month(2027, 1, -1) == (2026, 12)
    assert shift_month(2026, 6, -18) == (2024, 12)
    assert week_start(date(2027, 1, 3)) == date(2026, 12, 28)
    assert week_start(date(2026, 12, 28)) == date(2026, 12, 28)
