"""The portal home: search, my open tickets, waiting for me, announcements, role sections."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import logged_in
from tests.functional.incidents.conftest import ApiClient


@pytest.fixture
def api(app: Any) -> Any:
    clients: dict[str, ApiClient] = {}

    def client(login: str) -> ApiClient:
        if login not in clients:
            clients[login] = ApiClient(app, login)
        return clients[login]

    return client


def section(html: str, section_id: str) -> str:
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


def test_employee_home_has_search_report_button_and_empty_sections(app):
    home = logged_in(app, "employee").get("/")
    search = home.forms["portal-search"]
    assert search.action == "http://localhost/kb/" and search.method.lower() == "get"
    assert "q" in search.fields
    assert 'href="http://localhost/incidents/new"' in section(home.text, "portal-my-open")
    assert "You have no open tickets." in home.text
    assert "Nothing is waiting for you." in home.text


def test_the_search_goes_to_the_knowledge_base(app):
    home = logged_in(app, "employee").get("/")
    form = home.forms["portal-search"]
    form["q"] = "vpn"
    assert form.submit(status="*").request.url == "http://localhost/kb/?q=vpn"


def test_my_open_tickets_and_waiting_for_me_show_the_right_incidents(app, api):
    employee, agent = api("employee"), api("agent")
    open_one = employee.report("Excel crashes")["number"]
    waiting = employee.report("Printer jammed")["number"]
    agent.fire(waiting, "assign", assignee="agent")
    agent.fire(waiting, "start")
    agent.fire(waiting, "wait", reason="Which floor?")
    resolved = employee.report("Monitor flickers")["number"]
    agent.fire(resolved, "resolve", resolution_code="fixed", resolution="New cable")
    cancelled = employee.report("Never mind")["number"]
    agent.fire(cancelled, "cancel", reason="Duplicate")
    someone_else = api("employee2").report("Keyboard sticky")["number"]

    home = logged_in(app, "employee").get("/").text
    mine = section(home, "portal-my-open")
    assert f'data-ticket="{open_one}"' in mine and f'data-ticket="{waiting}"' in mine
    assert f'data-ticket="{resolved}"' not in mine and f'data-ticket="{cancelled}"' not in mine
    assert "IT needs an answer from you." in mine  # the next step of the waiting one
    waits = section(home, "portal-waiting")
    assert f'data-waiting="{waiting}" data-kind="reply"' in waits
    assert f'data-waiting="{resolved}" data-kind="confirm"' in waits
    assert f"/incidents/{resolved}/@@satisfaction" in waits
    assert open_one not in waits and cancelled not in waits
    assert someone_else not in home


def test_staff_keep_their_queues_and_roles(app):
    agent_home = logged_in(app, "agent").get("/").text
    assert "Your queues" in agent_home and 'data-queue="mine"' in agent_home
    assert "Your support groups" in agent_home
    assert 'id="portal-my-open"' in agent_home and 'id="portal-search"' in agent_home
    manager_home = logged_in(app, "manager").get("/").text
    assert "Your team" in manager_home
    admin_home = logged_in(app, "admin").get("/").text
    assert "Data generation" in admin_home


def test_staff_see_a_link_to_post_announcements_and_employees_do_not(app):
    assert "Post an announcement" in logged_in(app, "agent").get("/").text
    assert "Post an announcement" not in logged_in(app, "employee").get("/").text


def test_the_search_box_is_there_with_or_without_the_kb_api(app):
    home = logged_in(app, "employee").get("/").text
    kb_api = "/api/v1/kb" in app.registry.itsm_openapi.paths
    assert 'id="portal-q"' in home
    assert ("data-kb-api=" in home) == kb_api


def test_a_waiting_provider_adds_to_waiting_for_me(app):
    from itsm.selfservice.portal import WaitingItem

    def approvals(request: Any) -> list[WaitingItem]:
        return [WaitingItem("approval", "REQ-000001", "New laptop", "/requests/REQ-000001", "")]

    app.registry.itsm_portal_waiting.append(approvals)
    try:
        home = logged_in(app, "employee").get("/").text
    finally:
        app.registry.itsm_portal_waiting.remove(approvals)
    assert 'data-waiting="REQ-000001" data-kind="approval"' in home


def test_the_portal_commits_nothing(app, api):
    number = api("employee").report("Excel crashes")["number"]
    api("agent").fire(number, "resolve", resolution_code="fixed", resolution="Done")
    clients = [logged_in(app, login) for login in ("employee", "agent", "manager", "admin")]
    before = app.db.lastTransaction()
    for client in clients:
        client.get("/")
    clients[0].get(f"/incidents/{number}/@@satisfaction")
    assert app.db.lastTransaction() == before


def test_anonymous_visitors_are_sent_to_login(app):
    assert "/login" in app.client().get("/", status=302).location


def test_the_portal_offers_the_most_ordered_services_first(app):
    from tests.functional.incidents.conftest import ApiClient

    employee = ApiClient(app, "employee")
    for _ in range(2):
        employee.post(
            "/api/v1/requests", {"item": "new-phone", "fields": {}, "draft": True}, status=201
        )
    page = logged_in(app, "employee").get("/")
    popular = page.html.find(id="portal-popular")
    links = [a["href"] for a in popular.find_all("a")]
    assert links[0].endswith("/catalog/new-phone")
    assert links[-1].endswith("/catalog/")
