"""``POST /api/v1/changes/{number}/inform``: mail the people the change affects (IT staff)."""

from __future__ import annotations

from typing import Any

from itsm.api.errors import refusal
from itsm.api.openapi import json_body, response
from itsm.api.scaffold import Endpoints, item_in
from itsm.changes.informing import InformRefused, affected_people, inform_affected
from itsm.security.permissions import P
from itsm.tickets.context import ActionContext

api = Endpoints(__name__, ["changes"])
api.route("api.change.inform", "/api/v1/changes/{number}/inform", item_in("changes"))

INFORMED = {
    "type": "object",
    "properties": {
        "number": {"type": "string"},
        "informed": {"type": "array", "items": {"type": "string"}},
        "count": {"type": "integer"},
        "informed_at": {"type": ["string", "null"], "format": "date-time"},
    },
}


def _answer(change: Any, people: list[str]) -> dict[str, Any]:
    return {
        "number": change.number,
        "informed": people,
        "count": len(people),
        "informed_at": change.informed_at.isoformat() if change.informed_at else None,
    }


@api.view(
    "api.change.inform",
    "GET",
    P.WORK,
    "Who would be told (the CMDB impact of the change's CIs and the people named on it), "
    "and who was told",
    response("200", "The people", INFORMED),
)
def who_view(context: Any, request: Any) -> dict[str, Any]:
    answer = _answer(context, list(context.informed))
    answer["affected"] = affected_people(request.itsm_root, context)
    return answer


@api.view(
    "api.change.inform",
    "POST",
    P.WORK,
    "Inform the affected people: one mail each, with the window, in their language; then a "
    "reminder the day before and a notice when it is done, backed out or cancelled",
    response("201", "Who was told", INFORMED),
    body={
        "type": "object",
        "additionalProperties": False,
        "properties": {"message": {"type": "string", "maxLength": 5000}},
    },
    body_required=False,
)
def inform_view(context: Any, request: Any) -> dict[str, Any]:
    body = json_body(request)
    try:
        people = inform_affected(
            ActionContext.from_request(request), context, body.get("message", "")
        )
    except InformRefused as refused:
        request.tm.doom()
        raise refusal(refused) from None
    request.response.status = 201
    return _answer(context, people)


def includeme(config: Any) -> None:
    api.include(config)
