"""Expected wait, said up front: when a new ticket will get its first answer and its resolution.

The same pure clock that sets a ticket's deadlines (:mod:`itsm.sla.clock`) answers the question
for a ticket not made yet ("if you report it now, at priority 3") and for one that exists (its
stored SLA record). Times are told in the policy calendar's time zone — the desk's working
hours are set in it, so "by Thursday 11:00" is a time on the desk's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itsm.sla.models import get_sla_settings


@dataclass(frozen=True)
class ExpectedWait:
    """When to expect a first answer and a resolution, and in which zone to say it."""

    response_due: datetime | None
    resolution_due: datetime | None
    zone: str

    def as_json(self) -> dict[str, Any]:
        return {
            "response_due": self.response_due.isoformat() if self.response_due else None,
            "resolution_due": self.resolution_due.isoformat() if self.resolution_due else None,
            "timezone": self.zone,
        }


def desk_zone(root: Any, kind: str = "incident") -> str:
    """The time zone of ``kind``'s SLA calendar (else the Standard calendar's, else UTC)."""
    settings = get_sla_settings(root)
    if settings is None:
        return "UTC"
    policy = settings.policy(kind)
    for name in (policy.calendar if policy is not None else None, "Standard"):
        if not name:
            continue
        try:
            return settings.calendar(name).timezone
        except KeyError:
            continue
    return "UTC"


def expected_for(root: Any, kind: str, priority: int, now: datetime) -> ExpectedWait | None:
    """The wait a ``kind`` ticket of ``priority`` reported at ``now`` would be promised; None
    when no SLA policy covers the kind."""
    settings = get_sla_settings(root)
    if settings is None:
        return None
    sla = settings.start(kind, priority, now)
    if sla is None:
        return None
    return ExpectedWait(sla.response_due, sla.resolution_due, desk_zone(root, kind))


def expected_of(root: Any, ticket: Any) -> ExpectedWait | None:
    """The wait a ticket's own SLA record promises: a first answer until one came, and the
    resolution while it is open; None when it has no record or nothing is still to come."""
    sla = getattr(ticket, "sla", None)
    if sla is None or not getattr(ticket, "is_open", False):
        return None
    response = sla.response_due if sla.responded_at is None else None
    resolution = sla.resolution_due
    if response is None and resolution is None:
        return None
    return ExpectedWait(response, resolution, desk_zone(root, ticket.kind))
