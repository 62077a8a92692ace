"""Approval steps as JSON."""

from __future__ import annotations

from typing import Any


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def step_json(step: Any) -> dict[str, Any]:
    ticket = step.ticket
    approved, needed = step.progress()
    return {
        "id": step.id,
        "ticket": ticket.number,
        "title": ticket.title,
        "requester": ticket.requester,
        "kind": step.kind,
        "group": step.group,
        "approvers": list(step.approvers),
        "mode": step.mode,
        "quorum": step.needed,
        "progress": {
            "approved": approved,
            "rejected": len(step.answers("reject")),
            "needed": needed,
        },
        "status": step.status,
        "opened": _iso(step.opened_at),
        "decided": _iso(step.decided_at),
        "decisions": [
            {
                "login": d.login,
                "decision": d.decision,
                "at": _iso(d.at),
                "reason": d.reason,
                "via": d.via,
                "on_behalf_of": d.on_behalf_of,
            }
            for d in step.decisions
        ],
    }
