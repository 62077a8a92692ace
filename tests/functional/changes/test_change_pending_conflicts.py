"""Pending changes (being assessed or awaiting approval) count as conflicts, each marked with its
state, on the change page, the calendar, the approver's summary and the API (issue 15)."""

from __future__ import annotations

from typing import Any

from tests.conftest import demo_person, logged_in
from tests.functional.changes.conftest import at, change_body, ci_number, raise_change


def test_two_pending_changes_to_one_server_see_each_other(app: Any, api: Any) -> None:
    agent = api("agent")
    server = ci_number(app, "mail01")
    first = raise_change(agent, change_body([server], at(12)))
    assert first["status"] == "awaiting_approval"
    # Pending changes are noted, not blocking: no override reason is needed.
    second = raise_change(agent, change_body([server], at(12, hour=23)))
    assert second["status"] == "awaiting_approval"
    assert [(c["number"], c["status"], c["pending"]) for c in second["conflicts"]] == [
        (first["number"], "awaiting_approval", True)
    ]
    # The first change, raised before the second, sees it too (worked out when shown).
    again = agent.get(f"/api/v1/changes/{first['number']}").json
    assert [(c["number"], c["status"]) for c in again["conflicts"]] == [
        (second["number"], "awaiting_approval")
    ]

    client = logged_in(app, "agent")
    page = client.get(f"/changes/{first['number']}/")
    section = page.html.find(id="conflicts")
    assert section is not None and second["number"] in section.text
    assert "awaiting approval" in section.text
    assert section.find("li")["data-status"] == "awaiting_approval"

    # The calendar marks the conflict; with "pending" it lists the pending changes too.
    calendar = client.get("/changes/calendar", params={"pending": "1"})
    assert first["number"] in calendar.text and second["number"] in calendar.text
    assert "awaiting approval" in calendar.text
    assert first["number"] not in client.get("/changes/calendar").text

    # Russian: the state is in words.
    demo_person(app, "agent2", language="ru")
    ru = logged_in(app, "agent2")
    assert "ожидает согласования" in ru.get(f"/changes/{first['number']}/").text


def test_a_scheduled_change_still_needs_an_override_and_lists_pending_ones(
    app: Any, api: Any
) -> None:
    agent = api("agent")
    server = ci_number(app, "mail01")
    held = raise_change(agent, change_body([server], at(14), type_="standard"))
    pending = raise_change(agent, change_body([server], at(14, hour=23), override_reason="Fix"))
    kinds = {c["number"]: (c["status"], c["pending"]) for c in pending["conflicts"]}
    assert kinds == {held["number"]: ("scheduled", False)}
    # A third change sees both, each with its state; only the held slot asks for a reason.
    refused = raise_change(agent, change_body([server], at(14, hour=22), type_="standard"), 409)
    assert held["number"] in refused["error"]["message"]
    assert pending["number"] not in refused["error"]["message"]
    third = raise_change(
        agent, change_body([server], at(14, hour=22), type_="standard", override_reason="Vendor")
    )
    assert {c["number"]: c["status"] for c in third["conflicts"]} == {
        held["number"]: "scheduled",
        pending["number"]: "awaiting_approval",
    }


def test_employee_cannot_read_the_calendar_with_pending_changes(app: Any) -> None:
    employee = logged_in(app, "employee")
    employee.get("/changes/calendar", params={"pending": "1"}, status=403)
