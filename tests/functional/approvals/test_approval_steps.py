"""Sequential and parallel approval steps, and offboarding's return tasks."""

from __future__ import annotations

import pytest

from itsm.requests.catalog import CatalogItem, add_item


@pytest.fixture
def custom_items(app):
    def add(root):
        add_item(
            root,
            CatalogItem(
                "budget-laptop",
                "Expensive laptop",
                fields=(),
                approval=(
                    {"kind": "manager"},
                    {"kind": "people", "people": ("admin", "agent"), "mode": "any"},
                ),
                tasks=({"key": "buy", "group": "Workplace", "title": "Buy it"},),
            ),
        )
        add_item(
            root,
            CatalogItem(
                "board-decision",
                "Needs the whole board",
                approval=({"kind": "people", "people": ("admin", "agent"), "mode": "all"},),
            ),
        )

    app.write(add)


def test_sequential_steps_manager_then_any_one_of_two(api, custom_items):
    number = api("employee").order("budget-laptop", {})["number"]
    assert api("admin").waiting() == []  # the second step waits for the first
    api("manager").decide(f"{number}-1", "approve")
    assert [w["id"] for w in api("admin").waiting()] == [f"{number}-2"]
    assert [w["id"] for w in api("agent").waiting()] == [f"{number}-2"]
    api("agent").decide(f"{number}-2", "approve")
    assert api("admin").waiting() == []
    request = api("employee").request(number)
    assert request["status"] == "in_fulfilment"
    assert [s["status"] for s in request["approval"]["steps"]] == ["approved", "approved"]


def test_parallel_all_needs_every_approver(api, custom_items):
    number = api("employee").order("board-decision", {})["number"]
    api("admin").decide(f"{number}-1", "approve")
    assert api("employee").request(number)["status"] == "awaiting_approval"
    api("agent").decide(f"{number}-1", "approve")
    assert api("employee").request(number)["status"] == "in_fulfilment"


def test_a_rejection_in_the_first_step_cancels_the_later_ones(api, custom_items):
    number = api("employee").order("budget-laptop", {})["number"]
    api("manager").decide(f"{number}-1", "reject", "Too expensive")
    request = api("employee").request(number)
    assert request["status"] == "rejected"
    assert [s["status"] for s in request["approval"]["steps"]] == ["rejected", "cancelled"]
    assert api("admin").waiting() == []


def test_offboarding_creates_one_return_task_per_asset_of_the_leaver(app, api):
    owned = app.read(
        lambda root: sorted(
            ci.number for ci in root["cmdb"].values() if getattr(ci, "owner", None) == "employee2"
        )
    )
    assert owned, "the demo CMDB gives employee2 some assets"
    number = api("employee").order("offboarding")["number"]
    api("manager").decide(f"{number}-1", "approve")
    tasks = api("agent").tasks(number)
    returns = [t for t in tasks if t["key"].startswith("return-")]
    assert sorted(t["key"].removeprefix("return-") for t in returns) == owned
    assert any(t["key"] == "disable" for t in tasks)


def test_decisions_are_taken_as_approved_and_rejected_too(app, api):
    first = api("employee").order("new-laptop")["number"]
    second = api("employee").order("new-laptop")["number"]
    api("manager").decide(f"{first}-1", "approved")
    api("manager").decide(f"{second}-1", "rejected", "Not this year")
    assert api("employee").request(first)["status"] == "in_fulfilment"
    assert api("employee").request(second)["status"] == "rejected"
