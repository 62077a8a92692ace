"""The change calendar: scheduled changes by day, and the iCalendar (RFC 5545) feed.

The feed is written here rather than with a library: a VCALENDAR of VEVENTs needs escaping
(section 3.3.11), CRLF line ends and lines folded at 75 octets (section 3.1), nothing more.
"""

from __future__ import annotations

import calendar as stdcal
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import groupby
from typing import Any

from itsm.changes.conflicts import CALENDAR_STATES, scheduled_changes
from itsm.changes.models import change_settings

PRODID = "-//itsm//Change calendar//EN"


def calendar_changes(
    root: Any,
    *,
    ci: str | None = None,
    group: str | None = None,
    risk: str | None = None,
    since: datetime | None = None,
    states: Iterable[str] = CALENDAR_STATES,
) -> list[Any]:
    """Scheduled and implementing changes (or those in ``states``), by planned start, filtered
    by CI, group, risk."""
    found = []
    for change in scheduled_changes(root, states):
        if change.planned_start is None or change.planned_end is None:
            continue
        if ci and ci.upper() not in change.cis:
            continue
        if group and change.group != group:
            continue
        if risk and change.risk != risk:
            continue
        if since is not None and change.planned_end < since:
            continue
        found.append(change)
    return sorted(found, key=lambda c: (c.planned_start, c.number))


def by_day(changes: Iterable[Any]) -> list[tuple[date, list[Any]]]:
    """``[(day, changes starting that day (UTC))]`` in order, for the list view."""
    ordered = sorted(changes, key=lambda c: (c.planned_start, c.number))
    return [
        (day, list(items))
        for day, items in groupby(ordered, key=lambda c: c.planned_start.astimezone(UTC).date())
    ]


@dataclass
class Cell:
    """One day (month view) or one hour of a day (week view) of the calendar grid."""

    start: datetime
    end: datetime
    changes: list[Any] = field(default_factory=list)
    blackouts: list[str] = field(default_factory=list)
    outside: bool = False  # a day of the month before or after (month view)
    today: bool = False

    @property
    def day(self) -> date:
        return self.start.date()

    @property
    def classes(self) -> str:
        names = ["itsm-cal-cell"]
        if self.blackouts:
            names.append("itsm-cal-blackout")
        if self.outside:
            names.append("itsm-cal-outside")
        if self.today:
            names.append("itsm-cal-today")
        return " ".join(names)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def fill(cells: Iterable[Cell], changes: Iterable[Any], blackouts: Iterable[Any]) -> None:
    """Put each change and blackout window in every cell it overlaps."""
    changes = sorted(changes, key=lambda c: (c.planned_start, c.number))
    blackouts = list(blackouts)
    for cell in cells:
        cell.changes = [
            c for c in changes if c.planned_start < cell.end and cell.start < c.planned_end
        ]
        cell.blackouts = [name for name, s, e in blackouts if s < cell.end and cell.start < e]


def month_grid(year: int, month: int, today: date) -> list[list[Cell]]:
    """The weeks (Monday first) covering ``month``, a cell per day (UTC)."""
    weeks = []
    for week in stdcal.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append(
            [
                Cell(
                    _midnight(day),
                    _midnight(day + timedelta(days=1)),
                    outside=day.month != month,
                    today=day == today,
                )
                for day in week
            ]
        )
    return weeks


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def week_grid(monday: date, today: date) -> list[list[Cell]]:
    """24 rows of hours, each of 7 cells (Monday to Sunday, UTC)."""
    days = [monday + timedelta(days=n) for n in range(7)]
    return [
        [
            Cell(
                _midnight(day) + timedelta(hours=hour),
                _midnight(day) + timedelta(hours=hour + 1),
                today=day == today,
            )
            for day in days
        ]
        for hour in range(24)
    ]


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + delta
    return index // 12, index % 12 + 1


def _text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Split a content line into 75-octet pieces, continuation lines starting with a space."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    pieces, current, limit = [], b"", 75
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > limit:
            pieces.append(current.decode("utf-8"))
            current, limit = b"", 74  # the leading space counts
        current += encoded
    pieces.append(current.decode("utf-8"))
    return "\r\n ".join(pieces)


def ics_feed(root: Any, changes: Iterable[Any], *, base_url: str, host: str, now: datetime) -> str:
    """The VCALENDAR of ``changes`` and of the blackout windows."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Change calendar",
    ]
    stamp = _utc(now)
    for change in changes:
        description = "\n".join(
            part
            for part in (
                f"{change.type} change, {change.risk} risk, {change.status}",
                f"CIs: {', '.join(change.cis)}" if change.cis else "",
                change.description,
            )
            if part
        )
        lines += [
            "BEGIN:VEVENT",
            f"UID:{change.number}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(change.planned_start)}",
            f"DTEND:{_utc(change.planned_end)}",
            f"SUMMARY:{_text(f'{change.number} {change.title}')}",
            f"DESCRIPTION:{_text(description)}",
            f"CATEGORIES:{_text(change.type.upper())},{_text(change.risk.upper())}",
            f"URL:{base_url}/changes/{change.number}/",
            "STATUS:CONFIRMED",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    for index, (name, start, end) in enumerate(change_settings(root).blackouts, start=1):
        lines += [
            "BEGIN:VEVENT",
            f"UID:blackout-{index}-{_utc(start)}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(start)}",
            f"DTEND:{_utc(end)}",
            f"SUMMARY:{_text(f'Blackout: {name}')}",
            "CATEGORIES:BLACKOUT",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
