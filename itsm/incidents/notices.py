"""The mails an incident sends, all through the outbox (same transaction as the change)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from itsm.incidents.expected import mail_words
from itsm.notify.notifications import queue_notification
from itsm.tickets.context import ActionContext


def _send(
    ctx: ActionContext,
    incident: Any,
    recipients: Iterable[str | None],
    event: str,
    *,
    essential: bool = True,
    **values: Any,
) -> None:
    logins = [r for r in dict.fromkeys(recipients) if r and r != ctx.actor]
    if not logins:
        return
    queue_notification(
        ctx.root,
        ctx.registry,
        recipients=logins,
        template="ticket_event",
        ticket=incident,
        essential=essential,
        now=ctx.now,
        event=event,
        actor=ctx.actor,
        **values,
    )


def received(ctx: ActionContext, incident: Any, in_reply_to: str = "") -> None:
    # Sent even when the requester reported it themselves: the mail carries the number.
    # ``in_reply_to``: the Message-ID of the mail the incident was made from (itsm.mailin).
    # The mail says when to expect a first answer and a resolution (itsm.incidents.expected).
    queue_notification(
        ctx.root,
        ctx.registry,
        recipients=[incident.requester],
        template="ticket_event",
        ticket=incident,
        essential=True,
        now=ctx.now,
        event="received",
        actor=ctx.actor,
        in_reply_to=in_reply_to,
        expected=mail_words(ctx.root, incident),
    )


def assigned(ctx: ActionContext, incident: Any) -> None:
    _send(ctx, incident, [incident.assignee], "assigned")


def answered(ctx: ActionContext, incident: Any, body: str) -> None:
    _send(ctx, incident, [incident.requester, *incident.watchers], "answered", body=body)


def requester_replied(ctx: ActionContext, incident: Any, body: str) -> None:
    _send(ctx, incident, [incident.assignee], "requester_replied", essential=False, body=body)


def waiting(ctx: ActionContext, incident: Any, reason: str) -> None:
    _send(ctx, incident, [incident.requester, *incident.watchers], "waiting", body=reason)


def resolved(ctx: ActionContext, incident: Any) -> None:
    # A satisfaction survey made in this transaction (itsm.selfservice.satisfaction) leaves
    # its plain token in memory only: the link goes to the requester alone, never to watchers.
    token = getattr(getattr(incident, "survey", None), "_v_token", None)
    if token:
        survey_url = f"{ctx.settings.public_url}/survey?token={token}"
        _send(
            ctx,
            incident,
            [incident.requester],
            "resolved",
            body=incident.resolution,
            survey_url=survey_url,
        )
        watchers = [w for w in incident.watchers if w != incident.requester]
        _send(ctx, incident, watchers, "resolved", body=incident.resolution)
        return
    _send(
        ctx,
        incident,
        [incident.requester, *incident.watchers],
        "resolved",
        body=incident.resolution,
    )


def closed(ctx: ActionContext, incident: Any) -> None:
    _send(ctx, incident, [incident.requester, *incident.watchers], "closed", essential=False)


def cancelled(ctx: ActionContext, incident: Any, reason: str) -> None:
    _send(ctx, incident, [incident.requester, *incident.watchers], "cancelled", body=reason)


def watching(ctx: ActionContext, incident: Any, login: str) -> None:
    _send(ctx, incident, [login], "watching", essential=False)


def mentioned(ctx: ActionContext, incident: Any, logins: Iterable[str], body: str) -> None:
    _send(ctx, incident, logins, "mentioned", body=body)


def reopened(ctx: ActionContext, incident: Any) -> None:
    _send(ctx, incident, [incident.assignee], "reopened")


def escalated(
    ctx: ActionContext, incident: Any, recipients: Iterable[str | None], why: str
) -> None:
    _send(ctx, incident, recipients, "escalated", body=why)


def sla_alert(
    ctx: ActionContext, incident: Any, recipients: Iterable[str | None], what: str
) -> None:
    _send(ctx, incident, recipients, what)
