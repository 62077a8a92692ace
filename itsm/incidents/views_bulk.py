"""The queue's bulk actions (``POST /incidents/@@bulk``) and its summary page."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import get_renderer
from pyramid.view import view_config

from itsm.i18n import _
from itsm.incidents.bulk import OPERATIONS, BulkRefused, bulk_update, transition_titles
from itsm.incidents.models import Incidents
from itsm.incidents.queries import list_incidents
from itsm.incidents.saved_views import KEYS
from itsm.security.permissions import P
from itsm.tickets.bulk import MAX_TICKETS
from itsm.tickets.priority import PRIORITY_TITLES
from itsm.ui.forms import translate

#: What the summary says changed on an incident.
CHANGED_TITLES = {
    "status": _("Status"),
    "assignee": _("Assignee"),
    "group": _("Group"),
    "priority": _("Priority"),
    "journal": _("Journal"),
    "problem": _("Problem"),
    "parent": _("Major incident"),
}
VALUE_FIELDS = (
    "assignee",
    "group",
    "priority",
    "transition",
    "reason",
    "resolution_code",
    "resolution",
    "body",
    "problem",
    "parent",
)


def bulk_bar(request: Any, filters: Any, total: int) -> dict[str, Any]:
    """What the queue template's bulk bar (``list_bulk.pt``) needs."""
    from itsm.incidents.workflow import RESOLUTION_CODES

    return {
        "bulk": get_renderer("itsm:incidents/templates/list_bulk.pt").implementation(),
        "bulk_url": request.resource_url(request.context, "@@bulk"),
        "bulk_operations": OPERATIONS,
        "bulk_transitions": transition_titles(),
        "bulk_resolution_codes": RESOLUTION_CODES,
        "bulk_filters": {k: getattr(filters, k) for k in KEYS if getattr(filters, k, "")},
        "bulk_total": min(total, MAX_TICKETS),
    }


def matching_numbers(request: Any, query: dict[str, str]) -> list[str]:
    """Every incident the queue's filters find (at most MAX_TICKETS), for "all N matching"."""
    params = dict(query)
    queue = params.get("queue", "mine")
    params["queue"] = "" if queue == "all" else queue
    _total, items = list_incidents(request, params, page=1, per_page=MAX_TICKETS)
    return [i.number for i in items]


@view_config(
    context=Incidents,
    name="bulk",
    request_method="POST",
    permission=P.WORK,
    renderer="itsm:incidents/templates/bulk_summary.pt",
)
def bulk_view(context: Incidents, request: Any) -> Any:
    post = request.POST
    # The queue's filters ride along as filter_<key> (the action has its own "group" …).
    query = {k: post[f"filter_{k}"] for k in KEYS if post.get(f"filter_{k}")}
    back = request.resource_url(context, query=query)
    if post.get("all_matching") == "1":
        numbers = matching_numbers(request, query)
    else:
        numbers = post.getall("incidents")
    operation = post.get("operation", "")
    values = {k: post.get(k, "") for k in VALUE_FIELDS}
    if not numbers:
        request.session.flash(translate(request, _("Select at least one incident.")), "warning")
        return HTTPSeeOther(location=back)
    try:
        outcomes = bulk_update(request, numbers, operation, values)
    except BulkRefused as error:
        request.response.status = 400
        return {
            "error": error.message,
            "errors": error.fields,
            "outcomes": [],
            "done": [],
            "refused": [],
            "back": back,
            "operation": OPERATIONS.get(operation, operation),
            "changed_titles": CHANGED_TITLES,
        }
    return {
        "error": None,
        "errors": {},
        "outcomes": outcomes,
        "done": [o for o in outcomes if o.done],
        "refused": [o for o in outcomes if not o.done],
        "back": back,
        "operation": OPERATIONS[operation],
        "priorities": PRIORITY_TITLES,
        "changed_titles": CHANGED_TITLES,
    }


@view_config(context=Incidents, name="bulk", request_method="GET", permission=P.WORK)
def bulk_get(context: Incidents, request: Any) -> HTTPSeeOther:
    """The bulk address opened directly (a reload of the summary): back to the queue."""
    return HTTPSeeOther(location=request.resource_url(context))
