"""Requests react to the end of their approval, to their own transitions and to SLA alerts."""

from __future__ import annotations

from typing import Any

from pyramid.traversal import find_root

from itsm.i18n import _
from itsm.notify.notifications import queue_notification
from itsm.requests import assets, intake
from itsm.search.catalog import mark_changed
from itsm.tickets.context import ActionContext


def on_approval_finished(event: Any) -> None:
    request = event.ticket
    if getattr(request, "kind", None) != "request":
        return
    if event.outcome == "approved":
        intake.approved(event.ctx, request)
    else:
        intake.rejected(event.ctx, request, event.reason)


def on_transitioned(event: Any) -> None:
    """Resolving stops the delivery clock; cancelling gives back the licences taken."""
    request = event.ticket
    if getattr(request, "kind", None) != "request":
        return
    if event.transition == "resolve" and request.sla is not None:
        request.sla.resolve(request.updated, event.actor)
    elif event.transition == "cancel" and request.licences:
        root = find_root(request)
        registry = getattr(event.request, "registry", None)
        ctx = ActionContext(root, registry, request.updated, event.actor, frozenset({"system"}))
        assets.release_licences(ctx, request)


def on_sla_alert(event: Any) -> None:
    """The delivery target is near or passed: note it in the history and tell the people
    working the open tasks (their assignees, else their groups' leads)."""
    request = event.ticket
    if getattr(request, "kind", None) != "request" or not request.is_open:
        return
    if event.target != "resolution":
        return
    ctx = ActionContext.system(event.root, event.registry, event.now)
    request.history.record(ctx.now, None, "sla", field=event.target, note=event.level)
    groups = event.root["settings"]["groups"]
    recipients: list[str] = []
    for task in request.task_list():
        if not task.is_open:
            continue
        group = groups.get(task.group or "")
        login = task.assignee or (group.lead if group is not None else None)
        if login and login not in recipients:
            recipients.append(login)
    if recipients:
        warning = event.level == "warning"
        queue_notification(
            ctx.root,
            ctx.registry,
            recipients=recipients,
            template="ticket_event",
            ticket=request,
            now=ctx.now,
            summary=_("Delivery target near") if warning else _("Delivery target missed"),
            event=_(
                "The request is due ${due}.",
                mapping={"due": request.due.strftime("%Y-%m-%d %H:%M UTC") if request.due else ""},
            ),
            actor=None,
        )
    mark_changed(ctx.root, request)
