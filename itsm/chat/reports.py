"""The chat report (``/reports/chat``, ``GET /api/v1/reports/chat``): chats started in the
period, deflection (the share ended "solved" without a ticket), handoffs to a person,
conversions to tickets, and the time from handoff to an agent taking the chat.

Read live from the conversations of the period, like the knowledge base report: a chat is
small and its outcome is stored on it.
"""

from __future__ import annotations

from datetime import timedelta
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from itsm.i18n import _
from itsm.reports.filters import Filters
from itsm.reports.tables import Column, Source, Table

ONE_DAY = timedelta(days=1)


def _in_period(conversation: Any, filters: Filters, zone: ZoneInfo) -> bool:
    day = conversation.created.astimezone(zone).date()
    return filters.start <= day <= filters.end


def _row(key: str, chats: list[Any]) -> dict[str, Any]:
    total = len(chats)
    solved = sum(1 for c in chats if c.outcome == "solved" and not c.ticket)
    waits = [
        (c.taken_at - c.handed_at).total_seconds() for c in chats if c.taken_at and c.handed_at
    ]
    return {
        "key": key,
        "chats": total,
        "solved": solved,
        "deflection": solved / total if total else None,
        "handoffs": sum(1 for c in chats if c.handed_at is not None),
        "incidents": sum(1 for c in chats if c.outcome == "incident"),
        "requests": sum(1 for c in chats if c.outcome == "request"),
        "abandoned": sum(1 for c in chats if c.outcome == "abandoned"),
        "open": sum(1 for c in chats if c.is_open),
        "take_mean": sum(waits) / len(waits) if waits else None,
        "take_median": median(waits) if waits else None,
    }


def chat_figures(root: Any, filters: Filters, zone: ZoneInfo) -> list[dict[str, Any]]:
    """One row per channel plus the total (key "all")."""
    index = root.get("chats") if root is not None else None
    # The UTC days that can hold a day of the report's zone, then the exact local day.
    near = index.started_between(filters.start - ONE_DAY, filters.end + ONE_DAY) if index else []
    chats = [c for c in near if _in_period(c, filters, zone)]
    rows = [
        _row(channel, [c for c in chats if c.channel == channel])
        for channel in ("portal", "telegram")
    ]
    return [_row("all", chats), *rows]


def chat_report(source: Source, filters: Filters, by: str) -> list[Table]:
    zone = ZoneInfo(source.store.zone_name if source.store is not None else "UTC")
    return [
        Table(
            "chat",
            _("Chats by channel"),
            (
                Column("key", _("Channel"), "text"),
                Column("chats", _("Chats")),
                Column("solved", _("Solved by the virtual agent")),
                Column("deflection", _("Deflection"), "share"),
                Column("handoffs", _("Handed to a person")),
                Column("incidents", _("Made incidents")),
                Column("requests", _("Made requests")),
                Column("abandoned", _("Closed without an outcome")),
                Column("open", _("Still open")),
                Column("take_mean", _("Mean time to take"), "duration"),
                Column("take_median", _("Median time to take"), "duration"),
            ),
            chat_figures(source.root, filters, zone),
            ("bar", "key", "chats"),
        )
    ]
