"""Announcements: IT staff post, edit and take down; everyone sees the current ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import csrf_of, logged_in
from tests.functional.incidents.conftest import ApiClient

BASE = "/api/v1/announcements"


@pytest.fixture
def api(app: Any) -> Any:
    clients: dict[str, ApiClient] = {}

    def client(login: str) -> ApiClient:
        if login not in clients:
            clients[login] = ApiClient(app, login)
        return clients[login]

    return client


def iso(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()


def test_agent_posts_on_the_page_and_employees_see_it_on_the_portal(app):
    agent = logged_in(app, "agent")
    page = agent.get("/announcements")
    form = page.forms["announcement-form"]
    form["title"] = "Mail is down"
    form["body"] = "We are on it.\nNext update at 15:00."
    form["severity"] = "outage"
    assert form.submit(status=303).location == "http://localhost/announcements"
    employee = logged_in(app, "employee")
    home = employee.get("/")
    assert "Mail is down" in home.text and 'data-severity="outage"' in home.text
    assert "Next update at 15:00." in employee.get("/announcements").text
    # Employees get no posting form and no list of past ones.
    assert "announcement-form" not in employee.get("/announcements").text


def test_employee_cannot_post_edit_or_expire(app, api):
    employee = logged_in(app, "employee")
    token = csrf_of(employee.get("/"))
    employee.post("/announcements", {"csrf_token": token, "title": "Free pizza"}, status=403)
    api("employee").post(BASE, {"title": "Free pizza"}, status=403)
    key = api("agent").post(BASE, {"title": "Planned work"}, status=201).json["id"]
    api("employee").patch(f"{BASE}/{key}", {"title": "Hacked"}, status=403)
    api("employee").client.delete(f"{BASE}/{key}", headers=api("employee").headers, status=403)
    employee.post(
        "/announcements", {"csrf_token": token, "action": "expire", "id": key}, status=403
    )
    employee.get(f"/announcements?edit={key}", status=403)
    assert app.read(lambda root: root.announcements[key].title) == "Planned work"


def test_anonymous_gets_401_from_the_api(app):
    app.client().get(BASE, status=401)
    app.client().post_json(BASE, {"title": "x"}, status=401)


def test_expired_and_scheduled_announcements_are_hidden(app, api):
    agent = api("agent")
    agent.post(
        BASE,
        {
            "title": "Old news",
            "starts": iso(-timedelta(days=3)),
            "expires": iso(-timedelta(days=1)),
        },
        status=201,
    )
    agent.post(BASE, {"title": "Next week", "starts": iso(timedelta(days=7))}, status=201)
    agent.post(BASE, {"title": "Now on", "severity": "warning"}, status=201)
    titles = [a["title"] for a in api("employee").get(BASE).json["items"]]
    assert titles == ["Now on"]
    home = logged_in(app, "employee").get("/").text
    assert "Now on" in home and "Old news" not in home and "Next week" not in home
    everything = {a["title"]: a["state"] for a in agent.get(BASE, all="1").json["items"]}
    assert everything == {"Old news": "expired", "Next week": "scheduled", "Now on": "current"}
    # ?all is for IT staff only: an employee still gets the current ones.
    assert len(api("employee").get(BASE, all="1").json["items"]) == 1


def test_edit_and_expire_now_through_the_api(app, api):
    agent = api("agent")
    created = agent.post(BASE, {"title": "VPN slow", "body": "Investigating"}, status=201)
    key = created.json["id"]
    assert created.headers["Location"].endswith(f"{BASE}/{key}")
    changed = agent.patch(f"{BASE}/{key}", {"title": "VPN slow in Moscow"}, status=200).json
    assert changed["title"] == "VPN slow in Moscow" and changed["body"] == "Investigating"
    expired = agent.patch(f"{BASE}/{key}", {"expire_now": True}, status=200).json
    assert expired["state"] == "expired"
    assert api("employee").get(BASE).json["items"] == []
    agent.client.delete(f"{BASE}/{key}", headers=agent.headers, status=204)
    agent.get(f"{BASE}/{key}", status=404)


def test_edit_and_expire_on_the_page(app):
    agent = logged_in(app, "agent")
    form = agent.get("/announcements").forms["announcement-form"]
    form["title"] = "Printer moved"
    form.submit(status=303)
    key = app.read(lambda root: next(iter(root.announcements.keys())))
    edit = agent.get(f"/announcements?edit={key}").forms["announcement-form"]
    assert edit["title"].value == "Printer moved"
    edit["title"] = "Printer moved to room 301"
    edit.submit(status=303)
    assert app.read(lambda root: root.announcements[key].title) == "Printer moved to room 301"
    page = agent.get("/announcements")
    assert "Printer moved to room 301" in page.text
    expire = next(
        f
        for f in page.forms.values()
        if f.get("action", default=None) is not None and f["action"].value == "expire"
    )
    expire.submit(status=303)
    assert "Printer moved to room 301" not in logged_in(app, "employee").get("/").text


def test_bad_input_gets_field_messages(app, api):
    agent = api("agent")
    body = agent.post(BASE, {"title": "x", "severity": "panic"}, status=400).json
    assert "severity" in body["error"]["fields"]
    body = agent.post(BASE, {"title": "x", "starts": "tomorrow"}, status=400).json
    assert "starts" in body["error"]["fields"]
    body = agent.post(
        BASE,
        {"title": "x", "starts": iso(timedelta(days=2)), "expires": iso(timedelta(days=1))},
        status=400,
    ).json
    assert "expires" in body["error"]["fields"]
    agent.post(BASE, {"body": "no title"}, status=400)
    page = logged_in(app, "agent")
    form = page.get("/announcements").forms["announcement-form"]
    form["title"] = ""
    refused = form.submit(status=400)
    assert "Required" in refused.text
    assert app.read(lambda root: getattr(root, "announcements", None)) is None


def test_text_is_shown_as_text(app, api):
    api("agent").post(BASE, {"title": "<script>alert(1)</script>", "body": "<b>x</b>"}, status=201)
    home = logged_in(app, "employee").get("/").text
    assert "<script>alert(1)</script>" not in home
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in home
    assert "&lt;b&gt;x&lt;/b&gt;" in home


def test_reading_never_writes(app, api):
    employee = logged_in(app, "employee")
    agent = logged_in(app, "agent")
    before = app.db.lastTransaction()
    for client in (employee, agent):
        client.get("/")
        client.get("/announcements")
    api_reader = app.client()
    api_reader.get(BASE, status=401)
    assert app.db.lastTransaction() == before
    # The container is made by the first post, never by a read.
    assert app.read(lambda root: getattr(root, "announcements", None)) is None


def test_the_endpoints_are_in_the_openapi_description(app):
    paths = app.client().get("/api/v1/openapi.json").json["paths"]
    assert {"get", "post"} <= set(paths[BASE])
    assert {"get", "patch", "delete"} <= set(paths[BASE + "/{id}"])
