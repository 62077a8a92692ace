"""Fulfilment tasks worked like small tickets in the web UI.

``/requests/tasks`` is the agents' task queue (open tasks of their groups: filter by group,
"mine", waiting / to do / in progress); on a request's page each task can be assigned, given a
note, started and done (``/requests/REQ-000001/work-task``), through the same functions as the
API (:mod:`itsm.requests.fulfilment`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from itsm.containers import Requests
from itsm.i18n import _
from itsm.requests import assets
from itsm.requests.fulfilment import TaskError, assign_task, assignable, note_task, work_task
from itsm.requests.models import FulfilmentTask, ServiceRequest
from itsm.requests.workflow import IN_PROGRESS, OPEN, TASK_OPEN_STATES, TASK_STATE_TITLES, WAITING
from itsm.search.catalog import search
from itsm.security.permissions import P
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import TransitionError
from itsm.ui.forms import display_time, flash, iso_time, translate

QUEUE_LIMIT = 500
STATE_FILTERS = (WAITING, OPEN, IN_PROGRESS)


def _staff_groups(request: Any) -> list[str]:
    person = request.identity.person
    return sorted(person.groups) if person is not None else []


@view_config(
    context=Requests,
    name="tasks",
    request_method="GET",
    permission=P.WORK,
    renderer="itsm:requests/templates/tasks.pt",
)
def task_queue(context: Requests, request: Any) -> dict[str, Any]:
    """Open tasks of the agent's groups, the earliest due first."""
    root = request.itsm_root
    params = request.GET
    mine_groups = _staff_groups(request)
    all_groups = sorted(root["settings"]["groups"].keys())
    group = params.get("group", "")
    if group and group not in all_groups:
        group = ""
    state = params.get("status", "")
    if state not in STATE_FILTERS:
        state = ""
    mine = bool(params.get("mine"))
    query: dict[str, Any] = {"kind": "task"}
    query["status"] = state or sorted(TASK_OPEN_STATES)
    if mine:
        query["assignee"] = request.identity.login
    else:
        query["group"] = group or mine_groups
    total, found = search(root, sort="created", per_page=QUEUE_LIMIT, **query)
    far = datetime.max.replace(tzinfo=UTC)
    tasks = sorted(found, key=lambda t: (t.due or far, t.created))
    now = datetime.now(UTC)
    return {
        "tasks": tasks,
        "total": total,
        "limit": QUEUE_LIMIT,
        "group": group,
        "groups": all_groups,
        "my_groups": mine_groups,
        "state": state,
        "states": [(s, TASK_STATE_TITLES[s]) for s in STATE_FILTERS],
        "mine": mine,
        "task_titles": TASK_STATE_TITLES,
        "late": lambda task: task.request.is_late(now),
        "display_time": display_time,
        "iso_time": iso_time,
    }


def task_panel(context: ServiceRequest, request: Any) -> dict[str, Any]:
    """What the request page needs to show and work the tasks, the price, due time, CIs."""
    root = request.itsm_root
    may_work = bool(request.has_permission(P.WORK, context))
    cmdb = root["cmdb"]
    stock: dict[str, list[Any]] = {}
    people: dict[str, list[Any]] = {}
    if may_work:
        for task in context.task_list():
            if not task.is_open:
                continue
            people[task.number] = assignable(root, task)
            if task.delivers and task.delivers not in stock:
                stock[task.delivers] = assets.stock(root, task.delivers)
    parent_titles: dict[str, str] = {}
    parent = root["requests"].get(context.parent) if context.parent else None
    if context.inherited and parent is not None:
        item = root["catalog"].get(parent.item)
        for field in item.fields if item is not None else ():
            parent_titles[field["name"]] = (
                field.get("title_ru") if request.locale_name == "ru" else None
            ) or field.get("title", field["name"])
    return {
        "task_people": people,
        "task_stock": stock,
        "ci_of": lambda number: cmdb.get(number) if number else None,
        "parent_request": parent,
        "parent_titles": parent_titles,
        "is_late": context.is_late(),
        "display_time": display_time,
        "iso_time": iso_time,
    }


ACTIONS = ("start", "done", "cancel", "assign", "note")


@view_config(context=ServiceRequest, name="work-task", request_method="POST", permission=P.WORK)
def work_task_view(context: ServiceRequest, request: Any) -> HTTPSeeOther:
    """Assign, note, start or finish a task from the request page or the queue."""
    task = context.tasks.get(request.POST.get("task", ""))
    if not isinstance(task, FulfilmentTask):
        raise HTTPNotFound()
    action = request.POST.get("name", "")
    ctx = ActionContext.from_request(request)
    try:
        if action == "assign":
            assignee = request.POST.get("assignee", "")
            assign_task(ctx, task, ctx.actor if assignee == "me" else assignee)
        elif action == "note":
            note_task(ctx, task, request.POST.get("note", ""))
        elif action in ACTIONS:
            ci = request.POST.get("ci", "") if action == "done" else ""
            fields = {"ci": ci} if ci else {}
            work_task(ctx, task, action, fields)
        else:
            raise TaskError(_("Unknown action: ${name}.", mapping={"name": action}))
    except (TransitionError, TaskError) as error:
        request.tm.doom()
        message = translate(request, error.message)
        details = [translate(request, v) for v in (error.fields or {}).values()]
        flash(request, " ".join([message, *details]), "danger")
    else:
        flash(request, _("Done."))
    back = request.resource_url(context, anchor=f"task-{task.number}")
    if request.POST.get("came_from") == "queue":
        back = request.resource_url(context.__parent__, "tasks")
    return HTTPSeeOther(location=back)
