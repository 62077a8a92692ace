"""Job registration and the transaction a job runs in.

Domain packages register their timers in ``includeme`` with ``config.add_itsm_job(name, func,
seconds)``; ``func(ctx)`` gets a :class:`JobContext` and opens its own transactions through
``ctx.transact(fn)``, each retried on conflict (ARCHITECTURE, "Rules of the house").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from itsm.db import run_in_transaction

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[JobContext], Any]
    seconds: float
    #: The job waits on the network for long (a Telegram long poll): it gets a thread of its
    #: own, so it never holds one the other jobs and the lease renewal need.
    waits: bool = False


class JobContext:
    """What a job needs: settings, the database, the time, and retried transactions."""

    def __init__(self, registry: Any, db: Any, now: Callable[[], datetime] | None = None) -> None:
        self.registry = registry
        self.db = db
        self.settings = registry.itsm_settings
        self._now = now or (lambda: datetime.now(UTC))

    def now(self) -> datetime:
        return self._now()

    def transact(self, func: Callable[[Any], T], attempts: int = 3) -> T:
        """Run ``func(root)`` in its own connection and transaction, retried on conflicts."""
        return run_in_transaction(self.db, func, attempts)


def registered_jobs(registry: Any) -> list[Job]:
    return list(getattr(registry, "itsm_jobs", {}).values())


def add_itsm_job(
    config: Any,
    name: str,
    func: Callable[[JobContext], Any],
    seconds: float,
    waits: bool = False,
) -> None:
    """Configurator directive: run ``func`` every ``seconds`` in the worker (``waits``: it
    blocks on the network for long, see :attr:`Job.waits`)."""
    config.registry.itsm_jobs[name] = Job(name, func, seconds, waits)
