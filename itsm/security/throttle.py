"""Slow down repeated failed logins for one login name.

Kept in process memory on purpose: counting failures in ZODB would turn every failed login into
a commit and a conflict source, and an attacker could use it to grow the database. With several
web processes each counts on its own, which still bounds guessing to N x processes attempts
per lock period. The throttle applies to the login *name*, existing or not, so it reveals
nothing about which accounts exist.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass
class _Entry:
    failures: int = 0
    first: float = 0.0
    locked_until: float = 0.0


class LoginThrottle:
    """After ``max_failures`` failures within ``window`` seconds, refuse for ``lock_seconds``."""

    def __init__(
        self, max_failures: int = 5, lock_seconds: int = 60, window: int = 900, clock=time.monotonic
    ) -> None:
        self.max_failures = max_failures
        self.lock_seconds = lock_seconds
        self.window = window
        self.clock = clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(login: str) -> str:
        return login.strip().casefold()

    def retry_after(self, login: str) -> int:
        """Seconds until ``login`` may try again; 0 when it may try now."""
        with self._lock:
            entry = self._entries.get(self._key(login))
            if entry is None:
                return 0
            left = entry.locked_until - self.clock()
            return max(0, int(left + 0.999))

    def failed(self, login: str) -> bool:
        """Record a failure; True when this failure locked the login."""
        now = self.clock()
        with self._lock:
            if len(self._entries) > 100_000:  # bound memory under a spray of random names
                self._entries.clear()
            entry = self._entries.setdefault(self._key(login), _Entry(first=now))
            if now - entry.first > self.window:
                entry.failures, entry.first = 0, now
            entry.failures += 1
            if entry.failures >= self.max_failures:
                entry.locked_until = now + self.lock_seconds
                entry.failures = 0
                entry.first = now
                return True
            return False

    def succeeded(self, login: str) -> None:
        with self._lock:
            self._entries.pop(self._key(login), None)
