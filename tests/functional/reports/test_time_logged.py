"""Time tracking (issue 15): minutes logged on incidents, requests (and their tasks) and changes,
summed per agent, group and ticket for a date range, on /reports/time, as CSV and in the API."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.conftest import demo_person, desk_today, logged_in
from tests.functional.changes.conftest import at, change_body, ci_number, raise_change
from tests.functional.requests.conftest import RequestClient


def _client(app: Any, login: str) -> RequestClient:
    return RequestClient(app, login)


def _log_everywhere(app: Any) -> dict[str, str]:
    agent, agent2 = _client(app, "agent"), _client(app, "agent2")
    incident = _client(app, "employee").report("Printer jams")["number"]
    agent.post(
        f"/api/v1/incidents/{incident}/journal",
        {"kind": "worklog", "body": "Cleaned the rollers", "minutes": 30},
        status=201,
    )
    request = _client(app, "employee").order("software-install")["number"]
    agent2.post(f"/api/v1/requests/{request}/journal", {"minutes": 20, "body": "Checked"}, 201)
    change = raise_change(agent, change_body([ci_number(app, "mail01")], at(5), type_="standard"))
    answer = agent.post(
        f"/api/v1/changes/{change['number']}/journal", {"minutes": 45, "body": "Prepared"}, 201
    ).json
    assert answer["minutes"] == 45 and answer["items"][-1]["author"] == "agent"
    return {"incident": incident, "request": request, "change": change["number"]}


def test_time_is_summed_per_agent_group_and_ticket(app: Any) -> None:
    numbers = _log_everywhere(app)
    report = (
        _client(app, "agent")
        .get("/api/v1/reports/time", start=desk_today(app), end=desk_today(app))
        .json
    )
    tables = {t["name"]: t["rows"] for t in report["tables"]}
    agents = {r["key"]: r["minutes"] for r in tables["agents"]}
    assert agents == {"agent": 75, "agent2": 20}
    tickets = {r["number"]: r["minutes"] for r in tables["tickets"]}
    assert tickets == {numbers["incident"]: 30, numbers["request"]: 20, numbers["change"]: 45}
    assert tables["total"][0]["minutes"] == 95
    # One kind only; one agent only.
    only = _client(app, "agent").get("/api/v1/reports/time", kind="change").json
    assert [r["number"] for r in only["tables"][2]["rows"]] == [numbers["change"]]
    mine = _client(app, "agent").get("/api/v1/reports/time", agent="agent2").json
    assert {r["key"] for r in mine["tables"][0]["rows"]} == {"agent2"}
    # A range before today has nothing.
    old = _client(app, "agent").get("/api/v1/reports/time", start="2020-01-01", end="2020-01-31")
    assert old.json["tables"][-1]["rows"][0]["minutes"] == 0


def test_time_page_and_csv_in_russian(app: Any) -> None:
    _log_everywhere(app)
    demo_person(app, "agent", language="ru")
    agent = logged_in(app, "agent")
    page = agent.get("/reports/time")
    assert "Учёт времени" in page.text or "Затраченное время" in page.text
    response = agent.get("/reports/time.csv", params={"table": "0"})
    text = response.body.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[1][0] == "agent" and rows[1][2] == "75"


def test_worklog_pages_for_changes_and_requests(app: Any) -> None:
    agent = _client(app, "agent")
    change = raise_change(agent, change_body([ci_number(app, "mail01")], at(6), type_="standard"))
    client = logged_in(app, "agent")
    page = client.get(f"/changes/{change['number']}/")
    form = page.forms["worklog-form"]
    form["minutes"] = "abc"
    form["body"] = "Typed text kept"
    refused = form.submit(status=400)
    assert "Typed text kept" in refused.text and 'id="worklog-error"' in refused.text
    form = refused.forms["worklog-form"]
    form["minutes"] = "25"
    form.submit(status=303)
    shown = client.get(f"/changes/{change['number']}/").html.find(id="worklog-total")
    assert "25" in shown.text
    request = _client(app, "employee").order("software-install")["number"]
    page = client.get(f"/requests/{request}")
    form = page.forms["worklog-form"]
    form["minutes"] = "10"
    form.submit(status=303)
    assert "10" in client.get(f"/requests/{request}").html.find(id="worklog-total").text
    # Task notes take minutes too, counted for the request.
    task = agent.tasks(request)
    if task:
        agent.post(f"/api/v1/tasks/{task[0]['number']}/notes", {"minutes": 5}, 201)


def test_employees_are_refused_time_pages_and_worklogs(app: Any) -> None:
    numbers = _log_everywhere(app)
    employee = _client(app, "employee")
    employee.get("/api/v1/reports/time", status=404)
    employee.post(f"/api/v1/requests/{numbers['request']}/journal", {"minutes": 5}, 403)
    employee.get(f"/api/v1/requests/{numbers['request']}/journal", status=403)
    refused = employee.post(f"/api/v1/changes/{numbers['change']}/journal", {"minutes": 5})
    assert refused.status_int in (403, 404)
    browser = logged_in(app, "employee")
    browser.get("/reports/time", status=404)
    browser.get("/reports/time.csv", params={"table": "0"}, status=404)
    page = browser.get(f"/requests/{numbers['request']}")
    assert "worklog-form" not in page.text
