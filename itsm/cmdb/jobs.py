"""Timers of the CMDB: warn before software licences expire."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from itsm.cmdb.classes import cmdb_settings
from itsm.search.catalog import search

#: Days before a licence's ``expiry`` when the warning goes out (once per expiry date).
WARN_DAYS = 30
#: The support group whose address gets the warnings (besides the licence's owner).
DEFAULT_GROUP = "Workplace"


def expiring_licences(root: Any, today: date, days: int = WARN_DAYS) -> list[Any]:
    """Active CIs of classes with an ``expiry`` date field expiring within ``days`` and not yet
    warned about for that date."""
    settings = cmdb_settings(root)
    classes = [
        name
        for name in settings.names()
        if any(f.name == "expiry" and f.type == "date" for f in settings.get(name).fields)
    ]
    if not classes:
        return []
    _total, items = search(
        root,
        kind="ci",
        ci_class=classes,
        status=["in_stock", "deployed"],
        per_page=100_000,
        sort="number",
    )
    limit = today + timedelta(days=days)
    return [
        ci
        for ci in items
        if isinstance(ci.fields.get("expiry"), date)
        and ci.fields["expiry"] <= limit
        and getattr(ci, "expiry_warned", None) != ci.fields["expiry"]
    ]


def warn_expiring(root: Any, registry: Any, today: date, group_name: str) -> int:
    """Queue one mail per expiring licence to its owner and the group; remember it."""
    from itsm.notify.outbox import get_outbox

    group = root["settings"]["groups"].get(group_name)
    outbox = get_outbox(root)
    sent = 0
    for ci in expiring_licences(root, today):
        to = [getattr(group, "email", "")]
        owner = root["people"].get(ci.owner) if ci.owner else None
        if owner is not None:
            to.append(owner.email)
        expiry = ci.fields["expiry"]
        seats = ci.fields.get("seats")
        used = sum(1 for type_, _n in ci.outgoing if type_ == "licensed_to")
        text = (
            f"{ci.number} {ci.name} expires on {expiry.isoformat()}.\n"
            + (f"Seats used: {used} / {seats}.\n" if isinstance(seats, int) else "")
            + f"Owner: {ci.owner or '-'}\n"
        )
        outbox.add(
            to,
            f"[{ci.number}] Licence expires on {expiry.isoformat()}: {ci.name}",
            text,
            headers={"Auto-Submitted": "auto-generated"},
            kind="licence_expiry",
        )
        ci.expiry_warned = expiry
        sent += 1
    return sent


def licence_expiry_job(ctx: Any) -> str | None:
    group = getattr(ctx.registry, "itsm_cmdb_licence_group", DEFAULT_GROUP)
    sent = ctx.transact(lambda root: warn_expiring(root, ctx.registry, ctx.now().date(), group))
    return f"warned {sent}" if sent else None
