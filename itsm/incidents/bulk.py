"""Bulk actions on incidents: assign, change group, priority or status, add a note, link to
a problem or a parent (major) incident — for many incidents chosen in a queue.

Every incident is checked on its own: the ACL (``work`` on that incident), then the same
operation a person would use on the incident page (``actions.transition`` fires the
workflow's transition function, ``update_fields``, ``add_entry`` …), so each incident's
history records the change and its mails go to the outbox. Batches of 100 commit on their
own (:mod:`itsm.tickets.bulk`); the outcome says per incident what changed or why not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pyramid.authorization import ACLHelper

from itsm.i18n import _
from itsm.incidents import actions
from itsm.incidents.intake import incident_settings
from itsm.incidents.workflow import WORKFLOW
from itsm.security.permissions import P
from itsm.tickets.bulk import Outcome, run_bulk
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import MissingFields, NotPermitted

#: The bulk actions, as the API and the queue's form name them.
OPERATIONS = {
    "assign": _("Assign to a person"),
    "group": _("Change the group"),
    "priority": _("Change the priority"),
    "status": _("Change the status"),
    "note": _("Add an internal note"),
    "problem": _("Link to a problem"),
    "parent": _("Attach to a major incident"),
}
#: Transitions the "status" action offers (the workflow still decides per incident).
STATUS_TRANSITIONS = ("start", "wait", "resume", "resolve", "close", "cancel")


class BulkRefused(MissingFields):
    """The action itself is wrong (unknown, missing a value): nothing was tried."""


def check_operation(root: Any, operation: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The action's values, cleaned, or :class:`BulkRefused` naming the wrong fields."""
    values = {k: str(v).strip() for k, v in values.items() if v is not None and str(v).strip()}
    errors: dict[str, Any] = {}
    if operation not in OPERATIONS:
        raise BulkRefused(_("Choose an action."), {"operation": _("Choose one of the options.")})
    required = {
        "assign": ("assignee",),
        "group": ("group",),
        "priority": ("priority",),
        "status": ("transition",),
        "note": ("body",),
        "problem": ("problem",),
        "parent": ("parent",),
    }[operation]
    for name in required:
        if not values.get(name):
            errors[name] = _("Required")
    if operation == "priority" and values.get("priority") not in (None, "1", "2", "3", "4", "5"):
        errors["priority"] = _("Choose one of the options.")
    if operation == "status" and values.get("transition") not in (None, *STATUS_TRANSITIONS):
        errors["transition"] = _("Choose one of the options.")
    if operation == "group" and values.get("group") and values["group"] not in groups(root):
        errors["group"] = _("Unknown group.")
    if operation == "problem" and values.get("problem"):
        values["problem"] = values["problem"].upper()
        if values["problem"] not in root["problems"]:
            errors["problem"] = _("No such problem.")
    if operation == "parent" and values.get("parent"):
        values["parent"] = values["parent"].upper()
        if values["parent"] not in root["incidents"]:
            errors["parent"] = _("No such incident.")
    if errors:
        raise BulkRefused(_("Some fields are not valid."), errors)
    return values


def groups(root: Any) -> Any:
    return root["settings"]["groups"]


def levels_for(priority: int, impact: str, matrix: Mapping[Any, int]) -> tuple[str, str] | None:
    """An impact and urgency that give ``priority`` by the matrix, keeping ``impact`` if it can
    (a priority is never set apart from the matrix, so the SLA keeps following it)."""
    from itsm.tickets.priority import priority_of

    levels = ("high", "medium", "low")
    pairs = [(i, u) for i in levels for u in levels if priority_of(i, u, matrix) == priority]
    pairs.sort(key=lambda pair: pair[0] != impact)
    return pairs[0] if pairs else None


def act_on(
    ctx: ActionContext, incident: Any, operation: str, values: Mapping[str, Any]
) -> list[str]:
    """Do ``operation`` to one incident; the names of what changed."""
    before = {k: getattr(incident, k) for k in ("status", "assignee", "group", "priority")}
    if operation == "assign":
        fields = {"assignee": values["assignee"]}
        if values.get("group"):
            fields["group"] = values["group"]
        actions.transition(ctx, incident, "assign", fields)
    elif operation == "group":
        actions.transition(ctx, incident, "assign", {"group": values["group"]})
    elif operation == "priority":
        settings = incident_settings(ctx.root)
        pair = levels_for(int(values["priority"]), incident.impact, settings.matrix)
        if pair is None:
            raise MissingFields(
                _("Some fields are not valid."),
                {"priority": _("The priority matrix has no such priority.")},
            )
        actions.update_fields(ctx, incident, {"impact": pair[0], "urgency": pair[1]})
    elif operation == "status":
        fields = {
            "reason": values.get("reason") or values.get("body") or "",
            "resolution_code": values.get("resolution_code", ""),
            "resolution": values.get("resolution") or values.get("body") or "",
            "note": "bulk",
        }
        actions.transition(
            ctx, incident, values["transition"], {k: v for k, v in fields.items() if v}
        )
    elif operation == "note":
        actions.add_entry(ctx, incident, "note", values["body"])
        return ["journal"]
    elif operation == "problem":
        from itsm.problems.links import link_incidents

        problem = ctx.root["problems"][values["problem"]]
        added = link_incidents(ctx, problem, [incident.number])
        return ["problem"] if added else []
    elif operation == "parent":
        parent = ctx.root["incidents"][values["parent"]]
        if parent is incident:
            raise MissingFields(
                _("Some fields are not valid."),
                {"parent": _("An incident cannot be its own parent.")},
            )
        added = actions.make_major(ctx, parent, [incident.number])
        if not added and incident.number not in parent.children:
            raise MissingFields(
                _("Some fields are not valid."),
                {"parent": _("Only open incidents can be attached.")},
            )
        return ["parent"] if added else []
    return [k for k, v in before.items() if getattr(incident, k) != v]


def bulk_update(
    request: Any, numbers: Iterable[str], operation: str, values: Mapping[str, Any]
) -> list[Outcome]:
    """Do ``operation`` with ``values`` to each incident of ``numbers`` the caller may work;
    one outcome per number (unknown and forbidden ones refused, and why)."""
    values = check_operation(request.itsm_root, operation, values)
    identity = request.identity
    principals = identity.principals
    login, roles = identity.login, frozenset(identity.person.roles)
    registry = request.registry
    acl = ACLHelper()

    def act(root: Any, number: str) -> Outcome:
        number = number.strip().upper()
        incident = root["incidents"].get(number)
        # Unknown and forbidden look the same: no hint that a number exists.
        if incident is None or not acl.permits(incident, principals, P.WORK):
            raise NotPermitted(_("No such incident, or you may not work on it."))
        if operation == "problem" and not acl.permits(
            root["problems"][values["problem"]], principals, P.WORK
        ):
            raise NotPermitted(_("You may not link incidents to this problem."))
        ctx = ActionContext(root, registry, datetime.now(UTC), login, roles)
        changed = act_on(ctx, incident, operation, values)
        message = _("Done.") if changed else _("Nothing to change.")
        return Outcome(incident.number, True, message, changed)

    return run_bulk(registry, numbers, act)


def transition_titles() -> dict[str, Any]:
    return {name: WORKFLOW.transitions[name].title or name for name in STATUS_TRANSITIONS}
