"""``POST /api/v1/tasks/{id}/assign`` and ``/notes``: the API side of working a task."""

from __future__ import annotations


def _vpn_tasks(api) -> tuple[str, list[dict]]:
    number = api("employee").order("vpn-access")["number"]
    api("manager").decide(f"{number}-1", "approve")
    return number, api("agent").tasks(number)


def test_openapi_describes_assign_and_notes(api):
    paths = api("agent").get("/api/v1/openapi.json").json["paths"]
    assert "post" in paths["/api/v1/tasks/{id}/assign"]
    assert "post" in paths["/api/v1/tasks/{id}/notes"]
    body = paths["/api/v1/tasks/{id}/transitions"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert "ci" in schema["properties"]


def test_agent_assigns_a_task_to_a_group_member_and_notes_it(app, api):
    number, tasks = _vpn_tasks(api)
    profile = tasks[0]["id"]  # Network: agent and agent2
    agent = api("agent")
    assigned = agent.post(f"/api/v1/tasks/{profile}/assign", {"assignee": "agent2"}, status=200)
    assert assigned.json["assignee"] == "agent2"
    assert [t["id"] for t in api("agent2").get("/api/v1/tasks", mine=1).json["items"]] == [profile]
    assert api("agent").get("/api/v1/tasks", mine=1).json["items"] == []
    noted = agent.post(f"/api/v1/tasks/{profile}/notes", {"body": "Use the split tunnel"}, 201)
    assert noted.json["notes"][0]["body"] == "Use the split tunnel"
    assert noted.json["notes"][0]["author"] == "agent"
    unassigned = agent.post(f"/api/v1/tasks/{profile}/assign", {"assignee": None}, status=200)
    assert unassigned.json["assignee"] is None
    history = app.read(
        lambda root: [(h.action, h.field, h.note) for h in root["requests"][number].history]
    )
    assert ("task_assigned", profile, "Create the VPN profile") in history
    assert ("task_note", profile, "Use the split tunnel") in history


def test_assign_refuses_people_outside_the_group_and_employees(api):
    _number, tasks = _vpn_tasks(api)
    profile = tasks[0]["id"]
    refused = api("agent").post(f"/api/v1/tasks/{profile}/assign", {"assignee": "employee"}, 400)
    assert refused.json["error"]["fields"]["assignee"] == "Choose someone of group Network."
    api("employee").post(f"/api/v1/tasks/{profile}/assign", {"assignee": "employee"}, 403)
    api("employee").post(f"/api/v1/tasks/{profile}/notes", {"body": "hello"}, 403)
    api("agent").post(f"/api/v1/tasks/{profile}/notes", {"body": ""}, 400)
    assert api("agent").get(f"/api/v1/tasks/{profile}").json["notes"] == []


def test_a_done_task_cannot_be_reassigned_and_waiting_tasks_cannot_be_done(api):
    number, tasks = _vpn_tasks(api)
    profile, instructions = tasks[0]["id"], tasks[1]["id"]
    agent = api("agent")
    agent.work(instructions, "done", status=409)
    agent.work(profile, "done")
    refused = agent.post(f"/api/v1/tasks/{profile}/assign", {"assignee": "agent"}, status=400)
    assert refused.json["error"]["message"] == "Only an open task can be assigned."
    agent.post(f"/api/v1/tasks/{instructions}/assign", {"assignee": "agent"}, status=200)
    agent.work(instructions, "done")
    assert api("employee").request(number)["status"] == "resolved"
