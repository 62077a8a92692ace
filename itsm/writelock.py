"""One writing request at a time per process; reads stay parallel.

Why: a ticket creation writes the container, the catalog's shared index trees and the docid
map. On a young database those trees are one or two buckets, which BTrees cannot merge once a
writer splits a bucket, so 8 people reporting at the same second conflicted again and again,
and some requests failed even after 5 attempts (measured with the 8-thread test). The lock is
taken before pyramid_tm begins the transaction, so every writer starts from the snapshot the
previous one committed; within a process writes no longer conflict at all. Between processes
(ZEO, RelStorage) conflicts remain possible and pyramid_retry runs the request again.

Writes take milliseconds and the GIL already keeps one thread busy at a time, so the cost is
small; GET and HEAD never wait.

Requests that spend their time waiting for the directory (logging in, asking for a password
reset) do not take the lock (``config.add_write_lock_exemption(path)``): while the directory
hangs each of them waits for its timeout, and holding the lock meanwhile made them queue one
behind the other and every other write behind them, until all of waitress's threads were
stuck (R10 measured 12 logins taking 24 s instead of 2 x 2 s, with logged-in people's
changes waiting behind them). Their own writes are small; a conflict is retried.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Seconds a writer waits before going ahead anyway (a conflict is then retried as before).
WAIT = 30.0


def write_lock_tween_factory(handler: Callable, registry: Any) -> Callable:
    lock = threading.Lock()
    # Filled by add_write_lock_exemption while the app is configured; read-only afterwards.
    exempt: set[str] = registry.itsm_write_lock_exemptions

    def tween(request: Any) -> Any:
        if request.method in SAFE_METHODS or request.path_info in exempt:
            return handler(request)
        acquired = lock.acquire(timeout=WAIT)
        if not acquired:
            log.warning("write lock not free after %ss: %s %s", WAIT, request.method, request.path)
        try:
            return handler(request)
        finally:
            if acquired:
                lock.release()

    return tween


def add_write_lock_exemption(config: Any, path: str) -> None:
    """Let writing requests to ``path`` (exactly) run without the write lock: views that mostly
    wait for an outside service (the directory) and write little."""
    config.registry.itsm_write_lock_exemptions.add(path)


def includeme(config: Any) -> None:
    config.registry.itsm_write_lock_exemptions = set()
    config.add_directive("add_write_lock_exemption", add_write_lock_exemption)
    config.add_tween("itsm.writelock.write_lock_tween_factory", over="pyramid_tm.tm_tween_factory")
