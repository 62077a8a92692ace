"""Recurring work: a template with a schedule creates a request (or a task for a group) on time,
once.

Schedules are data: ``{"kind": "weekly", "weekday": 0, "time": "09:00"}`` (0 = Monday),
``{"kind": "monthly_first_working_day", "time": "09:00"}``, ``{"kind": "working_days", "time":
"08:00"}``, ``{"kind": "daily", "time": "07:30"}``. Times are local wall-clock times of a business
calendar of the SLA settings (the template's own ``calendar``, else the one delivery targets use:
see :func:`itsm.requests.target.calendar_for`): "every Monday 9:00" is 9:00 there in winter and in
summer, and working days are the calendar's days with working hours that are not holidays, so
"first working day of the month" skips weekends and holidays.

A template creates either a request for a catalog item (``creates`` "request": ``item`` and its
form's ``answers``) or a task for a support group (``creates`` "task": ``group``, the template's
``title`` and ``description``, delivered as a request whose one fulfilment task is the group's).

Each template stores its next due time; the worker's sweep creates the request when it has
passed and moves ``next_run`` past *now*, so a worker that was down over several due times
catches up once, not once per missed time. A due time that the calendar no longer allows (a
holiday added since) moves to the next allowed one first.

Templates live in ``/settings/recurring`` (made with the first template, so reads never write).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from persistent import Persistent

from itsm.folder import Folder
from itsm.sla.calendar import BusinessCalendar

NAME = "recurring"
KINDS = ("daily", "working_days", "weekly", "monthly_first_working_day")
CREATES = ("request", "task")
#: Weekends of the plain UTC schedule used when no calendar is given.
_PLAIN_WORKING_DAYS = frozenset(range(5))


class RecurringTemplate(Persistent):
    """What to create, for whom, and when."""

    __parent__: Any = None
    __name__: str | None = None
    title = ""
    creates = "request"  # request | task
    item = ""  # "request": the catalog item's slug
    answers: Mapping[str, Any] = {}  # noqa: RUF012 - replaced whole
    group = ""  # "task": the support group that gets the task
    description = ""  # "task": what to do
    requester = ""
    schedule: Mapping[str, Any] = {}  # noqa: RUF012 - replaced whole
    calendar = ""  # a business calendar's name; "" is the delivery targets' calendar
    active = True
    last_run: datetime | None = None
    next_run: datetime | None = None
    runs: tuple[tuple[datetime, str], ...] = ()  # (when, request number), the latest 20
    created: datetime | None = None
    updated: datetime | None = None

    def __init__(self, **values: Any) -> None:
        for key, value in values.items():
            if not hasattr(type(self), key):
                raise TypeError(f"unknown recurring template field {key!r}")
            setattr(self, key, value)


def schedule_error(schedule: Mapping[str, Any]) -> str | None:
    """Why ``schedule`` is not valid (the name of the wrong part), or None."""
    if not isinstance(schedule, Mapping) or schedule.get("kind") not in KINDS:
        return "kind"
    try:
        _clock(schedule)
    except (ValueError, TypeError):
        return "time"
    weekday = schedule.get("weekday")
    if schedule["kind"] == "weekly" and (isinstance(weekday, bool) or weekday not in range(7)):
        return "weekday"
    return None


def _clock(schedule: Mapping[str, Any]) -> time:
    hours, minutes = str(schedule.get("time", "09:00")).split(":")
    if len(hours) > 2 or len(minutes) != 2:
        raise ValueError("HH:MM")
    return time(int(hours), int(minutes))


def is_working_day(day: date, calendar: BusinessCalendar | None) -> bool:
    """A day with working hours that is not a holiday (Monday to Friday without a calendar)."""
    if calendar is None:
        return day.weekday() in _PLAIN_WORKING_DAYS
    return bool(calendar.intervals(day.weekday())) and not calendar.is_holiday(day)


def _first_working_day(year: int, month: int, calendar: BusinessCalendar | None) -> date | None:
    day = date(year, month, 1)
    while day.month == month:
        if is_working_day(day, calendar):
            return day
        day += timedelta(days=1)
    return None  # a month without a working day: the schedule skips it


def _matches(schedule: Mapping[str, Any], day: date, calendar: BusinessCalendar | None) -> bool:
    kind = schedule["kind"]
    if kind == "daily":
        return True
    if kind == "working_days":
        return is_working_day(day, calendar)
    if kind == "weekly":
        return day.weekday() == schedule["weekday"]
    return day == _first_working_day(day.year, day.month, calendar)


def next_after(
    schedule: Mapping[str, Any], after: datetime, calendar: BusinessCalendar | None = None
) -> datetime:
    """The first due time strictly after ``after``, in UTC (pure: tested with any clock).

    The schedule's time is the wall-clock time in ``calendar``'s time zone; a time that a
    daylight-saving change skips (02:30 on the spring-forward night) is read with the offset
    before the change, so it falls an hour later on the clock, and a time that happens twice is
    the first of the two. Without a calendar: UTC, Monday to Friday, no holidays."""
    clock = _clock(schedule)
    zone = calendar.zone if calendar is not None else UTC
    day = after.astimezone(zone).date()
    for _ in range(800):
        if _matches(schedule, day, calendar):
            candidate = datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)
            if candidate > after:
                return candidate
        day += timedelta(days=1)
    raise ValueError(f"no due time for {schedule!r}")


def templates(root: Any) -> Folder | None:
    return root["settings"].get(NAME)


def calendar_of(root: Any, template: RecurringTemplate) -> BusinessCalendar:
    """The business calendar the template's schedule runs on."""
    from itsm.requests.target import calendar_for
    from itsm.sla.models import get_sla_settings

    if template.calendar:
        settings = get_sla_settings(root)
        try:
            if settings is not None:
                return settings.calendar(template.calendar)
        except KeyError:
            pass  # deleted since: the default calendar rather than never running
    return calendar_for(root)


def reschedule(root: Any, template: RecurringTemplate, now: datetime) -> None:
    """Compute ``next_run`` afresh from ``now`` (after an edit, or when resumed)."""
    template.next_run = next_after(template.schedule, now, calendar_of(root, template))


def add_template(root: Any, slug: str, now: datetime, **values: Any) -> RecurringTemplate:
    folder = templates(root)
    if folder is None:
        folder = root["settings"].add(NAME, Folder())
    template = RecurringTemplate(**values)
    template.created = template.updated = now
    folder.add(slug, template)
    reschedule(root, template, now)
    return template


def update_template(
    root: Any, template: RecurringTemplate, now: datetime, **values: Any
) -> RecurringTemplate:
    """Change a template's fields; its next run is computed again from ``now``."""
    for key, value in values.items():
        if not hasattr(type(template), key) or key in ("runs", "last_run", "next_run"):
            raise TypeError(f"not an editable recurring template field {key!r}")
        setattr(template, key, value)
    template.updated = now
    if template.active:
        reschedule(root, template, now)
    return template


def set_active(root: Any, template: RecurringTemplate, active: bool, now: datetime) -> None:
    """Pause or resume. A resumed template starts from now: what was due while it was paused
    is not made up for."""
    template.active = active
    template.updated = now
    if active:
        reschedule(root, template, now)


def remove_template(root: Any, slug: str) -> None:
    folder = templates(root)
    if folder is not None and slug in folder:
        folder.remove(slug)


def _due(root: Any, template: RecurringTemplate, now: datetime) -> bool:
    """True when the template should run at ``now``; moves a stored due time the calendar no
    longer allows (a holiday added since it was computed) to the next allowed one."""
    if not template.active or template.next_run is None or template.next_run > now:
        return False
    calendar = calendar_of(root, template)
    allowed = next_after(template.schedule, template.next_run - timedelta(microseconds=1), calendar)
    if allowed != template.next_run:
        template.next_run = allowed
    return allowed <= now


def run_due(ctx: Any) -> list[str]:
    """Create the request of every template that is due; returns the new numbers."""
    from itsm.requests.intake import OrderError

    folder = templates(ctx.root)
    if folder is None:
        return []
    created = []
    for template in list(folder.values()):
        if not _due(ctx.root, template, ctx.now):
            continue
        template.last_run = ctx.now
        reschedule(ctx.root, template, ctx.now)
        try:
            number = _create(ctx, template)
        except OrderError:
            continue
        if number is None:
            continue
        template.runs = ((ctx.now, number), *template.runs)[:20]
        created.append(number)
    return created


def _create(ctx: Any, template: RecurringTemplate) -> str | None:
    """Create what the template makes; the new request's number (None: nothing to make)."""
    from itsm.requests.intake import create_request

    if template.creates == "task":
        return create_task_request(ctx, template).number
    item = ctx.root["catalog"].get(template.item)
    if item is None:
        return None
    request = create_request(
        ctx, item, template.answers, requester=template.requester, channel="recurring"
    )
    return request.number


def create_task_request(ctx: Any, template: RecurringTemplate) -> Any:
    """A request with no catalog item whose one fulfilment task goes to the template's group;
    it is approved at once (the template was set up by IT staff)."""
    from itsm.events import ObjectCreated
    from itsm.i18n import _
    from itsm.numbering import allocate_number
    from itsm.requests.intake import approved
    from itsm.requests.models import ServiceRequest
    from itsm.requests.workflow import DRAFT, WORKFLOW
    from itsm.search.catalog import mark_changed, new_docid
    from itsm.tickets.workflow import fire

    root = ctx.root
    number = allocate_number(root._p_jar.db(), "request")
    request = ServiceRequest(number, int(number.split("-")[1]), new_docid(root), ctx.now)
    request.title = template.title
    request.description = template.description
    request.requester = template.requester
    request.channel = "recurring"
    request.checklist = (
        {
            "key": "task",
            "group": template.group,
            "title": template.title,
            "description": template.description,
        },
    )
    request.status = DRAFT
    root["requests"].add(number, request)
    request.history.record(ctx.now, ctx.actor, "created", note="recurring")
    mark_changed(root, request)
    ctx.notify(ObjectCreated(request, ctx.request))
    fire(
        WORKFLOW,
        request,
        "submit",
        actor=ctx.actor,
        roles=frozenset({"system"}),
        now=ctx.now,
        notify=ctx.notify,
        request=ctx.request,
    )
    approved(ctx, request, _("Recurring work: no approval needed."))
    return request


def recurring_job(job: Any) -> str | None:
    from itsm.search.catalog import flush
    from itsm.tickets.context import ActionContext

    def run(root: Any) -> list[str]:
        created = run_due(ActionContext.system(root, job.registry, job.now()))
        flush(root)
        return created

    created = job.transact(run)
    return f"created {', '.join(created)}" if created else None
