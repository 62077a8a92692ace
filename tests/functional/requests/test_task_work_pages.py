"""Fulfilment tasks worked like small tickets in the web UI: the queue, assign, note, start,
done, each in the request's history, with the API's rules."""

from __future__ import annotations

from tests.conftest import csrf_of, logged_in


def _laptop_in_fulfilment(api) -> tuple[str, list[dict]]:
    number = api("employee").order("new-laptop")["number"]
    api("manager").decide(f"{number}-1", "approve")
    return number, api("agent").tasks(number)


def test_agent_queue_lists_open_tasks_of_their_groups_with_filters(app, api):
    number, tasks = _laptop_in_fulfilment(api)
    vpn = api("employee").order("vpn-access")["number"]
    api("manager").decide(f"{vpn}-1", "approve")
    vpn_tasks = api("agent").tasks(vpn)
    agent = logged_in(app, "agent")
    page = agent.get("/requests/tasks")
    queue = page.html.find(id="task-queue").text
    assert tasks[0]["id"] in queue and tasks[1]["id"] in queue  # Workplace
    assert vpn_tasks[1]["id"] in queue  # Service Desk
    assert vpn_tasks[0]["id"] not in queue  # Network: not one of agent's groups
    network = agent.get("/requests/tasks", {"group": "Network"}).html.find(id="task-queue").text
    assert vpn_tasks[0]["id"] in network and tasks[0]["id"] not in network
    waiting = agent.get("/requests/tasks", {"status": "waiting"}).html.find(id="task-queue").text
    assert tasks[1]["id"] in waiting and tasks[0]["id"] not in waiting
    assert "No open tasks." in agent.get("/requests/tasks", {"mine": "1"}).text
    # The agent from the Network group only sees Network tasks.
    network_agent = logged_in(app, "agent2").get("/requests/tasks").html.find(id="task-queue")
    assert vpn_tasks[0]["id"] in network_agent.text and tasks[0]["id"] not in network_agent.text
    assert 'href="http://localhost/requests/tasks"' in page.text  # in the agents' menu


def test_employee_has_no_task_queue_and_no_task_menu(app, api):
    employee = logged_in(app, "employee")
    employee.get("/requests/tasks", status=403)
    assert "/requests/tasks" not in employee.get("/").text


def test_agent_takes_notes_starts_and_finishes_a_task_from_the_request_page(app, api):
    number, tasks = _laptop_in_fulfilment(api)
    first, second = tasks[0]["id"], tasks[1]["id"]
    agent = logged_in(app, "agent")
    page = agent.get(f"/requests/{number}")
    assert f"work-{second}" not in page.forms  # waits for "prepare"
    form = page.forms[f"assign-{first}"]
    form["assignee"] = "agent"
    page = form.submit("name", value="assign").follow()
    form = page.forms[f"note-{first}"]
    form["note"] = "Imaging with the sales profile"
    page = form.submit("name", value="note").follow()
    assert "Imaging with the sales profile" in page.html.find(id=f"task-{first}").text
    page = page.forms[f"work-{first}"].submit("name", value="start").follow()
    page = page.forms[f"work-{first}"].submit("name", value="done").follow()
    assert f"work-{second}" in page.forms  # released
    task = api("agent").get(f"/api/v1/tasks/{first}").json
    assert task["status"] == "done" and task["assignee"] == "agent"
    assert [n["body"] for n in task["notes"]] == ["Imaging with the sales profile"]
    history = app.read(
        lambda root: [
            (h.action, h.field, h.after, h.note) for h in root["requests"][number].history
        ]
    )
    assert ("task_assigned", first, "agent", "Prepare and image the laptop") in history
    assert ("task_note", first, None, "Imaging with the sales profile") in history
    assert ("task", first, "in_progress", "Prepare and image the laptop") in history
    assert ("task", first, "done", "Prepare and image the laptop") in history
    # The requester sees the task's progress but neither the notes nor the forms.
    employee_page = logged_in(app, "employee").get(f"/requests/{number}")
    assert "Imaging with the sales profile" not in employee_page.text
    assert f"assign-{second}" not in employee_page.text


def test_assigning_to_someone_outside_the_tasks_group_is_refused(app, api):
    number, tasks = _laptop_in_fulfilment(api)
    first = tasks[0]["id"]
    agent = logged_in(app, "agent")
    page = agent.get(f"/requests/{number}")
    token = page.forms[f"assign-{first}"]["csrf_token"].value
    page = agent.post(
        f"/requests/{number}/work-task",
        {"csrf_token": token, "task": first, "name": "assign", "assignee": "agent2"},
    ).follow()
    assert "Choose someone of group Workplace." in page.text
    assert api("agent").get(f"/api/v1/tasks/{first}").json["assignee"] is None
    # An empty note is refused with a message, nothing stored.
    page = agent.post(
        f"/requests/{number}/work-task",
        {"csrf_token": token, "task": first, "name": "note", "note": "  "},
    ).follow()
    assert "Some fields are required." in page.text
    assert api("agent").get(f"/api/v1/tasks/{first}").json["notes"] == []


def test_take_it_from_the_queue_assigns_to_me_and_returns_to_the_queue(app, api):
    number, tasks = _laptop_in_fulfilment(api)
    agent = logged_in(app, "agent")
    page = agent.get("/requests/tasks")
    form = [f for f in page.forms.values() if f.get("task", default=None)][0]
    taken = form["task"].value
    response = form.submit("name", value="assign")
    assert response.location.endswith("/requests/tasks")
    assert api("agent").get(f"/api/v1/tasks/{taken}").json["assignee"] == "agent"
    mine = agent.get("/requests/tasks", {"mine": "1"}).html.find(id="task-queue").text
    assert taken in mine


def test_queue_page_does_not_commit(app, api):
    _laptop_in_fulfilment(api)
    agent = logged_in(app, "agent")
    before = app.db.lastTransaction()
    agent.get("/requests/tasks")
    agent.get("/requests/tasks", {"group": "Workplace", "status": "open", "mine": "1"})
    assert app.db.lastTransaction() == before


def test_employee_cannot_work_tasks_from_the_page(app, api):
    number, tasks = _laptop_in_fulfilment(api)
    employee = logged_in(app, "employee")
    token = csrf_of(employee.get(f"/requests/{number}"))
    for name, extra in (("start", {}), ("assign", {"assignee": "me"}), ("note", {"note": "x"})):
        employee.post(
            f"/requests/{number}/work-task",
            {"csrf_token": token, "task": tasks[0]["id"], "name": name, **extra},
            status=403,
        )
    task = api("agent").get(f"/api/v1/tasks/{tasks[0]['id']}").json
    assert task["status"] == "open" and task["assignee"] is None and task["notes"] == []
