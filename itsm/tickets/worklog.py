"""Logging work on a ticket: minutes and a note in its journal, by IT staff.

Incidents log work with their own journal action (:mod:`itsm.incidents.actions`); requests,
their fulfilment tasks and changes use :func:`log_work`. Either way the entry keeps its author,
time and minutes, the ticket's ``updated`` moves (the time report finds tickets through it, see
:mod:`itsm.reports.timelog`) and the history records it.
"""

from __future__ import annotations

from typing import Any

from itsm.i18n import _
from itsm.search.catalog import mark_changed
from itsm.tickets.context import ActionContext
from itsm.tickets.journal import JournalEntry

#: The most minutes one entry may log (a week of work and then some).
MAX_MINUTES = 10_000
KINDS = ("worklog", "note")


class WorkLogError(Exception):
    """Refused input: ``message`` and one message per field (``minutes``, ``body``, ``kind``)."""

    status = 400
    code = "invalid"

    def __init__(self, fields: dict[str, Any]) -> None:
        super().__init__("invalid work log")
        self.message = _("Some fields are not valid.")
        self.fields = fields


def parse_minutes(value: Any) -> int:
    """Minutes as typed (``"45"``, ``45``, empty = 0); WorkLogError for anything else."""
    if value in (None, ""):
        return 0
    try:
        minutes = int(str(value).strip())
    except ValueError:
        minutes = -1
    if not 0 <= minutes <= MAX_MINUTES:
        raise WorkLogError(
            {"minutes": _("A whole number of minutes from 0 to ${n}.", mapping={"n": MAX_MINUTES})}
        )
    return minutes


def log_work(
    ctx: ActionContext, ticket: Any, minutes: Any, body: str = "", kind: str = "worklog"
) -> JournalEntry:
    """Add a work-log entry (or an internal note with minutes) to ``ticket``'s journal."""
    if kind not in KINDS:
        raise WorkLogError({"kind": _("Choose one of the options.")})
    value = parse_minutes(minutes)
    text = (body or "").strip()
    if len(text) > 50_000:
        raise WorkLogError({"body": _("At most ${n} characters.", mapping={"n": 50_000})})
    if not value and not text:
        raise WorkLogError({"minutes": _("Give the minutes worked, a note, or both.")})
    entry = ticket.journal.add(kind, ctx.actor, ctx.now, text, minutes=value)
    ticket.updated = ctx.now
    ticket.history.record(ctx.now, ctx.actor, "journal", field=kind, after=entry.id)
    mark_changed(ctx.root, ticket)
    return entry


def entry_json(entry: JournalEntry) -> dict[str, Any]:
    """A journal entry in the API's shape (as ``GET /api/v1/incidents/…/journal``)."""
    return {
        "id": entry.id,
        "kind": entry.kind,
        "author": entry.author,
        "created": entry.created.isoformat(),
        "body": entry.body,
        "minutes": entry.minutes,
    }
