"""The incident API: intake, routing, permissions, transitions, journal, history."""

from __future__ import annotations

import pytest


def test_employee_reports_an_incident_and_gets_201_with_location(api):
    response = api("employee").post(
        "/api/v1/incidents",
        {"title": "Laptop does not boot", "impact": "low", "urgency": "high"},
        status=201,
    )
    body = response.json
    assert body["number"].startswith("INC-") and len(body["number"]) == 10
    assert response.headers["Location"].endswith(f"/api/v1/incidents/{body['number']}")
    assert body["requester"] == "employee"
    assert body["priority"] == 3  # low impact, high urgency
    assert body["status"] in ("new", "assigned")
    assert set(body["sla"]) >= {
        "response_due",
        "resolution_due",
        "responded_at",
        "paused",
        "breached",
    }


@pytest.mark.parametrize(
    ("title", "group", "category"),
    [
        ("VPN does not connect", "Network", "network"),
        ("Не работает сеть на 2 этаже", "Network", "network"),
        ("Printers on floor 3 are offline", "Workplace", "hardware"),
        ("Принтера не видно в списке", "Workplace", "hardware"),
        ("Outlook asks for my password", "Service Desk", "general"),
    ],
)
def test_demo_rules_route_by_word_stems(api, title, group, category):
    body = api("employee").report(title)
    assert (body["group"], body["category"]) == (group, category)


def test_routing_assigns_within_the_group_and_says_why(api):
    body = api("employee").report("VPN drops every hour")
    assert body["assignee"] == "agent2" and body["status"] == "assigned"
    staff_view = api("agent").get(f"/api/v1/incidents/{body['number']}").json
    assert "VPN" in staff_view["routing_note"] or "vpn" in staff_view["routing_note"]
    assert "agent2" in staff_view["routing_note"]


def test_bad_input_gets_field_messages(api):
    response = api("employee").post(
        "/api/v1/incidents", {"title": "", "impact": "huge", "urgency": "low"}, status=400
    )
    error = response.json["error"]
    assert error["code"] == "invalid"
    assert "impact" in error["fields"]


def test_employee_cannot_open_someone_elses_incident(api):
    number = api("employee").report()["number"]
    api("employee2").get(f"/api/v1/incidents/{number}", status=404)
    api("employee2").get(f"/api/v1/incidents/{number}/journal", status=404)
    api("employee2").fire(number, "close", status=404)
    listed = api("employee2").get("/api/v1/incidents").json
    assert number not in [i["number"] for i in listed["items"]]


def test_unknown_incident_is_404_in_the_error_format(api):
    response = api("agent").get("/api/v1/incidents/INC-999999", status=404)
    assert response.json["error"]["code"] == "not_found"


def test_employee_never_sees_internal_notes(api):
    number = api("employee").report()["number"]
    api("agent").post(
        f"/api/v1/incidents/{number}/journal", {"kind": "note", "body": "secret"}, status=201
    )
    api("agent").post(
        f"/api/v1/incidents/{number}/journal", {"kind": "reply", "body": "hello"}, status=201
    )
    mine = api("employee").get(f"/api/v1/incidents/{number}/journal").json["items"]
    assert [e["body"] for e in mine] == ["hello"]
    staff = api("agent").get(f"/api/v1/incidents/{number}/journal").json["items"]
    assert {e["body"] for e in staff} == {"secret", "hello"}
    api("employee").post(
        f"/api/v1/incidents/{number}/journal", {"kind": "note", "body": "x"}, status=403
    )


def test_full_lifecycle_through_the_api(api):
    employee, agent = api("employee"), api("agent")
    number = employee.report("Excel crashes")["number"]
    assert agent.fire(number, "assign", assignee="agent").json["assignee"] == "agent"
    assert agent.fire(number, "start").json["status"] == "in_progress"
    waiting = agent.fire(number, "wait", reason="Which version of Excel?").json
    assert waiting["status"] == "waiting" and waiting["sla"]["paused"] is True
    employee.post(f"/api/v1/incidents/{number}/journal", {"body": "Excel 2021"}, status=201)
    assert agent.get(f"/api/v1/incidents/{number}").json["status"] == "in_progress"
    agent.fire(number, "resolve", status=400)  # resolution code and notes are required
    resolved = agent.fire(number, "resolve", resolution_code="fixed", resolution="Repaired").json
    assert resolved["status"] == "resolved" and resolved["resolution_code"] == "fixed"
    assert employee.fire(number, "reopen", reason="Still broken").json["status"] == "in_progress"
    agent.fire(number, "resolve", resolution_code="fixed", resolution="Reinstalled")
    assert employee.fire(number, "close").json["status"] == "closed"
    agent.fire(number, "reopen", status=409)
    history = agent.get(f"/api/v1/incidents/{number}/history").json["items"]
    transitions = [h["field"] for h in history if h["action"] == "transition"]
    # The first "assign" is the routing's own, at intake.
    assert transitions == [
        "assign",
        "assign",
        "start",
        "wait",
        "resume",
        "resolve",
        "reopen",
        "resolve",
        "close",
    ]
    api("employee").get(f"/api/v1/incidents/{number}/history", status=403)


def test_employee_may_not_resolve_or_assign(api):
    number = api("employee").report()["number"]
    response = api("employee").fire(
        number, "resolve", status=403, resolution_code="fixed", resolution="done"
    )
    assert response.json["error"]["code"] == "forbidden"
    api("employee").fire(number, "assign", status=403, assignee="employee")


def test_transition_not_allowed_in_this_state_is_409(api):
    number = api("employee").report()["number"]
    response = api("agent").fire(number, "close", status=409)
    assert response.json["error"]["code"] == "conflict"


def test_cancel_needs_a_reason(api):
    number = api("employee").report()["number"]
    response = api("agent").fire(number, "cancel", status=400)
    assert "reason" in response.json["error"]["fields"]
    assert (
        api("agent").fire(number, "cancel", reason="duplicate call").json["status"] == "cancelled"
    )


def test_agent_changes_impact_and_priority_follows(api):
    number = api("employee").report(impact="low", urgency="low")["number"]
    body = (
        api("agent")
        .patch(f"/api/v1/incidents/{number}", {"impact": "high", "urgency": "high"}, status=200)
        .json
    )
    assert body["priority"] == 1
    api("employee").patch(f"/api/v1/incidents/{number}", {"impact": "high"}, status=403)


def test_list_filters_and_text_search(api):
    employee, agent = api("employee"), api("agent")
    a = employee.report("Printer jams on every page")["number"]
    b = employee.report("VPN is slow")["number"]
    found = agent.get("/api/v1/incidents", q="printers").json
    assert [i["number"] for i in found["items"]] == [a]
    network = agent.get("/api/v1/incidents", group="Network").json
    assert {i["number"] for i in network["items"]} == {b}
    page = agent.get("/api/v1/incidents", per_page="1", page="2").json
    assert page["total"] == 2 and len(page["items"]) == 1 and page["page"] == 2
    agent.get("/api/v1/incidents", priority="9", status=400)


def test_escalation_functional_moves_to_next_tier(api):
    number = api("employee").report("Outlook crashes")["number"]
    body = api("agent").fire(number, "escalate", mode="functional", reason="needs 2nd line").json
    assert body["group"] == "Workplace" and body["escalation_level"] == 1


def test_merge_and_major_incident(api):
    employee, agent = api("employee"), api("agent")
    a = employee.report("Mail is down")["number"]
    b = api("employee2").report("Mail does not work")["number"]
    c = employee.report("Cannot send mail")["number"]
    merged = agent.fire(c, "merge", into=a).json
    assert merged["status"] == "closed" and merged["merged_into"] == a
    agent.patch(f"/api/v1/incidents/{a}", {"major": True, "children": [b]}, status=200)
    agent.fire(a, "resolve", resolution_code="fixed", resolution="Mail server restarted")
    child = agent.get(f"/api/v1/incidents/{b}").json
    assert child["status"] == "resolved" and child["parent"] == a


def test_openapi_describes_the_incident_endpoints(api):
    doc = api("agent").get("/api/v1/openapi.json").json
    assert "/api/v1/incidents" in doc["paths"]
    assert "post" in doc["paths"]["/api/v1/incidents/{number}/transitions"]


def test_refusals_speak_the_callers_language_with_translated_titles(api):
    number = api("employee").report()["number"]
    agent = api("agent")
    response = agent.client.post_json(
        f"/api/v1/incidents/{number}/transitions",
        {"name": "close"},
        headers={**agent.headers, "Accept-Language": "ru"},
        status=409,
    )
    message = response.json["error"]["message"]
    assert "«Подтвердить и закрыть»" in message and "«Назначена»" in message


def test_an_agent_marked_away_gets_no_new_incidents(app, api):
    from tests.conftest import csrf_of, logged_in

    agent2 = logged_in(app, "agent2")
    page = agent2.get("/people/agent2/")
    agent2.post(
        "/people/agent2/preferences",
        {"csrf_token": csrf_of(page), "language": "", "away": "on"},
        status=303,
    )
    assert app.read(lambda root: root["people"]["agent2"].away) is True
    body = api("employee").report("VPN is down again")
    assert body["group"] == "Network" and body["assignee"] is None and body["status"] == "new"
    note = api("agent").get(f"/api/v1/incidents/{body['number']}").json["routing_note"]
    assert "available" in note
