"""The recurring work pages: list, create, edit, pause/resume and delete, for IT staff only."""

from __future__ import annotations

from typing import Any

from tests.conftest import csrf_of, logged_in


def new_form(client: Any, **values: str) -> Any:
    page = client.get("/recurring/new")
    form = page.forms["recurring-form"]
    for key, value in values.items():
        form[key] = value
    return form


def test_staff_create_a_task_template_and_see_its_next_run(app: Any, api: Any) -> None:
    agent = logged_in(app, "agent")
    assert 'id="recurring-link"' in agent.get("/requests/").text
    assert "no-recurring" in agent.get("/recurring/").text
    form = new_form(
        agent,
        id="weekly-toner",
        title="Check the toner",
        creates="task",
        group="Workplace",
        description="All printers on floor 3",
        kind="weekly",
        weekday="0",
        time="09:00",
    )
    saved = form.submit(status=303).follow()
    assert "The recurring template is saved." in saved.text
    assert "Next run:" in saved.text and "Europe/Moscow" in saved.text
    listed = agent.get("/recurring/")
    assert 'data-recurring="weekly-toner"' in listed.text
    assert "Every week on Monday, 09:00" in listed.text
    assert "A task for Workplace" in listed.text
    made = api("agent").get("/api/v1/recurring/weekly-toner").json
    assert made["creates"] == "task" and made["group"] == "Workplace"
    assert made["schedule"] == {"kind": "weekly", "time": "09:00", "weekday": 0}


def test_a_request_template_fills_in_the_items_form(app: Any, api: Any) -> None:
    agent = logged_in(app, "agent")
    form = new_form(agent, item="software-install")
    shown = form.submit("pick", status=200)  # shows the item's fields, saves nothing
    assert 'name="field.software"' in shown.text
    assert app.read(lambda root: "recurring" in root["settings"]) is False
    form = shown.forms["recurring-form"]
    form["id"] = "monthly-antivirus"
    form["field.software"] = "Antivirus update"
    form["field.computer"] = "PC-0042"
    form["kind"] = "monthly_first_working_day"
    form.submit(status=303)
    made = api("agent").get("/api/v1/recurring/monthly-antivirus").json
    assert made["item"] == "software-install"
    assert made["fields"]["software"] == "Antivirus update"
    assert made["title"]  # the item's name when none is given


def test_wrong_input_is_explained_and_kept(app: Any) -> None:
    agent = logged_in(app, "agent")
    form = new_form(agent, id="Bad Id", creates="task", time="25:99", requester="nobody")
    page = form.submit(status=400)
    assert "Some fields are not valid." in page.text
    assert "Lower-case letters, digits and hyphens." in page.text
    assert "Unknown person." in page.text
    assert "No such group." in page.text
    assert 'id="rec-time-error"' in page.text
    assert 'value="Bad Id"' in page.text
    assert app.read(lambda root: "recurring" in root["settings"]) is False


def test_edit_pause_resume_and_delete(app: Any, api: Any) -> None:
    body = {
        "id": "nightly",
        "creates": "task",
        "title": "Nightly check",
        "group": "Network",
        "requester": "agent2",
        "schedule": {"kind": "daily", "time": "07:30"},
    }
    api("agent").post("/api/v1/recurring", body, status=201)
    agent = logged_in(app, "agent")
    page = agent.get("/recurring/nightly/")
    form = page.forms["recurring-form"]
    assert form["title"].value == "Nightly check"
    form["title"] = "Nightly network check"
    form["kind"] = "working_days"
    form.submit(status=303)
    made = api("agent").get("/api/v1/recurring/nightly").json
    assert made["title"] == "Nightly network check"
    assert made["schedule"]["kind"] == "working_days"

    def act(action: str) -> Any:
        token = csrf_of(agent.get("/recurring/"))
        return agent.post("/recurring/nightly/action", {"csrf_token": token, "action": action})

    act("pause")
    assert api("agent").get("/api/v1/recurring/nightly").json["active"] is False
    assert "Paused" in agent.get("/recurring/").text
    act("resume")
    assert api("agent").get("/api/v1/recurring/nightly").json["active"] is True
    act("delete")
    api("agent").get("/api/v1/recurring/nightly", status=404)


def test_employees_cannot_reach_the_recurring_pages(app: Any) -> None:
    employee = logged_in(app, "employee")
    employee.get("/recurring/", status=404)
    employee.get("/recurring/new", status=404)


def test_reading_the_recurring_pages_never_commits(app: Any) -> None:
    agent = logged_in(app, "agent")
    before = app.db.lastTransaction()
    agent.get("/recurring/")
    agent.get("/recurring/new")
    assert app.db.lastTransaction() == before
