"""Changes as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pyramid.traversal import find_root

from itsm.approvals.serialize import step_json
from itsm.changes.conflicts import current_conflicts


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def approval_json(approval: Any) -> dict[str, Any] | None:
    if approval is None:
        return None
    return {
        "status": approval.status,
        "steps": [{**step_json(s), "label": s.label} for s in approval.steps],
    }


def change_json(change: Any) -> dict[str, Any]:
    return {
        "number": change.number,
        "title": change.title,
        "description": change.description,
        "reason": change.reason,
        "type": change.type,
        "status": change.status,
        "requester": change.requester,
        "group": change.group,
        "cis": list(change.cis),
        "planned_start": iso(change.planned_start),
        "planned_end": iso(change.planned_end),
        "plans": dict(change.plans),
        "risk_answers": dict(change.risk_answers),
        "risk_score": change.risk_score,
        "risk": change.risk,
        "affected": list(change.affected),
        "affected_cis": list(change.affected_cis),
        "assignee": change.assignee,
        "template": change.template or None,
        "raised_from": change.raised_from or None,
        "problem": change.problem or None,
        "caused_incidents": list(change.caused_incidents),
        "overrunning": change.overrunning,
        "informed": list(change.informed),
        "informed_at": iso(change.informed_at),
        "conflicts": current_conflicts(find_root(change), change),
        "override_reason": change.override_reason,
        "outcome": change.outcome or None,
        "review_required": change.review_required,
        "review_notes": change.review_notes,
        "approval": approval_json(change.approval),
        "created": iso(change.created),
        "updated": iso(change.updated),
        "closed_at": iso(change.closed_at),
    }
