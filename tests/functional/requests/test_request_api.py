"""Ordering from the catalog through /api/v1: forms, approvals, tasks, resolution, access."""

from __future__ import annotations

import pytest

from tests.functional.requests.conftest import DEMO_ORDERS, finish_all_tasks, mails

NEEDS_MANAGER = {"new-laptop", "vpn-access", "new-phone", "onboarding", "offboarding"}


def test_catalog_lists_the_demo_items_with_their_forms(api):
    items = {i["id"]: i for i in api("employee").get("/api/v1/catalog").json["items"]}
    assert set(DEMO_ORDERS) <= set(items)
    laptop = items["new-laptop"]
    assert laptop["name_ru"] == "Новый ноутбук"
    model = next(f for f in laptop["fields"] if f["name"] == "model")
    assert model["type"] == "choice" and model["required"] is True
    assert laptop["needs_approval"] is True
    assert [t["key"] for t in laptop["tasks"]] == ["prepare", "deliver"]
    found = api("employee").get("/api/v1/catalog", q="vpn").json["items"]
    assert {i["id"] for i in found} == {"vpn-access", "onboarding"}


def test_openapi_describes_the_request_endpoints(api):
    paths = api("employee").get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/catalog",
        "/api/v1/requests",
        "/api/v1/requests/{number}/tasks",
        "/api/v1/tasks/{id}/transitions",
        "/api/v1/approvals",
        "/api/v1/approvals/{id}",
    ):
        assert path in paths


@pytest.mark.parametrize("item", sorted(DEMO_ORDERS))
def test_employee_orders_each_demo_item(api, item):
    created = api("employee").order(item)
    assert created["number"].startswith("REQ-")
    expected = "awaiting_approval" if item in NEEDS_MANAGER or item == "shared-access" else None
    if expected:
        assert created["status"] == expected
    else:
        assert created["status"] == "in_fulfilment"
        assert created["tasks"]


def test_first_request_is_req_000001_and_fields_are_stored(api):
    created = api("employee").order("new-laptop")
    assert created["number"] == "REQ-000001"
    assert created["fields"] == DEMO_ORDERS["new-laptop"]
    assert created["price"] == 1200.0


def test_fields_are_checked_against_the_item_form(api):
    employee = api("employee")
    response = employee.order(
        "new-laptop", {"model": "gaming", "needed_by": "tomorrow", "color": "red"}, status=400
    )
    fields = response["error"]["fields"]
    assert "model" in fields and "needed_by" in fields
    missing = employee.order("password-reset-desk", {"account": "nobody"}, status=400)
    assert set(missing["error"]["fields"]) == {"account", "phone"}
    employee.order("no-such-item", {}, status=400)


def test_a_draft_is_kept_then_sent(api):
    employee = api("employee")
    draft = employee.order("new-laptop", {"reason": "later"}, draft=True)
    assert draft["status"] == "draft"
    refused = employee.post(
        f"/api/v1/requests/{draft['number']}/transitions", {"name": "submit"}, status=400
    )
    assert "model" in refused.json["error"]["fields"]


def test_manager_approves_laptop_then_tasks_run_in_order_and_request_resolves(app, api):
    employee, manager, agent = api("employee"), api("manager"), api("agent")
    number = employee.order("new-laptop")["number"]
    waiting = manager.waiting()
    assert [w["ticket"] for w in waiting] == [number]
    assert waiting[0]["approvers"] == ["manager"]
    step = waiting[0]["id"]
    assert step == f"{number}-1"
    manager.decide(step, "approve", "Fine")
    request = employee.request(number)
    assert request["status"] == "in_fulfilment"
    tasks = employee.tasks(number)
    assert [t["status"] for t in tasks] == ["open", "waiting"]
    assert tasks[0]["id"].startswith("TASK-") and tasks[0]["group"] == "Workplace"
    assert tasks[1]["depends_on"] == [tasks[0]["id"]]
    agent.work(tasks[1]["id"], "done", status=409)  # waits for "prepare"
    agent.work(tasks[0]["id"], "start")
    agent.work(tasks[0]["id"], "done")
    assert employee.tasks(number)[1]["status"] == "open"
    assert employee.request(number)["status"] == "in_fulfilment"
    agent.work(tasks[1]["id"], "done")
    assert employee.request(number)["status"] == "resolved"
    sent = mails(app, number)
    assert any(to == "manager@example.com" and "/approvals/" in text for to, _k, _s, text in sent)
    to_requester = [s for to, _k, s, _t in sent if to == "employee@example.com"]
    assert any("Approved" in s for s in to_requester)


def test_requester_is_told_about_rejection_with_the_reason(app, api):
    number = api("employee").order("vpn-access")["number"]
    api("manager").decide(f"{number}-1", "reject", "Not in your role")
    assert api("employee").request(number)["status"] == "rejected"
    to_requester = [(s, t) for to, _k, s, t in mails(app, number) if to == "employee@example.com"]
    assert any("Rejected" in s and "Not in your role" in t for s, t in to_requester)
    assert api("employee").tasks(number) == []


def test_rejection_needs_a_reason(api):
    number = api("employee").order("vpn-access")["number"]
    response = api("manager").decide(f"{number}-1", "reject", status=400)
    assert "reason" in response.json["error"]["fields"]
    assert api("employee").request(number)["status"] == "awaiting_approval"


def test_group_approval_by_system_owner(api):
    number = api("employee").order("shared-access")["number"]
    step = api("employee").request(number)["approval"]["steps"][0]
    assert step["group"] == "Change Board"
    assert [w["id"] for w in api("manager").waiting()] == [step["id"]]
    api("agent").decide(step["id"], "approve", status=403)
    api("manager").decide(step["id"], "approve")
    assert api("employee").request(number)["status"] == "in_fulfilment"


def test_decisions_are_in_the_history_with_who_and_why(app, api):
    number = api("employee").order("new-phone")["number"]
    api("manager").decide(f"{number}-1", "approve", "Needed for on-call")
    history = app.read(lambda root: list(root["requests"][number].history))
    approval = [h for h in history if h.action == "approval"]
    assert [(h.actor, h.after, h.note) for h in approval] == [
        ("manager", "approve", "Needed for on-call")
    ]


def test_employee_cannot_approve_own_request_or_see_others(api):
    employee, other = api("employee"), api("employee2")
    number = employee.order("new-laptop")["number"]
    employee.decide(f"{number}-1", "approve", status=404)
    other.decide(f"{number}-1", "approve", status=404)
    other.request(number, status=404)
    other.get(f"/api/v1/requests/{number}/tasks", status=404)
    assert other.get("/api/v1/requests").json["total"] == 0
    assert employee.get("/api/v1/requests").json["total"] == 1
    other.request("REQ-999999", status=404)
    employee.decide("REQ-999999-1", "approve", status=404)


def test_employee_cannot_work_tasks(api):
    number = api("employee").order("software-install")["number"]
    task = api("employee").tasks(number)[0]
    api("employee").work(task["id"], "done", status=403)
    api("agent").work(task["id"], "done")
    assert api("employee").request(number)["status"] == "resolved"


def test_a_decided_step_cannot_be_decided_again(api):
    number = api("employee").order("vpn-access")["number"]
    api("manager").decide(f"{number}-1", "approve")
    api("manager").decide(f"{number}-1", "reject", "changed my mind", status=409)


def test_onboarding_bundle_creates_child_requests_and_resolves_with_them(api):
    employee, manager, agent = api("employee"), api("manager"), api("agent")
    number = employee.order("onboarding")["number"]
    manager.decide(f"{number}-1", "approve")
    parent = employee.request(number)
    assert len(parent["children"]) == 3
    children = [employee.request(c) for c in parent["children"]]
    assert {c["item"] for c in children} == {"new-laptop", "new-phone", "vpn-access"}
    assert all(c["status"] == "in_fulfilment" and c["parent"] == number for c in children)
    finish_all_tasks(agent, number)
    assert employee.request(number)["status"] == "in_fulfilment"  # children still open
    for child in parent["children"]:
        finish_all_tasks(agent, child)
    assert employee.request(number)["status"] == "resolved"


def test_cancelling_withdraws_the_approval(api):
    employee = api("employee")
    number = employee.order("new-laptop")["number"]
    employee.post(
        f"/api/v1/requests/{number}/transitions", {"name": "cancel"}, status=400
    )  # a reason is required
    employee.post(
        f"/api/v1/requests/{number}/transitions",
        {"name": "cancel", "reason": "Found a spare one"},
        status=200,
    )
    assert employee.request(number)["status"] == "cancelled"
    assert api("manager").waiting() == []


def test_gets_never_commit(app, api):
    employee, manager = api("employee"), api("manager")
    number = employee.order("new-laptop")["number"]
    before = app.db.lastTransaction()
    employee.get("/api/v1/catalog")
    employee.request(number)
    employee.tasks(number)
    manager.waiting()
    manager.get(f"/api/v1/approvals/{number}-1")
    employee.get("/api/v1/requests")
    assert app.db.lastTransaction() == before


def test_an_item_for_one_group_is_neither_listed_nor_orderable_for_others(app, api):
    from itsm.requests.catalog import CatalogItem, add_item

    app.write(
        lambda root: add_item(
            root,
            CatalogItem(
                "firewall-rule", "Firewall rule", audience={"kind": "group", "group": "Network"}
            ),  # fmt: skip
        )
    )
    listed = [i["id"] for i in api("employee").get("/api/v1/catalog").json["items"]]
    assert "firewall-rule" not in listed
    api("employee").order("firewall-rule", {}, status=403)
    assert api("agent2").order("firewall-rule", {})["status"] == "in_fulfilment"
