"""Two processes storing the facts of new tickets at once merge instead of conflicting: the
BTree bucket merge compares values, so facts must be orderable (found by the R8 check)."""

from __future__ import annotations

from datetime import UTC, datetime

import transaction
import ZODB
import ZODB.FileStorage
from BTrees.OOBTree import OOBTree

from itsm.reports.facts import TicketFacts
from itsm.reports.store import fact_key


def facts(number: str) -> TicketFacts:
    return TicketFacts(number=number, kind="incident", created=datetime(2026, 12, 3, tzinfo=UTC))


def test_concurrent_inserts_into_one_bucket_of_facts_merge(tmp_path):
    db = ZODB.DB(ZODB.FileStorage.FileStorage(str(tmp_path / "Data.fs")))
    try:
        tm0 = transaction.TransactionManager()
        conn = db.open(tm0)
        tree = conn.root()["facts"] = OOBTree()
        for n in range(5):  # one bucket, inlined in the tree
            tree[fact_key(f"INC-{n:06d}")] = facts(f"INC-{n:06d}")
        tm0.commit()
        conn.close()

        tm1, tm2 = transaction.TransactionManager(), transaction.TransactionManager()
        first, second = db.open(tm1), db.open(tm2)
        first.root()["facts"][fact_key("INC-000100")] = facts("INC-000100")
        second.root()["facts"][fact_key("INC-000101")] = facts("INC-000101")
        tm1.commit()
        tm2.commit()  # resolved, not a ConflictError
        first.close()
        second.close()

        tm = transaction.TransactionManager()
        conn = db.open(tm)
        assert {fact_key("INC-000100"), fact_key("INC-000101")} <= set(conn.root()["facts"])
        conn.close()
    finally:
        db.close()


def test_facts_order_agrees_with_equality():
    a, b = facts("INC-000001"), facts("INC-000002")
    assert a == facts("INC-000001") and not (a < facts("INC-000001"))
    assert (a < b) != (b < a)
