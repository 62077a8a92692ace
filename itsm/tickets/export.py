"""The columns of the ticket lists' CSV exports (incidents, requests, changes).

Each column is a field name (the header, as in the API's JSON) and how to read it from a ticket.
The files follow :mod:`itsm.ui.csvfile` (BOM, ``;``, formulas defused); the rows are what the
reader's list shows, so who may see what is decided by the list's query, never here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

Column = tuple[str, Callable[[Any, datetime], Any]]


def _attr(name: str) -> Callable[[Any, datetime], Any]:
    return lambda ticket, now: getattr(ticket, name, None)


def _sla(name: str) -> Callable[[Any, datetime], Any]:
    def read(ticket: Any, now: datetime) -> Any:
        sla = getattr(ticket, "sla", None)
        if sla is None:
            return None
        if name == "breached":
            return bool(sla.breached_response or sla.breached_resolution)
        return getattr(sla, name, None)

    return read


def _minutes(ticket: Any, now: datetime) -> int:
    journal = getattr(ticket, "journal", None)
    return journal.total_minutes() if journal is not None else 0


def _score(ticket: Any, now: datetime) -> Any:
    rating = getattr(ticket, "satisfaction", None)
    return rating[0] if rating else None


INCIDENT_COLUMNS: tuple[Column, ...] = (
    ("number", _attr("number")),
    ("title", _attr("title")),
    ("status", _attr("status")),
    ("priority", _attr("priority")),
    ("impact", _attr("impact")),
    ("urgency", _attr("urgency")),
    ("category", _attr("category")),
    ("group", _attr("group")),
    ("assignee", _attr("assignee")),
    ("requester", _attr("requester")),
    ("channel", _attr("channel")),
    ("created", _attr("created")),
    ("updated", _attr("updated")),
    ("response_due", _sla("response_due")),
    ("resolution_due", _sla("resolution_due")),
    ("breached", _sla("breached")),
    ("resolved_at", _attr("resolved_at")),
    ("closed_at", _attr("closed_at")),
    ("minutes_logged", _minutes),
    ("satisfaction", _score),
)
REQUEST_COLUMNS: tuple[Column, ...] = (
    ("number", _attr("number")),
    ("item", _attr("item")),
    ("title", _attr("title")),
    ("status", _attr("status")),
    ("requester", _attr("requester")),
    ("group", _attr("group")),
    ("assignee", _attr("assignee")),
    ("created", _attr("created")),
    ("due", _attr("due")),
    ("late", lambda r, now: r.is_late(now)),
    ("resolved_at", _attr("resolved_at")),
    ("minutes_logged", _minutes),
    ("satisfaction", _score),
    ("price", lambda r, now: f"{r.price:.2f}" if r.price is not None else None),
)
CHANGE_COLUMNS: tuple[Column, ...] = (
    ("number", _attr("number")),
    ("title", _attr("title")),
    ("type", _attr("type")),
    ("status", _attr("status")),
    ("risk", _attr("risk")),
    ("requester", _attr("requester")),
    ("assignee", _attr("assignee")),
    ("group", _attr("group")),
    ("cis", _attr("cis")),
    ("planned_start", _attr("planned_start")),
    ("planned_end", _attr("planned_end")),
    ("outcome", _attr("outcome")),
    ("created", _attr("created")),
    ("closed_at", _attr("closed_at")),
    ("minutes_logged", _minutes),
)


def header(columns: Sequence[Column]) -> list[str]:
    return [name for name, _read in columns]


def rows(tickets: Sequence[Any], columns: Sequence[Column], now: datetime) -> list[list[Any]]:
    """One row per ticket, in the list's order."""
    return [[read(ticket, now) for _name, read in columns] for ticket in tickets]
