"""The problem workflow as data (see itsm.tickets.workflow).

new → under investigation → root cause known → fix in progress (a linked change) → resolved →
closed; a problem raised in error is cancelled (closed with a reason), a resolved one may be
reopened. IT staff investigate; problem managers (and the problem's assignee) resolve, close,
reopen and cancel. A problem with a root cause and a workaround is a *known error*.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from itsm.i18n import _
from itsm.tickets.workflow import Transition, Workflow

NEW, INVESTIGATING, ROOT_CAUSE_KNOWN = "new", "under_investigation", "root_cause_known"
FIX_IN_PROGRESS, RESOLVED, CLOSED = "fix_in_progress", "resolved", "closed"
STATES = (NEW, INVESTIGATING, ROOT_CAUSE_KNOWN, FIX_IN_PROGRESS, RESOLVED, CLOSED)
OPEN_STATES = frozenset({NEW, INVESTIGATING, ROOT_CAUSE_KNOWN, FIX_IN_PROGRESS})

STATE_TITLES = {
    NEW: _("New"),
    INVESTIGATING: _("Under investigation"),
    ROOT_CAUSE_KNOWN: _("Root cause known"),
    FIX_IN_PROGRESS: _("Fix in progress"),
    RESOLVED: _("Resolved"),
    CLOSED: _("Closed"),
}

STAFF = frozenset({"agent", "admin"})
#: Who decides a problem is solved: problem managers, the problem's assignee, administrators.
MANAGERS = frozenset({"problem_manager", "assignee", "admin"})


def _has_root_cause(ticket: Any, fields: Mapping[str, Any], now: datetime) -> Any:
    if not (fields.get("root_cause") or ticket.root_cause):
        return _("Record the root cause first.")
    return None


def _has_change(ticket: Any, fields: Mapping[str, Any], now: datetime) -> Any:
    if not (fields.get("change") or ticket.changes):
        return _("Link the change that fixes the problem first.")
    return None


WORKFLOW = Workflow.build(
    "problem",
    STATES,
    NEW,
    [
        Transition(
            "investigate", frozenset({NEW}), INVESTIGATING, STAFF, title=_("Start investigation")
        ),
        Transition(
            "root_cause",
            frozenset({NEW, INVESTIGATING}),
            ROOT_CAUSE_KNOWN,
            STAFF,
            title=_("Root cause found"),
            guard=_has_root_cause,
        ),
        Transition(
            "fix",
            frozenset({ROOT_CAUSE_KNOWN}),
            FIX_IN_PROGRESS,
            STAFF,
            title=_("Fix in progress"),
            guard=_has_change,
        ),
        Transition(
            "resolve",
            frozenset({ROOT_CAUSE_KNOWN, FIX_IN_PROGRESS}),
            RESOLVED,
            MANAGERS,
            required=("resolution",),
            title=_("Resolve"),
        ),
        Transition("close", frozenset({RESOLVED}), CLOSED, MANAGERS, title=_("Close")),
        Transition(
            "reopen",
            frozenset({RESOLVED}),
            INVESTIGATING,
            MANAGERS,
            required=("reason",),
            title=_("Reopen"),
        ),
        Transition(
            "cancel",
            frozenset({NEW, INVESTIGATING}),
            CLOSED,
            MANAGERS,
            required=("reason",),
            title=_("Cancel"),
        ),
    ],
    OPEN_STATES,
    STATE_TITLES,
)
