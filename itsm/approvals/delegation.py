"""Deputies: a person away names someone who approves in their place for a date range.

Kept in ``/settings/approval-delegations`` (made at the first delegation, so reading never
writes): login -> :class:`Delegation`. A step opened while an approver is away asks the
deputy too; the deputy's decision records whom they stood in for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from BTrees.OOBTree import OOBTree
from persistent import Persistent

NAME = "approval-delegations"


@dataclass(frozen=True)
class Delegation:
    login: str
    deputy: str
    start: date
    end: date

    def active(self, day: date) -> bool:
        return self.start <= day <= self.end


class Delegations(Persistent):
    __parent__: Any = None
    __name__: str | None = None

    def __init__(self) -> None:
        self.data = OOBTree()


def _store(root: Any) -> Delegations | None:
    return root["settings"].get(NAME)


def delegation_of(root: Any, login: str) -> Delegation | None:
    store = _store(root)
    return store.data.get(login) if store is not None else None


def set_delegation(root: Any, login: str, deputy: str, start: date, end: date) -> Delegation:
    store = _store(root)
    if store is None:
        store = root["settings"].add(NAME, Delegations())
    delegation = Delegation(login, deputy, start, end)
    store.data[login] = delegation
    return delegation


def clear_delegation(root: Any, login: str) -> None:
    store = _store(root)
    if store is not None and login in store.data:
        del store.data[login]


def deputy_of(root: Any, login: str, day: date) -> str | None:
    delegation = delegation_of(root, login)
    if delegation is not None and delegation.active(day):
        return delegation.deputy
    return None
