"""Issue 13, in headless Chromium: the head of IT opens the reports from the menu, the KPI
dashboard with its SVG charts and tables, filters a KPI page by group and downloads the CSV —
axe-core checking each page, and no script or CSP error (the charts' styles come from
/reports/charts.css, never inline)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import axe_violations
from tests.functional.reports.conftest import build_desk

pytestmark = pytest.mark.browser


def log_in(page: Any, url: str, login: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url + "/")


def test_head_of_it_reads_the_dashboards_and_a_kpi_page(live_server, page, page_errors):
    build_desk(live_server.app)
    url = live_server.url
    log_in(page, url, "admin")
    page.get_by_role("link", name="Reports").click()
    page.wait_for_url(url + "/reports/head")
    assert page.locator("svg.pygal-chart").count() >= 1
    assert page.locator("table[data-report-table]").count() == 2
    assert axe_violations(page) == []

    page.get_by_role("link", name="Time to resolution").click()
    page.get_by_label("Period", exact=True).select_option("")
    page.get_by_label("From", exact=True).fill("2026-03-01")
    page.get_by_label("To", exact=True).fill("2026-03-31")
    page.get_by_label("Break down by", exact=True).select_option("group")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/reports/resolution?**")
    cells = page.locator("table[data-report-table] tbody tr td:first-child").all_inner_texts()
    assert "Network" in cells and "Service Desk" in cells
    assert axe_violations(page) == []

    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").first.click()
    assert download.value.suggested_filename.startswith("resolution-resolution-")

    page.get_by_role("link", name="My team's queues").click()
    assert axe_violations(page) == []
    assert page_errors == []
