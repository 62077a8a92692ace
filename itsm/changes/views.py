"""Pages: the change list, the change calendar (a list by day), and a change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from itsm.changes import actions
from itsm.changes.calendar import by_day, calendar_changes
from itsm.changes.intake import ChangeError
from itsm.changes.models import Change, change_settings
from itsm.changes.risk import QUESTIONS, RISK_CLASSES, RISK_TITLES
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
from itsm.incidents.views import flash, is_staff, translate
from itsm.search.catalog import search
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import TransitionError

PER_PAGE = 50


@view_config(
    context=Changes,
    request_method="GET",
    permission="view",
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
        "state_titles": STATE_TITLES,
        "type_titles": TYPE_TITLES,
        "risk_titles": RISK_TITLES,
    }


@view_config(
    context=Changes,
    name="calendar",
    request_method="GET",
    permission="view",
    renderer="itsm:changes/templates/calendar.pt",
)
def calendar_view(context: Changes, request: Any) -> dict[str, Any]:
    """Scheduled and implementing changes by day (UTC), filterable by CI, group and risk."""
    params = request.GET
    risk = params.get("risk") if params.get("risk") in RISK_CLASSES else None
    since = datetime.now(UTC) - timedelta(days=1)
    changes = calendar_changes(
        request.itsm_root,
        ci=params.get("ci") or None,
        group=params.get("group") or None,
        risk=risk,
        since=since,
    )
    blackouts = [w for w in change_settings(request.itsm_root).blackouts if w[2] >= since]
    return {
        "days": by_day(changes),
        "blackouts": blackouts,
        "filters": {k: params.get(k, "") for k in ("ci", "group", "risk")},
        "risk_classes": RISK_CLASSES,
        "risk_titles": RISK_TITLES,
        "state_titles": STATE_TITLES,
        "type_titles": TYPE_TITLES,
    }


@view_config(
    context=Change,
    request_method="GET",
    permission="view",
    renderer="itsm:changes/templates/change.pt",
)
def change_view(context: Change, request: Any) -> dict[str, Any]:
    ctx = ActionContext.from_request(request)
    may_work = bool(request.has_permission("work", context))
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
        "transitions": available if may_work else [],
    }


@view_config(context=Change, name="transition", request_method="POST", permission="work")
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
