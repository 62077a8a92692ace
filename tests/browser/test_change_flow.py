"""A change from the web form to the calendar in headless Chromium: an agent raises a normal
change, the manager sees its plan and risk under "Waiting for my approval" and approves, the
month calendar shows it; every page passes axe and fits a phone's width."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.browser.test_incident_flow import log_in_at, log_out

pytestmark = pytest.mark.browser


def test_agent_raises_manager_approves_calendar_shows(live_server, page, page_errors):
    url = live_server.url
    mail01 = live_server.app.read(
        lambda root: next(ci.number for ci in root["cmdb"].values() if ci.name == "mail01")
    )
    start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=20, minute=0)
    log_in_at(page, url, "/changes/new", "agent")
    page.get_by_label("Title").fill("Patch the mail server")
    page.locator("#cis").fill(mail01)
    page.locator("#planned_start").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#planned_end").fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("#plan_implementation").fill("Stop postfix, patch, start postfix")
    page.locator("#plan_backout").fill("Restore the snapshot")
    for question, answer in {
        "impact": "few",
        "complexity": "low",
        "backout_tested": "yes",
        "done_before": "yes",
        "business_hours": "no",
    }.items():
        page.locator(f"#risk_{question}").select_option(answer)
    assert axe_violations(page) == []
    page.locator("#raise").click()
    page.wait_for_url("**/changes/CHG-000001/")
    expect(page.locator("#change-risk")).to_be_visible()
    assert axe_violations(page) == []
    log_out(page)

    log_in_at(page, url, "/approvals/", "manager")
    details = page.locator("#details-CHG-000001-1")
    details.locator("summary").click()
    expect(details).to_contain_text("Stop postfix, patch, start postfix")
    expect(details).to_contain_text(mail01)
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.locator("#decide-CHG-000001-1").get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Nothing waits for your approval.")).to_be_visible()
    log_out(page)

    month = f"/changes/month?date={start.strftime('%Y-%m')}"
    log_in_at(page, url, month, "agent")
    expect(page.get_by_role("link", name="CHG-000001").first).to_be_visible()
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 390, "height": 800})
    for path in (month, "/changes/week", "/changes/blackouts"):
        page.goto(url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        assert axe_violations(page) == [], path
    assert page_errors == []
