"""``/admin/inactive``: the people the directory sync made inactive, with their open tickets
to reassign."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from pyramid.view import view_config

from itsm.admin.area import AdminArea
from itsm.search.catalog import search
from itsm.security.permissions import P
from itsm.ui.forms import display_time

#: Open tickets listed per person (the queue's assignee filter shows the rest).
PER_PERSON = 100


@view_config(
    context=AdminArea,
    name="inactive",
    renderer="itsm:sync/templates/inactive.pt",
    permission=P.ADMIN,
)
def inactive_people(context: AdminArea, request: Any) -> dict[str, Any]:
    root = request.itsm_root
    rows = []
    inactive = [p for p in root["people"].values() if not getattr(p, "active", True)]
    for person in sorted(inactive, key=lambda p: p.display_name.casefold()):
        total, tickets = search(
            root, open=True, assignee=person.login, sort="created", per_page=PER_PERSON
        )
        rows.append(
            {
                "person": person,
                "since": display_time(person.inactive_since),
                "reason": person.inactive_reason,
                "tickets": tickets,
                "total": total,
                "queue_url": request.application_url
                + "/incidents/?"
                + urlencode({"queue": "all", "assignee": person.login}),
            }
        )
    return {"rows": rows, "admin_url": request.resource_url(context)}
