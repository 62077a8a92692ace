"""Fulfilment: tasks made from the item's checklist, worked by groups in dependency order;
the request resolves when every task (and every child request of a bundle) is done."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypatia.query import Eq

from itsm.i18n import _
from itsm.notify.notifications import queue_notification
from itsm.numbering import allocate_number
from itsm.requests.models import FulfilmentTask, ServiceRequest
from itsm.requests.workflow import (
    CANCELLED,
    CLOSED,
    DONE,
    IN_FULFILMENT,
    RESOLVED,
    TASK_WORKFLOW,
    WAITING,
    WORKFLOW,
)
from itsm.search.catalog import mark_changed, new_docid, search
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import fire

SYSTEM = frozenset({"system"})
DEFAULT_TASK = {"key": "fulfil", "group": "Service Desk", "title": "Fulfil the request"}
FINISHED_TASKS = frozenset({DONE, CANCELLED})
FINISHED_REQUESTS = frozenset({RESOLVED, CLOSED, CANCELLED})


def start(ctx: ActionContext, request: ServiceRequest) -> None:
    """Create the tasks and the child requests of a bundle, then start fulfilment."""
    from itsm.requests.intake import create_request

    item = ctx.root["catalog"].get(request.item)
    checklist = list(item.tasks) if item is not None else []
    if item is not None and item.offboarding:
        checklist += _return_tasks(ctx.root, request)
    children = list(item.bundle) if item is not None else []
    if not checklist and not children:
        checklist = [DEFAULT_TASK]
    numbers: dict[str, str] = {}
    tasks = []
    for entry in checklist:
        number = allocate_number(ctx.root._p_jar.db(), "task")
        numbers[entry["key"]] = number
        task = FulfilmentTask(number, int(number.split("-")[1]), new_docid(ctx.root), ctx.now)
        task.key = entry["key"]
        task.title = entry.get("title", entry["key"])
        task.description = entry.get("description", "")
        task.group = entry.get("group") or "Service Desk"
        task.requester = request.requester
        task.status = WAITING
        task.__parent__ = request
        task.__name__ = number
        request.tasks[number] = task
        task.history.record(ctx.now, ctx.actor, "created", note=request.number)
        tasks.append((task, entry))
    for task, entry in tasks:
        task.depends_on = tuple(numbers[k] for k in entry.get("depends_on", ()) if k in numbers)
    fire(
        WORKFLOW,
        request,
        "fulfil",
        actor=ctx.actor,
        roles=SYSTEM,
        now=ctx.now,
        notify=ctx.notify,
        request=ctx.request,
    )
    for task, _entry in tasks:
        _release_if_ready(ctx, request, task)
        mark_changed(ctx.root, task)
    for child in children:
        child_item = ctx.root["catalog"].get(child["item"])
        if child_item is not None:
            create_request(
                ctx,
                child_item,
                child.get("answers", {}),
                requester=request.requester,
                channel=request.channel,
                parent=request,
            )
    mark_changed(ctx.root, request)


def _return_tasks(root: Any, request: ServiceRequest) -> list[dict[str, Any]]:
    """Offboarding: one return task per configuration item the leaver owns."""
    leaver = request.answers.get("person")
    if not leaver:
        return []
    _total, cis = search(root, kind="ci", owner=leaver, sort="created", per_page=500)
    return [
        {
            "key": f"return-{ci.number}",
            "group": "Workplace",
            "title": f"Return {ci.number} {ci.name}",
            "description": ci.serial,
            "depends_on": (),
        }
        for ci in cis
    ]


def _release_if_ready(ctx: ActionContext, request: ServiceRequest, task: FulfilmentTask) -> None:
    if task.status != WAITING:
        return
    if all(request.tasks[n].status == DONE for n in task.depends_on if n in request.tasks):
        fire(TASK_WORKFLOW, task, "release", actor=None, roles=SYSTEM, now=ctx.now)
        _tell_group(ctx, task)
        mark_changed(ctx.root, task)


def _tell_group(ctx: ActionContext, task: FulfilmentTask) -> None:
    group = ctx.root["settings"]["groups"].get(task.group)
    if group is None or not group.lead:
        return
    queue_notification(
        ctx.root,
        ctx.registry,
        recipients=[group.lead],
        template="ticket_event",
        ticket=task.request,
        essential=False,
        now=ctx.now,
        summary=_("New task"),
        event=_("A fulfilment task is ready for your group: ${task}", mapping={"task": task.title}),
        actor=ctx.actor,
    )


def work_task(
    ctx: ActionContext, task: FulfilmentTask, name: str, fields: Mapping[str, Any] | None = None
) -> None:
    """Fire ``start``, ``done`` or ``cancel`` on a task; done tasks release their dependents
    and may finish the request."""
    fields = dict(fields or {})
    request = task.request

    def apply(ticket: Any, transition: Any, values: Mapping[str, Any], now: Any) -> None:
        if transition.name == "start" and ctx.actor:
            ticket.assignee = ctx.actor
        if transition.name == "done":
            ticket.done_at = now
            if not ticket.assignee:
                ticket.assignee = ctx.actor

    fire(
        TASK_WORKFLOW,
        task,
        name,
        actor=ctx.actor,
        roles=ctx.roles_on(task),
        fields=fields,
        now=ctx.now,
        apply=apply,
        notify=ctx.notify,
        request=ctx.request,
    )
    mark_changed(ctx.root, task)
    if task.status in FINISHED_TASKS:
        for other in request.tasks.values():
            _release_if_ready(ctx, request, other)
        finish_if_done(ctx, request)


def finish_if_done(ctx: ActionContext, request: ServiceRequest) -> None:
    """Resolve the request once all its tasks and child requests are finished."""
    if request.status != IN_FULFILMENT:
        return
    if any(t.status not in FINISHED_TASKS for t in request.tasks.values()):
        return
    requests = ctx.root["requests"]
    for number in request.children:
        child = requests.get(number)
        if child is not None and child.status not in FINISHED_REQUESTS:
            return
    fire(
        WORKFLOW,
        request,
        "resolve",
        actor=ctx.actor,
        roles=SYSTEM,
        now=ctx.now,
        notify=ctx.notify,
        request=ctx.request,
    )
    request.resolved_at = ctx.now
    mark_changed(ctx.root, request)
    queue_notification(
        ctx.root,
        ctx.registry,
        recipients=[request.requester],
        template="ticket_event",
        ticket=request,
        now=ctx.now,
        summary=_("Request delivered"),
        event=_("Your request has been fulfilled."),
        actor=ctx.actor,
    )
    if request.parent:
        parent = requests.get(request.parent)
        if parent is not None:
            finish_if_done(ctx, parent)


def find_task(root: Any, number: str) -> FulfilmentTask | None:
    """A task by its number (``TASK-000001``), through the catalog's number index."""
    catalog = root.catalog
    result = Eq(catalog["number"], number.upper()).execute(resolver=root.catalog_objects.get)
    for docid in result.ids:
        obj = root.catalog_objects.get(docid)
        if isinstance(obj, FulfilmentTask):
            return obj
    return None
