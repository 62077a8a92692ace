"""The incident workflow as data: states, transitions, who may fire them, what they need.

Relation roles: ``requester`` (the incident's requester), ``assignee``, ``system`` (timers and
rules). Directory roles: ``agent``, ``admin``. See :func:`itsm.tickets.workflow.fire`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from itsm.i18n import _
from itsm.tickets.workflow import Transition, Workflow

NEW, ASSIGNED, IN_PROGRESS, WAITING = "new", "assigned", "in_progress", "waiting"
RESOLVED, CLOSED, CANCELLED = "resolved", "closed", "cancelled"
STATES = (NEW, ASSIGNED, IN_PROGRESS, WAITING, RESOLVED, CLOSED, CANCELLED)
OPEN_STATES = frozenset({NEW, ASSIGNED, IN_PROGRESS, WAITING})
ACTIVE = OPEN_STATES

STATE_TITLES = {
    NEW: _("New"),
    ASSIGNED: _("Assigned"),
    IN_PROGRESS: _("In progress"),
    WAITING: _("Waiting for you"),
    RESOLVED: _("Resolved"),
    CLOSED: _("Closed"),
    CANCELLED: _("Cancelled"),
}
#: What the requester should expect next, shown on "my incidents".
NEXT_STEP = {
    NEW: _("IT will look at it shortly."),
    ASSIGNED: _("Assigned; someone will start on it shortly."),
    IN_PROGRESS: _("IT is working on it."),
    WAITING: _("IT needs an answer from you."),
    RESOLVED: _("Check the solution: confirm it or reopen the incident."),
    CLOSED: _("Done."),
    CANCELLED: _("Cancelled."),
}

STAFF = frozenset({"agent", "admin"})
STAFF_AND_SYSTEM = STAFF | {"system"}

RESOLUTION_CODES = {
    "fixed": _("Fixed"),
    "workaround": _("Workaround provided"),
    "advice": _("Advice given"),
    "duplicate": _("Duplicate"),
    "no_fault": _("No fault found"),
    "user_error": _("User error"),
}


def _needs_owner(ticket: Any, fields: Mapping[str, Any], now: datetime) -> Any:
    if not fields.get("assignee") and not fields.get("group"):
        return _("Name a person or a group to assign to.")
    return None


def _reopen_window(ticket: Any, fields: Mapping[str, Any], now: datetime) -> Any:
    days = int(fields.get("_reopen_days", 7))
    if ticket.resolved_at is not None and now - ticket.resolved_at > timedelta(days=days):
        return _(
            "This incident was resolved more than ${days} days ago; report a new one instead.",
            mapping={"days": days},
        )
    return None


def _valid_resolution(ticket: Any, fields: Mapping[str, Any], now: datetime) -> Any:
    if fields.get("resolution_code") not in RESOLUTION_CODES:
        return _("Choose a resolution code.")
    return None


WORKFLOW = Workflow.build(
    "incident",
    STATES,
    NEW,
    [
        Transition(
            "assign",
            frozenset({NEW, ASSIGNED, IN_PROGRESS, WAITING}),
            ASSIGNED,
            STAFF_AND_SYSTEM,
            title=_("Assign"),
            guard=_needs_owner,
        ),
        Transition("start", frozenset({NEW, ASSIGNED}), IN_PROGRESS, STAFF, title=_("Start work")),
        Transition(
            "wait",
            frozenset({ASSIGNED, IN_PROGRESS}),
            WAITING,
            STAFF,
            title=_("Wait for the requester"),
        ),
        Transition(
            "resume",
            frozenset({WAITING}),
            IN_PROGRESS,
            STAFF_AND_SYSTEM | {"requester"},
            title=_("Resume"),
        ),
        Transition(
            "resolve",
            frozenset(OPEN_STATES),
            RESOLVED,
            STAFF_AND_SYSTEM,
            required=("resolution_code", "resolution"),
            title=_("Resolve"),
            guard=_valid_resolution,
        ),
        Transition(
            "close",
            frozenset({RESOLVED}),
            CLOSED,
            STAFF_AND_SYSTEM | {"requester"},
            title=_("Confirm and close"),
        ),
        Transition(
            "reopen",
            frozenset({RESOLVED}),
            IN_PROGRESS,
            STAFF | {"requester"},
            title=_("Reopen"),
            guard=_reopen_window,
        ),
        Transition(
            "cancel",
            frozenset(OPEN_STATES),
            CANCELLED,
            STAFF_AND_SYSTEM,
            required=("reason",),
            title=_("Cancel"),
        ),
        Transition("escalate", frozenset(OPEN_STATES), None, STAFF_AND_SYSTEM, title=_("Escalate")),
        Transition(
            "merge",
            frozenset(OPEN_STATES),
            CLOSED,
            STAFF,
            required=("into",),
            title=_("Merge into another incident"),
        ),
    ],
    OPEN_STATES,
    STATE_TITLES,
)
