"""Fulfilment: tasks made from the item's checklist, worked by groups in dependency order;
the request resolves when every task (and every child request of a bundle) is done."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hypatia.query import Eq

from itsm.i18n import _
from itsm.notify.notifications import queue_notification
from itsm.numbering import allocate_number
from itsm.requests import assets
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
from itsm.search.catalog import flush, mark_changed, new_docid, search
from itsm.security.roles import has_staff_role
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import fire
from itsm.tickets.worklog import WorkLogError, parse_minutes

SYSTEM = frozenset({"system"})
DEFAULT_TASK = {"key": "fulfil", "group": "Service Desk", "title": "Fulfil the request"}
FINISHED_TASKS = frozenset({DONE, CANCELLED})
FINISHED_REQUESTS = frozenset({RESOLVED, CLOSED, CANCELLED})


def start(ctx: ActionContext, request: ServiceRequest) -> None:
    """Create the tasks, then start fulfilment (a bundle's child requests are ordered by
    :func:`itsm.requests.intake.approved` right after)."""
    item = ctx.root["catalog"].get(request.item)
    # A request without a catalog item (recurring work) brings its own checklist.
    checklist = list(item.tasks) if item is not None else list(request.checklist)
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
        task.delivers = entry.get("delivers", "")
        task.licence_field = entry.get("licence", "")
        task.returns = entry.get("returns", "")
        task.not_before = start_of_day(
            request.answers.get(entry.get("not_before", "")), _desk_zone(ctx.root)
        )
        if task.not_before is not None:
            task.not_before_day = str(request.answers[entry["not_before"]])[:10]
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
        if task.licence_field:
            assets.take_licence(ctx, request, task)
        _release_if_ready(ctx, request, task)
        mark_changed(ctx.root, task)
    mark_changed(ctx.root, request)


def bundle_answers(
    item: Any, child: Mapping[str, Any], answers: Mapping[str, Any]
) -> dict[str, Any]:
    """A child order's answers: the bundle's answers for the fields the child's form has (same
    key, or renamed by the bundle entry's ``"map": {child field: bundle field}``), then the
    entry's fixed ``answers``."""
    names = {f["name"] for f in item.fields}
    passed = {k: v for k, v in answers.items() if k in names}
    for target, source in dict(child.get("map", {})).items():
        if target in names and answers.get(source) not in (None, ""):
            passed[target] = answers[source]
    return {**passed, **dict(child.get("answers", {}))}


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
            "returns": ci.number,
            "depends_on": (),
        }
        for ci in cis
    ]


def _desk_zone(root: Any) -> tzinfo:
    """The time zone of the business calendar delivery targets use (UTC if it has none)."""
    from itsm.requests.target import calendar_for

    try:
        return ZoneInfo(calendar_for(root).timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return UTC


def start_of_day(value: Any, zone: tzinfo = UTC) -> datetime | None:
    """A date answer (``2026-12-31``) as the start of that day in ``zone``, in UTC (a ZoneInfo
    does not pickle into ZODB); None for no date."""
    if not value:
        return None
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def release_dated_tasks(ctx: ActionContext) -> int:
    """Release the waiting tasks whose date has come (and whose dependencies are done)."""
    _total, waiting = search(ctx.root, kind="task", status=WAITING, per_page=10000)
    released = 0
    for task in waiting:
        if task.not_before is None or ctx.now < task.not_before:
            continue
        _release_if_ready(ctx, task.request, task)
        released += task.status != WAITING
    return released


def dated_tasks_job(job: Any) -> str | None:
    def run(root: Any) -> int:
        count = release_dated_tasks(ActionContext.system(root, job.registry, job.now()))
        flush(root)
        return count

    count = job.transact(run)
    return f"released {count}" if count else None


def _release_if_ready(ctx: ActionContext, request: ServiceRequest, task: FulfilmentTask) -> None:
    if task.status != WAITING:
        return
    if task.not_before is not None and ctx.now < task.not_before:
        return
    if all(request.tasks[n].status == DONE for n in task.depends_on if n in request.tasks):
        fire(TASK_WORKFLOW, task, "release", actor=None, roles=SYSTEM, now=ctx.now)
        request.history.record(
            ctx.now,
            None,
            "task",
            field=task.number,
            before=WAITING,
            after=task.status,
            note=task.title,
        )
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


class TaskError(ValueError):
    """A task action refused for its input; ``fields`` says which."""

    status = 400
    code = "invalid"

    def __init__(self, message: Any, fields: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


def _log(ctx: ActionContext, task: FulfilmentTask, action: str, note: str = "", **kw: Any) -> None:
    """Every task action also goes into the request's history."""
    task.request.history.record(ctx.now, ctx.actor, action, field=task.number, note=note, **kw)
    task.request.updated = ctx.now
    mark_changed(ctx.root, task.request)


def work_task(
    ctx: ActionContext, task: FulfilmentTask, name: str, fields: Mapping[str, Any] | None = None
) -> None:
    """Fire ``start``, ``done`` or ``cancel`` on a task; done tasks release their dependents
    and may finish the request. ``done`` on a task that delivers hardware takes ``ci``: the CI
    handed over to the requester."""
    fields = dict(fields or {})
    ci_number = str(fields.pop("ci", "") or "").strip()
    request = task.request
    delivered = None
    if ci_number:
        if name != "done" or not task.delivers:
            raise TaskError(
                _("Only a delivery task takes a CI when it is done."),
                {"ci": _("Leave it empty.")},
            )
        TASK_WORKFLOW.check(task, name, ctx.roles_on(task), fields, ctx.now)
        try:
            delivered = assets.check_delivery(ctx.root, request, task, ci_number)
        except assets.DeliveryError as error:
            raise TaskError(error.message, error.fields) from None

    def apply(ticket: Any, transition: Any, values: Mapping[str, Any], now: Any) -> None:
        if transition.name == "start" and ctx.actor:
            ticket.assignee = ctx.actor
        if transition.name == "done":
            ticket.done_at = now
            if not ticket.assignee:
                ticket.assignee = ctx.actor

    before = task.status
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
    _log(ctx, task, "task", note=task.title, before=before, after=task.status)
    if fields.get("note"):
        note_task(ctx, task, str(fields["note"]))
    if delivered is not None:
        try:
            assets.deliver(ctx, request, task, delivered)
        except assets.DeliveryError as error:
            raise TaskError(error.message, error.fields) from None
    if name == "done" and task.returns:
        assets.take_back(ctx, request, task, str(request.answers.get("person") or ""))
    mark_changed(ctx.root, task)
    if task.status in FINISHED_TASKS:
        for other in request.tasks.values():
            _release_if_ready(ctx, request, other)
        finish_if_done(ctx, request)


def assignable(root: Any, task: FulfilmentTask) -> list[Any]:
    """IT staff of the task's group, by name: who a task may be given to."""
    people = [
        p for p in root["people"].values() if task.group in p.groups and has_staff_role(p.roles)
    ]
    return sorted(people, key=lambda p: p.display_name)


def assign_task(ctx: ActionContext, task: FulfilmentTask, login: str | None) -> None:
    """Give an open task to ``login`` (oneself, or IT staff of its group); None: nobody."""
    if not task.is_open:
        raise TaskError(_("Only an open task can be assigned."), {"assignee": _("Not now.")})
    if not has_staff_role(ctx.roles):
        raise TaskError(_("Only IT staff work on tasks."), {"assignee": _("Not allowed.")})
    login = (login or "").strip() or None
    if login is not None and login != ctx.actor:
        if login not in {p.login for p in assignable(ctx.root, task)}:
            raise TaskError(
                _("Some fields are not valid."),
                {"assignee": _("Choose someone of group ${group}.", mapping={"group": task.group})},
            )
    before = task.assignee
    if task.update({"assignee": login}, ctx.actor, ctx.now):
        _log(ctx, task, "task_assigned", note=task.title, before=before, after=login)
        mark_changed(ctx.root, task)


NOTE_LIMIT = 5000


def note_task(ctx: ActionContext, task: FulfilmentTask, text: str, minutes: Any = 0) -> None:
    """An internal note on a task, with the minutes worked if given (and a line in the
    request's history); the time report counts the minutes for the request."""
    text = (text or "").strip()
    try:
        worked = parse_minutes(minutes)
    except WorkLogError as error:
        raise TaskError(error.message, error.fields) from None
    if not text and not worked:
        raise TaskError(_("Some fields are required."), {"note": _("Required")})
    if len(text) > NOTE_LIMIT:
        raise TaskError(
            _("Some fields are not valid."),
            {"note": _("At most ${limit} characters.", mapping={"limit": NOTE_LIMIT})},
        )
    task.journal.add(
        "worklog" if worked and not text else "note", ctx.actor, ctx.now, text, minutes=worked
    )
    task.updated = ctx.now
    _log(ctx, task, "task_note", note=text[:500] or f"{worked} min")
    mark_changed(ctx.root, task)


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
    delivered(ctx, request)
    if request.parent:
        parent = requests.get(request.parent)
        if parent is not None:
            finish_if_done(ctx, parent)


def delivered(ctx: ActionContext, request: ServiceRequest) -> None:
    """After ``resolve``: the time, and the requester's mail with the satisfaction survey's
    single-use link (made by :mod:`itsm.selfservice.satisfaction` in the same transaction)."""
    request.resolved_at = ctx.now
    mark_changed(ctx.root, request)
    values: dict[str, Any] = {}
    token = getattr(getattr(request, "survey", None), "_v_token", None)
    if token:
        values["survey_url"] = f"{ctx.settings.public_url}/survey?token={token}"
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
        **values,
    )


def find_task(root: Any, number: str) -> FulfilmentTask | None:
    """A task by its number (``TASK-000001``), through the catalog's number index."""
    catalog = root.catalog
    result = Eq(catalog["number"], number.upper()).execute(resolver=root.catalog_objects.get)
    for docid in result.ids:
        obj = root.catalog_objects.get(docid)
        if isinstance(obj, FulfilmentTask):
            return obj
    return None
