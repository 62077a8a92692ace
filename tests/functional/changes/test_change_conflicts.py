"""Conflicts: another change on the same or a related CI at an overlapping time, and blackout
windows; scheduling into one needs an override with a reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.functional.changes.conftest import at, change_body, ci_number, fire, raise_change


def _scheduled(agent: Any, ci: str, start: Any, hours: int = 2) -> dict:
    return raise_change(agent, change_body([ci], start, hours, type_="standard"))


def test_overlapping_change_on_the_same_ci_is_a_conflict(app: Any, api: Any) -> None:
    agent = api("agent")
    server = ci_number(app, "mail01")
    first = _scheduled(agent, server, at(10))
    body = change_body([server], at(10) + timedelta(hours=1), type_="standard")
    refused = raise_change(agent, body, status=409)
    assert refused["error"]["code"] == "conflict"
    assert "override_reason" in refused["error"]["fields"]
    assert first["number"] in refused["error"]["message"]
    # Nothing was stored by the refused request.
    assert agent.get("/api/v1/changes").json["total"] == 1

    draft = raise_change(agent, {**body, "draft": True})
    assert draft["status"] == "draft"
    assert [(c["kind"], c["number"], c["cis"]) for c in draft["conflicts"]] == [
        ("change", first["number"], [server])
    ]
    assert first["number"] in draft["conflicts"][0]["name"]


def test_touching_but_not_overlapping_times_do_not_conflict(app: Any, api: Any) -> None:
    agent = api("agent")
    server = ci_number(app, "mail01")
    _scheduled(agent, server, at(10), hours=2)
    later = _scheduled(agent, server, at(10) + timedelta(hours=2))
    assert later["status"] == "scheduled" and later["conflicts"] == []


def test_change_on_a_related_ci_is_a_conflict(app: Any, api: Any) -> None:
    agent = api("agent")
    # The Mail service runs on mail01: one relation away.
    first = _scheduled(agent, ci_number(app, "mail01"), at(11))
    body = change_body([ci_number(app, "Mail")], at(11), type_="standard", draft=True)
    draft = raise_change(agent, body)
    assert [c["number"] for c in draft["conflicts"]] == [first["number"]]
    # VPN is two relations away from mail01 (VPN → firewall ← Mail → mail01): no conflict.
    vpn = _scheduled(agent, ci_number(app, "VPN"), at(11))
    assert vpn["conflicts"] == []


def test_blackout_window_is_a_conflict(app: Any, api: Any) -> None:
    admin, agent = api("admin"), api("agent")
    start = at(30, hour=0)
    windows = [
        {
            "name": "Quarter close",
            "start": start.isoformat(),
            "end": (start + timedelta(days=3)).isoformat(),
        }
    ]
    admin.client.put_json(
        "/api/v1/changes/blackouts", {"windows": windows}, headers=admin.headers, status=200
    )
    agent.client.put_json(
        "/api/v1/changes/blackouts", {"windows": []}, headers=agent.headers, status=403
    )
    body = change_body([ci_number(app, "VPN")], start + timedelta(days=1), type_="standard")
    refused = raise_change(agent, body, status=409)
    assert "Quarter close" in refused["error"]["message"]
    change = raise_change(agent, {**body, "override_reason": "Vendor fix for a security hole"})
    assert change["status"] == "scheduled"
    assert [(c["kind"], c["name"]) for c in change["conflicts"]] == [("blackout", "Quarter close")]
    assert change["override_reason"] == "Vendor fix for a security hole"


def test_rescheduling_into_a_conflict_needs_a_reason(app: Any, api: Any) -> None:
    agent = api("agent")
    server = ci_number(app, "mail01")
    first = _scheduled(agent, server, at(12))
    second = _scheduled(agent, server, at(13))
    new_times = {
        "planned_start": at(12).isoformat(),
        "planned_end": (at(12) + timedelta(hours=1)).isoformat(),
    }
    fire(agent, second["number"], "schedule", status=409, **new_times)
    unchanged = agent.get(f"/api/v1/changes/{second['number']}").json
    assert unchanged["planned_start"] == at(13).isoformat()
    moved = fire(agent, second["number"], "schedule", override_reason="Same window", **new_times)
    assert moved["planned_start"] == at(12).isoformat()
    assert [c["number"] for c in moved["conflicts"]] == [first["number"]]


def test_cancelled_changes_free_their_slot(app: Any, api: Any) -> None:
    agent = api("agent")
    server = ci_number(app, "mail01")
    first = _scheduled(agent, server, at(14))
    fire(agent, first["number"], "cancel", reason="Postponed")
    assert _scheduled(agent, server, at(14))["conflicts"] == []


def test_submitting_a_conflicting_draft_needs_a_reason(app: Any, api: Any) -> None:
    agent = api("agent")
    server = ci_number(app, "mail01")
    first = _scheduled(agent, server, at(15))
    draft = raise_change(agent, change_body([server], at(15), type_="standard", draft=True))
    refused = fire(agent, draft["number"], "submit", status=409)
    assert first["number"] in refused["error"]["message"]
    assert agent.get(f"/api/v1/changes/{draft['number']}").json["status"] == "draft"
    sent = fire(agent, draft["number"], "submit", override_reason="Done together")
    assert sent["status"] == "scheduled" and sent["override_reason"] == "Done together"
