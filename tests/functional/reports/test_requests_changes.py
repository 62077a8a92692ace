"""Requests reach the reports: a manager's dashboard shows the team's requests and approvals."""

from __future__ import annotations

from tests.functional.requests.conftest import RequestClient


def tables(client, name, **params):
    body = client.get(f"/api/v1/reports/{name}", **params).json
    return {t["name"]: t["rows"] for t in body["tables"]}


def test_a_manager_sees_the_teams_request_waiting_then_the_turnaround(app):
    employee, manager = RequestClient(app, "employee"), RequestClient(app, "manager")
    number = employee.order("vpn-access")["number"]
    rows = tables(manager, "manager")
    assert number in [r["number"] for r in rows["team_requests"]]
    (waiting,) = [r for r in rows["approvals_waiting"] if r["number"] == number]
    assert waiting["requester"] == "employee" and "manager" in waiting["approvers"]
    (step,) = manager.waiting()
    manager.decide(step["id"], "approve")
    rows = tables(manager, "manager")
    assert not [r for r in rows["approvals_waiting"] if r["number"] == number]
    assert rows["approval_turnaround"][0]["steps"] == 1
    # The request's facts were kept at commit: the head of IT counts it as created.
    head = tables(RequestClient(app, "admin"), "head", period="week")
    assert {r["key"]: r for r in head["kpis"]}["Requests"]["created"] == 1
