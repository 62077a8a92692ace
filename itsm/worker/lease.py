"""The worker lease: one process at a time runs the timers.

Two ``itsm-worker`` processes started by mistake (or pserve with embedded timers next to a
worker) would send every mail twice (apscheduler#160). Each process renews a lease stored in
ZODB; only the holder runs jobs. Concurrent renewals conflict on this one small object and the
loser, retried, sees the other holder.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from persistent import Persistent


class Lease(Persistent):
    holder: str | None = None
    expires: datetime | None = None
    acquired: datetime | None = None

    def held_by_other(self, me: str, now: datetime) -> bool:
        return self.holder not in (None, me) and self.expires is not None and self.expires > now

    def take(self, me: str, now: datetime, ttl: float) -> bool:
        """Take or renew the lease for ``ttl`` seconds; False when someone else holds it."""
        if self.held_by_other(me, now):
            return False
        if self.holder != me:
            self.holder = me
            self.acquired = now
        self.expires = now + timedelta(seconds=ttl)
        return True

    def release(self, me: str) -> bool:
        if self.holder != me:
            return False
        self.holder = None
        self.expires = None
        return True
