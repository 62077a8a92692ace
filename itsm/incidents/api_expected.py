"""``GET /api/v1/expected-wait?impact=&urgency=``: when a new incident would get its first
answer and its resolution (what the report form says)."""

from __future__ import annotations

from typing import Any

from itsm.api.errors import ApiError
from itsm.api.openapi import response
from itsm.api.scaffold import Endpoints
from itsm.i18n import _
from itsm.incidents.expected import in_words, priority_for, wait_for
from itsm.security.permissions import P
from itsm.tickets.priority import LEVELS

api = Endpoints(__name__, ["incidents"])
api.route("api.expected_wait", "/api/v1/expected-wait")

LEVEL = {"type": "string", "enum": list(LEVELS)}
ANSWER = {
    "type": "object",
    "properties": {
        "priority": {"type": "integer"},
        "response_due": {"type": ["string", "null"], "format": "date-time"},
        "resolution_due": {"type": ["string", "null"], "format": "date-time"},
        "timezone": {"type": "string", "description": "The SLA calendar's zone"},
        "text": {
            "type": ["object", "null"],
            "description": "response, resolution and zone in the caller's language",
        },
    },
}


@api.view(
    "api.expected_wait",
    "GET",
    P.VIEW,
    "When a new incident of this impact and urgency would get its first answer and its "
    "resolution, from the SLA calendar and targets",
    response("200", "The expected wait", ANSWER),
    parameters=[
        {"name": "impact", "in": "query", "schema": LEVEL},
        {"name": "urgency", "in": "query", "schema": LEVEL},
    ],
)
def expected_wait_view(context: Any, request: Any) -> dict[str, Any]:
    impact = request.GET.get("impact", "low")
    urgency = request.GET.get("urgency", "medium")
    if impact not in LEVELS or urgency not in LEVELS:
        raise ApiError(400, "invalid", _("Choose one of the options."))
    wait = wait_for(request.itsm_root, impact, urgency)
    answer: dict[str, Any] = {
        "priority": priority_for(request.itsm_root, impact, urgency),
        "response_due": None,
        "resolution_due": None,
        "timezone": "UTC",
        "text": None,
    }
    if wait is not None:
        answer.update(wait.as_json())
        words = in_words(wait, request.locale_name)
        if words:
            answer["text"] = {"response": words[0], "resolution": words[1], "zone": words[2]}
    return answer


def includeme(config: Any) -> None:
    api.include(config)
