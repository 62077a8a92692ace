"""An incident from report to close in headless Chromium: the employee reports it with a file,
the agent takes it, replies and resolves it, the employee confirms the solution. axe-core checks
the pages people work in; the CSP (``script-src 'self'``) stays in force throughout."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser

NUMBER = re.compile(r"INC-\d{6}")


def log_in_at(page, url: str, path: str, login: str) -> None:
    """Open ``path``, log in on the page it sends us to, and land back on ``path``."""
    page.goto(url + path)
    assert "/login" in page.url
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url + path)


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")


def flash(page):
    return page.locator("main > [role=status]")


def test_employee_reports_agent_resolves_employee_confirms(
    live_server, page, page_errors, tmp_path
):
    url = live_server.url
    screenshot = tmp_path / "printer-error.txt"
    screenshot.write_text("Error 0x61011beb: paper jam in tray 2\n", encoding="utf-8")

    # The employee reports it.
    log_in_at(page, url, "/incidents/new", "employee")
    expect(page.get_by_role("heading", name="Report an incident")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("What is not working?").fill("The printer on floor 3 jams")
    page.get_by_label("Describe it").fill("It says paper jam, but there is no paper inside.")
    page.get_by_label("My team").check()
    page.get_by_label("It blocks my work").check()
    page.get_by_label("Attachments").set_input_files(screenshot)
    page.get_by_role("button", name="Report the incident").click()

    page.wait_for_url(re.compile(r".*/incidents/INC-\d{6}/$"))
    number = NUMBER.search(page.url).group(0)
    incident_path = f"/incidents/{number}/"
    expect(flash(page)).to_have_text(f"Incident {number} is registered.")
    expect(page.get_by_role("heading", name="The printer on floor 3 jams")).to_be_visible()
    expect(page.locator(".itsm-facts")).to_contain_text("Medium / High")  # my team, blocks me
    attachment = page.get_by_role("link", name="printer-error.txt")
    expect(attachment).to_be_visible()
    download = page.request.get(url + attachment.get_attribute("href").removeprefix(url))
    assert download.ok and download.body() == screenshot.read_bytes()
    log_out(page)

    # The agent finds it in a queue (routing sent printer trouble to Workplace, to Anna), takes
    # it, replies and resolves it.
    log_in_at(page, url, "/incidents/", "agent")
    mine = page.get_by_role("link", name=re.compile(r"^Assigned to me"))
    expect(mine).to_have_attribute("aria-current", "page")
    page.get_by_role("link", name=number).click()
    page.wait_for_url(url + incident_path)
    page.get_by_role("button", name="Take it").click()
    expect(flash(page)).to_have_text("You took the incident.")
    expect(page.locator(".status-badge")).to_have_text("In progress")

    page.get_by_label("Reply to the requester").check()
    page.get_by_label("Message").fill("I have cleared a torn label from the fuser. Try again?")
    page.get_by_role("button", name="Send").click()
    expect(flash(page)).to_have_text("Your reply is sent.")

    page.locator("summary", has_text="Resolve").click()
    page.get_by_label("Resolution code").select_option(label="Fixed")
    page.get_by_label("What was done (the requester reads it)").fill(
        "Removed a torn label from the fuser; test pages print."
    )
    page.locator("form", has=page.locator("#resolve-code")).get_by_role(
        "button", name="Resolve"
    ).click()
    expect(flash(page)).to_have_text("The incident is resolved.")
    expect(page.locator(".status-badge")).to_have_text("Resolved")
    assert axe_violations(page) == []
    log_out(page)

    # The employee reads the reply and the resolution and confirms it.
    log_in_at(page, url, incident_path, "employee")
    conversation = page.locator(".itsm-journal")
    expect(conversation).to_contain_text("I have cleared a torn label from the fuser.")
    expect(conversation).to_contain_text("Anna Agent")
    decide = page.locator("section", has=page.get_by_role("heading", name="Is it solved?"))
    expect(decide).to_contain_text("Removed a torn label from the fuser; test pages print.")
    expect(page.locator(".itsm-facts")).to_contain_text("Fixed")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Yes, it is solved").click()
    expect(flash(page)).to_have_text("Thank you! The incident is closed.")
    expect(page.locator(".status-badge")).to_have_text("Closed")
    expect(page.get_by_role("button", name="Yes, it is solved")).to_have_count(0)
    assert axe_violations(page) == []

    assert page_errors == []
