"""Queues and filtered lists of incidents, read from the catalog (never by scanning)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from itsm.i18n import _
from itsm.search.catalog import search
from itsm.security.roles import has_staff_role

QUEUES = {
    "mine": _("Assigned to me"),
    "groups": _("My groups, unassigned"),
    "open": _("All open"),
    "breaching": _("Breaching soon"),
}
#: Sort keys offered in the UI and the API: name -> (index, reverse).
SORTS = {
    "priority": ("queue_rank", False),
    "newest": ("created", True),
    "oldest": ("created", False),
    "updated": ("updated", True),
    "due": ("resolution_due", False),
}
BREACHING_WINDOW = 4 * 3600  # "breaching soon": the next check falls within four hours


def list_incidents(
    request: Any, params: Mapping[str, str], *, page: int = 1, per_page: int = 50
) -> tuple[int, list[Any]]:
    """What the caller may see, filtered by ``params`` (status, group, assignee, requester,
    priority, category, q, queue, sort). Employees see only their own and watched incidents."""
    identity = request.identity
    person = identity.person
    staff = has_staff_role(person.roles)
    query: dict[str, Any] = {"kind": "incident"}
    status = params.get("status")
    if status:
        query["status"] = [s for s in status.split(",") if s]
    for name in ("group", "assignee", "requester", "category"):
        if params.get(name) is not None and params.get(name) != "":
            query[name] = params[name]
    if params.get("assignee") == "-":
        query["assignee"] = ""
    if params.get("priority"):
        query["priority"] = int(params["priority"])
    if params.get("q"):
        query["text"] = params["q"]
    sort, reverse = SORTS.get(params.get("sort", ""), SORTS["priority"])
    queue = params.get("queue", "")
    if staff:
        if queue == "mine":
            query.update(assignee=identity.login, open=True)
        elif queue == "groups":
            groups = [g for g in person.groups if g in request.itsm_root["settings"]["groups"]]
            query.update(group=groups or ["\x00none"], assignee="", open=True)
        elif queue == "open":
            query["open"] = True
        elif queue == "breaching":
            query.update(open=True, due_before=time.time() + BREACHING_WINDOW)
            sort, reverse = "sla_next_check", False
    else:
        # An employee's list: their own incidents, whatever the filter says.
        query["requester"] = identity.login
    return search(
        request.itsm_root, sort=sort, reverse=reverse, page=max(1, page), per_page=per_page, **query
    )
