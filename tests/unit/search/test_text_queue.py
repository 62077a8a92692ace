"""The deferred text index (itsm.search.textqueue): creates and edits queue their text, the
drain indexes it, and a text search is never stale in between."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import transaction
import ZODB
import ZODB.FileStorage
from ZODB.POSException import ConflictError

from itsm.root import ServiceDesk
from itsm.search import textqueue
from itsm.search.catalog import (
    TEXT_INDEX,
    drain_text,
    drain_text_all,
    ensure_catalog,
    mark_changed,
    mark_removed,
    new_docid,
    search,
    start_text_drain,
)
from itsm.tickets.models import Ticket

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
_seq = iter(range(1, 10**9))


@pytest.fixture
def db(tmp_path) -> Iterator[ZODB.DB]:
    db = ZODB.DB(ZODB.FileStorage.FileStorage(str(tmp_path / "Data.fs")))
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    with tm:
        ensure_catalog(conn.root().setdefault("itsm", ServiceDesk()))
    conn.close()
    yield db
    db.close()


class Session:
    """One connection with its own transaction manager (as one request or one process)."""

    def __init__(self, db: ZODB.DB) -> None:
        self.tm = transaction.TransactionManager(explicit=True)
        self.conn = db.open(transaction_manager=self.tm)
        self.tm.begin()

    @property
    def root(self) -> ServiceDesk:
        return self.conn.root()["itsm"]

    def commit(self) -> None:
        self.tm.commit()
        self.tm.begin()

    def close(self) -> None:
        self.tm.abort()
        self.conn.close()


@pytest.fixture
def s(db) -> Iterator[Session]:
    session = Session(db)
    yield session
    session.close()


def create(s: Session, title: str, description: str = "") -> Ticket:
    seq = next(_seq)
    root = s.root
    ticket = Ticket(f"INC-{seq:06d}", seq, new_docid(root), T0)
    ticket.kind = "incident"
    ticket.status = "new"
    ticket.title = title
    ticket.description = description
    root.catalog_objects[ticket.docid] = ticket
    mark_changed(s.tm, root, ticket)
    s.commit()
    return ticket


def found(root: ServiceDesk, text: str, sort: str = "queue_rank") -> list[str]:
    """The numbers a text search finds, the same unscored (sorted by a field: AllWordsSet)
    and scored (by relevance: AllWords)."""
    answers = []
    for each in dict.fromkeys([sort, "queue_rank", "relevance"]):
        total, items = search(root, text=text, per_page=1000, sort=each)
        assert total == len(items)
        answers.append(sorted(t.number for t in items))
    assert all(answer == answers[0] for answer in answers)
    return answers[0]


def pending(root: ServiceDesk) -> dict[int, str]:
    return root.catalog[TEXT_INDEX].queue.entries()


def drain(s: Session) -> int:
    """One whole drain in the session's connection: the swap, then the batches."""
    done = 0
    start_text_drain(s.root)
    s.commit()
    while True:
        batch = drain_text(s.root)
        s.commit()
        done += batch
        if not batch:
            return done


def okapi_has(root: ServiceDesk, docid: int) -> bool:
    return docid in root.catalog[TEXT_INDEX].index._docwords


def test_a_create_queues_its_text_and_is_found_at_once_and_after_the_drain(s):
    ticket = create(s, "Printer jammed", "The printers on floor 3 jam")
    root = s.root
    assert ticket.docid in pending(root) and not okapi_has(root, ticket.docid)
    assert "printer" in pending(root)[ticket.docid]  # stemmed: printers -> printer
    assert found(root, "printers") == [ticket.number]  # stemmed like the index
    assert found(root, "printer floor") == [ticket.number]
    assert found(root, "printer scanner") == []  # every word must occur
    assert found(root, "printer", sort="relevance") == [ticket.number]

    assert drain(s) == 1
    assert pending(root) == {} and okapi_has(root, ticket.docid)
    assert found(root, "printers") == [ticket.number]
    assert drain(s) == 0  # idempotent
    assert found(root, "printer floor") == [ticket.number]


def test_queued_and_indexed_results_merge_and_rank(s):
    old = create(s, "Printer toner empty")
    drain(s)
    new = create(s, "Printer offline")
    root = s.root
    assert found(root, "printer") == sorted([old.number, new.number])
    _total, items = search(root, text="printer", sort="relevance")
    assert {t.number for t in items} == {old.number, new.number}
    assert found(root, "toner") == [old.number]


def test_a_ticket_edited_while_queued_is_found_and_indexed_by_its_last_text(s):
    ticket = create(s, "Printer jammed")
    ticket.title = "Scanner broken"
    mark_changed(s.tm, s.root, ticket)
    s.commit()
    root = s.root
    assert found(root, "printer") == [] and found(root, "scanner") == [ticket.number]
    drain(s)
    assert found(root, "printer") == [] and found(root, "scanner") == [ticket.number]
    # Edited again after the drain: the indexed (old) words no longer match.
    ticket.title = "Monitor flickers"
    mark_changed(s.tm, root, ticket)
    s.commit()
    assert ticket.docid in pending(root)
    assert found(root, "scanner") == [] and found(root, "monitor") == [ticket.number]
    drain(s)
    assert found(root, "scanner") == [] and found(root, "monitor") == [ticket.number]


def test_a_reindex_with_the_same_text_queues_nothing(s):
    ticket = create(s, "Printer jammed")
    drain(s)
    ticket.status = "in_progress"
    mark_changed(s.tm, s.root, ticket)
    s.commit()
    assert pending(s.root) == {}


def test_a_removed_ticket_is_not_found_while_queued_nor_after_the_drain(s):
    ticket = create(s, "Printer jammed")
    drain(s)
    other = create(s, "Printer offline")
    mark_removed(s.tm, s.root, ticket)
    mark_removed(s.tm, s.root, other)
    s.commit()
    root = s.root
    assert found(root, "printer") == []
    assert drain(s) == 2
    assert found(root, "printer") == [] and not okapi_has(root, ticket.docid)


def test_a_word_only_queued_documents_have_is_found(s):
    create(s, "Printer jammed")
    drain(s)
    ticket = create(s, "Zeppelin printer")  # "zeppelin": no indexed document has it yet
    assert found(s.root, "zeppelin") == [ticket.number]
    assert found(s.root, "zeppelin printer") == [ticket.number]


def test_a_bulk_transaction_indexes_its_text_at_once(s):
    root = s.root
    tickets = []
    for n in range(textqueue.DEFER_AT_MOST + 1):
        seq = next(_seq)
        ticket = Ticket(f"INC-{seq:06d}", seq, new_docid(root), T0)
        ticket.kind, ticket.title = "incident", f"Laptop {n}"
        root.catalog_objects[ticket.docid] = ticket
        mark_changed(s.tm, root, ticket)
        tickets.append(ticket)
    s.commit()
    assert pending(root) == {}
    assert len(found(root, "laptop")) == len(tickets)


def test_an_edit_committed_during_a_drain_is_found_and_drained_next_time(db):
    writer, drainer = Session(db), Session(db)
    try:
        ticket = create(writer, "Printer jammed")
        drainer.tm.abort()
        drainer.tm.begin()
        assert start_text_drain(drainer.root)
        drainer.commit()
        assert drain_text(drainer.root) == 1  # read "Printer jammed", not committed yet
        writer.tm.abort()
        writer.tm.begin()
        edited = writer.root.catalog_objects[ticket.docid]
        edited.title = "Scanner broken"
        mark_changed(writer.tm, writer.root, edited)
        writer.commit()
        drainer.commit()  # no conflict: the drain writes nothing the edit wrote
        writer.tm.abort()
        writer.tm.begin()
        root = writer.root
        assert ticket.docid in pending(root)  # the edit's entry, in the current tree
        assert found(root, "printer") == [] and found(root, "scanner") == [ticket.number]
        assert drain(writer) == 1
        assert pending(root) == {} and okapi_has(root, ticket.docid)
        assert found(root, "printer") == [] and found(root, "scanner") == [ticket.number]
    finally:
        writer.close()
        drainer.close()


def test_a_create_that_read_the_queue_before_a_swap_is_retried(db):
    writer, drainer = Session(db), Session(db)
    try:
        create(writer, "Keyboard sticky")
        root = writer.root
        seq = next(_seq)
        late = Ticket(f"INC-{seq:06d}", seq, new_docid(root), T0)
        late.kind, late.title = "incident", "Printer offline"
        root.catalog_objects[late.docid] = late
        mark_changed(writer.tm, root, late)
        drainer.tm.abort()
        drainer.tm.begin()
        assert start_text_drain(drainer.root)  # the swap commits first
        drainer.commit()
        with pytest.raises(ConflictError):
            writer.tm.commit()  # it would have written into the tree being drained
        writer.tm.abort()
        writer.tm.begin()  # the retry, as pyramid_retry runs it
        root = writer.root
        again = Ticket(late.number, late.seq, late.docid, T0)
        again.kind, again.title = "incident", "Printer offline"
        root.catalog_objects[again.docid] = again
        mark_changed(writer.tm, root, again)
        writer.commit()
        assert again.docid in root.catalog[TEXT_INDEX].queue.current
        assert found(root, "printer") == [again.number]
    finally:
        writer.close()
        drainer.close()


def test_creates_in_two_connections_queue_without_conflict(db):
    first = Session(db)
    create(first, "Keyboard sticky")  # the kind's work lists exist (made by the first create)
    second = Session(db)
    try:
        a = create(first, "Printer jammed")
        b_root = second.root  # its snapshot began before the first create committed
        seq = next(_seq)
        b = Ticket(f"INC-{seq:06d}", seq, new_docid(b_root), T0)
        b.kind, b.title = "incident", "Printer offline"
        b_root.catalog_objects[b.docid] = b
        mark_changed(second.tm, b_root, b)
        second.commit()  # distinct docids of the queue merge
        assert found(second.root, "printer") == sorted([a.number, b.number])
    finally:
        first.close()
        second.close()


def test_drain_all_empties_the_queue_in_batches(db, s):
    for n in range(5):
        create(s, f"Router {n} down")
    assert drain_text_all(db, limit=2) == 5
    s.tm.abort()
    s.tm.begin()
    assert pending(s.root) == {}
    assert len(found(s.root, "router")) == 5


def test_an_old_text_index_without_a_queue_indexes_at_once(s):
    del s.root.catalog[TEXT_INDEX].queue
    s.commit()
    ticket = create(s, "Printer jammed")
    assert okapi_has(s.root, ticket.docid)
    assert found(s.root, "printer") == [ticket.number]
    assert ensure_catalog(s.root) == ["text index queue"]
