import threading

import pytest
import ZODB
from BTrees.OOBTree import OOBTree
from persistent import Persistent
from ZODB.FileStorage import FileStorage

from itsm import numbering
from itsm.db import ZODB_ROOT_KEY
from itsm.numbering import (
    allocate_number,
    ensure_counters,
    format_number,
    next_number,
    parse_number,
)


def test_numbers_are_prefixed_and_padded():
    counters = OOBTree()
    assert next_number(counters, "incident") == "INC-000001"
    assert next_number(counters, "incident") == "INC-000002"
    assert next_number(counters, "request") == "REQ-000001"


def test_parse_round_trip():
    assert parse_number(format_number("change", 42)) == ("change", 42)
    assert parse_number("inc-000007") == ("incident", 7)
    assert parse_number("XYZ-1") is None and parse_number("INC-") is None


class _Desk(Persistent):
    counters = None


@pytest.fixture
def storage_path(tmp_path):
    path = str(tmp_path / "Data.fs")
    db = ZODB.DB(FileStorage(path))
    with db.transaction() as conn:
        conn.root()[ZODB_ROOT_KEY] = _Desk()
        ensure_counters(conn.root()[ZODB_ROOT_KEY])
    db.close()
    return path


def _counter(db, kind):
    with db.transaction() as conn:
        return conn.root()[ZODB_ROOT_KEY].counters[kind].value


def test_numbers_come_in_growing_blocks_and_are_never_reused(storage_path):
    db = ZODB.DB(FileStorage(storage_path))
    numbers = [allocate_number(db, "incident") for _ in range(7)]
    # Consecutive within a process; a busy process reserves 1, 2, 4, ... at a time.
    assert numbers == [f"INC-{n:06d}" for n in range(1, 8)]
    assert _counter(db, "incident") == 7
    assert allocate_number(db, "incident") == "INC-000008"
    assert _counter(db, "incident") == 15  # a block of 8 reserved and committed
    db.close()  # as after kill -9: the rest of the block is a gap, never reused
    db = ZODB.DB(FileStorage(storage_path))
    assert allocate_number(db, "incident") == "INC-000016"
    assert allocate_number(db, "request") == "REQ-000001"
    db.close()


def test_a_quiet_process_reserves_one_number_at_a_time(storage_path, monkeypatch):
    db = ZODB.DB(FileStorage(storage_path))
    clock = iter([0.0, 100.0, 200.0])
    monkeypatch.setattr(numbering.time, "monotonic", lambda: next(clock))
    assert [allocate_number(db, "change") for _ in range(3)] == [
        "CHG-000001",
        "CHG-000002",
        "CHG-000003",
    ]
    assert _counter(db, "change") == 3
    db.close()


def test_concurrent_allocations_from_two_databases_are_unique(storage_path):
    # Two DB objects on one storage stand for two processes sharing a ZEO/RelStorage server.
    db = ZODB.DB(FileStorage(storage_path))
    other = ZODB.DB(db.storage)  # a second DB object: its own blocks, the same counter
    found: list[str] = []
    lock = threading.Lock()

    def worker(database):
        mine = [allocate_number(database, "incident") for _ in range(100)]
        with lock:
            found.extend(mine)

    threads = [threading.Thread(target=worker, args=(d,)) for d in (db, other) * 16]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 3200 and len(set(found)) == 3200
    db.close()
    db = ZODB.DB(FileStorage(storage_path))
    assert max(int(n[4:]) for n in found) <= _counter(db, "incident")
    db.close()
