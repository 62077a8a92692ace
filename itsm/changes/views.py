"""Pages: the change list, the change calendar (a list by day), and a change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.renderers import get_renderer
from pyramid.view import view_config

from itsm.changes import actions
from itsm.changes.calendar import (
    by_day,
    calendar_changes,
    fill,
    month_grid,
    shift_month,
    week_grid,
    week_start,
)
from itsm.changes.conflicts import (
    CALENDAR_STATES,
    CONFLICT_STATES,
    PENDING_STATES,
    conflict_line,
    conflict_marks,
    current_conflicts,
)
from itsm.changes.feeds import reads_all_changes
from itsm.changes.intake import ChangeError
from itsm.changes.models import Change, change_settings
from itsm.changes.risk import QUESTIONS, RISK_CLASSES, RISK_TITLES
from itsm.changes.summary import ANSWER_TITLES, PLAN_TITLES
from itsm.changes.workflow import (
    OUTCOME_TITLES,
    OUTCOMES,
    STATE_TITLES,
    TYPE_TITLES,
    USER_TRANSITIONS,
    WORKFLOW,
)
from itsm.containers import Changes
from itsm.i18n import _
from itsm.search.catalog import search
from itsm.security.permissions import P
from itsm.tickets.context import ActionContext
from itsm.tickets.links import change_links
from itsm.tickets.workflow import TransitionError
from itsm.ui.forms import flash, is_staff, translate

PER_PAGE = 50


@view_config(
    context=Changes,
    request_method="GET",
    permission=P.VIEW,
    renderer="itsm:changes/templates/list.pt",
)
def list_view(context: Changes, request: Any) -> dict[str, Any]:
    """Every change, newest first (people outside IT: the ones they raised)."""
    page = max(1, int(request.GET.get("page", "1") or 1))
    query: dict[str, Any] = {"kind": "change"}
    if not is_staff(request):
        query["requester"] = request.identity.login
    total, found = search(
        request.itsm_root, sort="created", reverse=True, page=page, per_page=PER_PAGE, **query
    )
    return {
        "changes": found,
        "total": total,
        "calendar": reads_all_changes(request.identity.person.roles),
        "state_titles": STATE_TITLES,
        "type_titles": TYPE_TITLES,
        "risk_titles": RISK_TITLES,
    }


MONTH_TITLES = (
    _("January"),
    _("February"),
    _("March"),
    _("April"),
    _("May"),
    _("June"),
    _("July"),
    _("August"),
    _("September"),
    _("October"),
    _("November"),
    _("December"),
)
WEEKDAY_TITLES = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)
#: Short names for narrow screens (the full name stays for screen readers).
WEEKDAY_SHORT = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))
CALENDAR_MACROS = "itsm:changes/templates/calendar_macros.pt"


def calendar_filters(request: Any) -> dict[str, str]:
    """The CI, group and risk filters as typed (an unknown risk is dropped)."""
    params = request.GET
    filters = {k: str(params.get(k, "")).strip() for k in ("ci", "group", "risk", "pending")}
    if filters["risk"] not in RISK_CLASSES:
        filters["risk"] = ""
    filters["pending"] = "1" if filters["pending"] in ("1", "on", "true") else ""
    return filters


def filtered_changes(request: Any, filters: dict[str, str], since: datetime) -> list[Any]:
    return calendar_changes(
        request.itsm_root,
        ci=filters["ci"] or None,
        group=filters["group"] or None,
        risk=filters["risk"] or None,
        since=since,
        # ``pending=1``: changes still assessed or awaiting approval too, marked with their
        # state, so the board sees what is coming before it approves.
        states=CONFLICT_STATES if filters["pending"] else CALENDAR_STATES,
    )


def calendar_url(request: Any, view: str, filters: dict[str, str], **extra: str) -> str:
    """A calendar view's URL keeping the filters that are set."""
    query = {k: v for k, v in {**filters, **extra}.items() if v}
    return request.resource_url(request.itsm_root["changes"], view, query=query)


def calendar_common(request: Any, view: str, filters: dict[str, str], **dates: str) -> dict:
    """What every calendar view shows: tabs, filters and the titles. Only IT staff and the
    change board read the calendar (as its feed); others see the changes they raised."""
    identity = request.identity
    if not reads_all_changes(identity.person.roles):
        raise HTTPForbidden()
    return {
        "view": view,
        "cal": get_renderer(CALENDAR_MACROS).implementation(),
        "tabs": [
            (
                "month",
                _("Month"),
                calendar_url(request, "month", filters, date=dates.get("month", "")),
            ),
            ("week", _("Week"), calendar_url(request, "week", filters, date=dates.get("week", ""))),
            ("calendar", _("List"), calendar_url(request, "calendar", filters)),
        ],
        "filters": filters,
        "risk_classes": RISK_CLASSES,
        "risk_titles": RISK_TITLES,
        "state_titles": STATE_TITLES,
        "type_titles": TYPE_TITLES,
        "notice": None,
        "pending_states": PENDING_STATES,
        "conflict_line": conflict_line,
        "marks": {},
    }


@view_config(
    context=Changes,
    name="calendar",
    request_method="GET",
    permission=P.VIEW,
    renderer="itsm:changes/templates/calendar.pt",
)
def calendar_view(context: Changes, request: Any) -> dict[str, Any]:
    """Scheduled and implementing changes by day (UTC), filterable by CI, group and risk."""
    filters = calendar_filters(request)
    since = datetime.now(UTC) - timedelta(days=1)
    changes = filtered_changes(request, filters, since)
    blackouts = [w for w in change_settings(request.itsm_root).blackouts if w[2] >= since]
    return {
        **calendar_common(request, "calendar", filters),
        "days": by_day(changes),
        "blackouts": blackouts,
        "marks": conflict_marks(request.itsm_root, changes),
    }


def _parse_date(text: str, pattern: str) -> date | None:
    """The date typed in ``text``, or None when it is not one (or far outside any plan)."""
    try:
        parsed = datetime.strptime(text, pattern).date()
    except ValueError:
        return None
    return parsed if 1900 <= parsed.year <= 9000 else None


def shown_date(request: Any, pattern: str, refusal: str, today: date) -> tuple[date, Any]:
    """The period asked for in ``?date=`` (today without one), and the notice when the value
    is not a date (then today's period is shown)."""
    text = str(request.GET.get("date", "") or "")
    if not text:
        return today, None
    shown = _parse_date(text, pattern)
    if shown is None:
        return today, _(refusal, mapping={"value": text[:20]})
    return shown, None


def filled(request: Any, filters: dict[str, str], cells: list[Any]) -> dict[str, Any]:
    """Put the filtered changes and every blackout window in the grid's cells."""
    changes = filtered_changes(request, filters, cells[0].start)
    fill(cells, changes, change_settings(request.itsm_root).blackouts)
    return conflict_marks(request.itsm_root, changes)


def stepping(request: Any, view: str, filters: dict[str, str], before: str, after: str) -> dict:
    """The previous / today / next links of a month or week view."""
    return {
        "prev_url": calendar_url(request, view, filters, date=before),
        "next_url": calendar_url(request, view, filters, date=after),
        "today_url": calendar_url(request, view, filters),
    }


@view_config(
    context=Changes,
    name="month",
    request_method="GET",
    permission=P.VIEW,
    renderer="itsm:changes/templates/calendar_month.pt",
)
def month_view(context: Changes, request: Any) -> dict[str, Any]:
    """A month of the change calendar: a week a row, a day a cell (UTC)."""
    today = datetime.now(UTC).date()
    filters = calendar_filters(request)
    shown, notice = shown_date(
        request,
        "%Y-%m",
        _("“${value}” is not a month (YYYY-MM); this is the current month."),
        today,
    )
    year, month = shown.year, shown.month
    weeks = month_grid(year, month, today)
    marks = filled(request, filters, [cell for week in weeks for cell in week])
    this = f"{year:04d}-{month:02d}"
    week_day = today if (today.year, today.month) == (year, month) else date(year, month, 1)
    values = calendar_common(request, "month", filters, month=this, week=week_day.isoformat())
    values.update(
        marks=marks,
        notice=notice,
        weeks=weeks,
        weekdays=WEEKDAY_TITLES,
        weekdays_short=WEEKDAY_SHORT,
        title=(MONTH_TITLES[month - 1], year),
        **stepping(
            request,
            "month",
            filters,
            "{:04d}-{:02d}".format(*shift_month(year, month, -1)),
            "{:04d}-{:02d}".format(*shift_month(year, month, 1)),
        ),
    )
    return values


@view_config(
    context=Changes,
    name="week",
    request_method="GET",
    permission=P.VIEW,
    renderer="itsm:changes/templates/calendar_week.pt",
)
def week_view(context: Changes, request: Any) -> dict[str, Any]:
    """A week of the change calendar: a day a column, an hour a row (UTC)."""
    today = datetime.now(UTC).date()
    filters = calendar_filters(request)
    shown, notice = shown_date(
        request,
        "%Y-%m-%d",
        _("“${value}” is not a date (YYYY-MM-DD); this is the current week."),
        today,
    )
    monday = week_start(shown)
    rows = week_grid(monday, today)
    marks = filled(request, filters, [cell for row in rows for cell in row])
    days = [monday + timedelta(days=n) for n in range(7)]
    values = calendar_common(
        request,
        "week",
        filters,
        month=f"{monday.year:04d}-{monday.month:02d}",
        week=monday.isoformat(),
    )
    values.update(
        marks=marks,
        notice=notice,
        rows=rows,
        days=days,
        weekdays=WEEKDAY_TITLES,
        weekdays_short=WEEKDAY_SHORT,
        today=today,
        monday=monday,
        sunday=days[-1],
        **stepping(
            request,
            "week",
            filters,
            (monday - timedelta(days=7)).isoformat(),
            (monday + timedelta(days=7)).isoformat(),
        ),
    )
    return values


@view_config(
    context=Change,
    request_method="GET",
    permission=P.VIEW,
    renderer="itsm:changes/templates/change.pt",
)
def change_view(context: Change, request: Any) -> dict[str, Any]:
    ctx = ActionContext.from_request(request)
    may_work = bool(request.has_permission(P.WORK, context))
    available = [
        t.name
        for t in WORKFLOW.available(context.status, ctx.roles_on(context))
        if t.name in USER_TRANSITIONS
    ]
    return {
        "ticket": context,
        "state_titles": STATE_TITLES,
        "type_titles": TYPE_TITLES,
        "risk_titles": RISK_TITLES,
        "outcome_titles": OUTCOME_TITLES,
        "outcomes": OUTCOMES,
        "questions": QUESTIONS,
        "plan_titles": PLAN_TITLES,
        "answer_titles": ANSWER_TITLES,
        "transitions": available if may_work else [],
        "links": change_links(request.itsm_root, context),
        "conflicts": current_conflicts(request.itsm_root, context),
        "conflict_line": conflict_line,
    }


@view_config(context=Change, name="transition", request_method="POST", permission=P.WORK)
def transition_view(context: Change, request: Any) -> HTTPSeeOther:
    """The change page's buttons: the same transitions as the API."""
    ctx = ActionContext.from_request(request)
    keys = ("reason", "outcome", "notes", "planned_start", "planned_end", "override_reason")
    fields = {k: request.POST[k] for k in keys if request.POST.get(k)}
    try:
        actions.transition(ctx, context, request.POST.get("name", ""), fields)
    except (TransitionError, ChangeError) as error:
        request.tm.doom()
        flash(request, translate(request, error.message), "danger")
    else:
        flash(request, _("Done."))
    return HTTPSeeOther(location=request.resource_url(context))
