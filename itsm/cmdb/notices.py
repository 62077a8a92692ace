"""Telling the people a failing CI affects: one action on an incident linked to CIs."""

from __future__ import annotations

from typing import Any

from itsm.cmdb.impact import Impact, impact_of_numbers
from itsm.tickets.context import ActionContext


def notify_affected(ctx: ActionContext, incident: Any, message: str = "") -> Impact:
    """Queue one mail (through the outbox, in this transaction) to every person the incident's
    CIs affect, and record it in the incident's history; returns the impact used."""
    from itsm.notify.notifications import mail_domain, ticket_url

    impact = impact_of_numbers(ctx.root, incident.cis)
    people = ctx.root["people"]
    addresses = [getattr(people.get(login), "email", "") for login in impact.people]
    settings = ctx.settings
    text = (
        f"{incident.number}: {incident.title}\n\n"
        + (message.strip() + "\n\n" if message.strip() else "")
        + "Affected: "
        + ", ".join(impact.cis or incident.cis)
        + f"\n\n{ticket_url(settings, incident)}\n"
    )
    ctx.root.outbox.add(
        addresses,
        f"[{incident.number}] Service disruption: {incident.title}",
        text,
        domain=mail_domain(settings),
        headers={"Auto-Submitted": "auto-generated"},
        now=ctx.now,
        ticket=incident.number,
        kind="ci_impact",
    )
    incident.history.record(
        ctx.now, ctx.actor, "notify", field="affected", after=", ".join(impact.people)
    )
    return impact
