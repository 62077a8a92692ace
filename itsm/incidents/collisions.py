"""Collision notice: who else is on this incident now, and refusing stale saves.

"Who is looking" comes from :mod:`itsm.tickets.presence` (process memory, never ZODB, so
opening an incident commits nothing); "who replied" from the journal and history, so every
process sees those. A save made from a page older than the incident's last change is
refused with :class:`StaleVersion`, naming who changed it, instead of overwriting.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from itsm.i18n import _
from itsm.security.roles import has_staff_role
from itsm.tickets.presence import WINDOW, Presence, version_of
from itsm.tickets.workflow import TransitionError


class StaleVersion(TransitionError):
    """The incident changed since the page (or the API client) read it."""

    status = 409
    code = "stale"


def presence(registry: Any) -> Presence:
    """The process's presence table (made by ``itsm.incidents.includeme``)."""
    return registry.itsm_presence


def others_on(request: Any, incident: Any, now: Any) -> list[dict[str, Any]]:
    """The people other than the reader who opened, typed in, or replied to ``incident`` in
    the last minute: ``{"login", "name", "what": editing|viewing|replied|changed, "at"}``."""
    me = request.identity.login if request.identity else None
    people = request.itsm_root["people"]
    seen: dict[str, dict[str, Any]] = {}
    since = now - timedelta(seconds=WINDOW)
    for record in incident.history.latest(20):
        if record.at < since or not record.actor or record.actor == me:
            continue
        actor = people.get(record.actor)
        # The notice is about colleagues: the requester's own replies are the conversation.
        if actor is not None and has_staff_role(actor.roles):
            what = "replied" if record.action == "journal" else "changed"
            previous = seen.get(record.actor)
            if previous is None or previous["what"] != "replied":
                seen[record.actor] = {"login": record.actor, "what": what, "at": record.at}
    for look in presence(request.registry).others(incident.number, me, time.time()):
        if look.login not in seen or look.editing:
            seen[look.login] = {
                "login": look.login,
                "what": "editing" if look.editing else "viewing",
                "at": None,
            }
    found = []
    for entry in seen.values():
        person = people.get(entry["login"])
        found.append({**entry, "name": person.display_name if person else entry["login"]})
    return found


WHAT = {
    "editing": _("${name} is typing on this incident."),
    "viewing": _("${name} has this incident open."),
    "replied": _("${name} added to the journal in the last minute."),
    "changed": _("${name} changed this incident in the last minute."),
}


def check_version(incident: Any, sent: str | None, people: Any) -> None:
    """Refuse a save made from an older version than the incident's (no version: no check)."""
    if not sent or sent == version_of(incident):
        return
    latest = next((r for r in reversed(incident.history.latest(5)) if r.actor), None)
    person = people.get(latest.actor) if latest is not None else None
    name = person.display_name if person is not None else (latest.actor if latest else "")
    if name:
        message = _(
            "${name} changed this incident after you opened it. Nothing was saved: check "
            "their change below, then send yours again (your text is kept).",
            mapping={"name": name},
        )
    else:
        message = _(
            "This incident changed after you opened it. Nothing was saved: check the change "
            "below, then send yours again (your text is kept)."
        )
    raise StaleVersion(message)
