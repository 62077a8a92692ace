"""The directory sync: read every person and group, compare with the desk's person records,
and (unless it is a dry run, or the safety stop refuses) bring the records in step.

The directory is read outside any transaction (it may take a while and must not hold a ZODB
connection's snapshot open); the comparison and the changes then run in one transaction
against the records as they are, so a login refreshing someone meanwhile is not undone.
Nothing is ever deleted: a person disabled in the directory, or gone from its search base,
becomes inactive (no login, no session, no token) and active again when they come back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from itsm.audit.record import record
from itsm.directory.base import DirectoryPerson
from itsm.directory.roles import roles_for
from itsm.people.models import Person, directory_fields
from itsm.security.policy import end_all_sessions

log = logging.getLogger("itsm.sync")

#: The fields a sync reports as changed (groups show as role changes; the DN silently).
REPORTED = ("name", "email", "department", "manager", "title", "phone")
#: How many lines of the diff the audit entry keeps (the log file has all of them).
AUDIT_LINES = 60


@dataclass(frozen=True)
class Snapshot:
    """Everyone the directory holds, by login, and who has reports (managers)."""

    people: Mapping[str, DirectoryPerson]
    with_reports: frozenset[str]

    def roles(self, entry: DirectoryPerson, mapping: Mapping[str, Any]) -> tuple[str, ...]:
        return tuple(sorted(roles_for(entry, entry.login in self.with_reports, mapping)))


def read_directory(directory: Any) -> Snapshot:
    """Read the whole directory; raises DirectoryUnavailable."""
    people, with_reports = directory.everyone()
    return Snapshot({p.login: p for p in people}, frozenset(with_reports))


@dataclass
class SyncDiff:
    """What a sync changes. Logins throughout; values as the records hold them."""

    added: list[str] = field(default_factory=list)
    changed: list[tuple[str, dict[str, tuple[Any, Any]]]] = field(default_factory=list)
    disabled: list[tuple[str, str]] = field(default_factory=list)  # (login, disabled | gone)
    reactivated: list[str] = field(default_factory=list)
    roles: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    active_before: int = 0  # active people before the sync (the safety stop's base)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.disabled or self.reactivated or self.roles)

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.disabled)} disabled, {len(self.reactivated)} active again, "
            f"{len(self.roles)} role changes"
        )

    def lines(self) -> list[str]:
        """The diff as people read it, one change a line."""
        out = [f"+ {login} (new)" for login in self.added]
        for login, changes in self.changed:
            for key, (before, after) in changes.items():
                out.append(f"~ {login}: {key} {before or '-'!s} -> {after or '-'!s}")
        out += [f"- {login} ({reason}: inactive)" for login, reason in self.disabled]
        out += [f"+ {login} (active again)" for login in self.reactivated]
        for login, before, after in self.roles:
            out.append(f"~ {login}: roles {', '.join(before)} -> {', '.join(after)}")
        return out


def managed_people(people: Any) -> list[Person]:
    """The records the directory is the source of: everyone but the email channel's guests."""
    return [p for p in people.values() if not getattr(p, "guest", False)]


def compute_diff(snapshot: Snapshot, people: Any, mapping: Mapping[str, Any]) -> SyncDiff:
    """What the sync would change in ``people`` (reads only)."""
    diff = SyncDiff()
    known = {p.login: p for p in managed_people(people)}
    diff.active_before = sum(1 for p in known.values() if getattr(p, "active", True))
    for login in sorted(snapshot.people):
        entry = snapshot.people[login]
        person = known.get(login)
        if entry.disabled:
            if person is not None and getattr(person, "active", True):
                diff.disabled.append((login, "disabled"))
            continue
        roles = snapshot.roles(entry, mapping)
        if person is None:
            diff.added.append(login)
            continue
        wanted = directory_fields(entry, roles)
        changes = {
            key: (getattr(person, key), wanted[key])
            for key in REPORTED
            if getattr(person, key) != wanted[key]
        }
        if changes:
            diff.changed.append((login, changes))
        if tuple(person.roles) != roles:
            diff.roles.append((login, tuple(person.roles), roles))
        if not getattr(person, "active", True):
            diff.reactivated.append(login)
    for login in sorted(set(known) - set(snapshot.people)):
        if getattr(known[login], "active", True):
            diff.disabled.append((login, "gone"))
    return diff


def safety_limit(diff: SyncDiff, ldap: Any) -> float:
    """How many active people a sync may disable (``itsm.ldap.sync_max_disable``)."""
    if ldap.sync_max_disable_percent is not None:
        return diff.active_before * ldap.sync_max_disable_percent / 100
    return float(ldap.sync_max_disable)


def apply_diff(
    root: Any, snapshot: Snapshot, diff: SyncDiff, mapping: Mapping[str, Any], now: datetime
) -> None:
    """Make the changes ``diff`` lists (computed in this same transaction)."""
    people = root["people"]
    for login in diff.added:
        person = people.add(login, Person(login))
        person.created = now
    refresh = {login for login, _ in diff.changed} | {login for login, _, _ in diff.roles}
    for login in sorted(refresh | set(diff.added) | set(diff.reactivated)):
        entry = snapshot.people[login]
        person = people[login]
        person.update_from_directory(entry, set(snapshot.roles(entry, mapping)), now)
    for login in diff.reactivated:
        person = people[login]
        person.active = True
        person.inactive_since = None
        person.inactive_reason = ""
    for login, reason in diff.disabled:
        person = people[login]
        person.active = False
        person.inactive_since = now
        person.inactive_reason = reason
        end_all_sessions(person)


@dataclass(frozen=True)
class SyncOutcome:
    diff: SyncDiff
    status: str  # dry_run | applied | stopped
    limit: float = 0.0

    @property
    def message(self) -> str:
        if self.status == "stopped":
            return (
                f"safety stop: the sync would disable {len(self.diff.disabled)} of "
                f"{self.diff.active_before} active people, more than itsm.ldap.sync_max_disable "
                f"allows ({self.limit:g}); nothing was changed"
            )
        if self.status == "dry_run":
            return f"dry run, nothing changed: {self.diff.summary()}"
        return f"directory sync: {self.diff.summary()}"


def synchronize(
    transact: Callable[[Callable[[Any], Any]], Any],
    directory: Any,
    settings: Any,
    dry_run: bool = False,
    actor: str | None = None,
    now: datetime | None = None,
) -> SyncOutcome:
    """Read the directory, then compare and apply in one transaction (``transact(func)`` runs
    ``func(root)``, retried on conflicts). Raises DirectoryUnavailable before any change."""
    snapshot = read_directory(directory)
    mapping = settings.roles

    def work(root: Any) -> SyncOutcome:
        moment = now or datetime.now(UTC)
        diff = compute_diff(snapshot, root["people"], mapping)
        limit = safety_limit(diff, settings.ldap)
        if dry_run:
            return SyncOutcome(diff, "dry_run", limit)
        if len(diff.disabled) > limit:
            outcome = SyncOutcome(diff, "stopped", limit)
            log.warning("%s", outcome.message)
            record(root, "sync", actor, "directory", "stopped", _detail(outcome), now=moment)
            return outcome
        apply_diff(root, snapshot, diff, mapping, moment)
        outcome = SyncOutcome(diff, "applied", limit)
        if not diff.empty:
            record(root, "sync", actor, "directory", "applied", _detail(outcome), now=moment)
            for login, before, after in diff.roles:
                detail = f"{', '.join(before)} → {', '.join(after)}"
                record(root, "role_change", actor, login, "sync", detail, now=moment)
        return outcome

    outcome = transact(work)
    log.info("%s", outcome.message)
    for line in outcome.diff.lines():
        log.info("sync %s", line)
    return outcome


def _detail(outcome: SyncOutcome) -> str:
    lines = outcome.diff.lines()
    shown = lines[:AUDIT_LINES]
    if len(lines) > AUDIT_LINES:
        shown.append(f"… and {len(lines) - AUDIT_LINES} more (in the log)")
    return "\n".join([outcome.message, *shown])
