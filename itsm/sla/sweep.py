"""The SLA sweep: the worker's minute job that announces warnings and breaches, once.

It asks the catalog for open tickets whose next SLA check time has passed (``sla_next_check``)
instead of scanning every ticket, records each warning and breach on the ticket's clock (so it
is never announced twice, whatever the worker's restarts) and publishes
:class:`~itsm.events.SlaAlert` for the ticket's domain to notify and escalate.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from itsm.events import SlaAlert
from itsm.search.catalog import mark_changed, search

log = logging.getLogger(__name__)

BATCH = 200


def sweep(root: Any, registry: Any, now: datetime, batch: int = BATCH) -> tuple[int, int]:
    """Handle up to ``batch`` due tickets; returns (warnings, breaches) announced."""
    _total, due = search(root, due_before=now, sort="sla_next_check", per_page=batch)
    warnings = breaches = 0
    for ticket in due:
        sla = getattr(ticket, "sla", None)
        if sla is None:
            continue
        for target in sla.due_for_breach(now):
            if sla.mark_breached(target, now):
                breaches += 1
                registry.notify(SlaAlert(ticket, target, "breach", now, root, registry))
        for target in sla.due_for_warning(now):
            if sla.mark_warned(target, now):
                warnings += 1
                registry.notify(SlaAlert(ticket, target, "warning", now, root, registry))
        mark_changed(root, ticket)
    return warnings, breaches


def sla_sweep_job(ctx: Any) -> str | None:
    """Worker job: sweep until no due ticket is left (each batch its own transaction)."""
    total_w = total_b = 0
    for _round in range(50):  # bounded: 50 batches of 200 per minute is plenty
        w, b = ctx.transact(lambda root: sweep(root, ctx.registry, ctx.now()))
        total_w, total_b = total_w + w, total_b + b
        if w + b == 0:
            break
    if total_w or total_b:
        return f"{total_w} warning(s), {total_b} breach(es)"
    return None
