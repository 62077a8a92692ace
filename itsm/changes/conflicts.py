"""What a change collides with: blackout windows, and other changes at an overlapping time on
the same CI or on a CI one relation away (either direction).

Other changes count while they hold their slot (scheduled, implementing) and while they are still
*pending* (being assessed or awaiting approval), so the change board sees two pending changes to
one server before it approves both. Each conflict names the other change's ``status`` and says
whether it is ``pending``; only blackouts and held slots need an override reason to schedule
(a pending change may still be rejected or moved)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from itsm.changes.models import change_settings
from itsm.changes.workflow import ASSESSMENT, AWAITING_APPROVAL, CALENDAR_STATES, OPEN_STATES
from itsm.i18n import _
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


#: Changes not yet approved that still count as conflicts (marked ``pending``).
PENDING_STATES = (ASSESSMENT, AWAITING_APPROVAL)
#: Every state in which another change collides with this one.
CONFLICT_STATES = CALENDAR_STATES + PENDING_STATES
#: States of a change whose conflicts are worked out afresh when shown (still being planned
#: or run); a finished change shows what was found when it was last planned.
LIVE_STATES = frozenset(OPEN_STATES) - {"review"}


def scheduled_changes(root: Any, states: Iterable[str] = CALENDAR_STATES) -> list[Any]:
    """Every change holding its slot on the calendar (scheduled or implementing), or in
    ``states``."""
    found: list[Any] = []
    page = 1
    while True:
        total, batch = search(
            root,
            kind="change",
            status=list(states),
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
    for other in scheduled_changes(root, CONFLICT_STATES):
        if other is change or other.planned_start is None or other.planned_end is None:
            continue
        if other.number == getattr(change, "number", None):
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
                    "status": other.status,
                    "pending": other.status in PENDING_STATES,
                }
            )
    return result


def conflict_marks(root: Any, changes: Iterable[Any]) -> dict[str, list[dict[str, Any]]]:
    """The current conflicts of each of ``changes`` (by number), for the calendar's marks."""
    return {c.number: current_conflicts(root, c) for c in changes}


def blocking(conflicts: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conflicts that need an override reason: blackouts and changes holding their slot."""
    return [c for c in conflicts if not c.get("pending")]


def current_conflicts(root: Any, change: Any) -> list[dict[str, Any]]:
    """What ``change`` collides with now: worked out afresh while it is planned or running
    (a change raised later on the same server shows up on both), else as stored."""
    if change.status in LIVE_STATES and change.planned_start and change.planned_end:
        return find_conflicts(root, change, change.planned_start, change.planned_end)
    return [dict(c) for c in change.conflicts]


#: How a conflict with another change reads, by that change's state.
_LINES = {
    ASSESSMENT: _("${name} (${start} – ${end}): being assessed"),
    AWAITING_APPROVAL: _("${name} (${start} – ${end}): awaiting approval"),
    "scheduled": _("${name} (${start} – ${end}): scheduled"),
    "implementing": _("${name} (${start} – ${end}): implementing"),
}
_BLACKOUT_LINE = _("${name} (${start} – ${end}): blackout window")


def conflict_line(conflict: dict[str, Any]) -> Any:
    """One conflict in words, with the other change's state (a translation string)."""
    message = _LINES.get(conflict.get("status", ""), _BLACKOUT_LINE)
    if conflict.get("kind") == "change" and "status" not in conflict:
        # Found before states were recorded: the change then held its slot.
        message = _LINES["scheduled"]
    return _(
        message,
        mapping={"name": conflict["name"], "start": conflict["start"], "end": conflict["end"]},
    )
