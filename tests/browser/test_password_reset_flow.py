"""Forgot password, in headless Chromium: the login page's link, the mail's link, the new
password, logging in with it — axe-core checking each page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser

LINK_RE = re.compile(r"http://127\.0\.0\.1(/password-reset/confirm\?token=[A-Za-z0-9_\-]+)")


def reset_link(app) -> str:
    texts = app.read(lambda root: [m.text for m in root.outbox if m.kind == "password_reset"])
    (text,) = texts
    return LINK_RE.search(text).group(1)


def test_employee_resets_their_password_through_the_mail_link(live_server, page, page_errors):
    live_server.app.registry.itsm_password_reset.min_seconds = 0.0
    page.goto(live_server.url + "/login")
    page.get_by_role("link", name="Forgot password?").click()
    page.wait_for_url("**/password-reset")
    assert axe_violations(page) == []
    page.get_by_label("Login").fill("employee")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.locator("#reset-sent")).to_be_visible()
    assert axe_violations(page) == []

    page.goto(live_server.url + reset_link(live_server.app))
    assert axe_violations(page) == []
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("New password again").fill("short")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.locator("#reset-error")).to_contain_text("This password is too short")
    page.get_by_label("New password", exact=True).fill("a-much-better-password")
    page.get_by_label("New password again").fill("a-much-better-password")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.locator("#reset-done")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Back to the login page").click()
    page.get_by_label("Login").fill("employee")
    page.get_by_label("Password").fill("a-much-better-password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")
    # The refused password was answered with 400 (as the login form does); nothing else.
    assert [e for e in page_errors if "status of 400" not in e] == []
