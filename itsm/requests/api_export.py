"""``GET /api/v1/requests.csv``: the request list of ``GET /api/v1/requests`` as CSV."""

from __future__ import annotations

from typing import Any

from pyramid.response import Response

from itsm.api.openapi import query_strings, response
from itsm.api.scaffold import Endpoints, container
from itsm.requests.export import export_requests
from itsm.security.permissions import P

api = Endpoints(__name__, ["requests"])
api.route("api.requests.csv", "/api/v1/requests.csv", container("requests"))


@api.view(
    "api.requests.csv",
    "GET",
    P.VIEW,
    "The requests the caller may see (employees: their own), every row, with prices and a "
    "total line, as CSV",
    response("200", "text/csv: UTF-8 with a BOM, ';' between cells, a header row"),
    parameters=query_strings("status", "requester", "q", "mine"),
    renderer=None,
)
def requests_csv(context: Any, request: Any) -> Response:
    return export_requests(request)


def includeme(config: Any) -> None:
    api.include(config)
