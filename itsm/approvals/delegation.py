"""Deputies: a person away names someone who approves in their place for a date range.

Kept in ``/settings/approval-delegations`` (made at the first delegation, so reading never
writes): login -> the person's delegations, a tuple of :class:`Delegation` sorted by start
(databases made before several ranges were possible hold one :class:`Delegation`). Ranges of
one person never overlap, so each day has at most one deputy. A step opened while an approver
is away asks the deputy too; the deputy's decision records whom they stood in for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from BTrees.OOBTree import OOBTree
from persistent import Persistent

from itsm.i18n import _

NAME = "approval-delegations"
#: A delegation may not run longer than this (a deputy for ever is a new approver).
MAX_DAYS = 366


@dataclass(frozen=True)
class Delegation:
    login: str
    deputy: str
    start: date
    end: date

    def active(self, day: date) -> bool:
        return self.start <= day <= self.end

    def overlaps(self, start: date, end: date) -> bool:
        return self.start <= end and start <= self.end


class Delegations(Persistent):
    __parent__: Any = None
    __name__: str | None = None

    def __init__(self) -> None:
        self.data = OOBTree()


def _store(root: Any) -> Delegations | None:
    return root["settings"].get(NAME)


def delegations_of(root: Any, login: str) -> list[Delegation]:
    """Every delegation of ``login``, earliest first."""
    store = _store(root)
    found = store.data.get(login) if store is not None else None
    if found is None:
        return []
    if isinstance(found, Delegation):
        return [found]
    return sorted(found, key=lambda d: d.start)


def delegation_of(root: Any, login: str, day: date | None = None) -> Delegation | None:
    """The delegation active on ``day``, else the next one after it, else None; without a
    day, the first of them."""
    found = delegations_of(root, login)
    if day is None:
        return found[0] if found else None
    active = [d for d in found if d.active(day)]
    later = [d for d in found if d.start > day]
    return (active or later or [None])[0]


def _save(root: Any, login: str, delegations: list[Delegation]) -> None:
    store = _store(root)
    if store is None:
        store = root["settings"].add(NAME, Delegations())
    if delegations:
        store.data[login] = tuple(sorted(delegations, key=lambda d: d.start))
    elif login in store.data:
        del store.data[login]


def delegation_errors(
    root: Any,
    login: str,
    deputy: str,
    start: date | None,
    end: date | None,
    *,
    today: date | None = None,
    replacing: bool = False,
) -> dict[str, Any]:
    """Why the delegation cannot be made, by field (``deputy``, ``start``, ``end``); empty
    when it can. ``start``/``end`` None: the date could not be read. ``replacing``: the new
    one replaces every delegation of ``login`` (so it overlaps none of them)."""
    fields: dict[str, Any] = {}
    deputy = (deputy or "").strip()
    if not deputy:
        fields["deputy"] = _("Name your deputy.")
    elif deputy == login:
        fields["deputy"] = _("You cannot be your own deputy.")
    elif deputy not in root["people"]:
        fields["deputy"] = _("Unknown person.")
    if start is None:
        fields["start"] = _("Invalid date.")
    if end is None:
        fields["end"] = _("Invalid date.")
    if start is None or end is None:
        return fields
    if end < start:
        fields["end"] = _("The end comes before the start.")
    elif (end - start).days >= MAX_DAYS:
        fields["end"] = _("A delegation lasts a year at most.")
    elif today is not None and end < today:
        fields["end"] = _("The end is in the past.")
    elif not replacing:
        clash = next((d for d in delegations_of(root, login) if d.overlaps(start, end)), None)
        if clash is not None:
            fields["start"] = _(
                "You have a deputy from ${start} to ${end} already.",
                mapping={"start": clash.start.isoformat(), "end": clash.end.isoformat()},
            )
    return fields


def set_delegation(root: Any, login: str, deputy: str, start: date, end: date) -> Delegation:
    """Replace every delegation of ``login`` by this one."""
    delegation = Delegation(login, deputy, start, end)
    _save(root, login, [delegation])
    return delegation


def add_delegation(root: Any, login: str, deputy: str, start: date, end: date) -> Delegation:
    """One more date range (check :func:`delegation_errors` first: ranges must not overlap)."""
    delegation = Delegation(login, deputy, start, end)
    _save(root, login, [*delegations_of(root, login), delegation])
    return delegation


def remove_delegation(root: Any, login: str, start: date) -> bool:
    """Remove the delegation of ``login`` starting on ``start``; False if there is none."""
    found = delegations_of(root, login)
    kept = [d for d in found if d.start != start]
    if len(kept) == len(found):
        return False
    _save(root, login, kept)
    return True


def clear_delegation(root: Any, login: str) -> None:
    store = _store(root)
    if store is not None and login in store.data:
        del store.data[login]


def deputy_of(root: Any, login: str, day: date) -> str | None:
    delegation = next((d for d in delegations_of(root, login) if d.active(day)), None)
    return delegation.deputy if delegation is not None else None
