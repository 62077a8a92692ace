"""Roles from directory groups, as mapped in the ini file (``itsm.roles.*``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from itsm.directory.base import DirectoryPerson


def _norm(name: str) -> str:
    return ",".join(part.strip() for part in name.split(",")).lower()


def roles_for(
    person: DirectoryPerson, has_reports: bool, mapping: Mapping[str, Iterable[str]]
) -> set[str]:
    """Everyone who logs in is an employee; managers are people others report to; other roles
    come from group membership, matched by group name or DN, case-insensitively."""
    roles = {"employee"}
    if has_reports:
        roles.add("manager")
    mine = {_norm(g) for g in person.groups} | {_norm(d) for d in person.group_dns}
    for role, groups in mapping.items():
        if any(_norm(g) in mine for g in groups):
            roles.add(role)
    return roles
