"""``GET|POST /api/v1/requests/{number}/journal``: work logged on a service request (IT staff)."""

from __future__ import annotations

from typing import Any

from itsm.api.openapi import response
from itsm.api.scaffold import Endpoints, item_in
from itsm.security.permissions import P
from itsm.tickets.worklog import MAX_MINUTES, WorkLogError, entry_json, log_work

api = Endpoints(__name__, ["requests"])
api.route("api.request.journal", "/api/v1/requests/{number}/journal", item_in("requests"))

WORKLOG_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "kind": {"type": "string", "enum": ["worklog", "note"], "default": "worklog"},
        "body": {"type": "string", "maxLength": 50000},
        "minutes": {"type": "integer", "minimum": 0, "maximum": MAX_MINUTES},
    },
}
JOURNAL = {
    "type": "object",
    "properties": {"items": {"type": "array", "items": {"type": "object"}}, "total": {}},
}


@api.view(
    "api.request.journal",
    "GET",
    P.WORK,
    "The request's work log and internal notes (IT staff)",
    response("200", "The entries, oldest first", JOURNAL),
)
def journal_view(context: Any, request: Any) -> dict[str, Any]:
    items = [entry_json(e) for e in context.journal]
    return {"items": items, "total": len(items), "minutes": context.journal.total_minutes()}


api.action(
    "api.request.journal",
    "POST",
    P.WORK,
    "Log work on a request: minutes and a note (counted by the time report)",
    ("The entries", JOURNAL),
    lambda ctx, request, body: log_work(
        ctx, request, body.get("minutes", 0), body.get("body", ""), body.get("kind", "worklog")
    ),
    lambda ctx, request: journal_view(request, None),
    body=WORKLOG_SCHEMA,
    status="201",
    refusals=(WorkLogError,),
)


def includeme(config: Any) -> None:
    api.include(config)
