"""The ZODB database of this process, and work in transactions of its own.

Requests run in pyramid_tm's transaction. Everything else that writes (worker jobs, number
counters, the tree at start-up, admin commands) runs here: its own connection, its own
``TransactionManager(explicit=True)``, the whole function retried on a conflict
(ARCHITECTURE, "Rules of the house").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import transaction

log = logging.getLogger(__name__)

#: The key of the ServiceDesk in the ZODB root mapping.
ZODB_ROOT_KEY = "itsm"

T = TypeVar("T")


def get_db(registry: Any) -> Any:
    """The ZODB ``DB`` opened by pyramid_zodbconn from ``zodbconn.uri``.

    pyramid_zodbconn keeps its databases in ``registry._zodb_databases``; this is the one place
    that relies on it.
    """
    return registry._zodb_databases[""]


def run_attempts(tm: transaction.TransactionManager, func: Callable[[], T], attempts: int = 3) -> T:
    """Run ``func()`` in a transaction of ``tm`` and commit; on a conflict (or another error
    the transaction package calls retryable) abort and run it again, at most ``attempts``
    times. The last failure is raised."""
    result: Any = None
    for number, attempt in enumerate(tm.attempts(attempts), 1):
        if number > 1:
            # The previous attempt hit a conflict (or another retryable error). Logged so that
            # conflict rates can be measured (bench/reliability counts these lines beside
            # pyramid_retry's).
            log.info("conflict in a transaction of its own, attempt %d", number)
        with attempt:
            result = func()
    return result


def run_in_transaction(
    db_or_registry: Any,
    func: Callable[[Any], T],
    attempts: int = 3,
    *,
    root_key: str | None = ZODB_ROOT_KEY,
) -> T:
    """Run ``func(root)`` on a connection of its own, in transactions of its own, retried on
    conflicts (:func:`run_attempts`); its result.

    ``db_or_registry`` is a ZODB ``DB`` or the app's registry. ``root`` is the ServiceDesk, or
    with ``root_key=None`` the ZODB root mapping itself (to create the ServiceDesk).
    """
    db = db_or_registry if hasattr(db_or_registry, "open") else get_db(db_or_registry)
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    try:

        def run() -> T:
            zodb_root = conn.root()
            return func(zodb_root if root_key is None else zodb_root[root_key])

        return run_attempts(tm, run, attempts)
    finally:
        conn.close()
