"""Work in a transaction of its own, retried on conflicts (itsm.db)."""

from __future__ import annotations

import pytest
import transaction
import ZODB
from ZODB.POSException import ConflictError

from itsm.db import ZODB_ROOT_KEY, run_attempts, run_in_transaction
from itsm.folder import Folder


@pytest.fixture
def db():
    database = ZODB.DB(None)  # in memory
    tm = transaction.TransactionManager(explicit=True)
    conn = database.open(transaction_manager=tm)
    with tm:
        conn.root()[ZODB_ROOT_KEY] = Folder()
    conn.close()
    yield database
    database.close()


def test_the_function_runs_on_the_service_desk_and_its_writes_are_committed(db):
    def write(root):
        root.title = "desk"
        return "done"

    assert run_in_transaction(db, write) == "done"
    assert run_in_transaction(db, lambda root: root.title) == "desk"


def test_the_zodb_root_itself_with_no_root_key(db):
    assert run_in_transaction(db, lambda zodb_root: ZODB_ROOT_KEY in zodb_root, root_key=None)


def test_a_conflict_runs_the_function_again_and_other_errors_do_not(db):
    calls = []

    def conflicting(root):
        calls.append(1)
        if len(calls) < 3:
            raise ConflictError()
        root.title = "third time"

    run_in_transaction(db, conflicting, attempts=3)
    assert len(calls) == 3
    assert run_in_transaction(db, lambda root: root.title) == "third time"

    def broken(root):
        calls.append(1)
        raise ValueError("a bug")

    calls.clear()
    with pytest.raises(ValueError):
        run_in_transaction(db, broken, attempts=3)
    assert len(calls) == 1


def test_the_last_conflict_is_raised_and_nothing_is_committed(db):
    def always(root):
        root.title = "never"
        raise ConflictError()

    with pytest.raises(ConflictError):
        run_in_transaction(db, always, attempts=2)
    assert run_in_transaction(db, lambda root: getattr(root, "title", None)) != "never"


def test_run_attempts_uses_the_given_transaction_manager(db):
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    try:
        run_attempts(tm, lambda: setattr(conn.root()[ZODB_ROOT_KEY], "title", "mine"))
    finally:
        conn.close()
    assert run_in_transaction(db, lambda root: root.title) == "mine"
