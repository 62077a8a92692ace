"""Timer: remind implementers (and the affected people told of the change, see
:mod:`itsm.changes.informing`) before a change starts, flag changes that run past their end.

Both are worked out from stored times (``planned_start``, ``planned_end``) and remembered on the
change (``reminded_for``, ``overrun_at``), so a worker that was down catches up once, and a
second run sends nothing more.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from itsm.changes.conflicts import scheduled_changes
from itsm.changes.informing import remind_affected
from itsm.changes.workflow import IMPLEMENTING, SCHEDULED
from itsm.notify.notifications import queue_notification
from itsm.search.catalog import mark_changed

START_TEMPLATE = "itsm.changes:templates/mail/start_reminder.pt"
OVERRUN_TEMPLATE = "itsm.changes:templates/mail/overrun.pt"
DEFAULT_REMINDER_HOURS = 24


def mail_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def implementer(change: Any) -> str:
    """Who implements the change: its assignee, else whoever raised it."""
    return change.assignee or change.requester


def remind_implementers(root: Any, registry: Any, now: datetime, hours: float) -> int:
    """Mail the implementer of each scheduled change starting within ``hours`` (once per
    planned start: a rescheduled change is reminded of its new start)."""
    horizon = now + timedelta(hours=hours)
    sent = 0
    for change in scheduled_changes(root):
        start = change.planned_start
        if change.status != SCHEDULED or start is None or change.reminded_for == start:
            continue
        if not now < start <= horizon:
            continue
        queue_notification(
            root,
            registry,
            recipients=[implementer(change)],
            template=START_TEMPLATE,
            ticket=change,
            now=now,
            start=mail_time(start),
            end=mail_time(change.planned_end),
        )
        change.reminded_for = start
        change.history.record(now, None, "reminder", field="planned_start", after=start)
        sent += 1
    return sent


def group_logins(root: Any, group: str | None) -> list[str]:
    """The members of support group ``group`` and its lead."""
    if not group:
        return []
    logins = sorted(p.login for p in root["people"].values() if group in p.groups)
    stored = root["settings"]["groups"].get(group)
    if stored is not None and stored.lead:
        logins.append(stored.lead)
    return logins


def flag_overruns(root: Any, registry: Any, now: datetime) -> int:
    """Flag each change still implementing after its planned end; one mail to its owner and
    its group."""
    flagged = 0
    for change in scheduled_changes(root):
        end = change.planned_end
        if change.status != IMPLEMENTING or change.overrun_at is not None:
            continue
        if end is None or end > now:
            continue
        change.overrun_at = now
        change.history.record(now, None, "overrun", field="planned_end", after=end)
        queue_notification(
            root,
            registry,
            recipients=[change.requester, *group_logins(root, change.group)],
            template=OVERRUN_TEMPLATE,
            ticket=change,
            now=now,
            end=mail_time(end),
        )
        mark_changed(root, change)
        flagged += 1
    return flagged


def change_reminders_job(ctx: Any) -> str | None:
    """The worker's job: both sweeps in one transaction."""
    hours = getattr(ctx.registry, "itsm_change_reminder_hours", DEFAULT_REMINDER_HOURS)

    def sweep(root: Any) -> tuple[int, int, int]:
        now = ctx.now()
        return (
            remind_implementers(root, ctx.registry, now, hours),
            flag_overruns(root, ctx.registry, now),
            remind_affected(root, ctx.registry, now, hours),
        )

    reminded, flagged, affected = ctx.transact(sweep)
    if not (reminded or flagged or affected):
        return None
    said = f"reminded {reminded}, flagged {flagged}"
    return said + (f", told {affected} affected changes' people" if affected else "")
