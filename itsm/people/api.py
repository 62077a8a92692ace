"""``GET /api/v1/people?q=``: the people look-up (IT staff: anyone; others: themselves and
their manager)."""

from __future__ import annotations

from typing import Any

from itsm.api.errors import ApiError
from itsm.api.openapi import response
from itsm.api.scaffold import Endpoints, container, items_schema
from itsm.directory.base import DirectoryUnavailable
from itsm.i18n import _
from itsm.people.lookup import MAX_RESULTS, MIN_QUERY, find_people
from itsm.security.permissions import P

FOUND_SCHEMA = {
    "type": "object",
    "properties": {
        "login": {"type": "string"},
        "name": {"type": "string"},
        "mail": {"type": "string"},
        "department": {"type": "string"},
        "manager": {"type": ["string", "null"]},
    },
}

api = Endpoints(__name__, ["people"])
FOUND_REF = api.schema("FoundPerson", FOUND_SCHEMA)
api.route("api.people", "/api/v1/people", container())


@api.view(
    "api.people",
    "GET",
    P.VIEW,
    "Find people by login, name, mail or department",
    response("200", "The people found, by name", items_schema(FOUND_REF, "total")),
    description=(
        f"IT staff find anyone the directory knows (at least {MIN_QUERY} characters, at most "
        f"{MAX_RESULTS} results); everybody else finds at most themselves and their manager."
    ),
    parameters=[
        {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 100}},
        {
            "name": "limit",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_RESULTS},
        },
    ],
)
def people_view(context: Any, request: Any) -> dict[str, Any]:
    identity = request.identity
    try:
        found = find_people(
            request.itsm_root,
            request.directory,
            identity.login,
            identity.person.roles,
            request.GET.get("q", ""),
            int(request.GET.get("limit", MAX_RESULTS)),
        )
    except DirectoryUnavailable:
        raise ApiError(
            503, "unavailable", _("The directory is unavailable, try again shortly.")
        ) from None
    items = [f.as_json() for f in found]
    return {"items": items, "total": len(items)}


def includeme(config: Any) -> None:
    api.include(config)
