"""Telling the people a change affects: one action, a reminder the day before, and a notice
when it is done, backed out or called off.

"Inform the affected people" (the change page, ``POST /api/v1/changes/{number}/inform``) mails
everyone the CMDB impact of the change's CIs finds, and the people named on the change, with the
planned window in each one's language, through the outbox (same transaction). The change keeps
who was told (``informed``) and when; only then do the follow-ups go out:

- the day before (``itsm.changes.reminder_hours``, 24, before the planned start), one reminder,
  remembered as ``affected_reminded_for`` (the planned start it was for) in the same transaction
  as the mail, so a worker restarted after a crash sends nothing twice; a rescheduled change is
  reminded of its new start;
- when the change completes (successful: "done"; failed and backed out: "backed out") or is
  cancelled, one notice, remembered as ``affected_closed_notice``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from itsm.changes.workflow import CANCELLED, CLOSED, REJECTED, SCHEDULED
from itsm.i18n import _
from itsm.notify.notifications import queue_notification
from itsm.search.catalog import mark_changed
from itsm.sla.expected import desk_zone
from itsm.tickets.context import ActionContext
from itsm.tickets.when import local_window

TEMPLATE = "itsm.changes:templates/mail/affected.pt"
#: Changes nobody is told about any more.
FINISHED = frozenset({CLOSED, REJECTED, CANCELLED})
MESSAGE_MAX = 5000


class InformRefused(Exception):
    """Why people were not told: ``status``, ``code``, ``message``, ``fields``."""

    def __init__(self, status: int, message: Any, fields: dict[str, Any] | None = None) -> None:
        super().__init__("inform refused")
        self.status = status
        self.code = "conflict" if status == 409 else "invalid"
        self.message = message
        self.fields = fields or {}


def affected_people(root: Any, change: Any) -> list[str]:
    """Everyone the change concerns: the CMDB impact of its CIs and the people named on it."""
    from itsm.cmdb.impact import impact_of_numbers

    found = list(change.affected)
    found += [p for p in impact_of_numbers(root, change.cis).people if p not in found]
    return found


def _queue(ctx: ActionContext, change: Any, what: str, recipients: list[str], **extra: Any) -> None:
    zone = desk_zone(ctx.root)
    start, end = change.planned_start, change.planned_end

    def window(language: str | None) -> str:
        if start is None or end is None:
            return ""
        return local_window(start, end, zone, language)

    queue_notification(
        ctx.root,
        ctx.registry,
        recipients=recipients,
        template=TEMPLATE,
        ticket=change,
        now=ctx.now,
        what=what,
        window=window,
        **extra,
    )


def inform_affected(ctx: ActionContext, change: Any, message: str = "") -> list[str]:
    """Mail every affected person about the change's window; returns who was told."""
    text = (message or "").strip()
    if len(text) > MESSAGE_MAX:
        raise InformRefused(400, _("Some fields are not valid."), {"message": _("Too long.")})
    if change.status in FINISHED:
        raise InformRefused(409, _("This change is finished; there is nobody to tell."))
    if change.planned_start is None or change.planned_end is None:
        raise InformRefused(409, _("Plan the change's start and end first."))
    people = affected_people(ctx.root, change)
    if not people:
        raise InformRefused(
            409, _("The change's CIs affect nobody; name the affected people on the change.")
        )
    _queue(ctx, change, "planned", people, message=text)
    change.informed = tuple(dict.fromkeys((*change.informed, *people)))
    change.informed_at = ctx.now
    change.informed_window = (change.planned_start, change.planned_end)
    change.history.record(ctx.now, ctx.actor, "inform", field="affected", after=", ".join(people))
    mark_changed(ctx.root, change)
    return people


def remind_affected(root: Any, registry: Any, now: datetime, hours: float) -> int:
    """One reminder to the people told of each scheduled change starting within ``hours``."""
    from itsm.changes.conflicts import scheduled_changes

    horizon = now + timedelta(hours=hours)
    ctx = ActionContext.system(root, registry, now)
    sent = 0
    for change in scheduled_changes(root):
        start = change.planned_start
        if change.status != SCHEDULED or not change.informed or start is None:
            continue
        if change.affected_reminded_for == start or not now < start <= horizon:
            continue
        _queue(ctx, change, "reminder", list(change.informed))
        change.affected_reminded_for = start
        change.history.record(now, None, "inform", field="reminder", after=start)
        mark_changed(root, change)
        sent += 1
    return sent


def on_transitioned(event: Any) -> None:
    """After ``complete`` or ``cancel``: tell the people told before how it ended, once."""
    change = event.ticket
    if getattr(change, "kind", None) != "change" or not change.informed:
        return
    window = (change.planned_start, change.planned_end)
    if event.transition == "complete":
        what = "backed_out" if change.outcome == "failed_backed_out" else "done"
    elif event.transition == "cancel":
        what = "cancelled"
    elif event.transition == "schedule" and window != change.informed_window:
        what = "rescheduled"
    else:
        return
    if change.affected_closed_notice:
        return
    from pyramid.traversal import find_root

    root = find_root(change)
    registry = getattr(event.request, "registry", None)
    if registry is None:
        from pyramid.threadlocal import get_current_registry

        registry = get_current_registry()
    ctx = ActionContext(root, registry, change.updated, event.actor, frozenset({"system"}))
    _queue(ctx, change, what, list(change.informed))
    if what == "rescheduled":
        change.informed_window = window
    else:
        change.affected_closed_notice = what
    change.history.record(ctx.now, event.actor, "inform", field=what)
