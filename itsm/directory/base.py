"""The directory interface: who people are, how they log in, whom they report to.

Two implementations: :mod:`itsm.directory.ldap` (OpenLDAP / Active Directory through ldap3)
and :mod:`itsm.directory.local` (accounts stored in ZODB, for the demo and small sites).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


class DirectoryError(Exception):
    """Base class of directory failures."""


class DirectoryUnavailable(DirectoryError):
    """The directory did not answer (refused, timed out, TLS failed, service bind failed)."""


class PasswordRejected(DirectoryError):
    """The directory refused a new password; ``reason`` is the directory's own words."""

    def __init__(self, reason: str, code: str = "rejected") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code  # too_short | in_history | too_weak | wrong_password | rejected


@dataclass(frozen=True)
class DirectoryPerson:
    """What the directory says about one person, detached from any connection."""

    login: str
    name: str = ""
    email: str = ""
    phone: str = ""
    department: str = ""
    title: str = ""
    manager: str | None = None  # the manager's login
    dn: str | None = None  # LDAP only
    groups: tuple[str, ...] = field(default_factory=tuple)  # group names (cn)
    group_dns: tuple[str, ...] = field(default_factory=tuple)  # LDAP only
    #: Disabled in the directory (AD's ACCOUNTDISABLE bit, ``itsm.ldap.disabled_filter``);
    #: only the directory sync reads it.
    disabled: bool = False

    @property
    def display_name(self) -> str:
        return self.name or self.login


@runtime_checkable
class Directory(Protocol):
    """What the rest of the desk needs from a directory. Every call may raise
    :class:`DirectoryUnavailable`; none may hang longer than the configured timeout."""

    kind: str

    def authenticate(self, login: str, password: str) -> DirectoryPerson | None:
        """The person when ``password`` is theirs, else None (same for an unknown login).

        An empty password is refused without contacting the server."""

    def get(self, login: str) -> DirectoryPerson | None:
        """Look one person up by login."""

    def is_active(self, login: str) -> bool:
        """Whether ``login`` still names an account that may log in (not removed, disabled or
        locked): asked again of a session older than ``itsm.session.recheck_seconds``."""

    def search(self, text: str, limit: int = 20) -> list[DirectoryPerson]:
        """People whose login, name or mail contains ``text``."""

    def groups_of(self, login: str) -> list[str]:
        """Names of the groups ``login`` belongs to."""

    def manager_of(self, login: str) -> str | None:
        """The login of ``login``'s manager, if the directory names one."""

    def reports_of(self, login: str) -> list[str]:
        """Logins of the people whose manager is ``login``."""

    def set_password(self, login: str, new_password: str, old_password: str | None = None) -> None:
        """Change a password; raises :class:`PasswordRejected` with the directory's reason."""

    def ping(self) -> bool:
        """True when the directory answers now (used by /healthz)."""
