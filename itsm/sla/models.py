"""Persistent SLA settings: calendars by name and policies by ticket kind, at /settings/sla."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from BTrees.OOBTree import OOBTree
from persistent import Persistent

from itsm.sla.calendar import ALWAYS, STANDARD, BusinessCalendar
from itsm.sla.policy import DEFAULT_INCIDENT_POLICY, SlaPolicy
from itsm.sla.state import TicketSla

#: The item name of the SLA settings in the ``/settings`` folder.
SETTINGS_NAME = "sla"


class SlaSettings(Persistent):
    """Business calendars (by name) and SLA policies (by ticket kind).

    Calendars and policies are immutable values: an edit stores a new value under the same key,
    which the BTree notices (mutating a value in place would not be saved).
    """

    __parent__: Any = None
    __name__: str | None = None

    def __init__(self) -> None:
        self.calendars = OOBTree()
        self.policies = OOBTree()

    def set_calendar(self, calendar: BusinessCalendar) -> None:
        self.calendars[calendar.name] = calendar

    def calendar(self, name: str) -> BusinessCalendar:
        """The calendar called ``name``; "24x7" is built in. KeyError if there is none."""
        found = self.calendars.get(name)
        if found is None and name == ALWAYS.name:
            return ALWAYS
        if found is None:
            raise KeyError(f"no SLA calendar {name!r}")
        return found

    def set_policy(self, policy: SlaPolicy) -> None:
        self.policies[policy.kind] = policy

    def policy(self, kind: str) -> SlaPolicy | None:
        """The policy for tickets of ``kind`` ("incident", "request" ...), None if there is none."""
        return self.policies.get(kind)

    def start(
        self, kind: str, priority: int, now: datetime, by: str | None = None
    ) -> TicketSla | None:
        """A new SLA record for a ticket of ``kind`` created at ``now``; None if no policy."""
        policy = self.policy(kind)
        if policy is None:
            return None
        return TicketSla(
            policy.name,
            priority,
            self.calendar(policy.calendar),
            policy.target(priority),
            now,
            warn_share=policy.warn_share,
            by=by,
        )

    def retarget(
        self, sla: TicketSla, kind: str, priority: int, now: datetime, by: str | None
    ) -> bool:
        """Apply the targets of a new priority to ``sla``; False if nothing changed."""
        policy = self.policy(kind)
        if policy is None:
            return False
        return sla.retarget(priority, policy.target(priority), now, by)


def ensure_sla_settings(root: Any) -> list[str]:
    """Create the SLA settings and their defaults where missing; return what was created.

    Idempotent, and never overwrites what an administrator changed.
    """
    created: list[str] = []
    folder = root["settings"]
    settings = folder.get(SETTINGS_NAME)
    if settings is None:
        settings = folder.add(SETTINGS_NAME, SlaSettings())
        created.append(f"/settings/{SETTINGS_NAME}")
    if STANDARD.name not in settings.calendars:
        settings.set_calendar(STANDARD)
        created.append(f"calendar {STANDARD.name}")
    if settings.policy(DEFAULT_INCIDENT_POLICY.kind) is None:
        settings.set_policy(DEFAULT_INCIDENT_POLICY)
        created.append(f"policy {DEFAULT_INCIDENT_POLICY.kind}")
    return created


def get_sla_settings(root: Any) -> SlaSettings | None:
    """The SLA settings of the tree, None before :func:`ensure_sla_settings` ran."""
    settings = root.get("settings")
    return settings.get(SETTINGS_NAME) if settings is not None else None
