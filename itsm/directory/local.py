"""Local accounts stored in ZODB, for the demo and for small sites without a directory."""

from __future__ import annotations

from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from persistent import Persistent

from itsm.directory.base import DirectoryPerson, PasswordRejected

MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()
# Verified against when the login is unknown, so a wrong login costs the same time as a wrong
# password and the response time does not tell which accounts exist.
_DUMMY_HASH = _hasher.hash("no such account, but the same amount of work")


class LocalAccount(Persistent):
    """A person and their argon2 password hash."""

    __parent__: Any = None
    __name__: str | None = None

    name = ""
    email = ""
    phone = ""
    department = ""
    title = ""
    manager: str | None = None
    groups: tuple[str, ...] = ()
    password_hash = ""
    disabled = False
    password_history: tuple[str, ...] = ()

    def __init__(self, login: str, **fields: Any) -> None:
        self.login = login
        for key, value in fields.items():
            if not hasattr(type(self), key):
                raise TypeError(f"unknown account field {key!r}")
            setattr(self, key, value)

    def set_password(self, password: str) -> None:
        if self.password_hash:
            self.password_history = (self.password_hash, *self.password_history)[:3]
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def to_entry(self) -> DirectoryPerson:
        return DirectoryPerson(
            login=self.login,
            name=self.name,
            email=self.email,
            phone=self.phone,
            department=self.department,
            title=self.title,
            manager=self.manager,
            groups=tuple(self.groups),
        )


class LocalDirectory:
    """The Directory protocol over ``root.accounts`` (a Folder of :class:`LocalAccount`)."""

    kind = "local"

    def __init__(self, accounts: Any) -> None:
        self.accounts = accounts

    def _account(self, login: str) -> LocalAccount | None:
        account = self.accounts.get(login) if login else None
        if account is None or account.disabled:
            return None
        return account

    def authenticate(self, login: str, password: str) -> DirectoryPerson | None:
        if not password:
            return None
        account = self._account(login)
        if account is None:
            try:
                _hasher.verify(_DUMMY_HASH, password)
            except VerificationError:
                pass
            return None
        return account.to_entry() if account.check_password(password) else None

    def get(self, login: str) -> DirectoryPerson | None:
        account = self._account(login)
        return account.to_entry() if account else None

    def is_active(self, login: str) -> bool:
        return self._account(login) is not None

    def search(self, text: str, limit: int = 20) -> list[DirectoryPerson]:
        needle = text.casefold()
        found = []
        for account in self.accounts.values():
            haystack = f"{account.login} {account.name} {account.email}".casefold()
            if not account.disabled and needle in haystack:
                found.append(account.to_entry())
                if len(found) >= limit:
                    break
        return found

    def groups_of(self, login: str) -> list[str]:
        account = self._account(login)
        return list(account.groups) if account else []

    def manager_of(self, login: str) -> str | None:
        account = self._account(login)
        return account.manager if account else None

    def reports_of(self, login: str) -> list[str]:
        return [a.login for a in self.accounts.values() if a.manager == login and not a.disabled]

    def set_password(self, login: str, new_password: str, old_password: str | None = None) -> None:
        account = self._account(login)
        if account is None:
            raise PasswordRejected("unknown account", "rejected")
        if old_password is not None and not account.check_password(old_password):
            raise PasswordRejected("the current password is wrong", "wrong_password")
        if len(new_password) < MIN_PASSWORD_LENGTH:
            raise PasswordRejected(
                f"the password must have at least {MIN_PASSWORD_LENGTH} characters", "too_short"
            )
        for old_hash in (account.password_hash, *account.password_history):
            try:
                if old_hash and _hasher.verify(old_hash, new_password):
                    raise PasswordRejected("the password was used recently", "in_history")
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                continue
        account.set_password(new_password)

    def ping(self) -> bool:
        return True


def add_account(
    accounts: Any, login: str, password: str | None = None, **fields: Any
) -> LocalAccount:
    """Create a local account (used by ``itsm-init --demo`` and admin screens)."""
    account = LocalAccount(login, **fields)
    if password:
        account.password_hash = _hasher.hash(password)
    return accounts.add(login, account)
