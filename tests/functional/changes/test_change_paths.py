"""Each change type's path through approval, and who may raise and approve."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import csrf_of, login
from tests.functional.changes.conftest import (
    HIGH_RISK,
    at,
    change_body,
    ci_number,
    fire,
    raise_change,
)


def _step(change: dict, index: int) -> dict:
    return change["approval"]["steps"][index]


def test_standard_change_is_scheduled_at_once_and_runs_to_closed(app: Any, api: Any) -> None:
    agent = api("agent")
    body = change_body([ci_number(app, "mail01")], at(20), type_="standard")
    change = raise_change(agent, body)
    assert change["number"] == "CHG-000001"
    assert change["status"] == "scheduled"
    assert change["risk"] == "low"
    assert change["conflicts"] == []
    assert change["approval"] is None
    assert fire(agent, change["number"], "start")["status"] == "implementing"
    fire(agent, change["number"], "complete", status=400)  # the outcome is required
    done = fire(agent, change["number"], "complete", outcome="successful")
    assert done["status"] == "review" and done["outcome"] == "successful"
    assert done["review_required"] is False
    assert fire(agent, change["number"], "close")["status"] == "closed"


def test_normal_change_is_scheduled_when_the_manager_approves(app: Any, api: Any) -> None:
    agent, manager = api("agent"), api("manager")
    change = raise_change(agent, change_body([ci_number(app, "mail01")], at(21)))
    assert change["status"] == "awaiting_approval"
    assert change["risk"] == "low"
    assert [s["kind"] for s in change["approval"]["steps"]] == ["manager"]
    assert _step(change, 0)["approvers"] == ["manager"]
    assert [s["id"] for s in manager.waiting()] == [_step(change, 0)["id"]]
    manager.decide(_step(change, 0)["id"], "approve")
    assert agent.get(f"/api/v1/changes/{change['number']}").json["status"] == "scheduled"


def test_normal_change_rejected_by_the_manager_is_rejected(app: Any, api: Any) -> None:
    agent, manager = api("agent"), api("manager")
    change = raise_change(agent, change_body([ci_number(app, "mail01")], at(22)))
    manager.decide(_step(change, 0)["id"], "reject", "Not during the audit")
    assert agent.get(f"/api/v1/changes/{change['number']}").json["status"] == "rejected"


def test_high_risk_change_needs_the_change_board_after_the_manager(app: Any, api: Any) -> None:
    agent, manager, board = api("agent"), api("manager"), api("manager")
    change = raise_change(agent, change_body([ci_number(app, "mail01")], at(23), answers=HIGH_RISK))
    assert change["risk"] == "high" and change["risk_score"] == 10
    steps = change["approval"]["steps"]
    assert [(s["kind"], s["group"]) for s in steps] == [
        ("manager", None),
        ("group", "Change Board"),
    ]
    manager.decide(steps[0]["id"], "approve")
    after_manager = agent.get(f"/api/v1/changes/{change['number']}").json
    assert after_manager["status"] == "awaiting_approval"
    assert after_manager["approval"]["steps"][1]["status"] == "pending"
    board.decide(steps[1]["id"], "approve")
    done = agent.get(f"/api/v1/changes/{change['number']}").json
    assert done["status"] == "scheduled"
    # High risk: the post-implementation review comes before closing.
    fire(agent, change["number"], "start")
    fire(agent, change["number"], "complete", outcome="successful_with_issues")
    fire(agent, change["number"], "close", status=409)
    fire(agent, change["number"], "review", notes="Mail queue grew for 5 minutes")
    assert fire(agent, change["number"], "close")["status"] == "closed"


def test_emergency_change_needs_one_board_member(app: Any, api: Any) -> None:
    agent, board = api("agent"), api("manager")
    change = raise_change(
        agent, change_body([ci_number(app, "Firewall HQ")], at(1), type_="emergency")
    )
    steps = change["approval"]["steps"]
    assert [(s["kind"], s["group"], s["mode"]) for s in steps] == [("group", "Change Board", "any")]
    board.decide(steps[0]["id"], "approve")
    assert agent.get(f"/api/v1/changes/{change['number']}").json["status"] == "scheduled"
    fire(agent, change["number"], "start")
    done = fire(agent, change["number"], "complete", outcome="successful")
    assert done["review_required"] is True  # emergency changes are reviewed afterwards
    fire(agent, change["number"], "close", status=409)


def test_failed_change_is_reviewed_before_closing(app: Any, api: Any) -> None:
    agent = api("agent")
    body = change_body([ci_number(app, "mail01")], at(24), type_="standard")
    number = raise_change(agent, body)["number"]
    fire(agent, number, "start")
    fire(agent, number, "complete", outcome="failed_backed_out")
    fire(agent, number, "close", status=409)
    fire(agent, number, "review", notes="Rolled back from the snapshot")
    assert fire(agent, number, "close")["status"] == "closed"


def test_employee_cannot_raise_a_change(app: Any, api: Any) -> None:
    employee = api("employee")
    body = change_body([ci_number(app, "mail01")], at(20))
    response = employee.post("/api/v1/changes", body, status=403)
    assert response.json["error"]["code"] == "forbidden"
    assert app.read(lambda root: len(root["changes"])) == 0


def test_board_member_cannot_approve_their_own_change(make_app: Any, api: Any) -> None:
    # The board member is IT staff too here (the agent role through the Change Board group).
    app = make_app(**{"itsm.roles.agent": "Service Desk;Network;Workplace;Change Board"})
    login(app.client(), "manager")  # refreshes the person's roles from the directory
    from tests.functional.requests.conftest import RequestClient

    board = RequestClient(app, "manager")
    change = raise_change(board, change_body([ci_number(app, "VPN")], at(2), type_="emergency"))
    step = change["approval"]["steps"][0]
    assert "manager" not in step["approvers"]
    board.decide(step["id"], "approve", status=403)
    assert board.get(f"/api/v1/changes/{change['number']}").json["status"] == "awaiting_approval"


def test_unknown_ci_and_naive_times_are_refused(app: Any, api: Any) -> None:
    agent = api("agent")
    body = change_body(["CI-999999"], at(20))
    assert "cis" in raise_change(agent, body, status=400)["error"]["fields"]
    body = change_body([ci_number(app, "mail01")], at(20))
    body["planned_start"] = "2030-01-01T10:00:00"
    assert "planned_start" in raise_change(agent, body, status=400)["error"]["fields"]


def test_board_quorum_above_one_asks_every_board_member(make_app: Any) -> None:
    from tests.functional.requests.conftest import RequestClient

    app = make_app(**{"itsm.changes.board_quorum": "2"})
    agent = RequestClient(app, "agent")
    change = raise_change(agent, change_body([ci_number(app, "mail01")], at(3), answers=HIGH_RISK))
    assert change["approval"]["steps"][1]["mode"] == "all"


def test_change_page_fires_transitions(app: Any, api: Any) -> None:
    agent = api("agent")
    change = raise_change(agent, change_body([ci_number(app, "VPN")], at(4), type_="standard"))
    client = app.client()
    login(client, "agent")
    page = client.get(f"/changes/{change['number']}/")
    assert 'value="start"' in page.text
    token = csrf_of(page)
    client.post(
        f"/changes/{change['number']}/transition",
        {"csrf_token": token, "name": "start"},
        status=303,
    )
    assert agent.get(f"/api/v1/changes/{change['number']}").json["status"] == "implementing"


def test_plans_and_risk_answers_are_taken_under_other_names(app: Any, api: Any) -> None:
    agent = api("agent")
    body = change_body([ci_number(app, "mail01")], at(24), draft=True)
    body["plans"] = {"implementation_plan": "Patch", "rollback": "Snapshot", "test_plan": "Mail"}
    body["risk_answers"] = {
        "impact": "high",
        "complexity": "high",
        "backout_tested": "no",
        "done_before": "no",
        "business_hours": "yes",
    }
    change = raise_change(agent, body)
    assert change["risk"] == "high"
    assert change["plans"] == {"implementation": "Patch", "backout": "Snapshot", "test": "Mail"}
    one_text = raise_change(agent, {**body, "plans": "Patch it"})
    assert one_text["plans"] == {"implementation": "Patch it"}
    refused = raise_change(agent, {**body, "risk_answers": {"impact": "galactic"}}, status=400)
    message = refused["error"]["fields"]["risk_answers"]
    assert "impact" in message and "none/few/many/all" in message


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("Failed and backed out", "failed_backed_out"),
        ("failed", "failed_backed_out"),
        ("successful-with-issues", "successful_with_issues"),
        ("success", "successful"),
    ],
)
def test_outcomes_in_other_words_are_understood(
    app: Any, api: Any, given: str, stored: str
) -> None:
    agent = api("agent")
    body = change_body([ci_number(app, "mail01")], at(25), type_="standard")
    number = raise_change(agent, body)["number"]
    fire(agent, number, "start")
    fire(agent, number, "complete", status=400, outcome="exploded")
    assert fire(agent, number, "complete", outcome=given)["outcome"] == stored
    fire(agent, number, "review", review_notes="Looked at it")
    assert agent.get(f"/api/v1/changes/{number}").json["status"] == "review"
