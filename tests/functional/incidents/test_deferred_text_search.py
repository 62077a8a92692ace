"""The deferred text index through the app: a ticket is found by its words right after its
create and after its edit, before and after the worker's drain (itsm.search.textqueue)."""

from __future__ import annotations

from typing import Any

from itsm.search.catalog import TEXT_INDEX, text_drain_job
from itsm.worker.jobs import JobContext
from tests.conftest import logged_in


def numbers(api: Any, q: str) -> list[str]:
    return sorted(i["number"] for i in api("agent").get("/api/v1/incidents", q=q).json["items"])


def queued(app: Any) -> int:
    return app.read(lambda root: len(root.catalog[TEXT_INDEX].queue.entries()))


def test_found_right_after_create_and_reply_and_after_the_drain(app, api):
    employee = api("employee")
    number = employee.report("Plotter smears ink")["number"]
    assert queued(app) >= 1  # not in the Okapi index yet
    assert numbers(api, "plotters") == [number]  # the API search
    page = logged_in(app, "agent")
    listing = page.get("/incidents/", params={"queue": "all", "q": "plotter ink"})
    assert number in listing.text  # the page

    employee.post(
        f"/api/v1/incidents/{number}/journal", {"kind": "reply", "body": "Cyan toner"}, status=201
    )
    assert numbers(api, "cyan") == [number]  # the reply's words, still queued

    assert text_drain_job(JobContext(app.registry, app.db)) >= 1
    assert queued(app) == 0
    assert numbers(api, "plotters") == [number] and numbers(api, "cyan") == [number]
    assert text_drain_job(JobContext(app.registry, app.db)) == 0  # idempotent
    assert numbers(api, "plotter cyan") == [number]


def test_the_drain_job_is_registered_for_the_worker(app):
    from itsm.worker.jobs import registered_jobs

    jobs = {job.name: job for job in registered_jobs(app.registry)}
    assert jobs["search_text_drain"].seconds == 5
