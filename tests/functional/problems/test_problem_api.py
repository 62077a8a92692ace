"""The problem API in the OpenAPI description, its links and journal, and the report figures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.functional.problems.conftest import BASE


def test_problem_paths_are_in_the_openapi_description(app: Any, api: Any) -> None:
    spec = app.client().get("/api/v1/openapi.json").json
    paths = spec["paths"]
    for path in (
        BASE,
        f"{BASE}/{{number}}",
        f"{BASE}/{{number}}/transitions",
        f"{BASE}/{{number}}/incidents",
        f"{BASE}/{{number}}/changes",
        f"{BASE}/{{number}}/journal",
        f"{BASE}/{{number}}/publish",
        f"{BASE}/figures",
        "/api/v1/known-errors",
    ):
        assert path in paths, path
    assert "Problem" in spec["components"]["schemas"]
    assert "KnownError" in spec["components"]["schemas"]


def test_links_patch_and_journal_through_the_api(app: Any, api: Any) -> None:
    agent = api("agent")
    first = api("employee").report("Laptop will not boot")["number"]
    number = agent.raise_problem(title="Boot loop after update")["number"]
    linked = agent.post(f"{BASE}/{number}/incidents", {"incidents": [first]}, status=200).json
    assert linked["incidents"] == [first]
    refused = agent.post(f"{BASE}/{number}/incidents", {"incidents": ["INC-999999"]}, status=400)
    assert "incidents" in refused.json["error"]["fields"]
    patched = agent.patch(
        f"{BASE}/{number}",
        {"whys": ["Update failed", "No disk space"], "assignee": "agent2", "impact": "high"},
        status=200,
    ).json
    assert patched["whys"] == ["Update failed", "No disk space"]
    assert patched["assignee"] == "agent2" and patched["priority"] == 2
    bad = agent.patch(f"{BASE}/{number}", {"assignee": "employee"}, status=400).json
    assert "assignee" in bad["error"]["fields"]
    agent.post(f"{BASE}/{number}/journal", {"body": "Checked the logs"}, status=201)
    entries = agent.get(f"{BASE}/{number}/journal").json["items"]
    assert [e["body"] for e in entries] == ["Checked the logs"]
    agent.post(f"{BASE}/{number}/journal", {"kind": "reply", "body": "x"}, status=400)


def test_figures_incidents_per_problem_time_to_root_cause_open_known_errors(
    app: Any, api: Any
) -> None:
    agent = api("agent")
    incidents = [api("employee").report(f"Slow network {n}")["number"] for n in range(3)]
    number = agent.raise_problem(incidents=incidents, workaround="Use cable")["number"]

    def earlier(root: Any) -> None:  # the first incident began three hours ago
        root["incidents"][incidents[0]].created -= timedelta(hours=3)

    app.write(earlier)
    agent.move(number, "root_cause", root_cause="Switch port errors")
    agent.raise_problem(title="Empty one")
    figures = agent.get(f"{BASE}/figures").json
    per_problem = {r["number"]: r["incidents"] for r in figures["incidents_per_problem"]["items"]}
    assert per_problem == {number: 3, "PRB-000002": 0}
    assert figures["incidents_per_problem"]["max"] == 3
    (row,) = figures["time_to_root_cause"]["items"]
    assert row["number"] == number and 2.9 < row["hours"] < 3.2
    assert figures["open_known_errors"]["total"] == 1
    api("employee").get(f"{BASE}/figures", status=404)
