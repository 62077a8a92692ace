"""SLA policies: response and resolution targets per priority, for one kind of ticket.

Targets are seconds of business time. Where a policy speaks of business days, a business day is
:data:`BUSINESS_DAY` (the Standard calendar's 09:00-18:00), so "3 business days" is 27 business
hours: Monday 10:00 plus 3 business days is Thursday 10:00 on the Standard calendar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from itsm.i18n import _
from itsm.sla.calendar import ALWAYS, STANDARD, BusinessCalendar

MINUTE = 60
HOUR = 60 * MINUTE
#: One business day of the Standard calendar.
BUSINESS_DAY = 9 * HOUR
PRIORITIES = range(1, 6)
KINDS = ("response", "resolution")


class PolicyError(ValueError):
    """A policy or target that cannot be built; ``message`` is translatable."""

    def __init__(self, message: Any) -> None:
        text = message.interpolate() if hasattr(message, "interpolate") else str(message)
        super().__init__(text)
        self.message = message


@dataclass(frozen=True)
class SlaTarget:
    """Seconds to first response and to resolution; ``business_hours`` False means 24x7."""

    response_seconds: int
    resolution_seconds: int
    business_hours: bool = True

    def __post_init__(self) -> None:
        for value in (self.response_seconds, self.resolution_seconds):
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise PolicyError(
                    _(
                        "An SLA target must be a positive number of seconds, not ${value}.",
                        mapping={"value": repr(value)},
                    )
                )

    def seconds(self, kind: str) -> float:
        """The target of ``kind`` ("response" or "resolution")."""
        if kind == "response":
            return self.response_seconds
        if kind == "resolution":
            return self.resolution_seconds
        raise ValueError(f"unknown SLA target kind {kind!r}")

    def clock_calendar(self, calendar: BusinessCalendar) -> BusinessCalendar:
        """The calendar the clock runs on for this target: the policy's, or 24x7."""
        return calendar if self.business_hours else ALWAYS


@dataclass(frozen=True)
class SlaPolicy:
    """Targets for priorities 1 to 5 of one ticket kind, on a named calendar.

    ``targets`` may be given as a mapping ``{priority: SlaTarget}``; it is stored as a sorted
    tuple of ``(priority, target)`` pairs (immutable, hashable, picklable), so
    ``dict(policy.targets)`` is the mapping again. ``warn_share`` is the share of a target after
    which a warning goes out.
    """

    name: str
    kind: str
    targets: Any
    warn_share: float = 0.75
    calendar: str = STANDARD.name

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise PolicyError(_("An SLA policy needs a name."))
        if not isinstance(self.kind, str) or not self.kind:
            raise PolicyError(_("An SLA policy needs a ticket kind."))
        items: Iterable[Any] = (
            self.targets.items() if isinstance(self.targets, Mapping) else self.targets
        )
        table = dict(items)
        if set(table) != set(PRIORITIES):
            raise PolicyError(
                _(
                    "An SLA policy needs targets for priorities 1 to 5, got ${got}.",
                    mapping={"got": ", ".join(map(str, sorted(table, key=str)))},
                )
            )
        for target in table.values():
            if not isinstance(target, SlaTarget):
                raise PolicyError(_("SLA targets must be SlaTarget values."))
        object.__setattr__(self, "targets", tuple(sorted(table.items())))
        if not 0 < self.warn_share < 1:
            raise PolicyError(
                _(
                    "The warning share must lie between 0 and 1, not ${value}.",
                    mapping={"value": self.warn_share},
                )
            )

    def target(self, priority: int) -> SlaTarget:
        """The target for ``priority`` (1 is the most urgent)."""
        for number, target in self.targets:
            if number == priority:
                return target
        raise KeyError(f"no SLA target for priority {priority!r}")


#: The default incident policy. P1 is round the clock; from P2 on the clock runs in business
#: hours of the Standard calendar, so a P2 raised on Friday evening is due on Monday morning.
DEFAULT_INCIDENT_POLICY = SlaPolicy(
    name="Incidents",
    kind="incident",
    targets={
        1: SlaTarget(15 * MINUTE, 4 * HOUR, business_hours=False),
        2: SlaTarget(1 * HOUR, 1 * BUSINESS_DAY),
        3: SlaTarget(8 * HOUR, 3 * BUSINESS_DAY),
        4: SlaTarget(2 * BUSINESS_DAY, 5 * BUSINESS_DAY),
        5: SlaTarget(3 * BUSINESS_DAY, 10 * BUSINESS_DAY),
    },
    warn_share=0.75,
    calendar=STANDARD.name,
)
