"""Incidents as JSON: the shape the API answers with (ISO 8601 times, numbers, logins)."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def sla_json(incident: Any, now: datetime) -> dict[str, Any]:
    sla = incident.sla
    if sla is None:
        return {
            "response_due": None,
            "resolution_due": None,
            "responded_at": None,
            "paused": False,
            "breached": False,
        }
    data = sla.as_json(now)
    # A breach the sweep recorded stays a breach, whatever clock the reader's "now" shows.
    data["breached"] = bool(data["breached"] or sla.breached_response or sla.breached_resolution)
    return data


def incident_json(incident: Any, now: datetime) -> dict[str, Any]:
    return {
        "number": incident.number,
        "title": incident.title,
        "description": incident.description,
        "status": incident.status,
        "priority": incident.priority,
        "impact": incident.impact,
        "urgency": incident.urgency,
        "category": incident.category,
        "group": incident.group,
        "assignee": incident.assignee,
        "requester": incident.requester,
        "channel": incident.channel,
        "created": iso(incident.created),
        "updated": iso(incident.updated),
        "resolved_at": iso(incident.resolved_at),
        "closed_at": iso(incident.closed_at),
        "resolution_code": incident.resolution_code or None,
        "resolution": incident.resolution or None,
        "cis": list(incident.cis),
        "watchers": list(incident.watchers),
        "tags": list(incident.tags),
        "major": bool(incident.major),
        "parent": incident.parent,
        "children": list(incident.children),
        "merged_into": incident.merged_into,
        "escalation_level": incident.escalation_level,
        "routing_note": incident.routing_note,
        "caused_by_change": incident.caused_by_change or None,
        "follows_up": getattr(incident, "follows_up", "") or None,
        "raised_changes": list(incident.raised_changes),
        "sla": sla_json(incident, now),
        "satisfaction": _satisfaction(incident),
    }


def _satisfaction(incident: Any) -> dict[str, Any] | None:
    rating = getattr(incident, "satisfaction", None)
    if rating is None:
        return None
    score, comment, at = rating
    return {"score": score, "comment": comment, "at": iso(at)}


def entry_json(entry: Any) -> dict[str, Any]:
    return {
        "id": entry.id,
        "kind": entry.kind,
        "author": entry.author,
        "created": iso(entry.created),
        "body": entry.body,
        "minutes": entry.minutes,
        "attachments": [
            {"filename": a.filename, "size": a.size, "content_type": a.content_type}
            for a in entry.attachments
        ],
    }


def history_json(record: Any) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, tuple | list):
            return [plain(v) for v in value]
        if isinstance(value, datetime):
            return value.isoformat()
        return value

    return {
        "at": iso(record.at),
        "actor": record.actor,
        "action": record.action,
        "field": record.field,
        "before": plain(record.before),
        "after": plain(record.after),
        "note": record.note,
    }
