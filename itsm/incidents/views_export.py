"""``/incidents/export.csv``: the incident list as filtered on the page, every row of it.

The same filters as the list (queue, status, priority, group, assignee, category, text, sort)
and the same query, so employees export their own incidents and IT staff what their queue
shows; the file follows :mod:`itsm.ui.csvfile`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pyramid.response import Response
from pyramid.view import view_config

from itsm.incidents.models import Incidents
from itsm.incidents.queries import list_incidents
from itsm.incidents.views import ListFilters, read_settings
from itsm.security.permissions import P
from itsm.tickets.export import INCIDENT_COLUMNS, header, rows
from itsm.ui.csvfile import csv_response, read_all
from itsm.ui.forms import is_staff


def export_incidents(request: Any, params: Any) -> Response:
    """Every incident ``list_incidents(params)`` finds for this reader, as CSV."""
    found = read_all(lambda **page: list_incidents(request, params, **page))
    stamp = datetime.now(UTC)
    return csv_response(
        f"incidents-{stamp:%Y%m%d}.csv",
        header(INCIDENT_COLUMNS),
        rows(found, INCIDENT_COLUMNS, stamp),
    )


@view_config(context=Incidents, name="export.csv", request_method="GET", permission=P.VIEW)
def incidents_csv(context: Incidents, request: Any) -> Response:
    staff = is_staff(request)
    filters = ListFilters.from_request(request, staff, read_settings(request.itsm_root))
    return export_incidents(request, filters.params(staff))
