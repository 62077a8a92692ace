"""Support groups (``/settings/groups``): who works a queue and how work is handed out.

Membership comes from the directory (a person's groups); the group object holds what only the
desk knows: its lead, the assignment strategy and where escalations go.
"""

from __future__ import annotations

from typing import Any

from persistent import Persistent

STRATEGIES = ("round_robin", "least_loaded")


class SupportGroup(Persistent):
    """An assignment group such as "Service Desk" or "Network"."""

    __parent__: Any = None
    __name__: str | None = None

    title = ""
    title_ru = ""
    description = ""
    email = ""
    lead: str | None = None
    strategy = "least_loaded"
    escalation_group: str | None = None  # the next support tier
    tier = 1

    def __init__(self, title: str, **fields: Any) -> None:
        self.title = title
        for key, value in fields.items():
            if not hasattr(type(self), key):
                raise TypeError(f"unknown group field {key!r}")
            setattr(self, key, value)
        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {self.strategy!r}")

    def localized_title(self, locale: str) -> str:
        return self.title_ru if locale == "ru" and self.title_ru else self.title

    def members(self, people: Any) -> list[Any]:
        """Person records that belong to this group (people who have logged in or been synced)."""
        return [p for p in people.values() if self.title in p.groups]
