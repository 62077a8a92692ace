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
from datetime import UTC, datetime, timedelta
from typing import Any

from itsm.worker.jobs import Job, JobContext, registered_jobs, run_in_transaction

log = logging.getLogger(__name__)


class Worker:
    """Renews the lease and runs the registered jobs while it holds it."""

    def __init__(self, registry: Any, db: Any, lease_seconds: float | None = None) -> None:
        self.registry = registry
        self.db = db
        self.me = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.lease_seconds = lease_seconds or registry.itsm_settings.worker_lease_seconds
        self.ctx = JobContext(registry, db)
        self._held_until: datetime | None = None
        self._lock = threading.Lock()
        self.scheduler: Any = None

    # -- the lease --------------------------------------------------------------------------
    def renew_lease(self) -> bool:
        now = datetime.now(UTC)

        def take(root: Any) -> tuple[bool, str | None]:
            return root.worker_lease.take(
                self.me, now, self.lease_seconds
            ), root.worker_lease.holder

        try:
            held, holder = run_in_transaction(self.db, take)
        except Exception:
            log.exception("worker: could not renew the lease")
            held, holder = False, None
        with self._lock:
            was = self.holds_lease()
            # Stop a little before the stored expiry, so two holders never overlap.
            self._held_until = now + timedelta(seconds=self.lease_seconds * 0.8) if held else None
        if held and not was:
            log.info("worker %s holds the lease; timers run here", self.me)
        elif not held and was is not False:
            log.info("worker %s waits: the timers run in %s", self.me, holder)
        return held

    def holds_lease(self) -> bool:
        with self._lock:
            return self._held_until is not None and datetime.now(UTC) < self._held_until

    def release_lease(self) -> None:
        try:
            run_in_transaction(self.db, lambda root: root.worker_lease.release(self.me))
        except Exception:
            log.exception("worker: could not release the lease")
        with self._lock:
            self._held_until = None

    # -- jobs -------------------------------------------------------------------------------
    def run_job(self, job: Job) -> Any:
        if not self.holds_lease():
            return None
        try:
            result = job.func(self.ctx)
        except Exception:
            log.exception("job %s failed; it runs again at its next turn", job.name)
            return None
        if result:
            log.info("job %s: %s", job.name, result)
        return result

    def run_all_once(self) -> dict[str, Any]:
        """Take the lease and run every job once (itsm-worker --once, tests)."""
        if not self.renew_lease():
            return {}
        return {job.name: self.run_job(job) for job in registered_jobs(self.registry)}

    def start(self, blocking: bool = False) -> None:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.schedulers.blocking import BlockingScheduler

        cls = BlockingScheduler if blocking else BackgroundScheduler
        self.scheduler = cls(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(2)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
        )
        now = datetime.now(UTC)
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
            )
        log.info("timers: %s", ", ".join(j.name for j in registered_jobs(self.registry)))
        self.scheduler.start()

    def stop(self) -> None:
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
