"""``/requests/export.csv``: the request list as filtered, with a price column and a total line.

The list's rules: IT staff export every request (``?mine=1``: their own), everybody else the
requests they asked for; ``status`` (comma-separated) and ``q`` narrow it as in the API. The
file follows :mod:`itsm.ui.csvfile` (BOM, ``;``, formulas defused).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pyramid.response import Response
from pyramid.view import view_config

from itsm.containers import Requests
from itsm.search.catalog import search
from itsm.security.permissions import P
from itsm.security.roles import is_staff
from itsm.tickets.export import REQUEST_COLUMNS, header, rows
from itsm.ui.csvfile import FORMULA_START, csv_response, read_all, safe_cell

COLUMNS = tuple(header(REQUEST_COLUMNS))


def _cell(value: Any) -> str:
    """Kept for callers of the first export: :func:`itsm.ui.csvfile.safe_cell`."""
    return safe_cell(value)


def request_query(request: Any) -> dict[str, Any]:
    """The catalog query of the list as this reader may see it."""
    params = request.GET
    query: dict[str, Any] = {"kind": "request"}
    if not is_staff(request) or params.get("mine"):
        query["requester"] = request.identity.login
    elif params.get("requester"):
        query["requester"] = params["requester"]
    if params.get("status"):
        query["status"] = [s for s in params["status"].split(",") if s]
    if params.get("q"):
        query["text"] = params["q"]
    return query


def export_requests(request: Any) -> Response:
    """Every request of the reader's list, newest first, and the total price."""
    query = request_query(request)
    found = read_all(
        lambda **page: search(request.itsm_root, sort="created", reverse=True, **page, **query)
    )
    now = datetime.now(UTC)
    body = rows(found, REQUEST_COLUMNS, now)
    total = sum(r.price or 0 for r in found)
    body.append(["total", *[""] * (len(COLUMNS) - 2), f"{total:.2f}"])
    return csv_response(f"requests-{now:%Y%m%d}.csv", COLUMNS, body)


@view_config(context=Requests, name="export.csv", request_method="GET", permission=P.VIEW)
def export_csv(context: Requests, request: Any) -> Response:
    return export_requests(request)


__all__ = ["COLUMNS", "FORMULA_START", "export_requests"]
