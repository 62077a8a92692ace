"""Log in, see the home page, switch to Russian, log out — in headless Chromium, with axe-core
checking the pages and the CSP (``script-src 'self'``) in force: nothing may need an inline
script."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser


def log_in(page, url: str, login: str) -> None:
    page.goto(url + "/")
    assert "/login" in page.url
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url + "/")


def test_login_home_russian_logout(live_server, page, page_errors):
    page.goto(live_server.url + "/")
    assert "/login" in page.url
    assert axe_violations(page) == []

    log_in(page, live_server.url, "employee")
    expect(page.get_by_role("heading", name="Hello, Elena Employee")).to_be_visible()
    expect(page.locator('[data-role="employee"]')).to_be_visible()
    assert page.locator('[data-role="agent"]').count() == 0
    assert axe_violations(page) == []

    page.get_by_role("button", name="Русский").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", name="Здравствуйте, Elena Employee")).to_be_visible()
    expect(page.get_by_role("button", name="Русский")).to_have_attribute("aria-pressed", "true")
    assert axe_violations(page) == []

    # The choice is kept on the person: it holds on the next page.
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")

    page.get_by_role("button", name="Выйти").click()
    page.wait_for_url("**/login")
    expect(page.get_by_role("button", name="Войти")).to_be_visible()
    assert axe_violations(page) == []
    page.goto(live_server.url + "/")
    assert "/login" in page.url
    assert page_errors == []


def test_the_menu_works_on_a_phone(live_server, page, page_errors):
    """390 px wide: the menu folds behind a button (Bootstrap's script, from our own origin)."""
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, "agent")
    expect(page.get_by_role("heading", name="Hello, Anna Agent")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.get_by_role("button", name="Log out")).to_be_hidden()
    assert axe_violations(page) == []

    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Русский").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")

    page.get_by_role("button", name="Меню").click()
    page.get_by_role("button", name="Выйти").click()
    page.wait_for_url("**/login")
    assert page_errors == []


def test_wrong_password_is_announced(live_server, page):
    page.goto(live_server.url + "/login")
    page.get_by_label("Login").fill("employee")
    page.get_by_label("Password").fill("wrong")
    page.keyboard.press("Enter")
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "Wrong login or password." in alert.inner_text()
