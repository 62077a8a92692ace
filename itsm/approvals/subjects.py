"""Messages that name what is approved: a service request or a change."""

from __future__ import annotations

from typing import Any

from itsm.i18n import _

#: By subject: "change" for changes, "request" for service requests (and any other ticket).
SUBJECT_TEXTS = {
    "request": {
        "own": _("You cannot approve your own request."),
        "approved": _("Your request has been approved."),
        "rejected": _("Your request has been rejected."),
        "reminder": _("A request still waits for your approval."),
        "link_rejected": _("You rejected the request. Thank you."),
    },
    "change": {
        "own": _("You cannot approve your own change."),
        "approved": _("Your change has been approved."),
        "rejected": _("Your change has been rejected."),
        "reminder": _("A change still waits for your approval."),
        "link_rejected": _("You rejected the change. Thank you."),
    },
}


def subject_kind(ticket: Any) -> str:
    """ "change" or "request": which words the approval's messages use."""
    return "change" if getattr(ticket, "kind", "") == "change" else "request"


def subject_text(ticket: Any, message: str) -> Any:
    """The message ``message`` ("own", "approved", ...) worded for ``ticket``."""
    return SUBJECT_TEXTS[subject_kind(ticket)][message]
