"""The append-only history of a ticket: every field change and transition, who, when, from, to."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from BTrees.IOBTree import IOBTree
from persistent import Persistent


@dataclass(frozen=True)
class HistoryRecord:
    """One change. Plain (not persistent): records live inside the BTree's buckets."""

    at: datetime
    actor: str | None  # a login, or None for the desk itself (timers, rules)
    action: str  # created | field | transition | sla | link | ...
    field: str | None = None
    before: Any = None
    after: Any = None
    note: str = ""


class History(Persistent):
    """Records in an IOBTree keyed by sequence: appending writes one bucket, not the lot."""

    def __init__(self) -> None:
        self._records = IOBTree()
        self._next = 0

    def append(self, record: HistoryRecord) -> HistoryRecord:
        self._records[self._next] = record
        self._next += 1
        return record

    def record(self, at: datetime, actor: str | None, action: str, **kw: Any) -> HistoryRecord:
        return self.append(HistoryRecord(at, actor, action, **kw))

    def __iter__(self) -> Iterator[HistoryRecord]:
        return iter(self._records.values())

    def __len__(self) -> int:
        return self._next

    def latest(self, count: int = 20) -> list[HistoryRecord]:
        start = max(0, self._next - count)
        return list(self._records.values(min=start))
