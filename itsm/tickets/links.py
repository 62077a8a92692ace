"""Links between changes and incidents: a change raised from an incident, and incidents caused
by a change ("caused by change").

Each link is kept on both sides (``Incident.caused_by_change`` and ``Change.caused_incidents``;
``Change.raised_from`` and ``Incident.raised_changes``) so both pages show it without a search.
"""

from __future__ import annotations

from typing import Any

from itsm.i18n import _
from itsm.search.catalog import mark_changed
from itsm.tickets.workflow import TransitionError


class LinkError(TransitionError):
    """The change to link does not exist."""

    status = 400
    code = "invalid"


def record_raised_from(ctx: Any, change: Any, incident: Any) -> None:
    """``change`` was raised from ``incident``: note it on both."""
    change.raised_from = incident.number
    if change.number not in incident.raised_changes:
        incident.raised_changes = (*incident.raised_changes, change.number)
    incident.history.record(ctx.now, ctx.actor, "link", field="raised_changes", after=change.number)


def set_caused_by(ctx: Any, incident: Any, number: str) -> bool:
    """Link ``incident`` to the change that caused it (``""`` removes the link); whether it
    changed. Refuses (400) a change number that does not exist."""
    number = (number or "").strip().upper()
    changes = ctx.root["changes"]
    if number and number not in changes:
        raise LinkError(
            _("No change ${number}.", mapping={"number": number}),
            {"caused_by_change": _("Unknown change number.")},
        )
    before = incident.caused_by_change
    if number == before:
        return False
    old = changes.get(before) if before else None
    if old is not None:
        old.caused_incidents = tuple(n for n in old.caused_incidents if n != incident.number)
        old.history.record(
            ctx.now, ctx.actor, "unlink", field="caused_incidents", before=incident.number
        )
    if number:
        new = changes[number]
        if incident.number not in new.caused_incidents:
            new.caused_incidents = (*new.caused_incidents, incident.number)
        new.history.record(
            ctx.now, ctx.actor, "link", field="caused_incidents", after=incident.number
        )
    incident.caused_by_change = number
    incident.history.record(
        ctx.now, ctx.actor, "field", field="caused_by_change", before=before, after=number
    )
    mark_changed(ctx.root, incident)
    return True


def incident_links(root: Any, incident: Any) -> dict[str, Any]:
    """What the incident page shows: the change that caused it and the changes raised from it."""
    changes = root["changes"]
    caused_by = getattr(incident, "caused_by_change", "")
    return {
        "caused_by": changes.get(caused_by) if caused_by else None,
        "caused_by_number": caused_by,
        "raised": [changes[n] for n in getattr(incident, "raised_changes", ()) if n in changes],
    }


def change_links(root: Any, change: Any) -> dict[str, Any]:
    """What the change page shows: the incident it was raised from and the ones it caused."""
    incidents = root["incidents"]
    return {
        "raised_from": incidents.get(change.raised_from) if change.raised_from else None,
        "caused": [incidents[n] for n in change.caused_incidents if n in incidents],
    }
