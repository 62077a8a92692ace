"""``GET /api/v1/incidents.csv``: the incident list of ``GET /api/v1/incidents`` as CSV."""

from __future__ import annotations

from typing import Any

from pyramid.response import Response

from itsm.api.openapi import query_strings, response
from itsm.api.scaffold import Endpoints, container
from itsm.incidents.views_export import export_incidents
from itsm.security.permissions import P

api = Endpoints(__name__, ["incidents"])
api.route("api.incidents.csv", "/api/v1/incidents.csv", container("incidents"))


@api.view(
    "api.incidents.csv",
    "GET",
    P.VIEW,
    "The incidents the caller may see, filtered as the list, every row, as CSV",
    response("200", "text/csv: UTF-8 with a BOM, ';' between cells, a header row"),
    parameters=query_strings(
        "status", "group", "assignee", "requester", "category", "q", "queue", "sort"
    )
    + [{"name": "priority", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
    renderer=None,
)
def incidents_csv(context: Any, request: Any) -> Response:
    return export_incidents(request, request.GET)


def includeme(config: Any) -> None:
    api.include(config)
