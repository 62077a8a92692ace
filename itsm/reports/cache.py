"""A process-wide cache of day and month summaries, shared by the web threads.

Each waitress thread has its own ZODB connection and object cache, so without this every thread
would unpickle the same summaries. A stored summary never changes for a given version (a new
version is a new entry), so entries keyed by (store, day or month, version) can be shared
read-only and never go stale. The cache is bounded by the estimated memory of its entries
(``max_bytes``, from ``itsm.reports.cache_mib``) and, optionally, by their number (``size``):
the least recently used are dropped past either bound.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class SummaryCache:
    def __init__(self, size: int | None = None, max_bytes: int | None = None) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[tuple, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: tuple) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[0]

    def discard(self, key: tuple) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= old[1]

    def put(self, key: tuple, value: Any, nbytes: int = 0) -> None:
        """Keep ``value`` under ``key``; ``nbytes`` is its estimated size in memory. A value
        larger than the whole bound is not kept."""
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            if self.max_bytes is not None and nbytes > self.max_bytes:
                return
            self._items[key] = (value, nbytes)
            self.bytes += nbytes
            while self._items and (
                (self.size is not None and len(self._items) > self.size)
                or (self.max_bytes is not None and self.bytes > self.max_bytes)
            ):
                _key, (_value, dropped) = self._items.popitem(last=False)
                self.bytes -= dropped
