"""The queue in headless Chromium: an agent ticks two incidents and assigns them in one go,
reads the summary, saves the filtered queue as a view and comes back to it from its tab; the
report form suggests callers from the directory as the agent types. Every page passes axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from itsm.tickets.context import ActionContext
from tests.browser.conftest import axe_violations
from tests.browser.test_incident_flow import log_in_at

pytestmark = pytest.mark.browser


def _incidents(app, titles: list[str]) -> list[str]:
    from itsm.incidents.intake import create_incident

    def make(root):
        employee = ActionContext.system(root, app.registry)
        employee.actor, employee.roles = "employee", frozenset({"employee"})
        return [
            create_incident(
                employee, requester="employee", title=t, impact="low", urgency="medium"
            ).number
            for t in titles
        ]

    return app.write(make)


def test_agent_bulk_assigns_and_uses_a_saved_view(live_server, page, page_errors):
    url = live_server.url
    numbers = _incidents(
        live_server.app,
        ["Scanner jams on floor 2", "Scanner jams on floor 4", "Scanner jams in the lab"],
    )
    path = "/incidents/?queue=all&q=scanner"
    log_in_at(page, url, path, "agent")
    rows = page.locator("table.itsm-incidents tbody tr")
    expect(rows).to_have_count(3)
    assert axe_violations(page) == []
    page.get_by_label(f"Select {numbers[0]}").check()
    page.get_by_label(f"Select {numbers[1]}").check()
    page.locator("#bulk-operation").select_option("assign")
    page.locator("#bulk-assignee").select_option("agent2")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply to the selection").click()
    expect(page.locator("#bulk-counts")).to_contain_text("Changed: 2")
    expect(page.locator("#bulk-done")).to_contain_text(numbers[0])
    expect(page.locator("#bulk-done")).to_contain_text(numbers[1])
    assert axe_violations(page) == []
    assignees = live_server.app.read(lambda root: [root["incidents"][n].assignee for n in numbers])
    assert assignees[:2] == ["agent2", "agent2"] and assignees[2] != "agent2"

    with page.expect_navigation():
        page.get_by_role("link", name="Back to the queue").click()
    page.get_by_label("Save these filters as").fill("Scanners")
    with page.expect_navigation():
        page.get_by_role("button", name="Save view").click()
    tab = page.locator("a.itsm-saved-view", has_text="Scanners")
    expect(tab).to_have_attribute("aria-current", "page")
    page.goto(url + "/incidents/")  # the built-in queue, no filters
    expect(page.locator("#f-q")).to_have_value("")
    with page.expect_navigation():
        page.locator("a.itsm-saved-view", has_text="Scanners").click()
    expect(page.locator("#f-q")).to_have_value("scanner")
    expect(rows).to_have_count(3)
    assert axe_violations(page) == []

    page.goto(url + "/incidents/new")
    page.get_by_label("Caller (requester)").type("elen", delay=30)
    expect(page.locator("#people-suggestions option[value=employee]")).to_have_count(1)
    assert axe_violations(page) == []
    assert page_errors == []
