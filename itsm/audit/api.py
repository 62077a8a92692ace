"""``GET /api/v1/audit``: the audit for administrators (403 for everyone else)."""

from __future__ import annotations

from typing import Any

from itsm.api.errors import ApiError
from itsm.api.openapi import page_args, paging, response
from itsm.api.scaffold import Endpoints, container, page_schema, paged
from itsm.audit.filters import BadFilter
from itsm.audit.trail import KINDS, Event
from itsm.audit.views import find, read_filters
from itsm.security.permissions import P
from itsm.ui.forms import iso_time

EVENT_SCHEMA = {
    "type": "object",
    "properties": {
        "at": {"type": "string", "format": "date-time"},
        "kind": {"type": "string", "enum": list(KINDS)},
        "actor": {"type": ["string", "null"]},
        "subject": {"type": "string"},
        "outcome": {"type": "string"},
        "detail": {"type": "string"},
        "client": {"type": "string"},
    },
}

api = Endpoints(__name__, ["audit"])
EVENT_REF = api.schema("AuditEvent", EVENT_SCHEMA)
api.route("api.audit", "/api/v1/audit", container("admin"))


def event_json(event: Event) -> dict[str, Any]:
    return {
        "at": iso_time(event.at),
        "kind": event.kind,
        "actor": event.actor,
        "subject": event.subject,
        "outcome": event.outcome,
        "detail": event.detail,
        "client": event.client,
    }


@api.view(
    "api.audit",
    "GET",
    P.ADMIN,
    "The audit: logins, failed logins and lockouts, password resets and changes, role "
    "changes, settings changes, API tokens made, directory sync runs (newest first)",
    {
        **response("200", "A page of events", page_schema(EVENT_REF)),
        **response("400", "A filter the audit cannot use (error.fields names it)"),
        **response("403", "The caller is not an administrator"),
    },
    description=(
        "Administrators only. `from` and `to` are days (YYYY-MM-DD) in the reports' time zone "
        "(`itsm.reports.timezone`); without them the last 30 days. `person` matches who acted "
        "and whom the event concerns."
    ),
    parameters=[
        {"name": "kind", "in": "query", "schema": {"type": "string", "enum": list(KINDS)}},
        {"name": "person", "in": "query", "schema": {"type": "string", "maxLength": 256}},
        {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
        {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
        *paging(),
    ],
)
def audit_view(context: Any, request: Any) -> dict[str, Any]:
    try:
        filters = read_filters(request)
    except BadFilter as bad:
        raise ApiError(400, "invalid", str(bad), {bad.field: str(bad)}) from None
    found = find(request, filters)
    page, per_page = page_args(request.GET)
    start = (page - 1) * per_page
    items = [event_json(e) for e in found[start : start + per_page]]
    return paged(items, len(found), page, per_page)


def includeme(config: Any) -> None:
    api.include(config)
