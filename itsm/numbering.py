"""Human ticket numbers such as ``INC-000123``, one small counter object per ticket type.

``BTrees.Length`` is not used here on purpose: it resolves concurrent increments by adding them
up, so two transactions can both read 41 and both hand out 42. A plain persistent counter makes
concurrent creators conflict on this one small object; the loser is retried by pyramid_retry (or
the job's retry loop) and reads the new value. The conflict stays on the counter, away from the
containers and the root.
"""

from __future__ import annotations

from BTrees.OOBTree import OOBTree
from persistent import Persistent

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
