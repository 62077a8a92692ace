"""Recurring requests created by the worker, once per due time, catching up once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from itsm.requests.recurring import recurring_job
from itsm.worker.jobs import JobContext


def run(app, moment):
    return recurring_job(JobContext(app.registry, app.db, now=lambda: moment))


def test_recurring_template_creates_requests_on_time_and_once(app, api):
    agent = api("agent")
    body = {
        "id": "daily-software",
        "item": "software-install",
        "fields": {"software": "Antivirus update"},
        "requester": "employee",
        "schedule": {"kind": "daily", "time": "09:00"},
    }
    created = agent.post("/api/v1/recurring", body, status=201).json
    due = datetime.fromisoformat(created["next_run"])
    assert run(app, due - timedelta(minutes=1)) is None
    first = run(app, due)
    assert first == "created REQ-000001"
    assert run(app, due + timedelta(hours=1)) is None  # once per due time
    # The worker was down for three days: one request when it comes back, not three.
    assert run(app, due + timedelta(days=3, hours=1)) == "created REQ-000002"
    assert run(app, due + timedelta(days=3, hours=2)) is None
    template = agent.get("/api/v1/recurring/daily-software").json
    assert [r["number"] for r in template["runs"]] == ["REQ-000002", "REQ-000001"]
    assert api("employee").request("REQ-000001")["status"] == "in_fulfilment"
    assert datetime.fromisoformat(template["next_run"]) > due + timedelta(days=3)


def test_recurring_templates_are_checked_and_for_staff_only(api):
    bad = {
        "id": "Bad Id",
        "item": "new-laptop",
        "fields": {"model": "gaming"},
        "requester": "nobody",
        "schedule": {"kind": "daily", "time": "nine"},
    }
    fields = api("agent").post("/api/v1/recurring", bad, status=400).json["error"]["fields"]
    assert {"id", "requester", "schedule.time", "model"} <= set(fields)
    api("employee").get("/api/v1/recurring", status=403)
    api("employee").post("/api/v1/recurring", bad, status=403)


def test_reading_recurring_templates_never_commits(app, api):
    agent = api("agent")
    before = app.db.lastTransaction()
    agent.get("/api/v1/recurring")
    assert app.db.lastTransaction() == before


def test_a_draft_left_for_three_days_gets_one_reminder(app, api):
    from itsm.requests.jobs import draft_reminder_job
    from tests.functional.requests.conftest import mails

    number = api("employee").order("new-laptop", {}, draft=True)["number"]
    now = datetime.now(UTC)

    def sweep(moment):
        return draft_reminder_job(JobContext(app.registry, app.db, now=lambda: moment))

    assert sweep(now + timedelta(days=2)) is None
    assert sweep(now + timedelta(days=3, minutes=1)) == "reminded 1"
    assert sweep(now + timedelta(days=9)) is None
    assert len([s for _to, _k, s, _t in mails(app, number) if "draft" in s]) == 1
