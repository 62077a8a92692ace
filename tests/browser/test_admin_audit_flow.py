"""The administrator's audit in headless Chromium: from the menu to the audit, filtered by
kind, the CSV downloaded, the inactive people page — axe-core checking each page, and no
script or CSP error."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser


def log_in(page: Any, url: str, login: str, password: str = "demo") -> None:
    page.goto(url + "/login")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_administrator_reads_the_audit_and_the_inactive_people(live_server, page, page_errors):
    url = live_server.url
    log_in(page, url, "employee", "wrong")
    log_in(page, url, "admin")
    page.wait_for_url(url + "/")
    page.get_by_role("link", name="Administration").click()
    page.wait_for_url(url + "/admin/")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Audit", exact=True).first.click()
    page.wait_for_url(url + "/admin/audit")
    kinds = page.locator("#audit-table tbody td:nth-child(2)").all_inner_texts()
    assert "Login" in kinds and "Failed login" in kinds
    assert axe_violations(page) == []
    page.get_by_label("Kind").select_option("login_failed")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/admin/audit?**")
    assert page.locator("#audit-table tbody td:nth-child(4)").all_inner_texts() == ["employee"]
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename.startswith("audit-")

    page.get_by_role("link", name="Inactive people").first.click()
    page.wait_for_url(url + "/admin/inactive")
    assert page.locator("#no-inactive").is_visible()
    assert axe_violations(page) == []
    assert page_errors == []
