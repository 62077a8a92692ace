"""The audit as the pages read it: the audit log, the password attempts and the settings
changes merged into one time line, filtered by kind, person and time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itsm.admin.audit import WHAT
from itsm.admin.audit import audit_log as settings_audit
from itsm.i18n import _

#: The kinds of event, as the filter offers them.
KINDS = {
    "login": _("Login"),
    "login_failed": _("Failed login"),
    "lockout": _("Lockout"),
    "password": _("Password reset or change"),
    "role_change": _("Role change"),
    "settings": _("Settings change"),
    "token": _("API token made"),
    "sync": _("Directory sync"),
}

#: What a password attempt's action is called.
PASSWORD_ACTIONS = {
    "reset_request": "reset requested",
    "reset_confirm": "reset",
    "change": "changed",
}


@dataclass(frozen=True)
class Event:
    """One row of the audit, whatever store it comes from."""

    at: datetime
    kind: str
    actor: str | None
    subject: str
    outcome: str
    detail: str
    client: str = ""

    def concerns(self, login: str) -> bool:
        return login in (self.actor, self.subject)


def _passwords(root: Any, start: datetime | None, end: datetime | None) -> Iterator[Event]:
    trail = getattr(root, "audit", None)  # itsm.selfservice.password.AuditTrail
    if trail is None:
        return
    for record in trail.between(start, end):
        action = PASSWORD_ACTIONS.get(record.action, record.action)
        yield Event(
            record.at,
            "password",
            record.actor,
            record.login,
            record.outcome,
            action,
            record.client,
        )


def _settings(root: Any, start: datetime | None, end: datetime | None) -> Iterator[Event]:
    history = settings_audit(root["settings"])
    if history is None:
        return
    for record in history:
        if (start is None or record.at >= start) and (end is None or record.at <= end):
            what = WHAT.get(record.field, record.field)
            yield Event(record.at, "settings", record.actor, record.note, record.action, what)


def _log(root: Any, start: datetime | None, end: datetime | None) -> Iterator[Event]:
    store = getattr(root, "audit_log", None)
    if store is None:
        return
    for entry in store.between(start, end):
        yield Event(
            entry.at,
            entry.kind,
            entry.actor,
            entry.subject,
            entry.outcome,
            entry.detail,
            entry.client,
        )


def events(
    root: Any,
    kinds: Iterable[str] | None = None,
    person: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[Event]:
    """Every event matching, newest first."""
    wanted = set(kinds) if kinds else set(KINDS)
    found: list[Event] = []
    if "password" in wanted:
        found += _passwords(root, start, end)
    if "settings" in wanted:
        found += _settings(root, start, end)
    if wanted - {"password", "settings"}:
        found += (e for e in _log(root, start, end) if e.kind in wanted)
    if person:
        found = [e for e in found if e.concerns(person)]
    found.sort(key=lambda e: e.at, reverse=True)
    return found
