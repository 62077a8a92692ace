"""Recurring work on the business calendar, with a controlled clock: holidays, DST, catch-up,
and templates that make a task for a group."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from itsm.requests.recurring import add_template, recurring_job
from itsm.sla.calendar import weekdays_calendar
from itsm.sla.models import get_sla_settings
from itsm.worker.jobs import JobContext

MOSCOW = ZoneInfo("Europe/Moscow")


def run(app: Any, moment: datetime) -> str | None:
    return recurring_job(JobContext(app.registry, app.db, now=lambda: moment))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def add_holiday(app: Any, day: date, calendar: str = "Standard") -> None:
    def edit(root: Any) -> None:
        settings = get_sla_settings(root)
        settings.set_calendar(settings.calendar(calendar).with_holidays([day]))

    app.write(edit)


def add_calendar(app: Any, calendar: Any) -> None:
    app.write(lambda root: get_sla_settings(root).set_calendar(calendar))


def template(app: Any, slug: str) -> dict:
    from itsm.requests.api_recurring import template_json

    return app.read(lambda root: template_json(root["settings"]["recurring"][slug], root))


def test_a_holiday_added_on_the_due_day_moves_the_run_to_the_next_working_day(app, api):
    body = {
        "id": "monthly-backup-check",
        "creates": "task",
        "title": "Check the backups",
        "group": "Workplace",
        "description": "Restore one file from last night's backup",
        "requester": "agent",
        "schedule": {"kind": "monthly_first_working_day", "time": "09:00"},
    }
    created = api("agent").post("/api/v1/recurring", body, status=201).json
    assert created["timezone"] == "Europe/Moscow"
    due = datetime.fromisoformat(created["next_run"])
    assert due.astimezone(MOSCOW).hour == 9
    # The administrator declares that day a holiday after the template was made.
    moscow_day = due.astimezone(MOSCOW).date()
    add_holiday(app, moscow_day)
    assert run(app, due) is None
    moved = datetime.fromisoformat(template(app, "monthly-backup-check")["next_run"])
    assert moved > due and moved.weekday() < 5
    assert moved.astimezone(MOSCOW).hour == 9
    assert run(app, moved) == "created REQ-000001"
    tasks = api("agent").tasks("REQ-000001")
    assert [(t["group"], t["title"], t["status"]) for t in tasks] == [
        ("Workplace", "Check the backups", "open")
    ]
    request = api("agent").request("REQ-000001")
    assert request["status"] == "in_fulfilment"
    assert request["title"] == "Check the backups"


def test_every_monday_nine_oclock_in_berlin_across_dst_and_a_downtime(app, api):
    add_calendar(app, weekdays_calendar("Berlin", "Europe/Berlin"))
    app.write(
        lambda root: add_template(
            root,
            "weekly-patch-report",
            utc(2027, 3, 15, 12),
            title="Patch report",
            creates="task",
            group="Network",
            requester="agent2",
            schedule={"kind": "weekly", "weekday": 0, "time": "09:00"},
            calendar="Berlin",
        )
    )
    assert template(app, "weekly-patch-report")["next_run"] == "2027-03-22T08:00:00+00:00"
    assert run(app, utc(2027, 3, 22, 7, 59)) is None
    assert run(app, utc(2027, 3, 22, 8, 0)) == "created REQ-000001"
    # Summer time from 28 March: 9:00 in Berlin is 7:00 UTC.
    assert template(app, "weekly-patch-report")["next_run"] == "2027-03-29T07:00:00+00:00"
    assert run(app, utc(2027, 3, 29, 7, 0)) == "created REQ-000002"
    # The worker is down from the 30th March to the 20th April: one run on its return.
    assert run(app, utc(2027, 4, 20, 10, 0)) == "created REQ-000003"
    assert run(app, utc(2027, 4, 20, 11, 0)) is None
    assert template(app, "weekly-patch-report")["next_run"] == "2027-04-26T07:00:00+00:00"
    runs = template(app, "weekly-patch-report")["runs"]
    assert [r["number"] for r in runs] == ["REQ-000003", "REQ-000002", "REQ-000001"]


def test_a_paused_template_makes_nothing_and_resumes_from_now(app, api):
    agent = api("agent")
    body = {
        "id": "daily-check",
        "creates": "task",
        "title": "Look at the monitoring",
        "group": "Network",
        "requester": "agent2",
        "schedule": {"kind": "daily", "time": "07:30"},
    }
    due = datetime.fromisoformat(agent.post("/api/v1/recurring", body, status=201).json["next_run"])
    paused = agent.patch("/api/v1/recurring/daily-check", {"active": False}, status=200).json
    assert paused["active"] is False and paused["next_run"] is None
    assert run(app, due + timedelta(days=2)) is None
    resumed = agent.patch("/api/v1/recurring/daily-check", {"active": True}, status=200).json
    assert datetime.fromisoformat(resumed["next_run"]) > datetime.now(UTC)
    changed = agent.patch(
        "/api/v1/recurring/daily-check",
        {"schedule": {"kind": "weekly", "weekday": 2, "time": "10:00"}},
        status=200,
    ).json
    assert datetime.fromisoformat(changed["next_run"]).astimezone(MOSCOW).weekday() == 2
    bad = agent.patch("/api/v1/recurring/daily-check", {"group": "Nobody"}, status=400).json
    assert "group" in bad["error"]["fields"]
    agent.client.delete("/api/v1/recurring/daily-check", headers=agent.headers, status=200)
    agent.get("/api/v1/recurring/daily-check", status=404)


def test_task_templates_need_a_known_group_and_a_title(api):
    body = {
        "id": "no-group",
        "creates": "task",
        "group": "Nobody",
        "requester": "agent",
        "schedule": {"kind": "daily", "time": "07:30"},
        "calendar": "Mars",
    }
    fields = api("agent").post("/api/v1/recurring", body, status=400).json["error"]["fields"]
    assert {"group", "title", "calendar"} <= set(fields)
