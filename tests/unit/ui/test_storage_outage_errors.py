"""Which errors mean "the database is unavailable" (503) and which are conflicts that
pyramid_retry runs again (found by the R8 and R14 checks)."""

from __future__ import annotations

import psycopg2
import psycopg2.errors
from relstorage.adapters.interfaces import UnableToLockRowsToReadCurrentError
from ZEO.Exceptions import ClientDisconnected
from ZODB.POSException import ConflictError

from itsm.ui.views import _is_storage_outage


def caused_by(exc: BaseException, cause: BaseException) -> BaseException:
    exc.__cause__ = cause
    return exc


def test_a_lost_server_is_an_outage():
    assert _is_storage_outage(ClientDisconnected("gone"))
    assert _is_storage_outage(psycopg2.OperationalError("connection refused"))
    assert _is_storage_outage(caused_by(RuntimeError("wrapped"), psycopg2.InterfaceError("closed")))


def test_conflicts_and_lock_waits_are_retried_not_outages():
    assert not _is_storage_outage(ConflictError())
    lock = psycopg2.errors.LockNotAvailable("lock_not_available")
    assert not _is_storage_outage(caused_by(UnableToLockRowsToReadCurrentError("busy"), lock))
    assert not _is_storage_outage(lock)
    assert not _is_storage_outage(psycopg2.errors.SerializationFailure("retry"))
