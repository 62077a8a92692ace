"""The incident's SLA clocks follow its workflow (ARCHITECTURE, "SLA").

The clocks themselves are :class:`itsm.sla.state.TicketSla`, a pure function of stored
timestamps; this module only says which workflow step starts, pauses, resumes or stops them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from itsm.sla.models import ensure_sla_settings, get_sla_settings

#: Transitions that count as the first response when no public reply came before.
RESPONDING = frozenset({"start", "wait", "resolve"})


def _settings(root: Any) -> Any:
    settings = get_sla_settings(root)
    if settings is None:  # a database from before SLAs existed
        ensure_sla_settings(root)
        settings = get_sla_settings(root)
    return settings


def start(root: Any, incident: Any, now: datetime, by: str | None = None) -> None:
    incident.sla = _settings(root).start("incident", incident.priority, now, by=by)


def after_transition(ctx: Any, incident: Any, name: str, before: str) -> None:
    sla = incident.sla
    if sla is None:
        return
    now, by = ctx.now, ctx.actor
    if name in RESPONDING and ctx.actor is not None and ctx.actor != incident.requester:
        sla.respond(now, by)
    if name == "wait":
        sla.pause(now, by, "waiting for customer")
    elif name == "resume":
        sla.resume(now, by)
    elif name in ("resolve", "merge", "cancel"):
        sla.resolve(now, by)
    elif name == "close" and before != "resolved":
        sla.resolve(now, by)
    elif name == "reopen":
        sla.reopen(now, by)


def responded(ctx: Any, incident: Any) -> None:
    if incident.sla is not None:
        incident.sla.respond(ctx.now, ctx.actor)


def retarget(ctx: Any, incident: Any) -> None:
    if incident.sla is not None:
        _settings(ctx.root).retarget(
            incident.sla, "incident", incident.priority, ctx.now, ctx.actor
        )
