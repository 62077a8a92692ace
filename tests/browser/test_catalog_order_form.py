"""The catalog order form in headless Chromium: a conditional field appears and disappears with
its controlling choice (catalog-form.js, under the CSP), and a file goes with the order."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.browser.test_incident_flow import log_in_at

pytestmark = pytest.mark.browser


def test_conditional_field_follows_the_choice_and_the_order_is_sent(live_server, page, page_errors):
    url = live_server.url
    log_in_at(page, url, "/catalog/new-laptop", "employee")
    other = page.locator("input[name=other_model]")
    expect(other).to_be_hidden()
    expect(other).to_be_disabled()
    page.locator("select[name=model]").select_option("other")
    expect(other).to_be_visible()
    assert axe_violations(page) == []
    page.locator("select[name=model]").select_option("standard")
    expect(other).to_be_hidden()
    page.locator("select[name=model]").select_option("other")
    other.fill("A 17-inch workstation for CAD")
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_url("**/requests/REQ-000001/")
    expect(page.get_by_text("A 17-inch workstation for CAD")).to_be_visible()
    assert page_errors == []


def test_file_goes_with_the_order(live_server, page, page_errors, tmp_path):
    url = live_server.url
    signed = tmp_path / "signed.txt"
    signed.write_text("signed by Mark Manager\n", encoding="utf-8")
    log_in_at(page, url, "/catalog/shared-access", "employee")
    page.locator("select[name=system]").select_option("fileshare")
    page.locator("select[name=level]").select_option("read")
    page.locator("input[name=signed_form]").set_input_files(str(signed))
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_url("**/requests/REQ-000001/")
    expect(page.locator("#request-files a")).to_have_text("signed.txt")
    assert axe_violations(page) == []
    assert page_errors == []


def test_catalog_admin_pages_pass_axe(live_server, page, page_errors):
    url = live_server.url
    log_in_at(page, url, "/catalog/@@manage", "admin")
    expect(page.get_by_role("heading", name="Manage the catalog")).to_be_visible()
    assert axe_violations(page) == []
    page.goto(url + "/catalog/new-laptop/@@edit")
    page.locator("#price").fill("cheap")
    page.get_by_role("button", name="Save the item").click()
    expect(page.locator("#price-error")).to_be_visible()
    assert axe_violations(page) == []
    # the refused form is a 400, which Chromium logs; nothing else may go wrong
    assert [e for e in page_errors if "status of 400" not in e] == []
