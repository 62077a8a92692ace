"""The delivery target: a catalog item's ``delivery_days`` as an SLA resolution clock.

A business day is :data:`itsm.sla.policy.BUSINESS_DAY` on the calendar of the "request" SLA
policy when an administrator made one, else the Standard calendar. The clock starts when the
request is approved (time spent waiting for approvers is not IT's), so a request has no due
time before. It is an ordinary :class:`~itsm.sla.state.TicketSla` whose response clock is
answered at once: the SLA sweep warns and breaches on the resolution target like incidents'
(see :func:`itsm.requests.subscribers.on_sla_alert`).
"""

from __future__ import annotations

from typing import Any

from itsm.requests.models import ServiceRequest
from itsm.sla.calendar import STANDARD, BusinessCalendar
from itsm.sla.models import get_sla_settings
from itsm.sla.policy import BUSINESS_DAY, SlaTarget
from itsm.sla.state import TicketSla
from itsm.tickets.context import ActionContext

POLICY_NAME = "Delivery target"


def calendar_for(root: Any) -> BusinessCalendar:
    """The business calendar delivery targets run on."""
    settings = get_sla_settings(root)
    if settings is None:
        return STANDARD
    policy = settings.policy("request")
    try:
        return settings.calendar(policy.calendar if policy is not None else STANDARD.name)
    except KeyError:
        return STANDARD


def start_clock(ctx: ActionContext, request: ServiceRequest, days: float) -> None:
    """Start the delivery clock of ``request`` now; ``request.due`` is its deadline."""
    if days is None or days <= 0:
        return
    seconds = int(days * BUSINESS_DAY)
    sla = TicketSla(
        POLICY_NAME,
        request.priority,
        calendar_for(ctx.root),
        SlaTarget(seconds, seconds),
        ctx.now,
        by=ctx.actor,
    )
    # Only the delivery (resolution) counts: the approval was the answer.
    sla.respond(ctx.now, None)
    request.sla = sla
    request.due = sla.resolution_due


def stop_clock(ctx: ActionContext, request: ServiceRequest) -> None:
    """The request is delivered: the resolution clock stops (met or breached)."""
    if request.sla is not None:
        request.sla.resolve(ctx.now, ctx.actor)
