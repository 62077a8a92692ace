"""Queues and filtered lists of incidents, read from the catalog (never by scanning)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from itsm.i18n import _
from itsm.search import worklist as wl
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
    page = max(1, page)
    fast = from_worklist(request.itsm_root, query, sort, reverse, page, per_page)
    if fast is not None:
        return fast
    return search(
        request.itsm_root, sort=sort, reverse=reverse, page=page, per_page=per_page, **query
    )


#: Query keys the pre-sorted work lists can answer (every other filter needs the catalog).
_WORKLIST_KEYS = frozenset({"kind", "open", "group", "assignee", "due_before"})


def _lanes(query: Mapping[str, Any]) -> list[str] | None:
    """The work-list lanes whose union is exactly ``query`` (open incidents by group and
    assignee), or None when no lanes express it."""
    group, assignee = query.get("group"), query.get("assignee")
    groups = [group] if isinstance(group, str) else list(group) if group is not None else None
    if groups is None:
        if assignee is None:
            return [wl.OPEN]
        return [wl.assignee_lane(assignee)] if assignee else None
    if assignee is None:
        return [wl.group_lane(g) for g in groups]
    if assignee == "":
        return [wl.unassigned_lane(g) for g in groups]
    return None


def from_worklist(
    root: Any, query: Mapping[str, Any], sort: str, reverse: bool, page: int, per_page: int
) -> tuple[int, list[Any]] | None:
    """``(total, page)`` from the pre-sorted open work (:mod:`itsm.search.worklist`) when the
    query is one of the queues in their own order; None means "ask the catalog". Same
    answer as the catalog, in the same order, without building or sorting docid sets."""
    if query.get("kind") != "incident" or query.get("open") is not True:
        return None
    if not set(query) <= _WORKLIST_KEYS or reverse:
        return None
    if wl.worklists(root) is None:
        return None  # a database not evolved yet
    work = wl.worklist(root, "incident")
    start, stop = (page - 1) * per_page, page * per_page
    if "due_before" in query:
        if sort != "sla_next_check" or "group" in query or "assignee" in query:
            return None
        if work is None:
            return 0, []
        moment = query["due_before"]
        moment = moment.timestamp() if hasattr(moment, "timestamp") else float(moment)
        total = work.count_due_before(moment)
        return total, wl.page(work.due_before(moment), root.catalog_objects, start, stop)
    if sort != "queue_rank":
        return None
    lanes = _lanes(query)
    if lanes is None:
        return None
    if work is None:
        return 0, []
    total = sum(work.count(key) for key in dict.fromkeys(lanes))
    if start >= total:
        return total, []
    return total, wl.page(work.ranked(lanes), root.catalog_objects, start, stop)


#: The most the "breaching" tab counts (shown as "1000+"): that count walks its keys.
COUNT_CAP = 1000


def shown_count(count: int) -> str:
    """A tab's count as shown: ``1000+`` at the cap."""
    return f"{COUNT_CAP}+" if count >= COUNT_CAP else str(count)


def queue_counts(request: Any) -> dict[str, int]:
    """How many incidents each of :data:`QUEUES` holds for this agent, from the counters of
    the work lists (or, in a database not evolved yet, from the catalog); "breaching" stops
    counting at :data:`COUNT_CAP` (:func:`shown_count`)."""
    root = request.itsm_root
    if wl.worklists(root) is None:
        return {q: list_incidents(request, {"queue": q}, per_page=1)[0] for q in QUEUES}
    work = wl.worklist(root, "incident")
    if work is None:
        return dict.fromkeys(QUEUES, 0)
    person = request.identity.person
    groups = [g for g in person.groups if g in root["settings"]["groups"]]
    return {
        "mine": work.count(wl.assignee_lane(request.identity.login)),
        "groups": sum(work.count(wl.unassigned_lane(g)) for g in dict.fromkeys(groups)),
        "open": work.count(wl.OPEN),
        "breaching": work.count_due_before(time.time() + BREACHING_WINDOW, COUNT_CAP),
    }
