"""Links of a problem: the incidents it causes and the changes that fix it.

Each link is kept on both sides (``Problem.incidents`` and ``Incident.problem``;
``Problem.changes`` and ``Change.problem``), so each page shows it without a search. An
incident belongs to one problem at a time; linking it to another moves it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from itsm.cmdb.impact import impact_of_numbers
from itsm.i18n import _
from itsm.search.catalog import mark_changed
from itsm.tickets.workflow import MissingFields, NotAllowedNow


def _numbers(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(str(v).strip().upper() for v in values if str(v).strip()))


def link_incidents(ctx: Any, problem: Any, numbers: Iterable[str]) -> list[str]:
    """Link the incidents ``numbers`` to ``problem``; the numbers newly linked. Refuses (400)
    unknown numbers, leaving nothing half-done."""
    if not problem.is_open:
        raise NotAllowedNow(_("This problem is no longer open."))
    incidents = ctx.root["incidents"]
    wanted = _numbers(numbers)
    unknown = [n for n in wanted if n not in incidents]
    if unknown:
        raise MissingFields(
            _("Some fields are not valid."),
            {
                "incidents": _(
                    "Unknown incident: ${numbers}.", mapping={"numbers": ", ".join(unknown)}
                )
            },
        )
    added = []
    for number in wanted:
        if number in problem.incidents:
            continue
        incident = incidents[number]
        if incident.problem and incident.problem != problem.number:
            unlink_incident(ctx, ctx.root["problems"].get(incident.problem), incident)
        incident.problem = problem.number
        incident.history.record(ctx.now, ctx.actor, "link", field="problem", after=problem.number)
        mark_changed(ctx.root, incident)
        added.append(number)
    if added:
        problem.incidents = (*problem.incidents, *added)
        problem.undigested = (*problem.undigested, *added)
        for number in added:
            problem.history.record(ctx.now, ctx.actor, "link", field="incidents", after=number)
        # The linked incidents' CIs join the problem's, so its impact covers them.
        cis = [*problem.cis, *(c for n in added for c in incidents[n].cis)]
        set_cis(ctx, problem, cis)
        problem.updated = ctx.now
        mark_changed(ctx.root, problem)
    return added


def unlink_incident(ctx: Any, problem: Any, incident: Any) -> bool:
    """Remove the link between ``problem`` (may be None: a dangling link) and ``incident``."""
    if problem is not None and incident.number in problem.incidents:
        problem.incidents = tuple(n for n in problem.incidents if n != incident.number)
        problem.undigested = tuple(n for n in problem.undigested if n != incident.number)
        problem.history.record(
            ctx.now, ctx.actor, "unlink", field="incidents", before=incident.number
        )
        mark_changed(ctx.root, problem)
    if not incident.problem:
        return False
    incident.history.record(ctx.now, ctx.actor, "unlink", field="problem", before=incident.problem)
    incident.problem = ""
    mark_changed(ctx.root, incident)
    return True


def link_change(ctx: Any, problem: Any, number: str) -> bool:
    """Link the change ``number`` as (part of) the fix; whether it was new."""
    number = (number or "").strip().upper()
    change = ctx.root["changes"].get(number) if number else None
    if change is None:
        raise MissingFields(
            _("Some fields are not valid."),
            {"change": _("No change ${number}.", mapping={"number": number or "—"})},
        )
    if number in problem.changes:
        return False
    other = ctx.root["problems"].get(change.problem) if change.problem else None
    if other is not None and other is not problem:
        other.changes = tuple(n for n in other.changes if n != number)
        mark_changed(ctx.root, other)
    change.problem = problem.number
    change.history.record(ctx.now, ctx.actor, "link", field="problem", after=problem.number)
    mark_changed(ctx.root, change)
    problem.changes = (*problem.changes, number)
    problem.history.record(ctx.now, ctx.actor, "link", field="changes", after=number)
    problem.updated = ctx.now
    mark_changed(ctx.root, problem)
    return True


def set_cis(ctx: Any, problem: Any, cis: Iterable[str]) -> None:
    """The affected CIs; the services and people affected follow from the CMDB's impact."""
    wanted = tuple(_numbers(cis))
    unknown = [n for n in wanted if n not in ctx.root["cmdb"]]
    if unknown:
        raise MissingFields(
            _("Some fields are not valid."),
            {"cis": _("Unknown CI: ${numbers}.", mapping={"numbers": ", ".join(unknown)})},
        )
    problem.update({"cis": wanted}, ctx.actor, ctx.now)
    impact = impact_of_numbers(ctx.root, wanted)
    problem.services = tuple(impact.cis)
    problem.affected = tuple(impact.people)


def problem_of(root: Any, ticket: Any) -> Any:
    """The problem an incident or a change is linked to, or None."""
    number = getattr(ticket, "problem", "")
    return root["problems"].get(number) if number else None


def linked_incidents(root: Any, problem: Any) -> list[Any]:
    incidents = root["incidents"]
    return [incidents[n] for n in problem.incidents if n in incidents]


def linked_changes(root: Any, problem: Any) -> list[Any]:
    changes = root["changes"]
    return [changes[n] for n in problem.changes if n in changes]


def timeline(root: Any, problem: Any) -> list[dict[str, Any]]:
    """The linked incidents by when each began: number, title, time, CIs, status."""
    rows = [
        {
            "incident": i,
            "number": i.number,
            "title": i.title,
            "at": i.created,
            "cis": tuple(i.cis),
            "status": i.status,
        }
        for i in linked_incidents(root, problem)
    ]
    return sorted(rows, key=lambda r: r["at"])
