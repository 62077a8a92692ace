"""Create and refresh person records in ``/people`` from directory entries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from itsm.directory.base import Directory, DirectoryPerson
from itsm.directory.roles import roles_for
from itsm.people.models import Person


def refresh_person(
    people: Any,
    directory: Directory,
    entry: DirectoryPerson,
    role_mapping: Any,
    now: datetime | None = None,
) -> Person:
    """The person record for ``entry``, created or refreshed with its current roles."""
    now = now or datetime.now(UTC)
    has_reports = bool(directory.reports_of(entry.login))
    roles = roles_for(entry, has_reports, role_mapping)
    person = people.get(entry.login)
    if person is None:
        person = people.add(entry.login, Person(entry.login))
        person.created = now
    person.update_from_directory(entry, roles, now)
    return person


def find_or_fetch(
    people: Any, directory: Directory, login: str, role_mapping: Any
) -> Person | None:
    """The record of ``login``, looking the directory up when they never logged in."""
    person = people.get(login)
    if person is not None:
        return person
    entry = directory.get(login)
    if entry is None:
        return None
    return refresh_person(people, directory, entry, role_mapping)
