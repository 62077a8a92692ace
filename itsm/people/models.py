"""Person records: what the directory said at last login, plus the person's preferences."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from pyramid.authorization import ALL_PERMISSIONS, Allow

from itsm.directory.base import DirectoryPerson
from itsm.security.permissions import P


def directory_fields(entry: DirectoryPerson, roles: Iterable[str]) -> dict[str, Any]:
    """What a person record copies from the directory, as the record holds it."""
    return {
        "name": entry.name,
        "email": entry.email,
        "phone": entry.phone,
        "department": entry.department,
        "title": entry.title,
        "manager": entry.manager,
        "dn": entry.dn,
        "groups": tuple(sorted(entry.groups)),
        "roles": tuple(sorted(roles)),
    }


class Person(Persistent):
    """One person known to the desk. The directory stays the source of truth for identity;
    this record is a cache (refreshed at each login) plus what only the desk knows."""

    __parent__: Any = None
    __name__: str | None = None

    login = ""
    name = ""
    email = ""
    phone = ""
    department = ""
    title = ""
    manager: str | None = None
    dn: str | None = None
    groups: tuple[str, ...] = ()
    roles: tuple[str, ...] = ("employee",)
    language: str | None = None  # None: follow the browser's Accept-Language
    mute_optional_mail = False
    #: The linked Telegram user id (itsm.chat.telegram), and whether ticket notifications go
    #: there instead of mail.
    telegram_id: int | None = None
    notify_telegram = False
    away = False
    #: A record the email channel made for an unknown sender (``itsm.mail_in.unknown_senders
    #: = create``): no account, cannot log in.
    guest = False
    #: The last permanent delivery failure of our mail to this person: (address, when,
    #: status, diagnostic), from a bounce; cleared when mail from that address comes in.
    mail_failure: tuple[str, datetime, str, str] | None = None
    #: False once the directory sync found the person disabled or gone from the directory:
    #: no login, no session, no API token; the record and their tickets stay.
    active = True
    #: Why and since when the person is inactive: ("disabled" | "gone", when).
    inactive_since: datetime | None = None
    inactive_reason = ""
    created: datetime | None = None
    last_login: datetime | None = None
    refreshed: datetime | None = None
    # Live login sessions: session id → created (UTC). Written at login and logout only, so
    # reading pages never writes; logging out or a password reset ends sessions server-side.
    sessions: OOBTree | None = None

    def __init__(self, login: str) -> None:
        self.login = login
        self.sessions = OOBTree()

    @property
    def __acl__(self) -> list[tuple[str, str, Any]]:
        return [
            (Allow, f"user:{self.login}", (P.VIEW, P.EDIT)),
            (Allow, "role:admin", ALL_PERMISSIONS),
            (Allow, "role:agent", P.VIEW),
        ]

    @property
    def display_name(self) -> str:
        return self.name or self.login

    def update_from_directory(
        self, entry: DirectoryPerson, roles: set[str], now: datetime
    ) -> dict[str, tuple[Any, Any]]:
        """Copy what the directory says; return the fields that changed (nothing written
        when nothing changed, so a refresh of an unchanged person costs no commit)."""
        new = directory_fields(entry, roles)
        changes = {}
        for key, value in new.items():
            if getattr(self, key) != value:
                changes[key] = (getattr(self, key), value)
                setattr(self, key, value)
        if changes or self.refreshed is None:
            self.refreshed = now
        return changes

    def has_role(self, role: str) -> bool:
        return role in self.roles
