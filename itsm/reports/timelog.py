"""Time logged on tickets: the minutes of journal entries, summed per ticket, agent and group.

Agents log minutes with a work-log entry (incidents, requests and their fulfilment tasks,
changes, problems); each entry keeps its author, time and minutes. A report over a date range
reads the entries made in it, found through the catalog's ``updated`` index (logging work
updates its ticket, so a ticket with time in the range was updated in it or later): the cost
grows with the tickets touched since the range began, not with every ticket kept. Time on a
fulfilment task counts for its request, under the task's group. Figures are live.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypatia.query import Ge

from itsm.i18n import _
from itsm.reports.filters import Filters
from itsm.reports.tables import Column, Source, Table

#: Ticket kinds whose time counts, and what each counts as.
COUNTED = {"incident": "incident", "request": "request", "task": "request", "change": "change"}
KIND_TITLES = {"incident": _("Incident"), "request": _("Request"), "change": _("Change")}


@dataclass(frozen=True)
class TimeEntry:
    """One journal entry with minutes, as the report counts it."""

    day: date
    at: datetime
    number: str  # the ticket (a task's request)
    kind: str  # incident | request | change
    title: str
    agent: str
    group: str
    minutes: int


def report_zone(root: Any) -> ZoneInfo:
    """The reports' time zone (the business calendar's), in which a range's days begin."""
    store = getattr(root, "reports", None)
    return ZoneInfo(getattr(store, "zone_name", "UTC") or "UTC")


def day_bounds(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """``start`` 00:00 to the day after ``end`` 00:00 in ``zone``, as UTC times."""
    first = datetime.combine(start, time(0), zone).astimezone(UTC)
    last = datetime.combine(end + timedelta(days=1), time(0), zone).astimezone(UTC)
    return first, last


def touched_since(root: Any, since: datetime) -> Iterator[Any]:
    """Every ticket whose ``updated`` is at or after ``since``."""
    catalog = getattr(root, "catalog", None)
    if catalog is None:
        return
    objects = root.catalog_objects
    for docid in Ge(catalog["updated"], since.timestamp()).execute(resolver=objects.get).ids:
        ticket = objects.get(docid)
        if ticket is not None:
            yield ticket


def time_entries(root: Any, filters: Filters) -> list[TimeEntry]:
    """The entries with minutes made in the filters' range (kind, group and agent applied)."""
    zone = report_zone(root)
    first, last = day_bounds(filters.start, filters.end, zone)
    found: list[TimeEntry] = []
    for ticket in touched_since(root, first):
        kind = COUNTED.get(getattr(ticket, "kind", ""))
        if kind is None or (filters.kind != "all" and filters.kind != kind):
            continue
        owner = ticket.__parent__ if ticket.kind == "task" else ticket
        group = ticket.group or ""
        if filters.group and group != filters.group:
            continue
        journal = getattr(ticket, "journal", None)
        if journal is None:
            continue
        for entry in journal:
            if not entry.minutes or not first <= entry.created < last:
                continue
            agent = entry.author or ""
            if filters.agent and agent != filters.agent:
                continue
            found.append(
                TimeEntry(
                    entry.created.astimezone(zone).date(),
                    entry.created,
                    owner.number,
                    kind,
                    owner.title,
                    agent,
                    group,
                    int(entry.minutes),
                )
            )
    found.sort(key=lambda e: (e.at, e.number))
    return found


def _hours(minutes: int) -> float:
    return round(minutes / 60, 2)


def time_report(source: Source, filters: Filters, by: str) -> list[Table]:
    """Minutes per ticket, per agent and per group, and every entry, for the range."""
    entries = time_entries(source.root, filters)
    per_ticket: dict[str, dict[str, Any]] = {}
    per_agent: dict[str, dict[str, Any]] = defaultdict(lambda: {"minutes": 0, "tickets": set()})
    per_group: dict[str, dict[str, Any]] = defaultdict(lambda: {"minutes": 0, "tickets": set()})
    for e in entries:
        row = per_ticket.setdefault(
            e.number,
            {
                "number": e.number,
                "kind": KIND_TITLES[e.kind],
                "title": e.title,
                "group": e.group,
                "minutes": 0,
                "agents": set(),
            },
        )
        row["minutes"] += e.minutes
        row["agents"].add(e.agent)
        for bucket, key in ((per_agent, e.agent), (per_group, e.group)):
            bucket[key]["minutes"] += e.minutes
            bucket[key]["tickets"].add(e.number)
    total = sum(e.minutes for e in entries)

    def summed(bucket: dict[str, dict[str, Any]], name: str) -> list[dict[str, Any]]:
        rows = [
            {
                "key": key,
                "tickets": len(v["tickets"]),
                "minutes": v["minutes"],
                "hours": _hours(v["minutes"]),
                "share": v["minutes"] / total if total else None,
            }
            for key, v in bucket.items()
        ]
        return sorted(rows, key=lambda r: (-r["minutes"], r["key"]))

    ticket_rows = sorted(per_ticket.values(), key=lambda r: (-r["minutes"], r["number"]))
    for row in ticket_rows:
        row["agents"] = tuple(sorted(row["agents"]))
        row["hours"] = _hours(row["minutes"])
    summary_columns = (
        Column("tickets", _("Tickets")),
        Column("minutes", _("Minutes")),
        Column("hours", _("Hours"), "number"),
        Column("share", _("Share of the time"), "share"),
    )
    return [
        Table(
            "agents",
            _("Time logged per agent"),
            (Column("key", _("Agent"), "text"), *summary_columns),
            summed(per_agent, "agent"),
            ("bar", "key", "hours"),
        ),
        Table(
            "groups",
            _("Time logged per group"),
            (Column("key", _("Group"), "text"), *summary_columns),
            summed(per_group, "group"),
            ("bar", "key", "hours"),
        ),
        Table(
            "tickets",
            _("Time logged per ticket"),
            (
                Column("number", _("Ticket"), "text"),
                Column("kind", _("Type"), "text"),
                Column("title", _("Title"), "text"),
                Column("group", _("Group"), "text"),
                Column("agents", _("Agents"), "text"),
                Column("minutes", _("Minutes")),
                Column("hours", _("Hours"), "number"),
            ),
            ticket_rows,
        ),
        Table(
            "entries",
            _("Work log entries"),
            (
                Column("at", _("When"), "datetime"),
                Column("number", _("Ticket"), "text"),
                Column("agent", _("Agent"), "text"),
                Column("group", _("Group"), "text"),
                Column("minutes", _("Minutes")),
            ),
            [
                {
                    "at": e.at,
                    "number": e.number,
                    "agent": e.agent,
                    "group": e.group,
                    "minutes": e.minutes,
                }
                for e in entries
            ],
        ),
        Table(
            "total",
            _("Total time logged"),
            (
                Column("entries", _("Entries")),
                Column("tickets", _("Tickets")),
                Column("minutes", _("Minutes")),
                Column("hours", _("Hours"), "number"),
            ),
            [
                {
                    "entries": len(entries),
                    "tickets": len(per_ticket),
                    "minutes": total,
                    "hours": _hours(total),
                }
            ],
        ),
    ]
