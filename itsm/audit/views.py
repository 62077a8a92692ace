"""``/admin/`` (the administrators' overview), ``/admin/audit`` and ``/admin/audit.csv``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from pyramid.response import Response
from pyramid.view import view_config

from itsm.admin.area import AdminArea
from itsm.audit.filters import AuditFilters, BadFilter, parse_filters
from itsm.audit.trail import KINDS, Event, events
from itsm.security.permissions import P
from itsm.ui.csvfile import csv_response
from itsm.ui.forms import display_time, iso_time

#: Rows the page shows; the CSV has every row of the range.
PAGE_ROWS = 500
CSV_COLUMNS = ("at", "kind", "actor", "subject", "outcome", "detail", "client")


def read_filters(request: Any) -> AuditFilters:
    zone = request.registry.itsm_reports.zone
    return parse_filters(request.GET, zone, datetime.now(UTC))


def find(request: Any, filters: AuditFilters) -> list[Event]:
    start, end = filters.moments
    return events(request.itsm_root, filters.kinds, filters.person, start, end)


@view_config(context=AdminArea, renderer="itsm:audit/templates/overview.pt", permission=P.ADMIN)
def overview(context: AdminArea, request: Any) -> dict[str, Any]:
    people = request.itsm_root["people"]
    inactive = sum(1 for p in people.values() if not getattr(p, "active", True))
    return {"admin_url": request.resource_url(context), "inactive": inactive}


@view_config(
    context=AdminArea, name="audit", renderer="itsm:audit/templates/audit.pt", permission=P.ADMIN
)
def audit_page(context: AdminArea, request: Any) -> dict[str, Any]:
    error = None
    try:
        filters = read_filters(request)
    except BadFilter as bad:
        request.response.status = 400
        error = str(bad)
        filters = parse_filters({}, request.registry.itsm_reports.zone, datetime.now(UTC))
    found = find(request, filters)
    people = request.itsm_root["people"]

    def name(login: str | None) -> str:
        person = people.get(login) if login else None
        return person.display_name if person is not None else (login or "")

    rows = [
        {
            "at": display_time(e.at),
            "iso": iso_time(e.at),
            "kind": KINDS.get(e.kind, e.kind),
            "actor": name(e.actor),
            "subject": e.subject,
            "outcome": e.outcome,
            "detail": e.detail,
            "client": e.client,
        }
        for e in found[:PAGE_ROWS]
    ]
    return {
        "rows": rows,
        "total": len(found),
        "shown": len(rows),
        "filters": filters,
        "kinds": KINDS,
        "error": error,
        "csv_url": request.resource_url(context, "audit.csv") + "?" + urlencode(filters.query()),
        "admin_url": request.resource_url(context),
    }


@view_config(context=AdminArea, name="audit.csv", request_method="GET", permission=P.ADMIN)
def audit_csv(context: AdminArea, request: Any) -> Response:
    try:
        filters = read_filters(request)
    except BadFilter as bad:
        return Response(str(bad), status=400, content_type="text/plain")
    found = find(request, filters)
    rows = (
        (iso_time(e.at), e.kind, e.actor, e.subject, e.outcome, e.detail, e.client) for e in found
    )
    return csv_response(f"audit-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv", CSV_COLUMNS, rows)
