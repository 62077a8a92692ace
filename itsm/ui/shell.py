"""Rendered page shells, kept per page and reader until the next write to the database.

A list page is mostly the same HTML on every request: the layout, the navigation, the
filter form with its agents, groups and categories, the bulk bar, the saved-view tabs. Only a
few pieces differ between two requests of the same reader for the same address: the rows,
the tabs' counts, the session's CSRF token. :class:`ShellCache` keeps the page rendered once
with *slots* (random marker words) in place of those pieces, cut into its static parts, and a
request only joins the parts with its own pieces.

Never stale after a write: every shell is stored with the transaction id of the database
snapshot it was rendered from (:func:`snapshot_of`), and a lookup from a request whose
snapshot differs renders the page again. Every commit, by any process, moves the snapshot
of the connections opened after it, so whatever a write changed (a new agent, a saved view,
a person's roles or name, the settings) is in the next page. Requests whose connection holds
changes not committed yet, or whose storage does not tell its snapshot, are not cached.
What else a shell depends on is in its key: the host, the path and query string, the
language, the reader's login and the values the caller adds (the result count, ...).
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

#: Shells kept per process (least recently used go first); one is some 30 KiB.
MAX_SHELLS = 512


def snapshot_of(request: Any) -> bytes | None:
    """The id that tells the database state the request reads: its ZODB connection's
    snapshot (the first transaction id it does not see). None when it cannot be told, or when
    the connection has changes of its own not committed yet."""
    from pyramid_zodbconn import get_connection

    conn = get_connection(request)
    if getattr(conn, "_registered_objects", None):
        return None
    storage = getattr(conn, "_storage", None)
    start = getattr(storage, "_start", None)  # FileStorage and ZEO, through ZODB's MVCC adapter
    if isinstance(start, bytes):
        return start
    # RelStorage is its own MVCC storage: the newest transaction its poll at the start of this
    # transaction (or its own last commit) made visible.
    visible = getattr(storage, "highest_visible_tid", None)
    if isinstance(visible, int) and visible > 0:
        return visible.to_bytes(8, "big")
    return None


@dataclass(frozen=True)
class Shell:
    """A rendered page cut at its slots: ``parts[0] slot[0] parts[1] slot[1] ... parts[-1]``."""

    parts: tuple[str, ...]
    slots: tuple[str, ...]

    def fill(self, values: Mapping[str, str]) -> str:
        """The page with each slot's value (already HTML: escape text before)."""
        out = [self.parts[0]]
        for slot, part in zip(self.slots, self.parts[1:], strict=True):
            out.append(values[slot])
            out.append(part)
        return "".join(out)


class ShellCache:
    """Shells by key, each with the snapshot it was rendered from (thread-safe)."""

    def __init__(self, size: int = MAX_SHELLS) -> None:
        self.size = size
        self.nonce = secrets.token_hex(8)
        self._slot = re.compile(rf"itsmslot{self.nonce}x([a-z0-9_]+)x")
        self._shells: OrderedDict[Hashable, tuple[bytes, Shell]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def slot(self, name: str) -> str:
        """The marker put in the page where ``name``'s value goes (letters and digits only,
        so escaping leaves it whole; the per-process nonce keeps user text from forging
        one)."""
        return f"itsmslot{self.nonce}x{name}x"

    def get(self, request: Any, key: Hashable, render: Callable[[], str]) -> Shell:
        """The shell of ``key`` for the request's snapshot, rendered by ``render()`` (the page
        with :meth:`slot` markers) when missing or older."""
        snapshot = snapshot_of(request)
        full = (request.host_url, request.path_qs, request.locale_name, key)
        if snapshot is not None:
            with self._lock:
                found = self._shells.get(full)
                if found is not None and found[0] == snapshot:
                    self._shells.move_to_end(full)
                    self.hits += 1
                    return found[1]
        shell = self._cut(render())
        if snapshot is not None:
            with self._lock:
                self.misses += 1
                self._shells[full] = (snapshot, shell)
                self._shells.move_to_end(full)
                while len(self._shells) > self.size:
                    self._shells.popitem(last=False)
        return shell

    def _cut(self, html: str) -> Shell:
        pieces = self._slot.split(html)
        return Shell(tuple(pieces[0::2]), tuple(pieces[1::2]))

    def clear(self) -> None:
        with self._lock:
            self._shells.clear()


class KeptValues:
    """Values by key, each valid for one version (a snapshot and an object's serial, say);
    the least recently used go first (thread-safe)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: Hashable) -> Any:
        """The value kept for ``key`` at ``version``, else None."""
        with self._lock:
            found = self._values.get(key)
            if found is None or found[0] != version:
                return None
            self._values.move_to_end(key)
            return found[1]

    def put(self, key: Hashable, version: Hashable, value: Any) -> None:
        with self._lock:
            self._values[key] = (version, value)
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)


_create_lock = threading.Lock()


def _app_cache(request: Any, attribute: str, name: str, make: Callable[[], Any]) -> Any:
    """The cache called ``name`` in the registry's dict ``attribute`` (one per app: an app is
    one database and one set of settings, both of which a kept page depends on), made by
    ``make`` the first time."""
    registry = request.registry
    caches = getattr(registry, attribute, None)
    if caches is None:
        with _create_lock:
            caches = getattr(registry, attribute, None)
            if caches is None:
                caches = {}
                setattr(registry, attribute, caches)
    cache = caches.get(name)
    if cache is None:
        with _create_lock:
            cache = caches.get(name)
            if cache is None:
                cache = caches[name] = make()
    return cache


def kept_values(request: Any, name: str, size: int) -> KeptValues:
    """The app's :class:`KeptValues` called ``name`` (made with ``size`` the first time)."""
    return _app_cache(request, "itsm_kept", name, lambda: KeptValues(size))


def shells(request: Any, name: str) -> ShellCache:
    """The app's cache of shells called ``name``."""
    return _app_cache(request, "itsm_shells", name, ShellCache)
