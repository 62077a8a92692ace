"""Declarative workflows and the one function that changes a ticket's status.

A ticket type declares its states and transitions as data; :func:`fire` checks that the
transition exists from the current state, that the actor holds one of its roles, and that its
required fields are given; then it applies the fields, moves the status, writes the history and
publishes :class:`~itsm.events.TicketTransitioned`. Nothing else sets ``status``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from itsm.events import TicketTransitioned

#: Relation roles a transition may name, besides directory roles (agent, manager, admin ...):
#: "requester" (the ticket's requester), "assignee", "system" (timers and rules).


class TransitionError(Exception):
    """Base of refusals; ``status`` is the HTTP status the API answers with."""

    status = 409
    code = "conflict"

    def __init__(self, message: Any, fields: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})


class UnknownTransition(TransitionError):
    status = 400
    code = "invalid"


class NotAllowedNow(TransitionError):
    """The transition does not start from the ticket's current state."""


class NotPermitted(TransitionError):
    """The actor holds none of the roles the transition needs."""

    status = 403
    code = "forbidden"


class MissingFields(TransitionError):
    status = 400
    code = "invalid"


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str | None  # None: the status stays (escalate, assign within a state ...)
    roles: frozenset[str]
    required: tuple[str, ...] = ()
    title: Any = ""
    # Optional extra check: guard(ticket, fields, now) -> message or None.
    guard: Callable[[Any, Mapping[str, Any], datetime], Any] | None = None


@dataclass(frozen=True)
class Workflow:
    name: str
    states: tuple[str, ...]
    initial: str
    transitions: Mapping[str, Transition] = field(default_factory=dict)
    open_states: frozenset[str] = frozenset()
    state_titles: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        name: str,
        states: Iterable[str],
        initial: str,
        transitions: Iterable[Transition],
        open_states: Iterable[str],
        state_titles: Mapping[str, Any] | None = None,
    ) -> Workflow:
        states = tuple(states)
        table = {}
        for transition in transitions:
            unknown = (transition.sources | {transition.target or initial}) - set(states)
            if unknown:
                raise ValueError(f"{name}.{transition.name}: unknown states {sorted(unknown)}")
            table[transition.name] = transition
        return cls(name, states, initial, table, frozenset(open_states), dict(state_titles or {}))

    def available(self, status: str, roles: Iterable[str]) -> list[Transition]:
        roles = set(roles)
        return [t for t in self.transitions.values() if status in t.sources and roles & t.roles]

    def check(
        self, ticket: Any, name: str, roles: Iterable[str], fields: Mapping[str, Any], now: datetime
    ) -> Transition:
        """The transition, or the reason it cannot fire (raised)."""
        from itsm.i18n import _

        transition = self.transitions.get(name)
        if transition is None:
            raise UnknownTransition(
                _("Unknown action: ${name}.", mapping={"name": name}), {"name": _("Unknown")}
            )
        if ticket.status not in transition.sources:
            raise NotAllowedNow(
                _(
                    "Cannot do “${action}” while the ticket is “${status}”.",
                    mapping={
                        "action": transition.title or name,
                        "status": self.state_titles.get(ticket.status, ticket.status),
                    },
                )
            )
        if not set(roles) & transition.roles:
            raise NotPermitted(
                _(
                    "You may not do “${action}” on this ticket.",
                    mapping={"action": transition.title or name},
                )
            )
        missing = {key: _("Required") for key in transition.required if not fields.get(key)}
        if missing:
            raise MissingFields(_("Some fields are required."), missing)
        if transition.guard is not None:
            message = transition.guard(ticket, fields, now)
            if message:
                raise NotAllowedNow(message)
        return transition


def fire(
    workflow: Workflow,
    ticket: Any,
    name: str,
    *,
    actor: str | None,
    roles: Iterable[str],
    fields: Mapping[str, Any] | None = None,
    now: datetime,
    apply: Callable[[Any, Transition, Mapping[str, Any], datetime], None] | None = None,
    notify: Callable[[Any], None] | None = None,
    request: Any = None,
) -> Transition:
    """Fire ``name`` on ``ticket``: check, apply the fields (``apply``), move the status, record
    the history, publish the event (``notify``, e.g. ``registry.notify``)."""
    fields = fields or {}
    transition = workflow.check(ticket, name, roles, fields, now)
    before = ticket.status
    if apply is not None:
        apply(ticket, transition, fields, now)
    if transition.target is not None and transition.target != before:
        ticket.status = transition.target
    note = str(fields.get("reason") or fields.get("note") or "")[:500]
    ticket.history.record(
        now, actor, "transition", field=name, before=before, after=ticket.status, note=note
    )
    ticket.updated = now
    if notify is not None:
        notify(TicketTransitioned(ticket, name, before, ticket.status, actor, request))
    return transition
