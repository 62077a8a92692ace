"""Requests for change (``/changes/CHG-000001``) and the change settings (blackout windows)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from persistent import Persistent
from pyramid.authorization import ALL_PERMISSIONS, Allow, Deny, Everyone

from itsm.changes.workflow import IMPLEMENTING, WORKFLOW
from itsm.security.permissions import P
from itsm.tickets.models import Ticket

#: The plans a change carries, by key in ``plans``.
PLAN_KINDS = ("implementation", "backout", "test")
#: The name of the settings object under ``/settings``.
SETTINGS_NAME = "changes"


class Change(Ticket):
    """A request for change: what, why, when, on which CIs, how, how to undo, how risky."""

    kind = "change"
    workflow = WORKFLOW
    reason = ""
    type = "normal"  # standard | normal | emergency
    planned_start: datetime | None = None  # aware
    planned_end: datetime | None = None  # aware
    plans: dict[str, str] = {}  # noqa: RUF012 - replaced whole, never mutated
    risk_answers: dict[str, Any] = {}  # noqa: RUF012 - replaced whole, never mutated
    risk_score = 0
    risk = "low"  # low | medium | high
    affected: tuple[str, ...] = ()  # logins, from the CIs' impact unless given
    affected_cis: tuple[str, ...] = ()  # CIs affected through the changed ones
    # What the change collides with, as found when it was last planned (see conflicts.py).
    conflicts: tuple[dict[str, Any], ...] = ()
    override_reason = ""
    outcome = ""  # successful | successful_with_issues | failed_backed_out
    review_notes = ""
    template = ""  # the standard change template it was raised from (itsm.changes.standard)
    raised_from = ""  # the incident it was raised from (itsm.tickets.links)
    caused_incidents: tuple[str, ...] = ()  # incidents linked as caused by this change
    problem = ""  # the problem this change fixes (itsm.problems.links)
    # Reminders (itsm.changes.jobs): the planned start the implementer was reminded of,
    # and when the change was found still implementing after its planned end.
    reminded_for: datetime | None = None
    # "Inform the affected people" (itsm.changes.informing): who was told, when, of which
    # window; the planned start their reminder was for; how the closing notice ended.
    informed: tuple[str, ...] = ()
    informed_at: datetime | None = None
    informed_window: tuple[datetime | None, datetime | None] | None = None
    affected_reminded_for: datetime | None = None
    affected_closed_notice = ""
    overrun_at: datetime | None = None

    @property
    def __acl__(self) -> list[tuple[str, str, Any]]:
        # The change board reads every change in the lists, the calendar and its feed
        # (feeds.reads_all_changes), so it may open each one too, not only those it approves.
        acl = super().__acl__
        return [*acl[:-1], (Allow, "role:change_board", P.VIEW), acl[-1]]

    @property
    def review_required(self) -> bool:
        """Failed, emergency and high-risk changes are reviewed before they are closed."""
        return (
            self.outcome == "failed_backed_out" or self.type == "emergency" or self.risk == "high"
        )

    @property
    def overrunning(self) -> bool:
        """Still implementing after its planned end (flagged by the reminder job)."""
        return self.overrun_at is not None and self.status == IMPLEMENTING

    def index_data(self) -> dict[str, Any]:
        data = super().index_data()
        data.update(open=self.is_open, number=self.number)
        return data

    def search_text(self) -> str:
        return "\n".join(p for p in (super().search_text(), self.reason) if p)


class ChangeSettings(Persistent):
    """``/settings/changes``: blackout windows, ``(name, start, end)`` with aware datetimes."""

    __parent__: Any = None
    __name__: str | None = None
    blackouts: tuple[tuple[str, datetime, datetime], ...] = ()
    feeds: Any = None  # OOBTree sha256 of a feed secret -> login (itsm.changes.feeds)
    feed_of: Any = None  # OOBTree login -> that digest

    __acl__ = [
        (Allow, "role:admin", ALL_PERMISSIONS),
        (Allow, "role:agent", P.VIEW),
        (Deny, Everyone, ALL_PERMISSIONS),
    ]


def change_settings(root: Any) -> ChangeSettings:
    """The stored settings, or empty unstored ones (reading never writes)."""
    stored = root["settings"].get(SETTINGS_NAME)
    return stored if stored is not None else ChangeSettings()


def ensure_change_settings(root: Any) -> ChangeSettings:
    """The stored settings, created on first write."""
    stored = root["settings"].get(SETTINGS_NAME)
    if stored is None:
        stored = root["settings"].add(SETTINGS_NAME, ChangeSettings())
    return stored


def set_blackouts(root: Any, windows: Any) -> ChangeSettings:
    """Replace the blackout windows; each ``(name, start, end)`` with start before end."""
    cleaned = []
    for name, start, end in windows:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("blackout windows need aware datetimes")
        if not start < end:
            raise ValueError(f"blackout {name!r}: the start must be before the end")
        cleaned.append((str(name), start, end))
    settings = ensure_change_settings(root)
    settings.blackouts = tuple(sorted(cleaned, key=lambda w: w[1]))
    return settings
