"""Approval pages: "waiting for me", deciding there, and the signed mail link (no login)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from itsm.approvals import links
from itsm.approvals.decisions import decide, find_step, waiting_for
from itsm.approvals.models import PENDING
from itsm.approvals.subjects import subject_kind
from itsm.approvals.summary import summary_rows
from itsm.i18n import _
from itsm.security.permissions import P
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import TransitionError
from itsm.ui.forms import flash, translate

MINE_PT = "itsm:approvals/templates/mine.pt"
LINK_PT = "itsm:approvals/templates/link.pt"


@view_config(route_name="approvals.mine", request_method="GET", permission=P.VIEW, renderer=MINE_PT)
def mine_view(context: Any, request: Any) -> dict[str, Any]:
    identity = request.identity
    steps = waiting_for(request.itsm_root, identity.login, identity.person.groups)
    root, locale = request.itsm_root, request.locale_name
    return {
        "steps": steps,
        "details": lambda step: summary_rows(request.registry, step.ticket, root, locale),
    }


@view_config(route_name="approvals.decide", request_method="POST", permission=P.DECIDE)
def decide_view(context: Any, request: Any) -> HTTPSeeOther:
    ctx = ActionContext.from_request(request)
    decision = request.POST.get("decision", "")
    try:
        status = decide(ctx, context, decision, request.POST.get("reason", ""))
    except TransitionError as error:
        request.tm.doom()
        flash(request, error.message, "danger")
    else:
        flash(request, _decided_message(decision, status))
    return HTTPSeeOther(location=request.route_url("approvals.mine"))


def _decided_message(decision: str, status: str) -> Any:
    if status == PENDING:  # an "all" or quorum step that waits for others
        if decision == "approve":
            return _("Your approval is recorded; the step waits for the other approvers.")
        return _("Your rejection is recorded; the step waits for the other approvers.")
    return _("Approved.") if decision == "approve" else _("Rejected.")


def _link_values(request: Any, step: Any, token: str, **extra: Any) -> dict[str, Any]:
    values = {
        "step": step,
        "token": token,
        "error": None,
        "done": None,
        "reason": "",
        "subject": subject_kind(step.ticket) if step is not None else "request",
        "details": (
            summary_rows(request.registry, step.ticket, request.itsm_root, request.locale_name)
            if step is not None and token
            else []
        ),
    }
    values.update(extra)
    return values


@view_config(
    route_name="approvals.link",
    request_method="GET",
    renderer=LINK_PT,
    permission=NO_PERMISSION_REQUIRED,  # the signed token in the link is the credential
)
def link_page(context: Any, request: Any) -> dict[str, Any]:
    """Reading the link changes nothing; only the POST of its form decides."""
    token = request.GET.get("token", "")
    step = find_step(request.itsm_root, request.matchdict["id"])
    if step is None or links.check(step, token, datetime.now(UTC)) is None:
        request.response.status = 403
        return _link_values(request, None, "", error=_("This link is not valid any more."))
    return _link_values(request, step, token)


# The visitor may have no session at all: the single-use token is the CSRF protection here.
@view_config(
    route_name="approvals.link",
    request_method="POST",
    renderer=LINK_PT,
    require_csrf=False,
    permission=NO_PERMISSION_REQUIRED,  # the signed token in the link is the credential
)
def link_answer(context: Any, request: Any) -> dict[str, Any]:
    token = request.POST.get("token", "")
    now = datetime.now(UTC)
    step = find_step(request.itsm_root, request.matchdict["id"])
    record = links.check(step, token, now) if step is not None else None
    if step is None or record is None:
        request.response.status = 403
        return _link_values(request, None, "", error=_("This link is not valid any more."))
    ctx = ActionContext(
        request.itsm_root, request.registry, now, record.login, frozenset(), request
    )
    reason = request.POST.get("reason", "")
    try:
        decide(ctx, step, request.POST.get("decision", ""), reason, via="mail")
    except TransitionError as error:
        request.tm.doom()
        request.response.status = error.status
        return _link_values(
            request, step, token, error=translate(request, error.message), reason=reason
        )
    links.use(step, token, now)
    return _link_values(request, step, "", done=step.status)


def portal_waiting(request: Any) -> list[Any]:
    """The portal home's "Waiting for me": approvals the caller can decide."""
    from itsm.selfservice.portal import WaitingItem

    identity = request.identity
    steps = waiting_for(request.itsm_root, identity.login, identity.person.groups)
    url = request.route_url("approvals.mine")
    return [WaitingItem("approval", s.ticket.number, s.ticket.title, url, _note(s)) for s in steps]


def _note(step: Any) -> Any:
    approved, needed = step.progress()
    if needed > 1:
        return _(
            "Waits for your approval (${approved} of ${needed} approvals).",
            mapping={"approved": approved, "needed": needed},
        )
    return _("Waits for your approval.")
