"""The audit log's shape: time order across shards, ranges, pruning, and concurrent writers
in different shards merging instead of conflicting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import transaction
import ZODB
import ZODB.FileStorage
from ZODB.POSException import ConflictError

from itsm.audit.models import SHARDS, AuditEntry, AuditLog
from itsm.audit.record import Budget

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def entry(minutes: float, kind: str = "login", subject: str = "") -> AuditEntry:
    return AuditEntry(T0 + timedelta(minutes=minutes), kind, "admin", subject)


def test_entries_come_back_in_time_order_whatever_their_shard():
    log = AuditLog()
    for minute in (5, 1, 3, 2, 4, 0):
        log.append(entry(minute, subject=str(minute)))
    assert [e.subject for e in log.between()] == ["0", "1", "2", "3", "4", "5"]
    start, end = T0 + timedelta(minutes=1), T0 + timedelta(minutes=3)
    assert [e.subject for e in log.between(start, end)] == ["1", "2", "3"]


def test_two_entries_in_one_microsecond_are_both_kept():
    log = AuditLog()
    log.append(entry(0, subject="a"), shard=7)
    log.append(entry(0, subject="b"), shard=7)
    assert sorted(e.subject for e in log.between()) == ["a", "b"]


def test_prune_drops_only_what_is_older():
    log = AuditLog()
    for minute in range(100):
        log.append(entry(minute))
    assert log.prune(T0 + timedelta(minutes=40)) == 40
    assert len(log) == 60
    assert min(e.at for e in log.between()) == T0 + timedelta(minutes=40)


def concurrent_appends(path, shards: tuple[int, int], rounds: int = 100) -> int:
    """Two connections append at the same moment, ``rounds`` times; how many of the second
    commits conflicted (on a log of 4,000 entries spread over every shard)."""
    db = ZODB.DB(ZODB.FileStorage.FileStorage(str(path)))
    managers = [transaction.TransactionManager(explicit=True) for _ in range(2)]
    first = db.open(transaction_manager=managers[0])
    with managers[0]:
        log = first.root()["log"] = AuditLog()
        for index in range(4000):
            log.append(entry(index / 100), shard=index % SHARDS)
    second = db.open(transaction_manager=managers[1])
    conflicts = 0
    for number in range(rounds):
        for manager in managers:
            manager.begin()
        first.root()["log"].append(entry(100 + number), shard=shards[0])
        second.root()["log"].append(entry(100 + number), shard=shards[1])
        managers[0].commit()
        try:
            managers[1].commit()
        except ConflictError:
            conflicts += 1
            managers[1].abort()
    first.close()
    second.close()
    db.close()
    return conflicts


def test_writers_in_different_shards_rarely_conflict_where_one_time_line_always_would(tmp_path):
    # Keyed by time alone every writer appends to the same last bucket: each pair conflicts.
    assert concurrent_appends(tmp_path / "one.fs", (3, 3)) == 100
    # Shards far apart merge; only a bucket split (every few dozen entries) still conflicts.
    assert concurrent_appends(tmp_path / "two.fs", (3, 50)) <= 10


def test_the_failed_login_budget_refills_each_window():
    now = [0.0]
    budget = Budget(limit=2, window=60, clock=lambda: now[0])
    assert [budget.take() for _ in range(3)] == [True, True, False]
    now[0] = 61.0
    assert budget.take() is True
