"""An agent works a laptop request's tasks in headless Chromium: the task queue, assign, a
note, start, done with the delivered CI from stock; both pages pass axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.browser.test_incident_flow import log_in_at
from tests.functional.requests.conftest import RequestClient

pytestmark = pytest.mark.browser


def test_agent_delivers_a_laptop_from_the_queue_and_the_request_page(
    live_server, page, page_errors
):
    app = live_server.app
    number = RequestClient(app, "employee").order("new-laptop")["number"]
    RequestClient(app, "manager").decide(f"{number}-1", "approve")
    prepare, deliver = (t["id"] for t in RequestClient(app, "agent").tasks(number))
    spare = app.read(
        lambda root: next(ci.number for ci in root["cmdb"].values() if ci.serial == "PF-9Z8Y7X")
    )
    url = live_server.url
    log_in_at(page, url, "/requests/tasks", "agent")
    row = page.locator(f"#queue-{prepare}")
    expect(row).to_contain_text(number)
    assert axe_violations(page) == []
    row.get_by_role("button", name="Take it").click()
    page.wait_for_url(url + "/requests/tasks")
    expect(row).to_contain_text("agent")
    page.get_by_role("link", name=number).first.click()
    task = page.locator(f"#task-{prepare}")
    task.get_by_label("Note").fill("Imaged with the sales profile")
    task.get_by_role("button", name="Add note").click()
    expect(page.locator(f"#task-{prepare}")).to_contain_text("Imaged with the sales profile")
    page.locator(f"#task-{prepare}").get_by_role("button", name="Start work").click()
    page.locator(f"#task-{prepare}").get_by_role("button", name="Done").click()
    delivery = page.locator(f"#task-{deliver}")
    delivery.get_by_label("Delivered CI").fill(spare)
    assert axe_violations(page) == []
    delivery.get_by_role("button", name="Done").click()
    expect(page.locator("#request-status")).to_have_text("Resolved")
    expect(page.locator("#request-delivered a")).to_contain_text(spare)
    assert page_errors == []
