"""Links between changes and incidents: a change raised from an incident, and incidents caused
by a change, set on the incident page and through the incidents API, shown on both pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.conftest import csrf_of, logged_in
from tests.functional.changes.conftest import at, change_body, ci_number, raise_change


def _local(value: Any) -> str:
    return value.strftime("%Y-%m-%dT%H:%M")


def test_change_raised_from_an_incident_keeps_the_link(app: Any, api: Any) -> None:
    server = ci_number(app, "mail01")
    incident = api("employee").report("Mail is slow", description="Since this morning")
    api("agent").patch(f"/api/v1/incidents/{incident['number']}", {"cis": [server]}, status=200)
    agent = logged_in(app, "agent")
    page = agent.get(f"/incidents/{incident['number']}/")
    assert 'id="raise-change"' in page.text
    form_page = page.click(href=r"/changes/new\?incident=", index=0)
    form = form_page.forms["change-form"]
    assert form["title"].value == "Mail is slow"
    assert form["description"].value == "Since this morning"
    assert form["cis"].value == server
    assert form["raised_from"].value == incident["number"]
    assert incident["number"] in form_page.text
    start = at(6)
    form["planned_start"] = _local(start)
    form["planned_end"] = _local(start + timedelta(hours=1))
    change_page = form.submit("action", value="raise", status=303).follow()
    number = "CHG-000001"
    assert 'id="raised-from"' in change_page.text and incident["number"] in change_page.text
    assert api("agent").get(f"/api/v1/changes/{number}").json["raised_from"] == incident["number"]
    incident_json = api("agent").get(f"/api/v1/incidents/{incident['number']}").json
    assert incident_json["raised_changes"] == [number]
    assert number in agent.get(f"/incidents/{incident['number']}/").text


def test_api_raises_a_change_from_an_incident_and_refuses_an_unknown_one(
    app: Any, api: Any
) -> None:
    incident = api("employee").report("VPN drops")
    agent = api("agent")
    body = change_body([ci_number(app, "VPN")], at(7), raised_from=incident["number"])
    change = raise_change(agent, body)
    assert change["raised_from"] == incident["number"]
    refused = raise_change(agent, {**body, "raised_from": "INC-999999"}, status=400)
    assert "raised_from" in refused["error"]["fields"]


def test_agent_links_an_incident_to_the_change_that_caused_it(app: Any, api: Any) -> None:
    change = raise_change(
        api("agent"), change_body([ci_number(app, "mail01")], at(5), type_="standard")
    )
    incident = api("employee").report("No mail since the upgrade")
    agent = logged_in(app, "agent")
    page = agent.get(f"/incidents/{incident['number']}/")
    form = page.forms[[k for k, f in page.forms.items() if "caused_by_change" in f.fields][0]]
    form["caused_by_change"] = change["number"].lower()
    page = form.submit(status=303).follow()
    assert 'id="caused-by-change"' in page.text and change["number"] in page.text
    change_page = agent.get(f"/changes/{change['number']}/")
    assert 'id="caused-incidents"' in change_page.text
    assert incident["number"] in change_page.text
    assert api("agent").get(f"/api/v1/changes/{change['number']}").json["caused_incidents"] == [
        incident["number"]
    ]

    # An unknown number: the page again, the message, the typed number kept, nothing stored.
    form = page.forms[[k for k, f in page.forms.items() if "caused_by_change" in f.fields][0]]
    form["caused_by_change"] = "CHG-424242"
    refused = form.submit(status=400)
    assert "No change CHG-424242." in refused.text
    assert 'value="CHG-424242"' in refused.text
    data = api("agent").get(f"/api/v1/incidents/{incident['number']}").json
    assert data["caused_by_change"] == change["number"]

    # Emptied: the link goes from both sides.
    form = refused.forms[[k for k, f in refused.forms.items() if "caused_by_change" in f.fields][0]]
    form["caused_by_change"] = ""
    form.submit(status=303)
    assert (
        api("agent").get(f"/api/v1/incidents/{incident['number']}").json["caused_by_change"] is None
    )
    assert api("agent").get(f"/api/v1/changes/{change['number']}").json["caused_incidents"] == []


def test_incidents_api_sets_and_moves_caused_by_change(app: Any, api: Any) -> None:
    agent = api("agent")
    first = raise_change(agent, change_body([ci_number(app, "mail01")], at(5), type_="standard"))
    second = raise_change(agent, change_body([ci_number(app, "VPN")], at(6), type_="standard"))
    incident = api("employee").report("Broken after the weekend")
    path = f"/api/v1/incidents/{incident['number']}"
    assert (
        agent.patch(path, {"caused_by_change": first["number"]}, status=200).json[
            "caused_by_change"
        ]
        == first["number"]
    )
    assert (
        agent.patch(path, {"caused_by_change": second["number"]}, status=200).json[
            "caused_by_change"
        ]
        == second["number"]
    )
    assert agent.get(f"/api/v1/changes/{first['number']}").json["caused_incidents"] == []
    assert agent.get(f"/api/v1/changes/{second['number']}").json["caused_incidents"] == [
        incident["number"]
    ]
    refused = agent.patch(path, {"caused_by_change": "CHG-999999"}, status=400).json
    assert "caused_by_change" in refused["error"]["fields"]
    # The requester (an employee) may not set it.
    api("employee").patch(path, {"caused_by_change": ""}, status=403)
    assert agent.get(path).json["caused_by_change"] == second["number"]


def test_employee_sees_no_change_links_and_cannot_post_them(app: Any, api: Any) -> None:
    change = raise_change(
        api("agent"), change_body([ci_number(app, "mail01")], at(5), type_="standard")
    )
    incident = api("employee").report("Mine")
    employee = logged_in(app, "employee")
    page = employee.get(f"/incidents/{incident['number']}/")
    assert 'id="incident-changes"' not in page.text and 'id="raise-change"' not in page.text
    employee.post(
        f"/incidents/{incident['number']}/caused-by-change",
        {"caused_by_change": change["number"], "csrf_token": csrf_of(page)},
        status=403,
    )
    assert (
        api("agent").get(f"/api/v1/incidents/{incident['number']}").json["caused_by_change"] is None
    )
