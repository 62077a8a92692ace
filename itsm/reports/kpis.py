"""The KPI reports: each a name, a one-sentence definition, and tables built from day summaries.

A report answers with plain values (seconds, shares between 0 and 1, counts, text); pages,
exports and the API format them. ``figures`` merges the day summaries of the range, so a
report's cost grows with the number of days and cells, not with the number of tickets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from itsm.chat.reports import chat_report
from itsm.i18n import _
from itsm.kb.reports import kb_report
from itsm.problems import figures as problem_figures
from itsm.problems.workflow import STATE_TITLES as PROBLEM_STATES
from itsm.reports.filters import Filters
from itsm.reports.satisfaction import satisfaction_report
from itsm.reports.stats import Stats
from itsm.reports.store import (
    DIMS,
    NO_TICKETS,
    CellsNeeded,
    ReportStore,
    month_days,
    month_of,
)
from itsm.reports.tables import Column, Report, Source, Table
from itsm.reports.timelog import time_report

BY_OPTIONS = {
    "priority": _("Priority"),
    "group": _("Group"),
    "category": _("Category"),
    "channel": _("Channel"),
    "agent": _("Agent"),
    "item": _("Catalog item or change type"),
    "month": _("Month"),
}


def spans(
    store: ReportStore, start: int, end: int, now: datetime, max_age: float, cache: Any = None
) -> Any:
    """(day ordinal, the figures by kind, the month key or None) covering ``start``..``end``:
    a whole month in one piece when its stored summary can be used, else day by day."""
    day = start
    while day <= end:
        month = month_of(day)
        first, last = month_days(month)
        if day == first and last <= end:
            kinds = store.month(month, now, max_age, cache)
            if kinds is not None:
                yield first, kinds, month
                day = last + 1
                continue
        stop = min(last, end)
        for one in store.day_range(day, stop):
            yield one, store.summary(one, now, max_age, cache), None
        day = stop + 1


def select(
    source: Source, piece: tuple, kind: str, dims: dict[str, Any], gdim: str
) -> dict[Any, Stats] | None:
    """``KindDay.select`` on a piece of :func:`spans` (None if it has no ``kind``); a cached
    summary kept without its cells is loaded with them when the question needs them."""
    day, kinds, month = piece
    kind_day = kinds.get(kind)
    if kind_day is None:
        return None
    try:
        return kind_day.select(dims, gdim)
    except CellsNeeded:
        store, now, max_age = source.store, source.now, source.max_age_seconds
        if month is not None:
            full = store.month(month, now, max_age, source.cache, cells=True)
        else:
            full = store.summary(day, now, max_age, source.cache, cells=True)
        return full[kind].select(dims, gdim)


def figures(source: Source, filters: Filters, by: str = "") -> dict[Any, Stats]:
    """Merged figures of the range, keyed by the value of ``by`` (a dimension, "day",
    "month" or "" for one total)."""
    out: dict[Any, Stats] = {}
    store = source.store
    if store is None:
        return out
    dims = filters.dims()
    gdim = by if by in DIMS else ""
    start, end = filters.start.toordinal(), filters.end.toordinal()
    if by == "day":
        pieces: Any = (
            (day, store.summary(day, source.now, source.max_age_seconds, source.cache), None)
            for day in store.day_range(start, end)
        )
    else:
        pieces = spans(store, start, end, source.now, source.max_age_seconds, source.cache)
    for piece in pieces:
        day = piece[0]
        selected = select(source, piece, filters.kind, dims, gdim)
        if selected is None:
            continue
        for value, stats in selected.items():
            if by == "day":
                key: Any = date.fromordinal(day)
            elif by == "month":
                key = date.fromordinal(day).strftime("%Y-%m")
            else:
                key = value
            target = out.get(key)
            if target is None:
                target = out[key] = Stats()
            target.merge(stats)
    return out


def total(source: Source, filters: Filters) -> Stats:
    return figures(source, filters).get("", Stats())


def _sorted_keys(values: dict[Any, Stats]) -> list[Any]:
    return sorted(values, key=lambda k: (str(type(k)), k))


def _by_column(by: str) -> Column:
    return Column("key", BY_OPTIONS.get(by, _("All")), "text")


# -- the reports -------------------------------------------------------------------------------


def _times(source: Source, filters: Filters, by: str, what: str) -> list[Table]:
    values = figures(source, filters, by or "priority")
    rows = []
    for key in _sorted_keys(values):
        s = values[key]
        rows.append(
            {
                "key": key,
                "tickets": s.ns.get(f"{what}_wall", 0),
                "mean_business": s.mean(f"{what}_business"),
                "median_business": s.median(f"{what}_business"),
                "mean_wall": s.mean(f"{what}_wall"),
                "median_wall": s.median(f"{what}_wall"),
            }
        )
    columns = (
        _by_column(by or "priority"),
        Column("tickets", _("Tickets")),
        Column("mean_business", _("Mean, business time"), "duration"),
        Column("median_business", _("Median, business time"), "duration"),
        Column("mean_wall", _("Mean, wall time"), "duration"),
        Column("median_wall", _("Median, wall time"), "duration"),
    )
    title = _("Time to first response") if what == "response" else _("Time to resolution")
    return [Table(what, title, columns, rows, ("bar", "key", "median_business"))]


def response_report(source: Source, filters: Filters, by: str) -> list[Table]:
    return _times(source, filters, by, "response")


def resolution_report(source: Source, filters: Filters, by: str) -> list[Table]:
    return _times(source, filters, by, "resolution")


def sla_report(source: Source, filters: Filters, by: str) -> list[Table]:
    values = figures(source, filters, by or "priority")
    rows = []
    for key in _sorted_keys(values):
        s = values[key]
        rows.append(
            {
                "key": key,
                "response_target": s.get("response_target"),
                "response_met": s.share("response_met", "response_target"),
                "resolution_target": s.get("resolution_target"),
                "resolution_met": s.share("resolution_met", "resolution_target"),
                "breached": s.get("breached"),
            }
        )
    compliance = Table(
        "compliance",
        _("SLA compliance"),
        (
            _by_column(by or "priority"),
            Column("response_target", _("Tickets with a response target")),
            Column("response_met", _("Response target met"), "share"),
            Column("resolution_target", _("Tickets with a resolution target")),
            Column("resolution_met", _("Resolution target met"), "share"),
            Column("breached", _("Tickets with a breach")),
        ),
        rows,
        ("bar", "key", "resolution_met"),
    )
    return [compliance, breaches_table(source, filters)]


def notable_facts(source: Source, filters: Filters, name: str, limit: int) -> list[Any]:
    """The facts a day's summary lists under ``name`` ("breached", "failed"), newest day
    first, matching the filters; at most ``limit``."""
    store = source.store
    found: list[Any] = []
    if store is None:
        return found
    dims = filters.dims()
    days = list(store.day_range(filters.start.toordinal(), filters.end.toordinal()))
    for day in reversed(days):
        keys = store.notable(
            day, filters.kind, name, source.now, source.max_age_seconds, source.cache
        )
        for key in keys:
            facts = store.facts.get(key)
            if facts is not None and _matches(facts, dims):
                found.append(facts)
        if len(found) >= limit:
            break
    return found[:limit]


def breaches_table(source: Source, filters: Filters, limit: int = 50) -> Table:
    """The latest breached tickets resolved in the range, with the reason from the timeline."""
    rows = [
        {
            "number": facts.number,
            "priority": facts.priority,
            "group": facts.group,
            "target": ", ".join(sorted({t for t, _at in facts.breaches})),
            "breached_at": min(at for _t, at in facts.breaches),
            "reason": _breach_reason(source.root, facts),
        }
        for facts in notable_facts(source, filters, "breached", limit)
    ]
    rows.sort(key=lambda r: r["breached_at"], reverse=True)
    return Table(
        "breaches",
        _("Breaches"),
        (
            Column("number", _("Number"), "text"),
            Column("priority", _("Priority"), "text"),
            Column("group", _("Group"), "text"),
            Column("target", _("Target"), "text"),
            Column("breached_at", _("Breached"), "datetime"),
            Column("reason", _("Why (from the SLA timeline)"), "text"),
        ),
        rows,
    )


def _matches(facts: Any, dims: dict[str, Any]) -> bool:
    for dim, value in dims.items():
        actual = (facts.resolver or facts.assignee) if dim == "agent" else getattr(facts, dim)
        if actual != value:
            return False
    return True


def _breach_reason(root: Any, facts: Any) -> Any:
    container = root.get(f"{facts.kind}s") if root is not None else None
    ticket = container.get(facts.number) if container is not None else None
    sla = getattr(ticket, "sla", None)
    if sla is None:
        return ""
    entries = sla.timeline()
    for index, entry in enumerate(entries):
        if entry.kind == "breached":
            before = [
                e for e in entries[:index] if e.kind in ("paused", "target_changed", "resumed")
            ]
            return (entry.description, before[-1].description) if before else (entry.description,)
    return ""


def fcr_report(source: Source, filters: Filters, by: str) -> list[Table]:
    values = figures(source, filters, by or "group")
    rows = [
        {
            "key": key,
            "resolved": values[key].get("resolved"),
            "fcr": values[key].get("fcr"),
            "share": values[key].share("fcr", "resolved"),
        }
        for key in _sorted_keys(values)
    ]
    return [
        Table(
            "fcr",
            _("First-contact resolution"),
            (
                _by_column(by or "group"),
                Column("resolved", _("Resolved")),
                Column("fcr", _("Resolved at first contact")),
                Column("share", _("Share"), "share"),
            ),
            rows,
            ("bar", "key", "share"),
        )
    ]


def quality_report(source: Source, filters: Filters, by: str) -> list[Table]:
    values = figures(source, filters, by or "group")
    rows = [
        {
            "key": key,
            "resolved": s.get("resolved"),
            "reopen_rate": s.share("reopened", "resolved"),
            "reassign_mean": s.reassign_mean,
            "reassigned": s.share("reassigned", "resolved"),
        }
        for key in _sorted_keys(values)
        for s in [values[key]]
    ]
    whole = total(source, filters)
    distribution = [
        {"reassignments": count, "tickets": n} for count, n in sorted(whole.reassign_hist.items())
    ]
    return [
        Table(
            "quality",
            _("Reopen rate and reassignments"),
            (
                _by_column(by or "group"),
                Column("resolved", _("Resolved")),
                Column("reopen_rate", _("Reopened"), "share"),
                Column("reassign_mean", _("Reassignments, mean"), "number"),
                Column("reassigned", _("Reassigned at least once"), "share"),
            ),
            rows,
            ("bar", "key", "reopen_rate"),
        ),
        Table(
            "reassignments",
            _("Reassignments per ticket"),
            (Column("reassignments", _("Reassignments")), Column("tickets", _("Tickets"))),
            distribution,
            ("bar", "reassignments", "tickets"),
        ),
    ]


def backlog_report(source: Source, filters: Filters, by: str) -> list[Table]:
    """Created and ended per day, and the open backlog at the end of each day.

    Each day's three counts come from the store's small per-day record when it can answer
    (no filter, or one), else from the day's summary: a year of days costs a few hundred small
    records, not a year of day summaries."""
    store = source.store
    rows = []
    if store is not None:
        opened = 0
        dims = filters.dims()
        first = filters.start.toordinal()
        earliest = next(iter(store.versions.keys()), first)
        # Before the range only the balance matters.
        for day in store.day_range(earliest, first - 1):
            counts = _day_counts(source, day, filters.kind, dims)
            if counts is not None:
                opened += counts[0] - counts[2]
        for day in store.day_range(first, filters.end.toordinal()):
            counts = _day_counts(source, day, filters.kind, dims)
            if counts is None:
                continue
            created, resolved, ended = counts
            opened += created - ended
            rows.append(
                {
                    "key": date.fromordinal(day),
                    "created": created,
                    "resolved": resolved,
                    "ended": ended,
                    "open": opened,
                }
            )
    return [
        Table(
            "backlog",
            _("Backlog over time"),
            (
                Column("key", _("Day"), "date"),
                Column("created", _("Created")),
                Column("resolved", _("Resolved")),
                Column("ended", _("Resolved, closed or cancelled")),
                Column("open", _("Open at the end of the day")),
            ),
            rows,
            ("line", "key", "open"),
        )
    ]


def _day_counts(
    source: Source, day: int, kind: str, dims: dict[str, Any]
) -> tuple[int, int, int] | None:
    """(created, resolved, ended) of ``kind`` on ``day`` matching ``dims``: from the per-day
    record, else the day's summary (None if the day has no such ticket)."""
    store = source.store
    found = store.day_counts(day, kind, dims)
    if found is not None:
        return None if found == NO_TICKETS else found
    piece = (day, store.summary(day, source.now, source.max_age_seconds, source.cache), None)
    selected = select(source, piece, kind, dims, "")
    if selected is None:
        return None
    s = selected.get("")
    if s is None:
        return None
    return s.get("created"), s.get("resolved"), s.get("ended")


def csat_report(source: Source, filters: Filters, by: str) -> list[Table]:
    if filters.kind == "all":
        # Incidents and service requests together: both ask the requester on resolve.
        values: dict[Any, Stats] = {}
        for kind in ("incident", "request"):
            for key, stats in figures(source, filters.with_(kind=kind), by or "group").items():
                values.setdefault(key, Stats()).merge(stats)
    else:
        values = figures(source, filters, by or "group")
    rows = [
        {
            "key": key,
            "surveyed": s.get("surveyed"),
            "answered": s.get("answered"),
            "answer_rate": s.answer_rate,
            "csat": s.csat,
            "mean_score": s.mean_score,
            "comments": s.get("commented"),
        }
        for key in _sorted_keys(values)
        for s in [values[key]]
    ]
    return [
        Table(
            "csat",
            _("Customer satisfaction"),
            (
                _by_column(by or "group"),
                Column("surveyed", _("Asked")),
                Column("answered", _("Answered")),
                Column("answer_rate", _("Answer rate"), "share"),
                Column("csat", _("CSAT (4 or 5 of 5)"), "share"),
                Column("mean_score", _("Mean score"), "number"),
                Column("comments", _("Comments")),
            ),
            rows,
            ("bar", "key", "csat"),
        )
    ]


def requests_report(source: Source, filters: Filters, by: str) -> list[Table]:
    values = figures(source, filters.with_(kind="request"), by or "item")
    rows = [
        {
            "key": key,
            "fulfilled": s.ns.get("resolution_wall", 0),
            "mean": s.mean("resolution_wall"),
            "median": s.median("resolution_wall"),
            "approval_steps": s.get("approval_steps"),
            "approval_mean": s.approval_mean,
        }
        for key in _sorted_keys(values)
        for s in [values[key]]
    ]
    return [
        Table(
            "fulfilment",
            _("Request fulfilment and approval turnaround"),
            (
                _by_column(by or "item"),
                Column("fulfilled", _("Fulfilled")),
                Column("mean", _("Fulfilment, mean"), "duration"),
                Column("median", _("Fulfilment, median"), "duration"),
                Column("approval_steps", _("Approval steps decided")),
                Column("approval_mean", _("Approval turnaround, mean"), "duration"),
            ),
            rows,
            ("bar", "key", "median"),
        )
    ]


def changes_report(source: Source, filters: Filters, by: str) -> list[Table]:
    changes = filters.with_(kind="change")
    values = figures(source, changes, by or "item")
    rows = []
    for key in _sorted_keys(values):
        s = values[key]
        finished = sum(s.outcomes.values())
        rows.append(
            {
                "key": key,
                "ended": s.get("ended"),
                "with_outcome": finished,
                "success": (
                    sum(n for o, n in s.outcomes.items() if o.startswith("successful")) / finished
                    if finished
                    else None
                ),
                "failed": sum(n for o, n in s.outcomes.items() if o.startswith("failed")),
                "emergency": s.share("emergency", "ended"),
            }
        )
    container = source.root.get("changes") if source.root is not None else None
    failed = []
    for facts in notable_facts(source, changes, "failed", 200):
        change = container.get(facts.number) if container is not None else None
        failed.append(
            {
                "number": facts.number,
                "title": getattr(change, "title", ""),
                "ended_at": facts.ended_at,
                "review": getattr(change, "review_notes", ""),
            }
        )
    unique = {row["number"]: row for row in failed}
    return [
        Table(
            "changes",
            _("Changes: success rate and emergency share"),
            (
                _by_column(by or "item"),
                Column("ended", _("Closed")),
                Column("with_outcome", _("With an outcome")),
                Column("success", _("Successful"), "share"),
                Column("failed", _("Failed")),
                Column("emergency", _("Emergency share"), "share"),
            ),
            rows,
            ("bar", "key", "success"),
        ),
        Table(
            "failed",
            _("Failed changes and their post-implementation review"),
            (
                Column("number", _("Number"), "text"),
                Column("title", _("Title"), "text"),
                Column("ended_at", _("Closed"), "datetime"),
                Column("review", _("Post-implementation review"), "text"),
            ),
            list(unique.values()),
        ),
    ]


def problems_report(source: Source, filters: Filters, by: str) -> list[Table]:
    """Live from the problems (``itsm.problems.figures``): incidents per problem, time from
    the first incident to the root cause, open known errors."""
    root = source.root
    if root is None:
        return []
    per_problem = problem_figures.incidents_per_problem(root)
    to_cause = problem_figures.time_to_root_cause(root)
    known = problem_figures.known_errors_open(root)

    def seconds(hours: float | None) -> float | None:
        return None if hours is None else hours * 3600

    summary = {
        "problems": len(per_problem["items"]),
        "incidents_mean": per_problem["mean"],
        "incidents_max": per_problem["max"],
        "cause_mean": seconds(to_cause["mean_hours"]),
        "cause_median": seconds(to_cause["median_hours"]),
        "known_errors": known["total"],
    }
    return [
        Table(
            "summary",
            _("Problems"),
            (
                Column("problems", _("Problems")),
                Column("incidents_mean", _("Incidents per problem, mean"), "number"),
                Column("incidents_max", _("Incidents per problem, most"), "count"),
                Column("cause_mean", _("First incident to root cause, mean"), "duration"),
                Column("cause_median", _("First incident to root cause, median"), "duration"),
                Column("known_errors", _("Open known errors")),
            ),
            [summary],
        ),
        Table(
            "incidents",
            _("Incidents per problem"),
            (
                Column("number", _("Number"), "text"),
                Column("title", _("Title"), "text"),
                Column("status", _("Status"), "text"),
                Column("incidents", _("Incidents")),
            ),
            [
                {**row, "status": PROBLEM_STATES.get(row["status"], row["status"])}
                for row in per_problem["items"]
            ],
            ("bar", "number", "incidents"),
        ),
        Table(
            "root_cause",
            _("Time from the first incident to the root cause"),
            (
                Column("number", _("Number"), "text"),
                Column("time", _("First incident to root cause"), "duration"),
            ),
            [{"number": r["number"], "time": seconds(r["hours"])} for r in to_cause["items"]],
            ("bar", "number", "time"),
        ),
        Table(
            "known_errors",
            _("Open known errors"),
            (Column("number", _("Number"), "text"), Column("title", _("Title"), "text")),
            list(known["items"]),
        ),
    ]


@dataclass(frozen=True)
class Definition:
    name: str
    title: Any
    definition: Any
    build: Callable[[Source, Filters, str], list[Table]]
    by_options: tuple[str, ...] = ("priority", "group", "category", "channel", "agent", "month")
    #: Whether ``kind=all`` (every kind together) means something to this report.
    all_kinds: bool = False
    #: The kind shown when the address names none.
    default_kind: str = "incident"


REPORTS: dict[str, Definition] = {
    d.name: d
    for d in (
        Definition(
            "response",
            _("Time to first response"),
            _(
                "Mean and median time from creation to the first response by IT staff, for "
                "tickets resolved in the period, in business hours of the SLA calendar (without "
                "pauses) and in wall-clock time."
            ),
            response_report,
        ),
        Definition(
            "resolution",
            _("Time to resolution"),
            _(
                "Mean and median time from creation to the last resolution, for tickets "
                "resolved in the period; business time leaves out waiting for the customer and "
                "the time before a reopening, wall time counts everything."
            ),
            resolution_report,
        ),
        Definition(
            "sla",
            _("SLA compliance"),
            _(
                "The share of tickets resolved in the period whose response or resolution "
                "target was met, and the breaches with the reason from the SLA timeline."
            ),
            sla_report,
            ("priority", "group", "month"),
        ),
        Definition(
            "fcr",
            _("First-contact resolution"),
            _(
                "The share of tickets resolved in the period by the first agent who had them, "
                "with no reassignment and no reopening."
            ),
            fcr_report,
            ("group", "agent", "priority", "category", "channel", "month"),
        ),
        Definition(
            "quality",
            _("Reopen rate and reassignments"),
            _(
                "The share of tickets resolved in the period that were reopened at least once, "
                "and how often their group or assignee changed after the first routing."
            ),
            quality_report,
            ("group", "agent", "priority", "category", "channel", "month"),
        ),
        Definition(
            "backlog",
            _("Backlog over time"),
            _(
                "Tickets created and resolved each day, and the tickets still open at the end "
                "of each day in the business calendar's time zone."
            ),
            backlog_report,
            (),
        ),
        Definition(
            "csat",
            _("Customer satisfaction"),
            _(
                "Of the tickets resolved in the period whose requester was asked, the share "
                "who answered, and the share of answers scoring 4 or 5 out of 5 (CSAT)."
            ),
            csat_report,
            ("group", "agent", "priority", "category", "month"),
            all_kinds=True,
        ),
        Definition(
            "satisfaction",
            _("Satisfaction results"),
            _(
                "The answers to the satisfaction surveys of incidents and service requests given "
                "in the period: scores and comments by group and by agent (the ticket's group "
                "and assignee), live."
            ),
            satisfaction_report,
            (),
            all_kinds=True,
            default_kind="all",
        ),
        Definition(
            "time",
            _("Time logged"),
            _(
                "The minutes IT staff logged on incidents, requests (with their fulfilment "
                "tasks) and changes in the period, summed per agent, per group and per ticket, "
                "live."
            ),
            time_report,
            (),
            all_kinds=True,
            default_kind="all",
        ),
        Definition(
            "kb",
            _("Knowledge base"),
            _(
                "Deflection: the share of portal searches and article views by employees that "
                "ended without their incident or request within 24 hours; per article its views "
                "in the period, helpful and unhelpful votes, the times a reader reported it "
                "solved the question (left the incident form after it was suggested, or said so "
                "in the chat), and reviews due within 30 days."
            ),
            kb_report,
            (),
        ),
        Definition(
            "requests",
            _("Service requests"),
            _(
                "Time from ordering to fulfilment by catalog item, for requests fulfilled in the "
                "period, and the mean time an approval step took from opening to decision."
            ),
            requests_report,
            ("item", "group", "month"),
        ),
        Definition(
            "changes",
            _("Changes"),
            _(
                "Of the changes closed in the period, the share that succeeded, the share of "
                "emergency changes, and the failed ones with their post-implementation review."
            ),
            changes_report,
            ("item", "group", "month"),
        ),
        Definition(
            "problems",
            _("Problems"),
            _(
                "Per problem: its linked incidents, the time from its first incident to the "
                "recorded root cause, and the open known errors (a root cause and a workaround)."
            ),
            problems_report,
            (),
        ),
        Definition(
            "chat",
            _("Chat"),
            _(
                "Chats started in the period by channel: those the virtual agent solved without "
                "a ticket (deflection, their share of all chats), those handed to a person, "
                "turned into incidents or requests, and the time from the handoff until an "
                "agent took the chat."
            ),
            chat_report,
            (),
        ),
    )
}


def build(name: str, source: Source, filters: Filters, by: str = "") -> Report:
    """The report ``name`` (KeyError if unknown); ``by`` falls back to its default."""
    definition = REPORTS[name]
    if filters.kind == "all" and not definition.all_kinds:
        filters = filters.with_(kind="incident")
    if by not in definition.by_options:
        by = definition.by_options[0] if definition.by_options else ""
    tables = definition.build(source, filters, by)
    return Report(name, definition.title, definition.definition, filters, by, tables)
