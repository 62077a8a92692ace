"""Expected wait for incidents, in words: on the report form, in the "received" mail, in the
requester's list and through ``GET /api/v1/expected-wait``.

"A first answer by Thursday 3 December, 11:00 and a resolution by Monday 7 December, 18:00",
worked out by the SLA clock from the incident policy's targets and calendar
(:mod:`itsm.sla.expected`), told in the reader's language (Babel) on the desk's clock (the SLA
calendar's time zone, named after the times).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from itsm.incidents.models import IncidentSettings
from itsm.sla.expected import ExpectedWait, expected_for, expected_of
from itsm.tickets.priority import LEVELS, priority_of
from itsm.tickets.when import local_time, zone_label


def _matrix(root: Any) -> Any:
    settings = root["settings"].get("incidents") or IncidentSettings()
    return settings.matrix


def in_words(wait: ExpectedWait | None, language: str | None) -> tuple[str, str, str] | None:
    """``(first answer, resolution, zone)`` as text, or None without a promise."""
    if wait is None:
        return None
    response = local_time(wait.response_due, wait.zone, language) if wait.response_due else ""
    resolution = local_time(wait.resolution_due, wait.zone, language) if wait.resolution_due else ""
    return response, resolution, zone_label(wait.zone, language)


def priority_for(root: Any, impact: str, urgency: str) -> int:
    """The priority the desk's matrix gives this impact and urgency."""
    return priority_of(impact, urgency, _matrix(root))


def wait_for(
    root: Any, impact: str, urgency: str, now: datetime | None = None
) -> ExpectedWait | None:
    """The wait a new incident of this impact and urgency would be promised now."""
    priority = priority_of(impact, urgency, _matrix(root))
    return expected_for(root, "incident", priority, now or datetime.now(UTC))


def form_table(request: Any) -> dict[str, Any]:
    """What the report form shows and its script switches between: the words for each impact
    and urgency (``"high:low"``), and the form's default choice. Reads only."""
    root = request.itsm_root
    now = datetime.now(UTC)
    language = request.locale_name
    matrix = _matrix(root)
    by_priority: dict[int, tuple[str, str, str] | None] = {}
    cells: dict[str, dict[str, str]] = {}
    for impact in LEVELS:
        for urgency in LEVELS:
            priority = priority_of(impact, urgency, matrix)
            if priority not in by_priority:
                wait = expected_for(root, "incident", priority, now)
                by_priority[priority] = in_words(wait, language)
            words = by_priority[priority]
            if words is not None:
                cells[f"{impact}:{urgency}"] = {
                    "response": words[0],
                    "resolution": words[1],
                    "zone": words[2],
                }
    return {"cells": cells, "default": cells.get("low:medium"), "json": json.dumps(cells)}


def ticket_words(request: Any, ticket: Any) -> tuple[str, str, str] | None:
    """The still-open promise of an existing ticket, in the reader's language."""
    return in_words(expected_of(request.itsm_root, ticket), request.locale_name)


def mail_words(root: Any, ticket: Any) -> Any:
    """For the "received" mail: a function of the recipient's language (each person gets the
    times in theirs), or None when the ticket has no SLA promise."""
    wait = expected_of(root, ticket)
    if wait is None:
        return None
    return lambda language: in_words(wait, language)
