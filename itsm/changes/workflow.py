"""The change workflow as data (see itsm.tickets.workflow).

draft → assessment → awaiting_approval → scheduled → implementing → review → closed, plus
rejected and cancelled. Standard (pre-approved) changes go from assessment straight to
scheduled; the approval's outcome moves the others (itsm.changes.subscribers).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from itsm.i18n import _
from itsm.tickets.workflow import Transition, Workflow

DRAFT, ASSESSMENT, AWAITING_APPROVAL = "draft", "assessment", "awaiting_approval"
SCHEDULED, IMPLEMENTING, REVIEW, CLOSED = "scheduled", "implementing", "review", "closed"
REJECTED, CANCELLED = "rejected", "cancelled"
STATES = (
    DRAFT,
    ASSESSMENT,
    AWAITING_APPROVAL,
    SCHEDULED,
    IMPLEMENTING,
    REVIEW,
    CLOSED,
    REJECTED,
    CANCELLED,
)
OPEN_STATES = frozenset({DRAFT, ASSESSMENT, AWAITING_APPROVAL, SCHEDULED, IMPLEMENTING, REVIEW})
#: Changes that hold their time slot on the calendar (and conflict with others).
CALENDAR_STATES = (SCHEDULED, IMPLEMENTING)

TYPES = ("standard", "normal", "emergency")
OUTCOMES = ("successful", "successful_with_issues", "failed_backed_out")
#: Other words for the outcomes (API clients), after lower-casing and "_" for spaces and "-".
OUTCOME_ALIASES = {
    "success": "successful",
    "succeeded": "successful",
    "ok": "successful",
    "successful_with_problems": "successful_with_issues",
    "partially_successful": "successful_with_issues",
    "with_issues": "successful_with_issues",
    "failed": "failed_backed_out",
    "failure": "failed_backed_out",
    "failed_and_backed_out": "failed_backed_out",
    "failed_and_rolled_back": "failed_backed_out",
    "backed_out": "failed_backed_out",
    "rolled_back": "failed_backed_out",
}


def normalize_outcome(value: Any) -> Any:
    """An outcome in our words: ``"Failed and backed out"`` -> ``failed_backed_out``; anything
    unknown is returned as given (and refused by the transition's guard)."""
    if not isinstance(value, str):
        return value
    key = value.strip().lower().replace(" ", "_").replace("-", "_")
    return key if key in OUTCOMES else OUTCOME_ALIASES.get(key, value)


STATE_TITLES = {
    DRAFT: _("Draft"),
    ASSESSMENT: _("Assessment"),
    AWAITING_APPROVAL: _("Awaiting approval"),
    SCHEDULED: _("Scheduled"),
    IMPLEMENTING: _("Implementing"),
    REVIEW: _("Review"),
    CLOSED: _("Closed"),
    REJECTED: _("Rejected"),
    CANCELLED: _("Cancelled"),
}
TYPE_TITLES = {"standard": _("Standard"), "normal": _("Normal"), "emergency": _("Emergency")}
OUTCOME_TITLES = {
    "successful": _("Successful"),
    "successful_with_issues": _("Successful with issues"),
    "failed_backed_out": _("Failed and backed out"),
}

STAFF = frozenset({"agent", "admin"})
SYSTEM = frozenset({"system"})
PEOPLE = STAFF | {"requester"}


def _known_outcome(ticket: Any, fields: Mapping[str, Any], now: datetime) -> Any:
    if fields.get("outcome") not in OUTCOMES:
        return _("Choose the outcome: successful, successful with issues, failed and backed out.")
    return None


def _reviewed_if_required(ticket: Any, fields: Mapping[str, Any], now: datetime) -> Any:
    if ticket.review_required and not ticket.review_notes:
        return _("This change needs its post-implementation review before it is closed.")
    return None


WORKFLOW = Workflow.build(
    "change",
    STATES,
    DRAFT,
    [
        Transition("submit", frozenset({DRAFT}), ASSESSMENT, PEOPLE, title=_("Submit")),
        Transition(
            "preapproved", frozenset({ASSESSMENT}), SCHEDULED, SYSTEM, title=_("Pre-approved")
        ),
        Transition(
            "request_approval",
            frozenset({ASSESSMENT}),
            AWAITING_APPROVAL,
            SYSTEM,
            title=_("Ask for approval"),
        ),
        Transition(
            "approve", frozenset({AWAITING_APPROVAL}), SCHEDULED, SYSTEM, title=_("Approve")
        ),
        Transition(
            "reject",
            frozenset({AWAITING_APPROVAL}),
            REJECTED,
            SYSTEM,
            required=("reason",),
            title=_("Reject"),
        ),
        # Re-plan a scheduled change (new times; conflicts are checked again).
        Transition("schedule", frozenset({SCHEDULED}), None, PEOPLE, title=_("Reschedule")),
        Transition("start", frozenset({SCHEDULED}), IMPLEMENTING, PEOPLE, title=_("Start")),
        Transition(
            "complete",
            frozenset({IMPLEMENTING}),
            REVIEW,
            PEOPLE,
            required=("outcome",),
            title=_("Complete"),
            guard=_known_outcome,
        ),
        Transition(
            "review", frozenset({REVIEW}), None, PEOPLE, required=("notes",), title=_("Review")
        ),
        Transition(
            "close",
            frozenset({REVIEW}),
            CLOSED,
            PEOPLE,
            title=_("Close"),
            guard=_reviewed_if_required,
        ),
        Transition(
            "cancel",
            frozenset({DRAFT, ASSESSMENT, AWAITING_APPROVAL, SCHEDULED}),
            CANCELLED,
            PEOPLE,
            required=("reason",),
            title=_("Cancel"),
        ),
    ],
    OPEN_STATES,
    STATE_TITLES,
)
#: The transitions people fire through the API and the change page.
USER_TRANSITIONS = ("submit", "schedule", "start", "complete", "review", "close", "cancel")
