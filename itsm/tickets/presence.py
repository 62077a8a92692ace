"""Who has a ticket open right now: kept in this process's memory, never in ZODB.

Opening a ticket must not commit (RELIABILITY R5: no GET writes), so "who is looking" lives
in a small in-memory table with a short life (:data:`WINDOW` seconds). The limit: with several
web processes (ZEO, RelStorage), each knows only the people its own requests saw; a notice may
then miss someone, which is why a stale save is also refused by the ticket's version
(:func:`version_of`), which every process shares through the database.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: Seconds a look or an edit counts as "now".
WINDOW = 60.0
#: At most this many tickets are remembered (the oldest looks are forgotten first).
MAX_TICKETS = 5000


@dataclass(frozen=True)
class Seen:
    """Someone who had the ticket open: their login, when (POSIX time), and whether they were
    typing in one of its forms."""

    login: str
    at: float
    editing: bool


class Presence:
    """``registry.itsm_presence``: ticket number → login → the last :class:`Seen`."""

    def __init__(self, window: float = WINDOW) -> None:
        self.window = window
        self._lock = threading.Lock()
        self._seen: dict[str, dict[str, Seen]] = {}

    def touch(
        self, number: str, login: str, editing: bool = False, now: float | None = None
    ) -> None:
        """``login`` has ``number`` open now (and is typing, with ``editing``)."""
        now = time.time() if now is None else now
        with self._lock:
            people = self._seen.pop(number, {})
            previous = people.get(login)
            # An edit stays an edit for the window, even when the next look is a plain one.
            keep_editing = (
                previous is not None and previous.editing and now - previous.at < self.window
            )
            people[login] = Seen(login, now, editing or keep_editing)
            self._seen[number] = people  # re-inserted: the dict keeps the newest last
            while len(self._seen) > MAX_TICKETS:
                self._seen.pop(next(iter(self._seen)))

    def others(self, number: str, login: str | None, now: float | None = None) -> list[Seen]:
        """The people other than ``login`` who had ``number`` open within the window."""
        now = time.time() if now is None else now
        with self._lock:
            people = self._seen.get(number, {})
            fresh = [s for s in people.values() if now - s.at < self.window and s.login != login]
        return sorted(fresh, key=lambda s: (not s.editing, -s.at))

    def leave(self, number: str, login: str) -> None:
        with self._lock:
            self._seen.get(number, {}).pop(login, None)


def version_of(ticket: Any) -> str:
    """The ticket's version: its ``updated`` time in microseconds (the UI's hidden ``version``
    field and the API's ETag)."""
    updated: datetime | None = ticket.updated or ticket.created
    return str(int(updated.timestamp() * 1_000_000)) if updated is not None else "0"


def etag_of(ticket: Any) -> str:
    """The ticket's strong ETag, quoted."""
    return f'"{version_of(ticket)}"'


def if_match_fails(header: str | None, ticket: Any) -> bool:
    """Whether an ``If-Match`` header names another version than the ticket's (no header or
    ``*``: no check, the save goes ahead)."""
    if not header or header.strip() == "*":
        return False
    wanted = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag_of(ticket) not in wanted
