"""Report pages, dashboards, exports and access by role, through the real app."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.conftest import logged_in

MARCH = "start=2026-03-01&end=2026-03-31"
KPI_PAGES = (
    "response",
    "resolution",
    "sla",
    "fcr",
    "quality",
    "backlog",
    "csat",
    "kb",
    "requests",
    "changes",
    "problems",
)


def test_the_menu_links_reports_for_it_staff_and_managers_only(reports_app):
    for login, shown in (("agent", True), ("manager", True), ("admin", True), ("employee", False)):
        page = logged_in(reports_app, login).get("/")
        links = [a["href"] for a in page.html.select("#itsm-nav a.nav-link")]
        assert any(href.endswith("/reports/") for href in links) is shown, login


@pytest.mark.parametrize("name", [*KPI_PAGES, "agent", "lead", "head", "manager"])
def test_an_employee_finds_no_report_page_export_or_api(reports_app, api_as, name):
    client = logged_in(reports_app, "employee")
    client.get("/reports/", status=404)
    client.get(f"/reports/{name}", status=404)
    client.get(f"/reports/{name}.csv", status=404)
    client.get(f"/reports/{name}.xlsx", status=404)
    body = api_as("employee").get(f"/api/v1/reports/{name}", status=404).json
    assert body["error"]["code"] == "not_found"


def test_each_role_lands_on_its_own_dashboard(reports_app):
    assert logged_in(reports_app, "agent").get("/reports/").location.endswith("/reports/agent")
    assert logged_in(reports_app, "admin").get("/reports/").location.endswith("/reports/head")
    manager = logged_in(reports_app, "manager").get("/reports/")
    assert manager.location.endswith("/reports/manager")


def test_a_manager_sees_the_team_dashboard_and_team_kpis_only(reports_app, api_as):
    client = logged_in(reports_app, "manager")
    client.get("/reports/manager", status=200)
    for name in ("agent", "lead", "head", "kb", "problems", "changes", "time", "chat"):
        client.get(f"/reports/{name}", status=403)
        api_as("manager").get(f"/api/v1/reports/{name}", status=403)
    # The team's KPI pages (tests/functional/reports/test_team_kpis.py).
    for name in ("response", "sla"):
        client.get(f"/reports/{name}", status=200)


def test_the_lead_dashboard_is_for_leads_of_a_group(reports_app, api_as):
    # agent leads Service Desk and Workplace in the demo, agent2 Network; no group, no view.
    body = api_as("agent2").get("/api/v1/reports/lead").json
    assert [r["key"] for r in body["tables"][0]["rows"]] == ["Network"]

    def unlead(root):
        root["settings"]["groups"]["Network"].lead = None

    reports_app.write(unlead)
    api_as("agent2").get("/api/v1/reports/lead", status=403)
    tables = {t["name"]: t for t in api_as("agent").get("/api/v1/reports/lead").json["tables"]}
    assert [r["key"] for r in tables["backlog_age"]["rows"]] == ["Service Desk", "Workplace"]
    # The head of IT is an administrator and sees every group.
    head = {t["name"]: t for t in api_as("admin").get("/api/v1/reports/lead").json["tables"]}
    assert len(head["backlog_age"]["rows"]) > 1


def test_head_of_it_only_for_administrators(reports_app, api_as):
    api_as("agent").get("/api/v1/reports/head", status=403)
    body = api_as("admin").get("/api/v1/reports/head", period="quarter").json
    assert body["filters"]["period"] == "quarter"
    assert [r["key"] for r in body["tables"][0]["rows"]] == ["Incidents", "Requests", "Changes"]


@pytest.mark.parametrize("name", KPI_PAGES)
def test_every_kpi_page_has_a_definition_a_chart_and_a_table(desk, reports_app, name):
    client = logged_in(reports_app, "admin")
    page = client.get(f"/reports/{name}?{MARCH}")
    assert page.html.select_one("#definition").get_text(strip=True)
    assert page.html.select("table[data-report-table]")
    for svg in page.html.select("svg"):
        assert svg.get("role") == "img" and svg.get("aria-label")
        assert not svg.select("style") and not svg.select("script")
        assert not [e for e in svg.find_all(True) if e.has_attr("style")]
    if name not in ("kb", "requests", "changes", "problems"):  # none in the desk
        assert page.html.select("svg.pygal-chart"), name


def test_dashboards_render_for_their_people(desk, reports_app):
    for login, name in (
        ("agent", "agent"),
        ("agent", "lead"),
        ("admin", "head"),
        ("manager", "manager"),
    ):
        page = logged_in(reports_app, login).get(f"/reports/{name}")
        assert page.html.select("table[data-report-table]"), name


def test_the_chart_stylesheet_is_served_from_our_origin(reports_app):
    response = reports_app.client().get("/reports/charts.css")
    assert response.content_type == "text/css"
    assert ".pygal-chart" in response.text


def test_csv_export_is_utf8_with_bom_and_uses_semicolons_in_russian(desk, reports_app):
    client = logged_in(reports_app, "agent")
    english = client.get(f"/reports/resolution.csv?{MARCH}&by=priority")
    assert english.content_type == "text/csv"
    assert english.headers["Content-Disposition"].startswith("attachment;")
    assert english.body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(english.body.decode("utf-8-sig"))))
    assert rows[0][0] == "Priority" and rows[0][1] == "Tickets"
    assert [r[0] for r in rows[1:]] == ["P1", "P3"]
    # Minutes, as numbers a spreadsheet can add: P3 median business time is 4 h.
    assert rows[2][3] == "240.00"
    russian = client.get(
        f"/reports/resolution.csv?{MARCH}&by=priority", headers={"Accept-Language": "ru"}
    )
    client.set_cookie("itsm_lang", "ru")
    russian = client.get(f"/reports/resolution.csv?{MARCH}&by=priority")
    text = russian.body.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][0] == "Приоритет"
    assert rows[2][3] == "240,00"


def test_xlsx_export_has_a_sheet_per_table_with_numbers(desk, reports_app):
    client = logged_in(reports_app, "agent")
    response = client.get(f"/reports/sla.xlsx?{MARCH}&by=priority")
    assert response.content_type.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.body))
    assert book.sheetnames == ["compliance", "breaches"]
    sheet = book["compliance"]
    assert sheet["A1"].value == "Priority"
    values = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["P1"][2] == 0.0 and values["P3"][2] == 1.0


def test_report_pages_and_api_never_commit(desk, reports_app, api_as):
    client = logged_in(reports_app, "admin")
    api = api_as("admin")
    before = reports_app.db.lastTransaction()
    for name in (*KPI_PAGES, "agent", "lead", "head"):
        client.get(f"/reports/{name}?{MARCH}")
        client.get(f"/reports/{name}.csv?{MARCH}")
        client.get(f"/reports/{name}.xlsx?{MARCH}")
        api.get(f"/api/v1/reports/{name}", start="2026-03-01", end="2026-03-31")
    assert reports_app.db.lastTransaction() == before


def test_bad_parameters_are_a_400_in_the_error_format(reports_app, api_as):
    api = api_as("agent")
    body = api.get(
        "/api/v1/reports/response", status=400, start="2026-03-31", end="2026-03-01"
    ).json
    assert body["error"]["code"] == "invalid" and "end" in body["error"]["fields"]
    assert api.get("/api/v1/reports/nonsense", status=404).json["error"]["code"] == "not_found"
    logged_in(reports_app, "agent").get("/reports/nonsense", status=404)


def test_the_api_is_described_in_openapi(reports_app):
    spec = reports_app.client().get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/reports/{name}"]["get"]
    assert operation["parameters"][0]["name"] == "name"
    for name in ("response", "sla", "agent", "lead", "head", "manager"):
        assert name in operation["description"]
    assert "Report" in spec["components"]["schemas"]
