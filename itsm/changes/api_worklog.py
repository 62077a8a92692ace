"""``GET|POST /api/v1/changes/{number}/journal``: work logged on a change (IT staff)."""

from __future__ import annotations

from typing import Any

from itsm.api.openapi import response
from itsm.api.scaffold import Endpoints, item_in
from itsm.security.permissions import P
from itsm.tickets.worklog import MAX_MINUTES, WorkLogError, entry_json, log_work

api = Endpoints(__name__, ["changes"])
api.route("api.change.journal", "/api/v1/changes/{number}/journal", item_in("changes"))

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
    "api.change.journal",
    "GET",
    P.WORK,
    "The change's work log and internal notes (IT staff)",
    response("200", "The entries, oldest first", JOURNAL),
)
def journal_view(context: Any, request: Any) -> dict[str, Any]:
    items = [entry_json(e) for e in context.journal]
    return {"items": items, "total": len(items), "minutes": context.journal.total_minutes()}


api.action(
    "api.change.journal",
    "POST",
    P.WORK,
    "Log work on a change: minutes and a note (counted by the time report)",
    ("The entries", JOURNAL),
    lambda ctx, change, body: log_work(
        ctx, change, body.get("minutes", 0), body.get("body", ""), body.get("kind", "worklog")
    ),
    lambda ctx, change: journal_view(change, None),
    body=WORKLOG_SCHEMA,
    status="201",
    refusals=(WorkLogError,),
)


def includeme(config: Any) -> None:
    api.include(config)
