"""The service request and fulfilment task workflows as data (see itsm.tickets.workflow)."""

from __future__ import annotations

from itsm.i18n import _
from itsm.tickets.workflow import Transition, Workflow

DRAFT, AWAITING_APPROVAL, APPROVED, REJECTED = "draft", "awaiting_approval", "approved", "rejected"
IN_FULFILMENT, RESOLVED, CLOSED, CANCELLED = "in_fulfilment", "resolved", "closed", "cancelled"
STATES = (DRAFT, AWAITING_APPROVAL, APPROVED, REJECTED, IN_FULFILMENT, RESOLVED, CLOSED, CANCELLED)
OPEN_STATES = frozenset({DRAFT, AWAITING_APPROVAL, APPROVED, IN_FULFILMENT})

STATE_TITLES = {
    DRAFT: _("Draft"),
    AWAITING_APPROVAL: _("Awaiting approval"),
    APPROVED: _("Approved"),
    REJECTED: _("Rejected"),
    IN_FULFILMENT: _("In fulfilment"),
    RESOLVED: _("Resolved"),
    CLOSED: _("Closed"),
    CANCELLED: _("Cancelled"),
}
NEXT_STEP = {
    DRAFT: _("Not sent yet: complete and send it."),
    AWAITING_APPROVAL: _("Waiting for approval."),
    APPROVED: _("Approved; IT will start shortly."),
    REJECTED: _("Rejected."),
    IN_FULFILMENT: _("IT is working on it."),
    RESOLVED: _("Delivered."),
    CLOSED: _("Done."),
    CANCELLED: _("Cancelled."),
}

STAFF = frozenset({"agent", "admin"})
SYSTEM = frozenset({"system"})

WORKFLOW = Workflow.build(
    "request",
    STATES,
    DRAFT,
    [
        Transition(
            "submit",
            frozenset({DRAFT}),
            AWAITING_APPROVAL,
            STAFF | SYSTEM | {"requester"},
            title=_("Send"),
        ),
        Transition("approve", frozenset({AWAITING_APPROVAL}), APPROVED, SYSTEM, title=_("Approve")),
        Transition(
            "reject",
            frozenset({AWAITING_APPROVAL}),
            REJECTED,
            SYSTEM,
            required=("reason",),
            title=_("Reject"),
        ),
        Transition(
            "fulfil", frozenset({APPROVED}), IN_FULFILMENT, SYSTEM, title=_("Start fulfilment")
        ),
        Transition(
            "resolve",
            frozenset({APPROVED, IN_FULFILMENT}),
            RESOLVED,
            SYSTEM | STAFF,
            title=_("Resolve"),
        ),
        Transition(
            "close",
            frozenset({RESOLVED}),
            CLOSED,
            SYSTEM | STAFF | {"requester"},
            title=_("Close"),
        ),
        Transition(
            "cancel",
            frozenset(OPEN_STATES),
            CANCELLED,
            STAFF | {"requester"},
            required=("reason",),
            title=_("Cancel"),
        ),
    ],
    OPEN_STATES,
    STATE_TITLES,
)

# Fulfilment tasks: ``waiting`` until the tasks they depend on are done.
WAITING, OPEN, IN_PROGRESS, DONE = "waiting", "open", "in_progress", "done"
TASK_STATES = (WAITING, OPEN, IN_PROGRESS, DONE, CANCELLED)
TASK_OPEN_STATES = frozenset({WAITING, OPEN, IN_PROGRESS})
TASK_STATE_TITLES = {
    WAITING: _("Waiting for other tasks"),
    OPEN: _("To do"),
    IN_PROGRESS: _("In progress"),
    DONE: _("Done"),
    CANCELLED: _("Cancelled"),
}

TASK_WORKFLOW = Workflow.build(
    "task",
    TASK_STATES,
    WAITING,
    [
        Transition("release", frozenset({WAITING}), OPEN, SYSTEM, title=_("Ready")),
        Transition("start", frozenset({OPEN}), IN_PROGRESS, STAFF, title=_("Start work")),
        Transition("done", frozenset({OPEN, IN_PROGRESS}), DONE, STAFF, title=_("Done")),
        Transition(
            "cancel", frozenset(TASK_OPEN_STATES), CANCELLED, STAFF | SYSTEM, title=_("Cancel")
        ),
    ],
    TASK_OPEN_STATES,
    TASK_STATE_TITLES,
)
