"""The worker lease: one process at a time runs the timers (PITFALLS, "Scheduler")."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from itsm.worker.jobs import Job
from itsm.worker.scheduler import JobFailure, Worker


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Runs:
    """A job that counts which worker ran it."""

    def __init__(self) -> None:
        self.by = Counter()
        self.changed = threading.Condition()

    def job(self, name: str = "count", seconds: float = 60) -> Job:
        def count(ctx):
            with self.changed:
                self.by[ctx.worker_name] += 1
                self.changed.notify_all()
            return f"run {sum(self.by.values())}"

        return Job(name, count, seconds)

    def wait_for(self, total: int, timeout: float = 10) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: sum(self.by.values()) >= total, timeout), self.by


def worker(app, name, clock=None, lease_seconds=60, jobs=()):
    """A Worker on the app's database; its job context knows the worker's name."""
    registry = SimpleNamespace(
        itsm_settings=app.registry.itsm_settings, itsm_jobs={job.name: job for job in jobs}
    )
    made = Worker(registry, app.db, lease_seconds=lease_seconds, now=clock)
    made.ctx.worker_name = name
    return made


@pytest.fixture
def clock():
    return Clock()


def lease_of(app):
    return app.read(lambda root: (root.worker_lease.holder, root.worker_lease.expires))


def test_only_the_lease_holder_runs_jobs(app, clock):
    runs = Runs()
    job = runs.job()
    first, second = worker(app, "first", clock), worker(app, "second", clock)

    assert first.renew_lease() is True
    assert second.renew_lease() is False
    assert first.run_job(job) == "run 1"
    assert second.run_job(job) is None
    assert runs.by == {"first": 1}
    assert lease_of(app) == (first.me, clock.now + timedelta(seconds=60))


def test_renewing_keeps_the_lease(app, clock):
    first, second = worker(app, "first", clock), worker(app, "second", clock)
    first.renew_lease()
    clock.advance(40)
    assert first.renew_lease() is True
    clock.advance(40)  # 80 s after taking it, 40 s after renewing it
    assert second.renew_lease() is False
    assert first.holds_lease()


def test_second_worker_takes_over_when_the_first_stops_renewing(app, clock):
    runs = Runs()
    job = runs.job()
    first, second = worker(app, "first", clock), worker(app, "second", clock)
    first.renew_lease()

    # The holder stops running jobs a little before its lease ends in the database, so the
    # two never overlap: for a moment nobody runs them.
    clock.advance(50)
    assert not first.holds_lease() and first.run_job(job) is None
    assert second.renew_lease() is False and second.run_job(job) is None

    clock.advance(11)  # the stored lease has expired
    assert second.renew_lease() is True
    assert first.renew_lease() is False
    assert second.run_job(job) == "run 1"
    assert first.run_job(job) is None
    assert runs.by == {"second": 1}


def test_a_released_lease_is_taken_at_once(app, clock):
    first, second = worker(app, "first", clock), worker(app, "second", clock)
    first.renew_lease()
    first.release_lease()
    assert not first.holds_lease()
    assert second.renew_lease() is True
    assert lease_of(app)[0] == second.me


def test_run_all_once_reports_results_and_failures(app, clock):
    runs = Runs()

    def boom(ctx):
        raise RuntimeError("the directory does not answer")

    jobs = (runs.job("count"), Job("boom", boom, 60), Job("idle", lambda ctx: None, 60))
    first = worker(app, "first", clock, jobs=jobs)
    second = worker(app, "second", clock, jobs=jobs)

    results = first.run_all_once()
    assert results["count"] == "run 1" and results["idle"] is None
    assert results["boom"] == JobFailure("RuntimeError: the directory does not answer")
    assert second.run_all_once() is None
    assert runs.by == {"first": 1}


def test_two_running_schedulers_run_each_turn_in_one_worker_only(app):
    runs = Runs()
    jobs = (runs.job("count", seconds=0.2),)
    first = worker(app, "first", jobs=jobs)
    second = worker(app, "second", jobs=jobs)
    first.start()
    second.start()
    try:
        runs.wait_for(4)
    finally:
        first.stop()
        second.stop()
    assert len(runs.by) == 1, runs.by
    assert lease_of(app) == (None, None)  # stopping releases the lease
