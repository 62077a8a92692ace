"""Acting on many tickets at once: batches of 100, one transaction each, one outcome per ticket.

A bulk action must not be one huge transaction (a conflict would redo everything, and a long
commit blocks everyone), nor a commit per ticket. Each batch runs on a connection of its own
(:func:`itsm.db.run_in_transaction`, retried on conflicts); inside it each ticket gets a
savepoint, so a ticket whose action is refused is rolled back alone and the others go on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from itsm.db import run_in_transaction
from itsm.tickets.workflow import TransitionError

BATCH = 100
#: At most this many tickets in one bulk action ("all N matching" included).
MAX_TICKETS = 5000


@dataclass
class Outcome:
    """What happened to one ticket: done (with what changed) or refused (with why)."""

    number: str
    done: bool
    message: Any = ""
    changed: list[str] = field(default_factory=list)
    details: list[Any] = field(default_factory=list)  # a refusal's messages per field


def batches(numbers: Sequence[str], size: int = BATCH) -> Iterable[Sequence[str]]:
    for start in range(0, len(numbers), size):
        yield numbers[start : start + size]


def run_bulk(
    registry: Any,
    numbers: Iterable[str],
    act: Callable[[Any, str], Outcome],
    size: int = BATCH,
) -> list[Outcome]:
    """``act(root, number)`` for each number, ``size`` per transaction. ``act`` raises a
    :class:`TransitionError` to refuse a ticket: its changes are rolled back to the ticket's
    savepoint and the refusal is its outcome."""
    wanted = list(dict.fromkeys(numbers))[:MAX_TICKETS]
    outcomes: list[Outcome] = []
    for batch in batches(wanted, size):

        def run(root: Any, batch: Sequence[str] = batch) -> list[Outcome]:
            done: list[Outcome] = []
            tm = root._p_jar.transaction_manager
            for number in batch:
                savepoint = tm.savepoint()
                try:
                    done.append(act(root, number))
                except TransitionError as error:
                    savepoint.rollback()
                    details = list(error.fields.values())
                    done.append(Outcome(number, False, error.message, details=details))
            return done

        outcomes += run_in_transaction(registry, run)
    return outcomes
