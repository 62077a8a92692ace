"""The employee portal: the home page's sections and "Waiting for me".

The home view itself (``itsm.ui.views.home``) asks :func:`portal_sections` for the portal's
part. Other domains add to "Waiting for me" with ``config.add_portal_waiting(provider)``: a
provider is ``provider(request) -> list[WaitingItem]`` (approvals will be one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from itsm.i18n import _
from itsm.incidents.workflow import NEXT_STEP, OPEN_STATES, RESOLVED, STATE_TITLES, WAITING
from itsm.search.catalog import search
from itsm.security.permissions import P
from itsm.selfservice import satisfaction
from itsm.selfservice.announcements import (
    SEVERITIES,
    AnnouncementBoard,
)
from itsm.ui.forms import display_time, iso_time

KB_API = "/api/v1/kb"
MY_OPEN_LIMIT = 10
WAITING_LIMIT = 20


@dataclass
class WaitingItem:
    """One thing in "Waiting for me": what, where to act, and why it waits."""

    kind: str  # "reply" | "confirm" | "approval" | ...
    number: str
    title: str
    url: str
    note: Any
    rate_url: str | None = None  # a satisfaction form for resolved tickets not rated yet


def incidents_waiting(request: Any) -> list[WaitingItem]:
    """Incidents that wait for the caller: a question from IT, or a solution to confirm."""
    root = request.itsm_root
    login = request.identity.login
    _total, items = search(
        root,
        kind="incident",
        requester=login,
        status=[WAITING, RESOLVED],
        sort="updated",
        reverse=True,
        per_page=WAITING_LIMIT,
    )
    waiting = []
    for incident in items:
        url = request.resource_url(incident)
        if incident.status == WAITING:
            note = _("IT needs an answer from you.")
            waiting.append(WaitingItem("reply", incident.number, incident.title, url, note))
        else:
            rate = url + "@@satisfaction" if satisfaction.can_rate(incident, login) else None
            note = NEXT_STEP[RESOLVED]
            waiting.append(
                WaitingItem("confirm", incident.number, incident.title, url, note, rate_url=rate)
            )
    return waiting


def requests_to_rate(request: Any) -> list[WaitingItem]:
    """Delivered service requests the caller has not rated yet (the same survey as incidents)."""
    login = request.identity.login
    _total, items = search(
        request.itsm_root,
        kind="request",
        requester=login,
        status=["resolved", "closed"],
        sort="updated",
        reverse=True,
        per_page=WAITING_LIMIT,
    )
    waiting = []
    for ticket in items:
        if not satisfaction.can_rate(ticket, login) or getattr(ticket, "survey", None) is None:
            continue
        url = request.resource_url(ticket)
        waiting.append(
            WaitingItem(
                "rate",
                ticket.number,
                ticket.title,
                url,
                _("Delivered: how did we do?"),
                rate_url=url + "@@satisfaction",
            )
        )
    return waiting


POPULAR_LIMIT = 6


def portal_sections(request: Any) -> dict[str, Any]:
    """The portal's part of the home page; reads only."""
    root = request.itsm_root
    identity = request.identity
    now = datetime.now(UTC)
    _total, mine = search(
        root,
        kind="incident",
        requester=identity.login,
        status=sorted(OPEN_STATES),
        sort="updated",
        reverse=True,
        per_page=MY_OPEN_LIMIT,
    )
    open_total = _total
    waiting: list[WaitingItem] = []
    for provider in getattr(request.registry, "itsm_portal_waiting", ()):
        waiting.extend(provider(request))
    board = AnnouncementBoard(root)
    spec = getattr(request.registry, "itsm_openapi", None)
    return {
        "portal": SimpleNamespace(
            search_url=request.application_url + "/kb/",
            kb_api=bool(spec is not None and KB_API in spec.paths),
            my_open=mine,
            my_open_total=open_total,
            waiting=waiting,
            announcements=board.current(now),
            can_post=bool(request.has_permission(P.POST, board)),
            severities=SEVERITIES,
            state_titles=STATE_TITLES,
            next_step=NEXT_STEP,
            display_time=display_time,
            iso_time=iso_time,
            new_incident_url=request.application_url + "/incidents/new",
            announcements_url=request.application_url + "/announcements",
            popular=popular_items(root, identity.person),
            catalog_url=request.application_url + "/catalog/",
        )
    }


def popular_items(root: Any, person: Any, limit: int = POPULAR_LIMIT) -> list[Any]:
    """The catalog items this person may order, most ordered first (then by name)."""
    from itsm.requests.catalog import items

    mine = [item for item in items(root) if item.may_order(person)]
    mine.sort(key=lambda item: (-item.order_count, item.name.casefold()))
    return mine[:limit]


def add_portal_waiting(config: Any, provider: Callable[[Any], list[WaitingItem]]) -> None:
    """Config directive: add a provider of "Waiting for me" items."""
    providers = getattr(config.registry, "itsm_portal_waiting", None)
    if providers is None:
        providers = config.registry.itsm_portal_waiting = []
    providers.append(provider)
