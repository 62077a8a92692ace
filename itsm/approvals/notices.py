"""Approval mails, through the outbox: approvers get signed links, requesters the outcome."""

from __future__ import annotations

from typing import Any

from itsm.approvals import links
from itsm.approvals.subjects import subject_text
from itsm.approvals.summary import summary_rows
from itsm.i18n import _
from itsm.notify.notifications import queue_notification

APPROVAL_MAIL = "itsm.approvals:templates/mail/approval_request.pt"


def ask(ctx: Any, step: Any, days: int = links.LINK_DAYS) -> None:
    """One mail per approver, each with their own single-use link."""
    ask_people(ctx, step, step.approvers, days)


def _language(ctx: Any, login: str) -> str:
    person = ctx.root["people"].get(login)
    return getattr(person, "language", None) or "en"


def ask_people(ctx: Any, step: Any, logins: Any, days: int = links.LINK_DAYS) -> None:
    public_url = ctx.settings.public_url
    for login in logins:
        token = links.issue(step, login, ctx.now, days)
        queue_notification(
            ctx.root,
            ctx.registry,
            recipients=[login],
            template=APPROVAL_MAIL,
            ticket=step.ticket,
            now=ctx.now,
            summary=_("Approval needed"),
            link_url=f"{public_url}/approvals/{step.id}/mail?token={token}",
            mine_url=f"{public_url}/approvals/",
            requester=step.ticket.requester,
            details=summary_rows(ctx.registry, step.ticket, ctx.root, _language(ctx, login)),
        )


def outcome(ctx: Any, ticket: Any, outcome: str, reason: str) -> None:
    """The requester is told either way, with the reason of a rejection."""
    if outcome == "approved":
        summary, line = _("Approved"), subject_text(ticket, "approved")
    else:
        summary, line = _("Rejected"), subject_text(ticket, "rejected")
    queue_notification(
        ctx.root,
        ctx.registry,
        recipients=[ticket.requester],
        template="ticket_event",
        ticket=ticket,
        now=ctx.now,
        summary=summary,
        event=line,
        actor=ctx.actor,
        body=reason,
    )
