"""The directory sync's comparison and safety stop, on plain records (no directory)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

from itsm.directory.base import DirectoryPerson
from itsm.people.models import Person
from itsm.sync.run import Snapshot, compute_diff, safety_limit

MAPPING = {"agent": ("Service Desk",)}
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def record(entry: DirectoryPerson, roles: set[str]) -> Person:
    person = Person(entry.login)
    person.update_from_directory(entry, roles, NOW)
    return person


def test_the_diff_names_each_kind_of_change():
    ann = DirectoryPerson("ann", "Ann", "ann@x", department="IT", groups=("Service Desk",))
    bob = DirectoryPerson("bob", "Bob", "bob@x", department="Sales")
    cid = DirectoryPerson("cid", "Cid", "cid@x")
    people = {
        "ann": record(ann, {"employee", "agent"}),
        "bob": record(bob, {"employee"}),
        "cid": record(cid, {"employee"}),
        "old": record(DirectoryPerson("old", "Old"), {"employee"}),
    }
    guest = Person("guest-1")
    guest.guest = True
    people["guest-1"] = guest
    snapshot = Snapshot(
        {
            "ann": replace(ann, groups=()),  # left the Service Desk group
            "bob": replace(bob, department="Finance"),
            "cid": replace(cid, disabled=True),
            "dan": DirectoryPerson("dan", "Dan"),
        },
        frozenset(),
    )
    diff = compute_diff(snapshot, people, MAPPING)
    assert diff.added == ["dan"]
    assert diff.changed == [("bob", {"department": ("Sales", "Finance")})]
    assert diff.roles == [("ann", ("agent", "employee"), ("employee",))]
    assert diff.disabled == [("cid", "disabled"), ("old", "gone")]
    assert diff.active_before == 4  # the guest is not the directory's
    assert diff.lines()[0] == "+ dan (new)"


def test_the_safety_limit_is_a_share_or_a_count():
    diff = SimpleNamespace(active_before=200)
    share = SimpleNamespace(sync_max_disable_percent=5.0, sync_max_disable=0)
    count = SimpleNamespace(sync_max_disable_percent=None, sync_max_disable=3)
    assert safety_limit(diff, share) == 10.0
    assert safety_limit(diff, count) == 3.0
