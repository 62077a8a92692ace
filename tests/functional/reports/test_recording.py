"""Facts are recorded at commit; the worker's roll-up stores day summaries and repairs facts."""

from __future__ import annotations

from itsm.reports.jobs import rollup_job
from itsm.worker.jobs import JobContext

DONE = {"resolution_code": "fixed", "resolution": "Replaced the cable"}


def resolved_this_week(api) -> int:
    body = api("agent").get("/api/v1/reports/resolution", period="week", by="priority").json
    return sum(row["tickets"] for row in body["tables"][0]["rows"])


def resolve_one(api, title="Printer is broken"):
    number = api("employee").report(title)["number"]
    api("agent").fire(number, "resolve", **DONE)
    return number


def facts_of(app, number):
    return app.read(lambda root: root.reports.get(number))


def test_a_resolution_counts_at_once_without_the_worker(app, api):
    number = resolve_one(api)
    assert facts_of(app, number).resolved_at is not None
    assert resolved_this_week(api) == 1


def test_the_worker_stores_summaries_and_a_young_summary_may_be_shown(app, api):
    resolve_one(api)
    ctx = JobContext(app.registry, app.db)
    assert "day(s) summarised" in rollup_job(ctx)
    assert app.read(lambda root: len(root.reports.summaries)) >= 1
    resolve_one(api, "Scanner jams")
    # The stored summary is behind by one resolution but younger than max_age_minutes (5).
    assert resolved_this_week(api) == 1
    rollup_job(ctx)
    assert resolved_this_week(api) == 2
    assert rollup_job(ctx) is None  # nothing left to do


def test_with_max_age_zero_figures_are_always_exact(make_app):
    from tests.functional.incidents.conftest import ApiClient

    app = make_app(**{"itsm.reports.max_age_minutes": "0"})
    clients = {}

    def api(login):
        return clients.setdefault(login, ApiClient(app, login))

    resolve_one(api)
    rollup_job(JobContext(app.registry, app.db))
    resolve_one(api, "Scanner jams")
    assert resolved_this_week(api) == 2


def test_changes_without_a_transition_are_repaired_by_the_worker(app, api):
    number = resolve_one(api)
    assert facts_of(app, number).category != "network"
    api("agent").patch(f"/api/v1/incidents/{number}", {"category": "network"}, status=200)
    rollup_job(JobContext(app.registry, app.db))
    assert facts_of(app, number).category == "network"


def test_a_rating_reaches_the_facts_through_the_repair(app, api):
    number = resolve_one(api)
    api("employee").post(
        f"/api/v1/incidents/{number}/satisfaction", {"score": 4, "comment": "ok"}, status=201
    )
    rollup_job(JobContext(app.registry, app.db))
    assert facts_of(app, number).csat == 4


def test_rebuilding_from_the_tickets_gives_the_same_facts(app, api):
    from datetime import UTC, datetime

    from itsm.reports.recording import rebuild

    number = resolve_one(api)
    before = facts_of(app, number)
    app.write(lambda root: rebuild(root, "Europe/Moscow", datetime.now(UTC)))
    assert facts_of(app, number) == before
