"""Delegation ranges: one deputy a day, overlaps refused, old single delegations still read."""

from __future__ import annotations

from datetime import date
from typing import Any

from itsm.approvals.delegation import (
    NAME,
    Delegation,
    Delegations,
    add_delegation,
    delegation_errors,
    delegation_of,
    delegations_of,
    deputy_of,
    remove_delegation,
)
from itsm.folder import Folder

DEC = [date(2026, 12, day) for day in range(1, 32)]


def tree() -> dict[str, Any]:
    return {"settings": Folder(), "people": {"boss": object(), "ann": object(), "bob": object()}}


def test_each_day_has_the_deputy_of_its_range():
    root = tree()
    add_delegation(root, "boss", "ann", DEC[0], DEC[4])
    add_delegation(root, "boss", "bob", DEC[19], DEC[30])
    assert deputy_of(root, "boss", DEC[2]) == "ann"
    assert deputy_of(root, "boss", DEC[10]) is None
    assert deputy_of(root, "boss", DEC[25]) == "bob"
    assert delegation_of(root, "boss", DEC[10]).deputy == "bob"  # the next one
    assert [d.deputy for d in delegations_of(root, "boss")] == ["ann", "bob"]
    assert remove_delegation(root, "boss", DEC[0]) is True
    assert remove_delegation(root, "boss", DEC[0]) is False
    assert [d.deputy for d in delegations_of(root, "boss")] == ["bob"]


def test_wrong_delegations_name_the_field_and_the_reason():
    root = tree()
    add_delegation(root, "boss", "ann", DEC[9], DEC[14])

    def errors(deputy: str, start: Any, end: Any, **kw: Any) -> dict[str, str]:
        found = delegation_errors(root, "boss", deputy, start, end, today=DEC[0], **kw)
        return {k: str(v) for k, v in found.items()}

    assert errors("boss", DEC[1], DEC[2]) == {"deputy": "You cannot be your own deputy."}
    assert errors("nobody", DEC[1], DEC[2]) == {"deputy": "Unknown person."}
    assert errors("", DEC[1], DEC[2]) == {"deputy": "Name your deputy."}
    assert errors("bob", DEC[5], DEC[2]) == {"end": "The end comes before the start."}
    assert errors("bob", None, DEC[2]) == {"start": "Invalid date."}
    assert errors("bob", date(2026, 11, 1), date(2026, 11, 3)) == {"end": "The end is in the past."}
    assert list(errors("bob", DEC[14], DEC[20])) == ["start"]  # overlaps the 10th-15th
    assert errors("bob", DEC[14], DEC[20], replacing=True) == {}
    assert errors("bob", DEC[15], DEC[20]) == {}


def test_a_single_delegation_stored_by_the_previous_version_is_read():
    root = tree()
    store = root["settings"].add(NAME, Delegations())
    store.data["boss"] = Delegation("boss", "ann", DEC[0], DEC[3])  # the old shape
    assert deputy_of(root, "boss", DEC[1]) == "ann"
    add_delegation(root, "boss", "bob", DEC[9], DEC[10])
    assert [d.deputy for d in delegations_of(root, "boss")] == ["ann", "bob"]
