"""The facts of one ticket that reports count: a pure function of its stored timestamps.

A :class:`TicketFacts` is computed from the ticket's own record (created, resolved and closed
times, the history of transitions and field changes, the SLA record, the satisfaction answer),
never accumulated from events, so recomputing it from the same ticket always gives the same
value and a repair can never make figures drift. Imported history (``itsm-import-events``)
is stored as facts directly, with ``imported`` set.

Definitions (the report pages say the same in one sentence each):

- *first response*: the SLA record's first response (an agent's first public reply, or the
  first of start/wait/resolve by an agent); business time counts the SLA calendar's working
  hours without pauses, wall time is the plain elapsed time.
- *resolution*: from creation to the last resolution (or close/cancel without one); business
  time leaves out pauses (waiting for the customer, and the time spent resolved before a
  reopening); wall time counts everything.
- *reassignment*: a moment at which the group or the assignee changed away from a set value
  (the first routing is not one).
- *first-contact resolution*: resolved (not cancelled or merged) by the first agent who had it,
  with no reassignment and no reopening.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

#: Statuses that take a ticket out of the backlog, by kind (others count as open).
ENDED_STATES = frozenset({"resolved", "closed", "cancelled", "rejected", "completed", "failed"})
#: Statuses in which the ticket's work ended without a resolution.
UNRESOLVED_END = frozenset({"cancelled", "rejected"})


@dataclass(frozen=True)
class TicketFacts:
    """What reports know about one ticket. Plain: stored inside BTree buckets."""

    number: str
    kind: str
    created: datetime
    priority: int = 3
    group: str = ""
    category: str = ""
    channel: str = ""
    assignee: str = ""
    requester: str = ""
    status: str = ""
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None  # the final resolution (None while open or cancelled)
    ended_at: datetime | None = None  # when it left the backlog (resolution, close, cancel)
    cancelled: bool = False
    response_business: float | None = None  # seconds
    response_wall: float | None = None
    resolution_business: float | None = None
    resolution_wall: float | None = None
    response_met: bool | None = None  # None: no target or not finished
    resolution_met: bool | None = None
    breaches: tuple[tuple[str, datetime], ...] = ()  # (target, when) from the SLA timeline
    reassignments: int = 0
    reopens: int = 0
    first_agent: str = ""
    resolver: str = ""
    fcr: bool | None = None  # None while not resolved
    surveyed: bool = False
    csat: int | None = None
    csat_comment: str = ""
    waiting_since: datetime | None = None
    item: str = ""  # requests: the catalog item; changes: the change type
    outcome: str = ""  # changes: successful | failed | ...
    approval_steps: int = 0  # decided approval steps
    approval_seconds: float = 0.0  # their total time from opening to decision
    imported: bool = False

    # BTrees resolve concurrent inserts into one bucket by comparing the values of its three
    # states (old, committed, ours) to see which side changed which key; values without an
    # order made every such merge fail, so two processes creating tickets at once conflicted
    # on the facts tree again and again (found by the R8 check: 500s after five retries).
    # Any total order consistent with equality will do.
    def _order(self) -> tuple[str, ...]:
        return tuple(repr(getattr(self, name)) for name in self.__dataclass_fields__)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, TicketFacts):
            return NotImplemented
        return self._order() < other._order()

    def __le__(self, other: object) -> bool:
        if not isinstance(other, TicketFacts):
            return NotImplemented
        return self._order() <= other._order()

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, TicketFacts):
            return NotImplemented
        return self._order() > other._order()

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, TicketFacts):
            return NotImplemented
        return self._order() >= other._order()

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    def days(self, zone: ZoneInfo) -> set[int]:
        """Day ordinals (in ``zone``) whose figures this ticket takes part in."""
        found = {day_of(self.created, zone)}
        if self.ended_at is not None:
            found.add(day_of(self.ended_at, zone))
        if self.resolved_at is not None:
            found.add(day_of(self.resolved_at, zone))
        return found


def day_of(moment: datetime, zone: ZoneInfo) -> int:
    """The calendar day of ``moment`` in ``zone``, as a date ordinal."""
    return moment.astimezone(zone).date().toordinal()


def day_date(ordinal: int) -> date:
    return date.fromordinal(ordinal)


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment is not None else None


def _owner_changes(history: Any) -> tuple[int, str]:
    """(reassignments, first agent) from the history's field records."""
    moments: set[datetime] = set()
    first_agent = ""
    for record in history:
        if record.action == "transition" and record.field == "assign" and not first_agent:
            # Routing at creation records the chosen assignee in the note.
            if record.before == "new" and record.note and record.actor is None:
                first_agent = record.note
        if record.action != "field" or record.field not in ("group", "assignee"):
            continue
        if record.field == "assignee" and not first_agent:
            first_agent = record.before or record.after or ""
        if record.before and record.before != record.after:
            moments.add(record.at)
    return len(moments), first_agent


def _last_transition(history: Any, names: frozenset[str]) -> Any:
    found = None
    for record in history:
        if record.action == "transition" and record.field in names:
            found = record
    return found


def facts_of(ticket: Any) -> TicketFacts:
    """The facts of ``ticket`` now (a pure function of what it stores)."""
    history = ticket.history
    reassignments, first_agent = _owner_changes(history)
    if not first_agent:
        first_agent = ticket.assignee or ""
    reopens = sum(1 for r in history if r.action == "transition" and r.field == "reopen")
    status = ticket.status or ""
    created = _utc(ticket.created)
    assert created is not None
    cancelled = status in UNRESOLVED_END or bool(getattr(ticket, "merged_into", None))
    workflow = getattr(ticket, "workflow", None)
    if workflow is not None and workflow.open_states:
        ended = status not in workflow.open_states
    else:
        ended = status in ENDED_STATES
    resolved_at = _utc(ticket.resolved_at)
    closed_at = _utc(getattr(ticket, "closed_at", None))
    ended_at = None
    if ended:
        ended_at = resolved_at or closed_at or _utc(ticket.updated)
    if cancelled:
        resolved_at = None
    sla = getattr(ticket, "sla", None)
    first_response_at = _utc(getattr(ticket, "first_response_at", None))
    response_business = resolution_business = None
    response_met = resolution_met = None
    breaches: tuple[tuple[str, datetime], ...] = ()
    waiting_since = None
    if sla is not None and sla.started is not None:
        first_response_at = first_response_at or _utc(sla.responded_at)
        if sla.responded_at is not None:
            response_business = sla.targets.seconds("response") - sla.remaining(
                "response", sla.responded_at
            )
            response_met = sla.state("response", sla.responded_at) == "met"
        if sla.resolved_at is not None and not cancelled:
            resolution_business = sla.targets.seconds("resolution") - sla.remaining(
                "resolution", sla.resolved_at
            )
            resolution_met = sla.state("resolution", sla.resolved_at) == "met"
        breaches = tuple((e.target or "", _utc(e.at)) for e in sla.events if e.kind == "breached")
        if sla.paused and not ended:
            waiting_since = _utc(sla.pauses[-1].start)
    response_wall = (
        (first_response_at - created).total_seconds() if first_response_at is not None else None
    )
    resolution_wall = (resolved_at - created).total_seconds() if resolved_at is not None else None
    resolver = ""
    fcr = None
    if resolved_at is not None:
        last = _last_transition(history, frozenset({"resolve"}))
        resolver = (last.actor if last is not None else "") or ""
        fcr = reassignments == 0 and reopens == 0 and (not resolver or resolver == first_agent)
    satisfaction = getattr(ticket, "satisfaction", None)
    outcome = ""
    item = ""
    if ticket.kind == "change":
        outcome = str(getattr(ticket, "outcome", "") or "")
        item = str(getattr(ticket, "type", "") or "")
    elif ticket.kind == "request":
        item = str(getattr(ticket, "item", "") or "")
    approval_steps, approval_seconds = 0, 0.0
    process = getattr(ticket, "approval", None)
    for step in getattr(process, "steps", ()) or ():
        if step.opened_at is not None and step.decided_at is not None:
            approval_steps += 1
            approval_seconds += (step.decided_at - step.opened_at).total_seconds()
    return TicketFacts(
        number=ticket.number,
        kind=ticket.kind,
        created=created,
        priority=int(ticket.priority or 3),
        group=ticket.group or "",
        category=ticket.category or "",
        channel=ticket.channel or "",
        assignee=ticket.assignee or "",
        requester=ticket.requester or "",
        status=status,
        first_response_at=first_response_at,
        resolved_at=resolved_at,
        ended_at=ended_at,
        cancelled=cancelled,
        response_business=response_business,
        response_wall=response_wall,
        resolution_business=resolution_business,
        resolution_wall=resolution_wall,
        response_met=response_met,
        resolution_met=resolution_met,
        breaches=breaches,
        reassignments=reassignments,
        reopens=reopens,
        first_agent=first_agent,
        resolver=resolver,
        fcr=fcr,
        surveyed=getattr(ticket, "survey", None) is not None or satisfaction is not None,
        csat=int(satisfaction[0]) if satisfaction else None,
        csat_comment=str(satisfaction[1]) if satisfaction else "",
        waiting_since=waiting_since,
        item=item,
        outcome=outcome,
        approval_steps=approval_steps,
        approval_seconds=approval_seconds,
    )


def with_changes(facts: TicketFacts, **changes: Any) -> TicketFacts:
    return replace(facts, **changes)
