"""Catalog items, requests and tasks as JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def item_json(item: Any) -> dict[str, Any]:
    return {
        "id": item.slug,
        "name": item.name,
        "name_ru": item.name_ru,
        "description": item.description,
        "description_ru": item.description_ru,
        "category": item.category,
        "icon": item.icon,
        "price": item.price,
        "delivery_days": item.delivery_days,
        "needs_approval": bool(item.approval),
        "approval": [dict(s) for s in item.approval],
        "bundle": [c["item"] for c in item.bundle],
        "fields": [
            {
                **{k: v for k, v in f.items() if k != "choices"},
                "required": bool(f.get("required")),
                **({"choices": [list(c) for c in f["choices"]]} if "choices" in f else {}),
            }
            for f in item.fields
        ],
        "tasks": [
            {
                "key": t["key"],
                "group": t.get("group"),
                "title": t.get("title", ""),
                "depends_on": list(t.get("depends_on", ())),
                "delivers": t.get("delivers") or None,
                "licence": t.get("licence") or None,
            }
            for t in item.tasks
        ],
    }


def task_json(task: Any) -> dict[str, Any]:
    return {
        "id": task.number,
        "number": task.number,
        "request": task.request.number,
        "key": task.key,
        "title": task.title,
        "description": task.description,
        "group": task.group,
        "assignee": task.assignee,
        "status": task.status,
        "depends_on": list(task.depends_on),
        "created": iso(task.created),
        "done_at": iso(task.done_at),
        "not_before": iso(task.not_before),
        "due": iso(task.due),
        "delivers": task.delivers or None,
        "ci": task.ci or None,
        "licence": task.licence or None,
        "notes": [
            {"author": n.author, "created": iso(n.created), "body": n.body, "kind": n.kind}
            for n in task.notes()
        ],
    }


def request_json(request: Any) -> dict[str, Any]:
    approval = request.approval
    return {
        "number": request.number,
        "item": request.item,
        "title": request.title,
        "status": request.status,
        "requester": request.requester,
        "fields": dict(request.answers),
        "price": request.price,
        "due": iso(request.due),
        "late": request.is_late(),
        "sla": request.sla.as_json(datetime.now(UTC)) if request.sla is not None else None,
        "delivered": list(request.delivered),
        "licences": list(request.licences),
        "bundle_fields": dict(request.inherited),
        "created": iso(request.created),
        "updated": iso(request.updated),
        "resolved_at": iso(request.resolved_at),
        "satisfaction": _rating(request),
        "parent": request.parent,
        "children": list(request.children),
        "approval": None
        if approval is None
        else {
            "status": approval.status,
            "steps": [
                {
                    "id": s.id,
                    "kind": s.kind,
                    "group": s.group,
                    "approvers": list(s.approvers),
                    "status": s.status,
                    "decisions": [
                        {"login": d.login, "decision": d.decision, "reason": d.reason}
                        for d in s.decisions
                    ],
                }
                for s in approval.steps
            ],
        },
        "tasks": [t.number for t in request.task_list()],
    }


def _rating(ticket: Any) -> dict[str, Any] | None:
    """The requester's survey answer (``score`` 1-5, ``comment``, ``at``), or None."""
    rating = getattr(ticket, "satisfaction", None)
    if rating is None:
        return None
    score, comment, at = rating
    return {"score": score, "comment": comment, "at": iso(at)}
