"""Log in, see the home page, switch to Russian, log out — in headless Chromium, with axe-core
checking the login and home pages."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser


def test_login_home_russian_logout(live_server, page):
    page.goto(live_server.url + "/")
    assert "/login" in page.url
    assert axe_violations(page) == []

    page.get_by_label("Login").fill("manager")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("heading", name="Hello, Mark Manager").is_visible()
    assert axe_violations(page) == []

    page.get_by_role("button", name="Русский").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.get_by_role("heading", name="Здравствуйте, Mark Manager").is_visible()
    assert axe_violations(page) == []

    page.get_by_role("button", name="Выйти").click()
    page.wait_for_url("**/login")
    assert page.get_by_role("button", name="Войти").is_visible()
    page.goto(live_server.url + "/")
    assert "/login" in page.url


def test_wrong_password_is_announced(live_server, page):
    page.goto(live_server.url + "/login")
    page.get_by_label("Login").fill("employee")
    page.get_by_label("Password").fill("wrong")
    page.keyboard.press("Enter")
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "Wrong login or password." in alert.inner_text()
