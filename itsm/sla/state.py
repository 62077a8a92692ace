"""The SLA record of one ticket: stored timestamps, and everything else computed from them.

:class:`TicketSla` is its own persistent object (``ticket.sla``), so the sweep that records a
warning writes this small record, not the ticket, and does not conflict with an agent editing
the ticket. Deadlines, states and the next check time are pure functions of what is stored
(start, pauses, response and resolution times, targets, calendar), so a restart never changes
them; the sweep only records that a warning or breach was announced, once.

Choices:

- A pause stops both clocks (response and resolution). While paused, the deadlines are None
  (they move with the length of the pause); :meth:`TicketSla.remaining` gives the time left.
- Resolving also counts as the first response if there was none (the requester got an answer).
- Reopening resumes the resolution clock where it stopped: the time spent resolved is kept as a
  pause with reason ``"resolved"``, so it does not count.
- Changing the priority recomputes the deadlines from the original start; warnings and breaches
  already announced stay recorded (an announcement cannot be taken back), and targets that are
  tighter now are announced by the next sweep.
- The calendar and targets are copied onto the record at the start, so editing the settings
  later does not move the deadlines of open tickets; :meth:`TicketSla.retarget` can pass a new
  calendar.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from persistent import Persistent

from itsm.i18n import _
from itsm.sla import clock
from itsm.sla.calendar import BusinessCalendar
from itsm.sla.policy import KINDS, SlaTarget

RUNNING, PAUSED, WARNING, BREACHED, MET = "running", "paused", "warning", "breached", "met"
#: Reason of the pause that covers the time between a resolution and a reopening.
RESOLVED_PAUSE = "resolved"


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"SLA times must be aware datetimes, got naive {moment!r}")
    return moment.astimezone(UTC)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown SLA target kind {kind!r}, expected one of {KINDS}")


@dataclass(frozen=True)
class SlaPause:
    """A stretch of stopped clock; ``end`` None while it lasts. Plain: lives in a tuple."""

    start: datetime
    end: datetime | None
    by: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class SlaEvent:
    """One line of the SLA timeline. ``target`` is "response"/"resolution" where it applies."""

    kind: str  # started paused resumed responded resolved reopened warned breached met ...
    at: datetime
    by: str | None = None
    reason: str = ""
    target: str | None = None


@dataclass(frozen=True)
class TimelineEntry:
    """An event with its translatable description, for pages and the API.

    ``reason`` is shown as it was given (a person's words are not translated).
    """

    kind: str
    at: datetime
    by: str | None
    reason: str
    target: str | None
    description: Any  # a TranslationString

    def as_json(self, translate: Callable[[Any], str] | None = None) -> dict[str, Any]:
        """JSON-ready; ``translate`` is e.g. ``request.localizer.translate`` (default English)."""
        description = self.description
        if translate is not None:
            text = translate(description)
        elif hasattr(description, "interpolate"):
            text = description.interpolate()
        else:
            text = str(description)
        return {
            "kind": self.kind,
            "at": self.at.isoformat(),
            "by": self.by,
            "reason": self.reason,
            "target": self.target,
            "description": str(text),
        }


def _describe(event: SlaEvent) -> Any:
    by, reason = event.by or "", event.reason
    if event.kind == "started":
        return _("SLA clock started: ${reason}", mapping={"reason": reason})
    if event.kind == "paused":
        if by and reason:
            return _("Paused by ${by}: ${reason}", mapping={"by": by, "reason": reason})
        if by:
            return _("Paused by ${by}", mapping={"by": by})
        if reason:
            return _("Paused: ${reason}", mapping={"reason": reason})
        return _("Paused")
    if event.kind == "resumed":
        return _("Resumed by ${by}", mapping={"by": by}) if by else _("Resumed")
    if event.kind == "responded":
        return _("First response by ${by}", mapping={"by": by}) if by else _("First response")
    if event.kind == "resolved":
        return _("Resolved: the resolution clock stopped")
    if event.kind == "reopened":
        return _("Reopened: the resolution clock runs again")
    if event.kind == "target_changed":
        if by:
            return _("Targets changed by ${by}: ${reason}", mapping={"by": by, "reason": reason})
        return _("Targets changed: ${reason}", mapping={"reason": reason})
    response = event.target == "response"
    if event.kind == "warned":
        return (
            _("Response deadline approaching") if response else _("Resolution deadline approaching")
        )
    if event.kind == "breached":
        return _("Response target breached") if response else _("Resolution target breached")
    if event.kind == "met":
        return _("Response target met") if response else _("Resolution target met")
    return event.kind


class TicketSla(Persistent):
    """The SLA clocks of one ticket: its targets, start, pauses and what was announced.

    Attributes have class-level defaults so records written by older versions load unchanged.
    Times are stored as aware UTC datetimes.
    """

    policy_name = ""
    priority = 3
    calendar: BusinessCalendar | None = None
    targets: SlaTarget | None = None
    warn_share = 0.75
    started: datetime | None = None
    responded_at: datetime | None = None
    resolved_at: datetime | None = None
    pauses: tuple[SlaPause, ...] = ()
    warned_response: datetime | None = None
    warned_resolution: datetime | None = None
    breached_response: datetime | None = None
    breached_resolution: datetime | None = None
    events: tuple[SlaEvent, ...] = ()

    def __init__(
        self,
        policy_name: str,
        priority: int,
        calendar: BusinessCalendar,
        targets: SlaTarget,
        started: datetime,
        warn_share: float = 0.75,
        by: str | None = None,
    ) -> None:
        if not 0 < warn_share < 1:
            raise ValueError(f"warn_share must lie between 0 and 1, got {warn_share!r}")
        self.policy_name = policy_name
        self.priority = priority
        self.calendar = calendar
        self.targets = targets
        self.warn_share = warn_share
        self.started = _utc(started)
        self._log("started", self.started, by, f"{policy_name}, P{priority}")

    # -- recording ---------------------------------------------------------------------------

    def _log(
        self, kind: str, at: datetime, by: str | None, reason: str = "", target: str | None = None
    ) -> None:
        # A tuple reassigned on change: the record is small and ZODB sees the assignment.
        self.events = self.events + (SlaEvent(kind, at, by, reason, target),)

    @property
    def paused(self) -> bool:
        """True while a pause is open."""
        return bool(self.pauses) and self.pauses[-1].end is None

    def pause(self, now: datetime, by: str | None, reason: str = "") -> bool:
        """Stop the clocks; False (and nothing recorded) if already paused or resolved."""
        now = _utc(now)
        if self.paused or self.resolved_at is not None:
            return False
        self.pauses = self.pauses + (SlaPause(now, None, by, reason),)
        self._log("paused", now, by, reason)
        return True

    def resume(self, now: datetime, by: str | None) -> bool:
        """Restart the clocks; False if not paused."""
        now = _utc(now)
        if not self.paused:
            return False
        last = self.pauses[-1]
        closed = SlaPause(last.start, max(now, last.start), last.by, last.reason)
        self.pauses = self.pauses[:-1] + (closed,)
        self._log("resumed", now, by)
        return True

    def respond(self, now: datetime, by: str | None) -> bool:
        """Record the first response (an agent's first public reply); False if already done."""
        now = _utc(now)
        if self.responded_at is not None:
            return False
        self.responded_at = now
        self._log("responded", now, by, target="response")
        self._log_outcome("response", now)
        return True

    def resolve(self, now: datetime, by: str | None = None) -> bool:
        """Stop the resolution clock (closing an open pause); False if already resolved."""
        now = _utc(now)
        if self.resolved_at is not None:
            return False
        if self.paused:
            self.resume(now, by)
        if self.responded_at is None:
            self.respond(now, by)
        self.resolved_at = now
        self._log("resolved", now, by, target="resolution")
        self._log_outcome("resolution", now)
        return True

    def reopen(self, now: datetime, by: str | None = None) -> bool:
        """Run the resolution clock again; the time spent resolved does not count."""
        now = _utc(now)
        if self.resolved_at is None:
            return False
        resolved_at, self.resolved_at = self.resolved_at, None
        self.pauses = self.pauses + (
            SlaPause(resolved_at, max(now, resolved_at), by, RESOLVED_PAUSE),
        )
        self._log("reopened", now, by, target="resolution")
        return True

    def retarget(
        self,
        priority: int,
        targets: SlaTarget,
        now: datetime,
        by: str | None,
        calendar: BusinessCalendar | None = None,
    ) -> bool:
        """New priority (and targets); deadlines are recomputed from the original start."""
        now = _utc(now)
        calendar = calendar or self.calendar
        if (priority, targets, calendar) == (self.priority, self.targets, self.calendar):
            return False
        reason = f"P{self.priority} \u2192 P{priority}"
        self.priority, self.targets, self.calendar = priority, targets, calendar
        self._log("target_changed", now, by, reason)
        return True

    def _log_outcome(self, kind: str, now: datetime) -> None:
        """On finishing a clock: "met", or a breach recorded now if the sweep had not yet."""
        due = self.due(kind)
        if due is not None and now > due:
            self.mark_breached(kind, now)
        else:
            self._log("met", now, None, target=kind)

    def mark_warned(self, kind: str, now: datetime) -> bool:
        """Record that the warning of ``kind`` went out; False if it was recorded before."""
        _check_kind(kind)
        attribute = f"warned_{kind}"
        if getattr(self, attribute) is not None:
            return False
        now = _utc(now)
        setattr(self, attribute, now)
        self._log("warned", now, None, target=kind)
        return True

    def mark_breached(self, kind: str, now: datetime) -> bool:
        """Record the breach of ``kind``; False if it was recorded before."""
        _check_kind(kind)
        attribute = f"breached_{kind}"
        if getattr(self, attribute) is not None:
            return False
        now = _utc(now)
        setattr(self, attribute, now)
        self._log("breached", now, None, target=kind)
        return True

    # -- computing ---------------------------------------------------------------------------

    def _clock(self, kind: str) -> tuple[BusinessCalendar, float, list[clock.Pause]]:
        _check_kind(kind)
        assert self.targets is not None and self.calendar is not None
        return (
            self.targets.clock_calendar(self.calendar),
            self.targets.seconds(kind),
            [(p.start, p.end) for p in self.pauses],
        )

    def finished_at(self, kind: str) -> datetime | None:
        """When the clock of ``kind`` stopped for good (response given, ticket resolved)."""
        _check_kind(kind)
        return self.responded_at if kind == "response" else self.resolved_at

    def due(self, kind: str) -> datetime | None:
        """The deadline of ``kind``, None while paused (unless it had passed already).

        For a finished clock, pauses after it stopped do not matter: the deadline stays put.
        """
        return self._memo(("due", kind), self._inputs(kind), lambda: self._deadline(kind, 1.0))

    def _deadline(self, kind: str, share: float) -> datetime | None:
        calendar, target, pauses = self._clock(kind)
        finished = self.finished_at(kind)
        return clock.deadline(calendar, self.started, target * share, pauses, finished)

    # The clocks are pure functions of a few attributes, and a list page asks each ticket for
    # its deadlines several times a request (state, badge, JSON, index): each answer is kept
    # on the object in memory (a volatile attribute: never stored, gone when the object is
    # reloaded) together with the attribute values it came from, and reused while every one
    # of them is still the very same object. Every change assigns new values (tuples and
    # datetimes are immutable), so a kept answer is never one of an older state.

    def _inputs(self, kind: str) -> tuple[Any, ...]:
        return (self.started, self.pauses, self.finished_at(kind), self.targets, self.calendar)

    def _memo(self, name: tuple[str, str], inputs: tuple[Any, ...], compute: Any) -> Any:
        memo = getattr(self, "_v_memo", None)
        if memo is None:
            memo = self._v_memo = {}
        kept = memo.get(name)
        if kept is not None and clock._same(kept[0], inputs):
            return kept[1]
        value = compute()
        memo[name] = (inputs, value)
        return value

    @property
    def response_due(self) -> datetime | None:
        return self.due("response")

    @property
    def resolution_due(self) -> datetime | None:
        return self.due("resolution")

    def warn_at(self, kind: str) -> datetime | None:
        """When ``warn_share`` of the target will have elapsed (None while paused)."""
        inputs = (*self._inputs(kind), self.warn_share)
        return self._memo(("warn", kind), inputs, lambda: self._deadline(kind, self.warn_share))

    def remaining(self, kind: str, now: datetime) -> float:
        """Business seconds left on ``kind`` at ``now``: negative when overdue, fixed once done."""
        calendar, target, pauses = self._clock(kind)
        finished = self.finished_at(kind)
        if finished is not None:
            inputs = self._inputs(kind)
            spent = self._memo(
                ("spent", kind),
                inputs,
                lambda: clock.elapsed(calendar, self.started, finished, pauses),
            )
            return target - spent
        # Running: the business time up to the last full hour is kept, the rest is counted.
        memo = getattr(self, "_v_memo", None)
        if memo is None:
            memo = self._v_memo = {}
        same = (self.started, self.pauses, self.targets, self.calendar)
        kept = clock.elapsed_kept(calendar, self.started, _utc(now), pauses, memo, kind, same)
        return target - kept

    def state(self, kind: str, now: datetime) -> str:
        """One of "running", "paused", "warning", "breached", "met" at ``now``."""
        now = _utc(now)
        finished = self.finished_at(kind)
        due = self.due(kind)
        if finished is not None:
            return BREACHED if due is not None and finished > due else MET
        if due is None:
            return PAUSED
        if now >= due:
            return BREACHED
        warn = self.warn_at(kind)
        if warn is not None and now >= warn:
            return WARNING
        return RUNNING

    def _open_kinds(self) -> list[str]:
        return [kind for kind in KINDS if self.finished_at(kind) is None]

    def due_for_warning(self, now: datetime) -> list[str]:
        """Kinds whose warning time has passed, not recorded yet, on a running clock.

        A clock whose breach time has passed too gets only the breach (a worker that was down
        catches up with one notice, not two); a paused clock gets its warning once it runs.
        """
        now = _utc(now)
        kinds = []
        for kind in self._open_kinds():
            if getattr(self, f"warned_{kind}") or getattr(self, f"breached_{kind}"):
                continue
            warn, due = self.warn_at(kind), self.due(kind)
            # No due date: paused, so no warning until the clock runs again.
            if due is not None and warn is not None and warn <= now < due:
                kinds.append(kind)
        return kinds

    def due_for_breach(self, now: datetime) -> list[str]:
        """Kinds whose deadline has passed and whose breach was not recorded."""
        now = _utc(now)
        kinds = []
        for kind in self._open_kinds():
            if getattr(self, f"breached_{kind}"):
                continue
            due = self.due(kind)
            if due is not None and due <= now:
                kinds.append(kind)
        return kinds

    def next_check_at(self) -> float | None:
        """The earliest warning or breach instant not yet recorded, as a POSIX timestamp.

        None when nothing is pending (clocks stopped, paused, or all announced). It may lie in
        the past: that is what the sweep looks for. Index it; the sweep asks the catalog for
        ``next_check_at <= now``, handles those tickets, and the value moves on.
        """
        instants = []
        for kind in self._open_kinds():
            if getattr(self, f"breached_{kind}"):
                continue
            due = self.due(kind)
            if due is None:
                continue
            instants.append(due)
            if not getattr(self, f"warned_{kind}"):
                warn = self.warn_at(kind)
                if warn is not None and warn < due:
                    instants.append(warn)
        return min(instants).timestamp() if instants else None

    def timeline(self) -> list[TimelineEntry]:
        """The events, oldest first, each with a translatable description."""
        return [
            TimelineEntry(e.kind, e.at, e.by, e.reason, e.target, _describe(e)) for e in self.events
        ]

    def as_json(self, now: datetime) -> dict[str, Any]:
        """The API's view of the SLA (times ISO 8601 with offset, or None)."""
        response_state = self.state("response", now)
        resolution_state = self.state("resolution", now)
        return {
            "policy": self.policy_name,
            "priority": self.priority,
            "response_due": _iso(self.response_due),
            "resolution_due": _iso(self.resolution_due),
            "responded_at": _iso(self.responded_at),
            "resolved_at": _iso(self.resolved_at),
            "paused": self.paused,
            "breached": BREACHED in (response_state, resolution_state),
            "response_state": response_state,
            "resolution_state": resolution_state,
            "response_remaining": self.remaining("response", now),
            "resolution_remaining": self.remaining("resolution", now),
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
