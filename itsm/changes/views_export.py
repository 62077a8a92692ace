"""``/changes/export.csv``: the change list as this reader sees it, every row of it.

IT staff and the change board export every change, others the ones they raised; ``status``
(comma-separated), ``requester`` and ``q`` narrow it as in the API. The file follows
:mod:`itsm.ui.csvfile` (BOM, ``;``, formulas defused).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pyramid.response import Response
from pyramid.view import view_config

from itsm.api.scaffold import ticket_query
from itsm.changes.feeds import reads_all_changes
from itsm.containers import Changes
from itsm.search.catalog import search
from itsm.security.permissions import P
from itsm.tickets.export import CHANGE_COLUMNS, header, rows
from itsm.ui.csvfile import csv_response, read_all


def export_changes(request: Any) -> Response:
    """Every change the reader's list shows, newest first."""
    query = ticket_query(request, "change", reads_all_changes(request.identity.person.roles))
    found = read_all(
        lambda **page: search(request.itsm_root, sort="created", reverse=True, **page, **query)
    )
    now = datetime.now(UTC)
    return csv_response(
        f"changes-{now:%Y%m%d}.csv", header(CHANGE_COLUMNS), rows(found, CHANGE_COLUMNS, now)
    )


@view_config(context=Changes, name="export.csv", request_method="GET", permission=P.VIEW)
def changes_csv(context: Changes, request: Any) -> Response:
    return export_changes(request)
