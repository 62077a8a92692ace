"""Delegation to a deputy, reminders, and escalation to the approver's manager."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from itsm.approvals.jobs import approval_timers_job
from itsm.worker.jobs import JobContext
from tests.functional.requests.conftest import mails


def run_timers(app, moment):
    return approval_timers_job(JobContext(app.registry, app.db, now=lambda: moment))


def test_deputy_approves_while_the_manager_is_away(app, api):
    today = datetime.now(UTC).date()
    manager = api("manager")
    manager.client.put_json(
        "/api/v1/delegations",
        {"deputy": "admin", "start": str(today), "end": str(today + timedelta(days=7))},
        headers=manager.headers,
        status=200,
    )
    assert manager.get("/api/v1/delegations").json["delegation"]["deputy"] == "admin"
    number = api("employee").order("new-laptop")["number"]
    assert [w["id"] for w in api("admin").waiting()] == [f"{number}-1"]
    api("admin").decide(f"{number}-1", "approve")
    step = api("employee").request(number)["approval"]["steps"][0]
    assert step["decisions"][0]["login"] == "admin"
    assert api("employee").request(number)["status"] == "in_fulfilment"
    history = app.read(lambda root: list(root["requests"][number].history))
    assert any(h.action == "approval" and "(manager)" in h.note for h in history)


def test_a_delegation_needs_a_known_deputy_and_ordered_dates(api):
    manager = api("manager")
    bad = manager.client.put_json(
        "/api/v1/delegations",
        {"deputy": "nobody", "start": "2026-12-10", "end": "2026-12-01"},
        headers=manager.headers,
        status=400,
    )
    assert "deputy" in bad.json["error"]["fields"]


def test_reminder_once_then_escalation_to_the_approvers_manager(app, api):
    # agent2's manager is "manager": a step for agent2 alone escalates there.
    from itsm.requests.catalog import CatalogItem, add_item

    app.write(
        lambda root: add_item(
            root,
            CatalogItem(
                "net-change",
                "Network change",
                approval=({"kind": "people", "people": ("agent2",)},),
            ),  # fmt: skip
        )
    )
    number = api("employee").order("net-change", {})["number"]
    opened = datetime.now(UTC)
    assert run_timers(app, opened + timedelta(hours=1)) is None
    assert run_timers(app, opened + timedelta(hours=25)) == "reminded 1, escalated 0"
    assert run_timers(app, opened + timedelta(hours=26)) is None  # once, not every sweep
    reminders = [s for to, _k, s, _t in mails(app, number) if "Reminder" in s]
    assert len(reminders) == 1
    assert api("manager").waiting() == []
    # The worker was down for days: it escalates once when it comes back.
    assert run_timers(app, opened + timedelta(days=9)) == "reminded 0, escalated 1"
    assert run_timers(app, opened + timedelta(days=10)) is None
    assert [w["id"] for w in api("manager").waiting()] == [f"{number}-1"]
    api("manager").decide(f"{number}-1", "approve")
    assert api("employee").request(number)["status"] == "in_fulfilment"
