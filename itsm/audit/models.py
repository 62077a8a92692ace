"""The audit log: one small append-only store of security events the desk kept nowhere else.

Logins, failed logins and lockouts, role changes, API tokens made, directory sync runs.
Password resets and changes (``root.audit``, :mod:`itsm.selfservice.password`) and settings
changes (``/settings``' history, :mod:`itsm.admin.audit`) are already kept; the audit pages
read those where they are (:mod:`itsm.audit.trail`).

Shape: one ``LOBTree`` keyed by a random shard (0-63) in the top bits, then the time in
microseconds, then a few random bits. Logins do not wait for the write lock, so two of them
may commit at once: with a time-ordered key both would insert into the tree's last bucket and
its splits would conflict (PITFALLS, "Hot objects conflict"); with a shard prefix concurrent
writers land in different buckets, and each shard stays in time order for reading. Old
entries are dropped by the ``audit_prune`` timer (``itsm.audit.keep_days``), shard by
shard, so the tree does not grow without bound and a pack frees their buckets.
"""

from __future__ import annotations

import heapq
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from BTrees.LOBTree import LOBTree
from persistent import Persistent

SHARDS = 64
SHARD_SHIFT = 56
TIME_SHIFT = 4  # low bits: a random nonce, so two entries in one microsecond both stay
TIME_MASK = (1 << SHARD_SHIFT) - 1


def _micros(at: datetime) -> int:
    return int(at.timestamp() * 1_000_000)


@dataclass(frozen=True)
class AuditEntry:
    """One event. Plain (not persistent): entries live inside the tree's buckets."""

    at: datetime
    kind: str  # login | login_failed | lockout | role_change | token | sync
    actor: str | None  # who did it (a login), None for the desk itself
    subject: str = ""  # whom or what it concerns (a login, a token label)
    outcome: str = ""  # e.g. "done", "stopped", "inactive"
    detail: str = ""
    client: str = ""


class AuditLog(Persistent):
    """``root.audit_log``: append, read a time range, drop what is older than a moment."""

    def __init__(self) -> None:
        self._entries = LOBTree()

    def append(self, entry: AuditEntry, shard: int | None = None) -> AuditEntry:
        """Add ``entry`` to a random shard (or ``shard``, for tests of the shape)."""
        if shard is None:
            shard = secrets.randbelow(SHARDS)
        base = (shard << SHARD_SHIFT) | (_micros(entry.at) << TIME_SHIFT)
        key = base | secrets.randbelow(1 << TIME_SHIFT)
        while key in self._entries:
            key = base | secrets.randbelow(1 << TIME_SHIFT)
        self._entries[key] = entry
        return entry

    def __len__(self) -> int:
        return len(self._entries)

    def _shard_range(self, shard: int, start: datetime | None, end: datetime | None) -> Any:
        low = shard << SHARD_SHIFT
        high = low | TIME_MASK
        if start is not None:
            low |= max(0, _micros(start)) << TIME_SHIFT
        if end is not None:
            high = min(high, (shard << SHARD_SHIFT) | ((_micros(end) + 1) << TIME_SHIFT) - 1)
        return self._entries.items(min=low, max=high)

    def between(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> Iterator[AuditEntry]:
        """Entries with ``start <= at <= end``, oldest first."""
        ranges = [self._shard_range(shard, start, end) for shard in range(SHARDS)]
        merged = heapq.merge(*ranges, key=lambda item: item[0] & TIME_MASK)
        return (entry for _, entry in merged)

    def prune(self, before: datetime) -> int:
        """Drop the entries older than ``before``; how many."""
        dropped = 0
        for shard in range(SHARDS):
            low = shard << SHARD_SHIFT
            high = low | ((max(0, _micros(before)) << TIME_SHIFT) - 1)
            keys = list(self._entries.keys(min=low, max=high))
            for key in keys:
                del self._entries[key]
            dropped += len(keys)
        return dropped
