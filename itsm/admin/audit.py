"""The settings audit: who changed which setting, when, and from what to what.

One append-only :class:`~itsm.tickets.history.History` on the ``/settings`` folder, attribute
``audit``. It is made by the first change, never by reading, so a GET writes nothing. Each
record's ``action`` is the area (``incidents``, ``groups``, ``sla``), ``field`` says what
happened (``rule.added``), ``note`` names the item, and ``before``/``after`` are flat dicts of
display strings (plain data: a record never refers to a persistent object).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from itsm.i18n import _
from itsm.tickets.history import History, HistoryRecord
from itsm.ui.forms import display_time, iso_time

log = logging.getLogger("itsm.security.settings")

AREAS = ("incidents", "groups", "sla")

#: What a record's ``field`` means, for the pages.
WHAT = {
    "matrix": _("Priority matrix changed"),
    "defaults": _("Default group and category changed"),
    "rule.added": _("Routing rule added"),
    "rule.changed": _("Routing rule changed"),
    "rule.deleted": _("Routing rule deleted"),
    "rule.moved": _("Routing rule moved"),
    "rules.replaced": _("Routing rules replaced"),
    "canned.added": _("Canned reply added"),
    "canned.changed": _("Canned reply changed"),
    "canned.deleted": _("Canned reply deleted"),
    "canned.replaced": _("Canned replies replaced"),
    "group.added": _("Group added"),
    "group.changed": _("Group changed"),
    "calendar.added": _("Calendar added"),
    "calendar.changed": _("Calendar changed"),
    "policy.changed": _("SLA policy changed"),
    "catalog.added": _("Catalog item added"),
    "catalog.changed": _("Catalog item changed"),
    "catalog.retired": _("Catalog item retired"),
    "catalog.restored": _("Catalog item restored"),
}

#: Longest value kept in a record (canned reply bodies can be long).
MAX_VALUE = 300


def audit_log(container: Any) -> History | None:
    """The audit of the ``/settings`` folder, None before the first change."""
    return getattr(container, "audit", None)


def _clip(values: Mapping[str, Any] | None) -> dict[str, str] | None:
    if values is None:
        return None
    clipped = {}
    for key, value in values.items():
        text = str(value)
        clipped[key] = text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"
    return clipped


def record(
    ctx: Any,
    area: str,
    what: str,
    subject: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> HistoryRecord:
    """Append one change by ``ctx.actor`` at ``ctx.now``; makes the audit on the first change."""
    # Beside the audit kept with the settings, the security log (S12); the request's own log
    # line (itsm.request) has the address it came from.
    log.info("settings %s %s %r by %s", area, what, subject[:80], ctx.actor)
    container = ctx.root["settings"]
    audit = audit_log(container)
    if audit is None:
        audit = container.audit = History()
    return audit.record(
        ctx.now,
        ctx.actor,
        area,
        field=what,
        before=_clip(before),
        after=_clip(after),
        note=subject,
    )


def latest(container: Any, area: str | None = None, count: int = 20) -> list[HistoryRecord]:
    """The last ``count`` records (of one area if given), newest first."""
    audit = audit_log(container)
    if audit is None:
        return []
    window = count
    while True:
        records = audit.latest(window)
        found = [r for r in records if area is None or r.action == area]
        if len(found) >= count or len(records) >= len(audit):
            return found[-count:][::-1]
        window *= 4


def changes(entry: HistoryRecord) -> list[tuple[str, str, str]]:
    """``(key, before, after)`` for each value that differs (all of them for an addition or a
    deletion)."""
    before, after = entry.before or {}, entry.after or {}
    keys = dict.fromkeys([*before, *after])
    return [
        (key, before.get(key, ""), after.get(key, ""))
        for key in keys
        if before.get(key, "") != after.get(key, "")
    ]


#: How many changes the settings pages show.
AUDIT_COUNT = 20


def audit_rows(request: Any, area: str | None) -> list[dict[str, Any]]:
    """The latest changes in ``area`` (all areas for None) as the settings pages show them."""
    people = request.itsm_root["people"]
    rows = []
    for entry in latest(request.itsm_root["settings"], area, AUDIT_COUNT):
        person = people.get(entry.actor) if entry.actor else None
        rows.append(
            {
                "at": display_time(entry.at),
                "iso": iso_time(entry.at),
                "who": person.display_name if person is not None else (entry.actor or ""),
                "what": WHAT.get(entry.field, entry.field),
                "subject": entry.note,
                "changes": changes(entry),
            }
        )
    return rows
