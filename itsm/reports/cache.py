"""A process-wide cache of day and month summaries, shared by the web threads.

Each waitress thread has its own ZODB connection and object cache, so without this every thread
would unpickle the same summaries. A stored summary never changes for a given version (a new
version is a new entry), so entries keyed by (store, day or month, version) can be shared
read-only and never go stale; the oldest are dropped past ``size``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class SummaryCache:
    def __init__(self, size: int = 400) -> None:
        self.size = size
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
