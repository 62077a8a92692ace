"""The timers: APScheduler in one process at a time, guarded by the lease in ZODB.

The same :class:`Worker` runs embedded in pserve (``itsm.scheduler = embedded``, development)
and in ``itsm-worker`` (production). Jobs run only while this process holds the lease; jobs
compute from stored data, so a worker that was down catches up once and never twice.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from itsm.db import run_in_transaction
from itsm.worker.jobs import Job, JobContext, registered_jobs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobFailure:
    """What :meth:`Worker.run_job` returns when the job raised (the traceback is logged)."""

    error: str

    def __str__(self) -> str:
        return f"failed ({self.error}); see the log"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Worker:
    """Renews the lease and runs the registered jobs while it holds it."""

    def __init__(
        self,
        registry: Any,
        db: Any,
        lease_seconds: float | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.registry = registry
        self.db = db
        self.me = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.lease_seconds = lease_seconds or registry.itsm_settings.worker_lease_seconds
        self.now = now or _utcnow
        self.ctx = JobContext(registry, db, now=self.now)
        self._held_until: datetime | None = None
        self._waiting_logged = False
        self._lock = threading.Lock()
        # Held for a whole renewal, so stop() cannot release the lease while a renewal in
        # another thread is about to write it again.
        self._renewing = threading.Lock()
        self._stopping = False
        self.scheduler: Any = None

    # -- the lease --------------------------------------------------------------------------
    def renew_lease(self) -> bool:
        """Take or renew the lease in the database; True while this worker holds it."""
        with self._renewing:
            if self._stopping:
                return False
            return self._renew()

    def _renew(self) -> bool:
        now = self.now()

        def take(root: Any) -> tuple[bool, str | None]:
            lease = root.worker_lease
            return lease.take(self.me, now, self.lease_seconds), lease.holder

        try:
            held, holder = run_in_transaction(self.db, take)
        except Exception:
            log.exception("worker: could not renew the lease")
            held, holder = False, None
        with self._lock:
            # Not self.holds_lease(): it takes this same (non-reentrant) lock.
            was = self._held_until is not None and now < self._held_until
            # Stop a little before the stored expiry, so two holders never overlap.
            self._held_until = now + timedelta(seconds=self.lease_seconds * 0.8) if held else None
            report_wait = not held and (was or not self._waiting_logged)
            self._waiting_logged = not held
        if held and not was:
            log.info("worker %s holds the lease; timers run here", self.me)
        elif report_wait:
            log.info("worker %s waits: the timers run in %s", self.me, holder)
        return held

    def holds_lease(self) -> bool:
        with self._lock:
            return self._held_until is not None and self.now() < self._held_until

    def release_lease(self) -> None:
        try:
            run_in_transaction(self.db, lambda root: root.worker_lease.release(self.me))
        except Exception:
            log.exception("worker: could not release the lease")
        with self._lock:
            self._held_until = None

    # -- jobs -------------------------------------------------------------------------------
    def run_job(self, job: Job) -> Any:
        """Run ``job`` if this worker holds the lease: its result, None when not run, or a
        :class:`JobFailure` when it raised."""
        if not self.holds_lease():
            return None
        try:
            result = job.func(self.ctx)
        except Exception as exc:
            log.exception("job %s failed; it runs again at its next turn", job.name)
            return JobFailure(f"{type(exc).__name__}: {exc}")
        if result:
            log.info("job %s: %s", job.name, result)
        return result

    def run_all_once(self) -> dict[str, Any] | None:
        """Take the lease and run every job once (itsm-worker --once, tests); None when
        another worker holds the lease."""
        if not self.renew_lease():
            return None
        return {job.name: self.run_job(job) for job in registered_jobs(self.registry)}

    def start(self, blocking: bool = False) -> None:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.schedulers.blocking import BlockingScheduler

        self._stopping = False
        cls = BlockingScheduler if blocking else BackgroundScheduler
        executors = {"default": ThreadPoolExecutor(2)}
        waiting = [job for job in registered_jobs(self.registry) if job.waits]
        if waiting:
            executors["waiting"] = ThreadPoolExecutor(len(waiting))
        self.scheduler = cls(
            timezone=UTC,
            executors=executors,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
        )
        now = _utcnow()
        renew = max(1.0, self.lease_seconds / 4)
        self.scheduler.add_job(
            self.renew_lease, "interval", seconds=renew, id="lease", next_run_time=now
        )
        for index, job in enumerate(registered_jobs(self.registry)):
            self.scheduler.add_job(
                self.run_job,
                "interval",
                args=(job,),
                seconds=job.seconds,
                id=job.name,
                next_run_time=now + timedelta(seconds=2 + index),
                executor="waiting" if job.waits else "default",
            )
        log.info("timers: %s", ", ".join(j.name for j in registered_jobs(self.registry)))
        self.scheduler.start()

    def stop(self) -> None:
        """Stop the timers and release the lease, so another worker takes over at once."""
        with self._renewing:
            self._stopping = True
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.release_lease()


def start_embedded(registry: Any, db: Any) -> Worker:
    """Timers inside the web process (development): a background scheduler."""
    import atexit

    worker = Worker(registry, db)
    worker.start(blocking=False)
    registry.itsm_worker = worker
    atexit.register(worker.stop)
    return worker
