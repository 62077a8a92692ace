"""Recurring requests: a template with a schedule creates a request on time, once.

Schedules are data: ``{"kind": "weekly", "weekday": 0, "time": "09:00"}`` (0 = Monday),
``{"kind": "monthly_first_working_day", "time": "09:00"}``, ``{"kind": "daily", "time":
"07:30"}``; times are UTC. Each template stores its next due time; the worker's sweep creates
the request when it has passed and moves ``next_run`` past *now*, so a worker that was down over
several due times catches up once, not once per missed time.

Templates live in ``/settings/recurring`` (made with the first template, so reads never write).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from persistent import Persistent

from itsm.folder import Folder

NAME = "recurring"
KINDS = ("daily", "weekly", "monthly_first_working_day")


class RecurringTemplate(Persistent):
    """What to order, for whom, and when."""

    __parent__: Any = None
    __name__: str | None = None
    title = ""
    item = ""
    answers: Mapping[str, Any] = {}  # noqa: RUF012 - replaced whole
    requester = ""
    schedule: Mapping[str, Any] = {}  # noqa: RUF012 - replaced whole
    active = True
    last_run: datetime | None = None
    next_run: datetime | None = None
    runs: tuple[tuple[datetime, str], ...] = ()  # (when, request number), the latest 20

    def __init__(self, **values: Any) -> None:
        for key, value in values.items():
            if not hasattr(type(self), key):
                raise TypeError(f"unknown recurring template field {key!r}")
            setattr(self, key, value)


def schedule_error(schedule: Mapping[str, Any]) -> str | None:
    """Why ``schedule`` is not valid, or None."""
    if schedule.get("kind") not in KINDS:
        return "kind"
    try:
        _clock(schedule)
    except (ValueError, TypeError):
        return "time"
    if schedule["kind"] == "weekly" and schedule.get("weekday") not in range(7):
        return "weekday"
    return None


def _clock(schedule: Mapping[str, Any]) -> time:
    hours, minutes = str(schedule.get("time", "09:00")).split(":")
    return time(int(hours), int(minutes), tzinfo=UTC)


def _first_working_day(year: int, month: int) -> date:
    day = date(year, month, 1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def next_after(schedule: Mapping[str, Any], after: datetime) -> datetime:
    """The first due time strictly after ``after`` (pure: tested with any clock)."""
    clock = _clock(schedule)
    kind = schedule["kind"]
    day = after.astimezone(UTC).date()
    for _ in range(400):
        candidate = datetime.combine(day, clock)
        if candidate > after and _matches(kind, schedule, day):
            return candidate
        day += timedelta(days=1)
    raise ValueError(f"no due time for {schedule!r}")


def _matches(kind: str, schedule: Mapping[str, Any], day: date) -> bool:
    if kind == "daily":
        return True
    if kind == "weekly":
        return day.weekday() == schedule["weekday"]
    return day == _first_working_day(day.year, day.month)


def templates(root: Any) -> Folder | None:
    return root["settings"].get(NAME)


def add_template(root: Any, slug: str, now: datetime, **values: Any) -> RecurringTemplate:
    folder = templates(root)
    if folder is None:
        folder = root["settings"].add(NAME, Folder())
    template = RecurringTemplate(**values)
    template.next_run = next_after(template.schedule, now)
    return folder.add(slug, template)


def run_due(ctx: Any) -> list[str]:
    """Create the request of every template that is due; returns the new numbers."""
    from itsm.requests.intake import OrderError, create_request

    folder = templates(ctx.root)
    if folder is None:
        return []
    created = []
    for template in list(folder.values()):
        if not template.active or template.next_run is None or template.next_run > ctx.now:
            continue
        item = ctx.root["catalog"].get(template.item)
        template.last_run = ctx.now
        template.next_run = next_after(template.schedule, ctx.now)
        if item is None:
            continue
        try:
            request = create_request(
                ctx, item, template.answers, requester=template.requester, channel="recurring"
            )
        except OrderError:
            continue
        template.runs = ((ctx.now, request.number), *template.runs)[:20]
        created.append(request.number)
    return created


def recurring_job(job: Any) -> str | None:
    from itsm.search.catalog import flush
    from itsm.tickets.context import ActionContext

    def run(root: Any) -> list[str]:
        created = run_due(ActionContext.system(root, job.registry, job.now()))
        flush(root)
        return created

    created = job.transact(run)
    return f"created {', '.join(created)}" if created else None
