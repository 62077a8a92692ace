"""What a change collides with: blackout windows, and other scheduled or implementing changes
at an overlapping time on the same CI or on a CI one relation away (either direction)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from itsm.changes.models import change_settings
from itsm.changes.workflow import CALENDAR_STATES
from itsm.search.catalog import search


def overlaps(start: datetime, end: datetime, other_start: datetime, other_end: datetime) -> bool:
    """Half-open intervals: a change ending at 10:00 does not collide with one starting then."""
    return start < other_end and other_start < end


def near_cis(root: Any, numbers: Iterable[str]) -> set[str]:
    """The CIs themselves and every CI related to one of them (one relation away)."""
    cmdb = root["cmdb"]
    found: set[str] = set()
    for number in numbers:
        found.add(number)
        ci = cmdb.get(number)
        if ci is None:
            continue
        found.update(other for _type, other in ci.outgoing)
        found.update(other for _type, other in ci.incoming)
    return found


def scheduled_changes(root: Any) -> list[Any]:
    """Every change holding its slot on the calendar (scheduled or implementing)."""
    found: list[Any] = []
    page = 1
    while True:
        total, batch = search(
            root,
            kind="change",
            status=list(CALENDAR_STATES),
            sort="created",
            page=page,
            per_page=200,
        )
        found += batch
        if len(found) >= total or not batch:
            return found
        page += 1


def find_conflicts(
    root: Any, change: Any, start: datetime | None, end: datetime | None
) -> list[dict[str, Any]]:
    """The blackout windows and other changes ``change`` would collide with at start-end."""
    if start is None or end is None:
        return []
    result: list[dict[str, Any]] = []
    for name, w_start, w_end in change_settings(root).blackouts:
        if overlaps(start, end, w_start, w_end):
            result.append(
                {
                    "kind": "blackout",
                    "name": name,
                    "start": w_start.isoformat(),
                    "end": w_end.isoformat(),
                }
            )
    mine = near_cis(root, change.cis)
    for other in scheduled_changes(root):
        if other is change or other.planned_start is None or other.planned_end is None:
            continue
        shared = sorted(mine & set(other.cis))
        if shared and overlaps(start, end, other.planned_start, other.planned_end):
            result.append(
                {
                    "kind": "change",
                    "number": other.number,
                    "name": f"{other.number} {other.title}",
                    "cis": shared,
                    "start": other.planned_start.isoformat(),
                    "end": other.planned_end.isoformat(),
                }
            )
    return result
