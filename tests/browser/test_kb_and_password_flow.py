"""Issue 4, in headless Chromium: an employee searches the knowledge base for "vpn" from the
portal's search box, opens the VPN guide, says it helped, logs out, and then resets their
password through the link in the mail a real SMTP server on loopback receives — axe-core
checking the knowledge-base pages, and no script or CSP error on the way."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, axe_violations

pytestmark = pytest.mark.browser

LINK_RE = re.compile(r"http://127\.0\.0\.1(/password-reset/confirm\?token=[A-Za-z0-9_\-]+)")
GUIDE = "Connect to the VPN on Windows"
NEW_PASSWORD = "vpn-works-now-thanks"


@pytest.fixture
def live_server(make_app: Any, smtp_server: Any) -> Iterator[LiveServer]:
    """The browser tests' live server, its mail going to ``smtp_server``."""
    app = make_app(**{"itsm.public_url": "http://127.0.0.1", **smtp_server.settings_overrides()})
    server = LiveServer(app)
    server.app = app  # type: ignore[attr-defined]
    yield server
    server.stop()


def deliver_mail(app: Any) -> str | None:
    """One turn of the worker's outbox delivery, now."""
    from itsm.notify.delivery import deliver_outbox
    from itsm.worker.jobs import JobContext

    return deliver_outbox(JobContext(app.registry, app.db, now=lambda: datetime.now(UTC)))


def reset_link(smtp_server: Any, address: str) -> str:
    """The path of the reset link in the one mail ``address`` received."""
    (received,) = [m for m in smtp_server.wait_for(1) if address in m.rcpt_tos]
    body = received.message.get_body(preferencelist=("plain",)).get_content()
    match = LINK_RE.search(body)
    assert match, body
    return match.group(1)


def log_in(page: Any, url: str, login: str, password: str) -> None:
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url + "/")


def test_employee_finds_the_vpn_guide_votes_and_resets_the_password(
    live_server, page, page_errors, smtp_server
):
    url = live_server.url
    app = live_server.app
    app.registry.itsm_password_reset.min_seconds = 0.0
    address = app.read(lambda root: root["people"]["employee"].email)

    # Search from the portal's box on the home page.
    page.goto(url + "/")
    log_in(page, url, "employee", "demo")
    search = page.locator("#portal-search")
    search.get_by_label("How can we help?").fill("vpn")
    search.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/kb/\?q=vpn"))
    expect(page.locator("#kb-q")).to_have_value("vpn")
    results = page.locator("#kb-results")
    expect(results.get_by_role("link", name=GUIDE)).to_be_visible()
    assert axe_violations(page) == []

    # The guide, and the vote.
    results.get_by_role("link", name=GUIDE).click()
    expect(page.get_by_role("heading", name=GUIDE, level=1)).to_be_visible()
    assert axe_violations(page) == []
    vote = page.locator('section[aria-labelledby="h-vote"]')
    yes = vote.get_by_role("button", name="Yes", exact=True)
    expect(yes).to_have_attribute("aria-pressed", "false")
    yes.click()
    expect(
        page.get_by_role("status").filter(has_text="Thank you for your feedback.")
    ).to_be_visible()
    vote = page.locator('section[aria-labelledby="h-vote"]')
    expect(vote.get_by_role("button", name="Yes", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(vote).to_contain_text("1 found it helpful, 0 did not.")
    assert axe_violations(page) == []

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")

    # Forgot password: the mail goes out through the outbox to the SMTP server.
    page.get_by_role("link", name="Forgot password?").click()
    page.wait_for_url("**/password-reset")
    page.get_by_label("Login").fill("employee")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.locator("#reset-sent")).to_be_visible()
    assert smtp_server.messages == []
    assert deliver_mail(app) == "sent 1, failed 0"

    page.goto(url + reset_link(smtp_server, address))
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    expect(page.locator("#reset-done")).to_be_visible()

    page.get_by_role("link", name="Back to the login page").click()
    log_in(page, url, "employee", NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Hello, Elena Employee")).to_be_visible()
    assert page_errors == []
