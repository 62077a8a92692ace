"""Business calendars: working hours per weekday in a time zone, and holidays.

A :class:`BusinessCalendar` is an immutable value: it pickles into whatever persistent object
holds it (the SLA settings, a ticket's SLA record) and compares and hashes by value, so the
clock can cache per-day results keyed by it.

Working intervals are local wall-clock times. An interval runs from the first instant at which
the local clock shows (or has passed) its start to the first instant at which it shows (or has
passed) its end. So on a day that springs forward an interval loses the skipped hour, on a day
that falls back ``00:00-24:00`` is 25 hours long, and an interval that starts inside a
skipped hour starts at the transition.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from itsm.i18n import _

#: Weekday numbers as ``date.weekday()`` gives them: 0 is Monday, 6 is Sunday.
WEEKDAYS = range(7)

_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")

Interval = tuple[str, str]
HoursInput = Mapping[int, Iterable[Interval]] | Iterable[tuple[int, Iterable[Interval]]]


class CalendarError(ValueError):
    """A calendar that cannot be built or used; ``message`` is translatable for forms and API."""

    def __init__(self, message: Any) -> None:
        text = message.interpolate() if hasattr(message, "interpolate") else str(message)
        super().__init__(text)
        self.message = message


def parse_time(value: str) -> int:
    """Minutes since midnight of an ``"HH:MM"`` string; ``"24:00"`` is the end of the day."""
    match = _TIME.match(value) if isinstance(value, str) else None
    minutes = int(match.group(1)) * 60 + int(match.group(2)) if match else -1
    if not match or minutes > 24 * 60:
        raise CalendarError(
            _("Invalid time ${value}: use HH:MM from 00:00 to 24:00.", mapping={"value": value})
        )
    return minutes


def format_time(minutes: int) -> str:
    """``"HH:MM"`` for minutes since midnight (the inverse of :func:`parse_time`)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _normalize_day(weekday: Any, intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    parsed = []
    for interval in intervals:
        try:
            start, end = interval
        except (TypeError, ValueError):
            raise CalendarError(
                _(
                    "Working hours of day ${day} must be (start, end) pairs, not ${value}.",
                    mapping={"day": weekday, "value": repr(interval)},
                )
            ) from None
        first, last = parse_time(start), parse_time(end)
        if first >= last:
            # Night shifts are two intervals (22:00-24:00 and 00:00-06:00 the next day), so the
            # weekday an interval belongs to is never in doubt.
            raise CalendarError(
                _(
                    "Working interval ${start}-${end} must end after it starts "
                    "(split a night shift at midnight).",
                    mapping={"start": start, "end": end},
                )
            )
        parsed.append((first, last))
    parsed.sort()
    merged: list[list[int]] = []
    for first, last in parsed:
        if merged and first < merged[-1][1]:
            raise CalendarError(
                _(
                    "Working intervals ${a} and ${b} overlap.",
                    mapping={
                        "a": f"{format_time(merged[-1][0])}-{format_time(merged[-1][1])}",
                        "b": f"{format_time(first)}-{format_time(last)}",
                    },
                )
            )
        if merged and first == merged[-1][1]:
            merged[-1][1] = last  # 09:00-13:00 + 13:00-18:00 is one stretch
        else:
            merged.append([first, last])
    return tuple((format_time(a), format_time(b)) for a, b in merged)


def _normalize_hours(hours: HoursInput) -> tuple[tuple[int, tuple[Interval, ...]], ...]:
    items = hours.items() if isinstance(hours, Mapping) else hours
    table: dict[int, tuple[Interval, ...]] = {}
    for weekday, intervals in items:
        if isinstance(weekday, bool) or not isinstance(weekday, int) or weekday not in WEEKDAYS:
            raise CalendarError(
                _(
                    "Weekday ${day} is not one of 0 (Monday) to 6 (Sunday).",
                    mapping={"day": repr(weekday)},
                )
            )
        if weekday in table:
            raise CalendarError(_("Weekday ${day} is given twice.", mapping={"day": weekday}))
        table[weekday] = _normalize_day(weekday, intervals)
    return tuple((day, table.get(day, ())) for day in WEEKDAYS)


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours per weekday in an IANA time zone, minus holidays.

    ``hours`` may be given as a mapping ``{weekday: [("09:00", "18:00"), ...]}`` (weekday 0 is
    Monday; missing days have no working hours); it is stored normalized as a tuple of seven
    ``(weekday, intervals)`` pairs, sorted, with touching intervals merged, so ``dict(cal.hours)``
    is the mapping again. ``holidays`` are local dates on which nothing counts.
    """

    name: str
    timezone: str = "UTC"
    hours: Any = ()
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise CalendarError(_("A calendar needs a name."))
        if not isinstance(self.timezone, str) or not self.timezone:
            raise CalendarError(_("A calendar needs a time zone."))
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CalendarError(
                _("Unknown time zone ${tz}.", mapping={"tz": self.timezone})
            ) from None
        object.__setattr__(self, "hours", _normalize_hours(self.hours))
        holidays = frozenset(self.holidays)
        for day in holidays:
            # datetime is a subclass of date; a datetime here is a mistake that would never match.
            if not isinstance(day, date) or isinstance(day, datetime):
                raise CalendarError(
                    _("Holiday ${value} is not a date.", mapping={"value": repr(day)})
                )
        object.__setattr__(self, "holidays", holidays)

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone (zoneinfo caches instances, so this is cheap)."""
        return ZoneInfo(self.timezone)

    def intervals(self, weekday: int) -> tuple[Interval, ...]:
        """The working intervals of a weekday (0 is Monday), ``()`` for a day off."""
        return self.hours[weekday][1]

    @property
    def has_working_hours(self) -> bool:
        """False for a calendar in which no time ever counts."""
        return any(intervals for _day, intervals in self.hours)

    @property
    def is_always(self) -> bool:
        """True when every instant counts (24x7, no holidays): the clock takes a shortcut."""
        # One tuple comparison in C (the hours are stored normalized): asked on every clock
        # reading, a few times per ticket of a list.
        return not self.holidays and self.hours == _ALWAYS_HOURS

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays

    def with_holidays(self, days: Iterable[date]) -> BusinessCalendar:
        """A copy with ``days`` added to the holidays (calendars are immutable)."""
        return BusinessCalendar(
            self.name, self.timezone, self.hours, self.holidays | frozenset(days)
        )


_ALWAYS_HOURS = tuple((day, (("00:00", "24:00"),)) for day in WEEKDAYS)


def weekdays_calendar(
    name: str,
    timezone: str,
    start: str = "09:00",
    end: str = "18:00",
    holidays: Iterable[date] = (),
) -> BusinessCalendar:
    """Monday to Friday, one interval a day: the common case."""
    return BusinessCalendar(
        name, timezone, {day: [(start, end)] for day in range(5)}, frozenset(holidays)
    )


#: Every instant counts: the calendar of 24x7 targets.
ALWAYS = BusinessCalendar("24x7", "UTC", {day: [("00:00", "24:00")] for day in WEEKDAYS})

#: The default business calendar; the demo adds holidays to a copy.
STANDARD = weekdays_calendar("Standard", "Europe/Moscow")
