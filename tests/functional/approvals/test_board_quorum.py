"""The change board approves with a quorum: any N of its members, every decision kept."""

from __future__ import annotations

from typing import Any

from tests.conftest import logged_in, login
from tests.functional.changes.conftest import HIGH_RISK, at, change_body, ci_number, raise_change
from tests.functional.requests.conftest import RequestClient

BOARD = ("manager", "agent2", "admin")


def board_app(make_app: Any, quorum: int, members: tuple[str, ...] = BOARD) -> Any:
    """The demo with ``members`` in the Change Board group (as the directory says) and the
    board quorum set to ``quorum``."""
    app = make_app(**{"itsm.changes.board_quorum": str(quorum)})

    def join(root: Any) -> None:
        for member in members:
            account = root.accounts[member]
            account.groups = tuple(sorted({*account.groups, "Change Board"}))

    app.write(join)
    for member in members:
        login(app.client(), member)  # the person record takes the groups from the directory
    return app


def high_risk_change(app: Any, requester: str = "agent") -> dict:
    client = RequestClient(app, requester)
    body = change_body([ci_number(app, "mail01")], at(5), answers=HIGH_RISK)
    return raise_change(client, body)


def approve_manager_step(app: Any, change: dict) -> dict:
    RequestClient(app, "manager").decide(change["approval"]["steps"][0]["id"], "approve")
    return RequestClient(app, "agent").get(f"/api/v1/changes/{change['number']}").json


def test_two_of_three_board_members_approve_a_high_risk_change(make_app: Any) -> None:
    app = board_app(make_app, 2)
    change = approve_manager_step(app, high_risk_change(app))
    board_step = change["approval"]["steps"][1]
    assert board_step["mode"] == "quorum"
    assert board_step["quorum"] == 2
    assert sorted(board_step["approvers"]) == sorted(BOARD)
    step_id = board_step["id"]
    manager, agent2, admin = (RequestClient(app, m) for m in BOARD)

    after_one = manager.decide(step_id, "approve").json
    assert after_one["status"] == "pending"
    assert after_one["progress"] == {"approved": 1, "rejected": 0, "needed": 2}
    # One "no" does not end a quorum step while the others can still make up two.
    after_no = agent2.decide(step_id, "reject", "Not in the quarter close").json
    assert after_no["status"] == "pending"
    assert after_no["progress"] == {"approved": 1, "rejected": 1, "needed": 2}
    assert [w["id"] for w in admin.waiting()] == [step_id]
    assert admin.waiting()[0]["progress"]["approved"] == 1
    admin.decide(step_id, "approve")

    done = admin.get(f"/api/v1/changes/{change['number']}").json
    assert done["status"] == "scheduled"
    decisions = done["approval"]["steps"][1]["decisions"]
    assert [(d["login"], d["decision"]) for d in decisions] == [
        ("manager", "approve"),
        ("agent2", "reject"),
        ("admin", "approve"),
    ]
    assert decisions[1]["reason"] == "Not in the quarter close"
    history = app.read(
        lambda root: [
            (e.actor, e.after)
            for e in root["changes"][change["number"]].history
            if e.action == "approval" and e.field == step_id
        ]
    )
    assert history == [("manager", "approve"), ("agent2", "reject"), ("admin", "approve")]


def test_board_step_is_rejected_once_the_quorum_cannot_be_reached(make_app: Any) -> None:
    app = board_app(make_app, 2)
    change = approve_manager_step(app, high_risk_change(app))
    step_id = change["approval"]["steps"][1]["id"]
    RequestClient(app, "manager").decide(step_id, "reject", "Too risky")
    assert RequestClient(app, "agent").get(f"/api/v1/changes/{change['number']}").json[
        "status"
    ] == ("awaiting_approval")
    # Two "no" of three: one approval at most is left, fewer than two.
    step = RequestClient(app, "agent2").decide(step_id, "reject", "No back-out tested").json
    assert step["status"] == "rejected"
    assert RequestClient(app, "agent").get(f"/api/v1/changes/{change['number']}").json[
        "status"
    ] == ("rejected")
    # The third member is not asked any more.
    assert RequestClient(app, "admin").waiting() == []


def test_a_board_member_cannot_approve_their_own_change(make_app: Any) -> None:
    app = board_app(make_app, 2)
    change = approve_manager_step(app, high_risk_change(app, requester="agent2"))
    step = change["approval"]["steps"][1]
    assert "agent2" not in step["approvers"]
    # Two others are left: the quorum of two means both of them.
    assert step["mode"] == "all" and step["quorum"] == 2
    refused = RequestClient(app, "agent2").decide(step["id"], "approve", status=403).json
    assert refused["error"]["message"] == "You cannot approve your own change."


def test_an_emergency_change_needs_any_one_board_member_whatever_the_quorum(
    make_app: Any,
) -> None:
    app = board_app(make_app, 2)
    body = change_body([ci_number(app, "Firewall HQ")], at(1), type_="emergency")
    change = raise_change(RequestClient(app, "agent"), body)
    step = change["approval"]["steps"][0]
    assert (step["mode"], step["quorum"]) == ("any", 1)
    RequestClient(app, "agent2").decide(step["id"], "approve")
    number = change["number"]
    assert RequestClient(app, "agent").get(f"/api/v1/changes/{number}").json["status"] == (
        "scheduled"
    )


def test_approval_pages_show_the_progress_of_a_quorum(make_app: Any) -> None:
    app = board_app(make_app, 2)
    change = approve_manager_step(app, high_risk_change(app))
    step_id = change["approval"]["steps"][1]["id"]
    RequestClient(app, "manager").decide(step_id, "approve")
    admin = logged_in(app, "admin")
    page = admin.get("/approvals/")
    assert 'data-progress="1/2"' in page.text
    assert "1 of 2 approvals" in page.text
    form = page.forms[f"decide-{step_id}"]
    form["reason"] = "Wait for the vendor's fix"
    answered = form.submit("decision", value="reject", status=303).follow()
    assert "Your rejection is recorded; the step waits for the other approvers." in answered.text
    home = logged_in(app, "agent2").get("/")
    assert "Waits for your approval (1 of 2 approvals)." in home.text


def test_mails_and_the_mail_link_page_name_a_change_a_change(make_app: Any) -> None:
    import re

    app = board_app(make_app, 1)
    body = change_body([ci_number(app, "Firewall HQ")], at(1), type_="emergency")
    change = raise_change(RequestClient(app, "agent"), body)
    number = change["number"]
    texts = app.read(
        lambda root: [
            m.text for m in root.outbox if m.ticket == number and m.to[0] == "agent2@example.com"
        ]
    )
    link = next(
        match.group(1)
        for text in texts
        if (match := re.search(r"(/approvals/CHG-\d+-\d+/mail\?token=[\w\-]+)", text))
    )
    client = app.client()
    form = client.get(link).forms["link-form"]
    form["reason"] = "Not before the audit"
    answer = form.submit("decision", value="reject", status=200)
    assert "You rejected the change. Thank you." in answer.text
    told = app.read(
        lambda root: [
            m.text for m in root.outbox if m.ticket == number and m.to[0] == "agent@example.com"
        ]
    )
    assert any("Your change has been rejected." in text for text in told)
    assert not any("Your request has been" in text for text in told)
