"""``/requests/export.csv``: the requests IT staff see on the list, with their price, as CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from pyramid.response import Response
from pyramid.view import view_config

from itsm.containers import Requests
from itsm.search.catalog import search
from itsm.security.permissions import P

COLUMNS = ("number", "item", "title", "status", "requester", "created", "due", "late", "price")
LIMIT = 10_000
#: A cell starting with one of these is a formula to a spreadsheet: quote it (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def rows(requests: list[Any], now: datetime) -> list[list[str]]:
    """One CSV row per request (``COLUMNS``), formula-safe."""
    out = []
    for r in requests:
        values = (
            r.number,
            r.item,
            r.title,
            r.status,
            r.requester,
            r.created.isoformat() if r.created else "",
            r.due.isoformat() if r.due else "",
            "yes" if r.is_late(now) else "",
            f"{r.price:.2f}" if r.price is not None else "",
        )
        out.append([_cell(v) for v in values])
    return out


@view_config(context=Requests, name="export.csv", request_method="GET", permission=P.WORK)
def export_csv(context: Requests, request: Any) -> Response:
    """Every request (``?mine=1``: mine), newest first, with a total price line."""
    query: dict[str, Any] = {"kind": "request"}
    if request.GET.get("mine"):
        query["requester"] = request.identity.login
    _total, found = search(request.itsm_root, sort="created", reverse=True, per_page=LIMIT, **query)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(rows(found, datetime.now(UTC)))
    total = sum(r.price or 0 for r in found)
    writer.writerow(["total", "", "", "", "", "", "", "", f"{total:.2f}"])
    response = Response(buffer.getvalue().encode("utf-8"), content_type="text/csv", charset="utf-8")
    response.content_disposition = 'attachment; filename="requests.csv"'
    return response
