"""Incident reactions to SLA alerts: notify the owner and the group lead, and escalate."""

from __future__ import annotations

from itsm.events import SlaAlert
from itsm.incidents import notices
from itsm.incidents.models import Incident
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import TransitionError


def on_sla_alert(event: SlaAlert) -> None:
    incident = event.ticket
    if not isinstance(incident, Incident) or not incident.is_open:
        return
    ctx = ActionContext.system(event.root, event.registry, event.now)
    groups = event.root["settings"]["groups"]
    group = groups.get(incident.group or "")
    lead = group.lead if group is not None else None
    what = "sla_warning" if event.level == "warning" else "sla_breach"
    notices.sla_alert(ctx, incident, [incident.assignee, lead], what)
    reason = f"SLA {event.target} {event.level}"
    if event.level == "warning":
        # Hierarchical: the group's lead hears of it (the mail above); record it as escalation.
        incident.escalation_level += 1
        incident.history.record(ctx.now, None, "escalation", field="hierarchical", note=reason)
        return
    # A breach moves the incident to the next support tier when there is one.
    from itsm.incidents.actions import transition

    mode = "functional" if group is not None and group.escalation_group else "hierarchical"
    try:
        transition(ctx, incident, "escalate", {"mode": mode, "reason": reason})
    except TransitionError:
        incident.history.record(ctx.now, None, "escalation", field="failed", note=reason)
