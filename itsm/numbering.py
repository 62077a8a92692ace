"""Human ticket numbers such as ``INC-000123``, one small counter object per ticket type.

``BTrees.Length`` is not used here on purpose: it resolves concurrent increments by adding them
up, so two transactions can both read 41 and both hand out 42. A plain persistent counter makes
concurrent creators conflict on this one small object, and the loser is retried.

:func:`allocate_number` takes the number in a transaction of its own, on a connection of its
own, committed at once (like a database sequence). Its conflict window is a few milliseconds
instead of a whole request, so 8 or 32 concurrent creators do not exhaust the request's retries
(measured: with the counter inside the request, 8 threads creating at once failed some
requests after 3 attempts). The price is a gap in the numbers when the creating request fails
later, which ITIL tools accept (a number is an identifier, not a count).
"""

from __future__ import annotations

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


def allocate_number(db: object, kind: str, attempts: int = 20) -> str:
    """Take the next number for ``kind`` in a short transaction of its own (see above)."""
    return run_in_transaction(db, lambda root: next_number(root.counters, kind), attempts)


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
