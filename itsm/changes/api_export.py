"""``GET /api/v1/changes.csv``: the change list of ``GET /api/v1/changes`` as CSV."""

from __future__ import annotations

from typing import Any

from pyramid.response import Response

from itsm.api.openapi import query_strings, response
from itsm.api.scaffold import Endpoints, container
from itsm.changes.views_export import export_changes
from itsm.security.permissions import P

api = Endpoints(__name__, ["changes"])
api.route("api.changes.csv", "/api/v1/changes.csv", container("changes"))


@api.view(
    "api.changes.csv",
    "GET",
    P.VIEW,
    "The changes the caller may see (IT staff and the board: all; others: their own), every "
    "row, as CSV",
    response("200", "text/csv: UTF-8 with a BOM, ';' between cells, a header row"),
    parameters=query_strings("status", "requester", "q"),
    renderer=None,
)
def changes_csv(context: Any, request: Any) -> Response:
    return export_changes(request)


def includeme(config: Any) -> None:
    api.include(config)
