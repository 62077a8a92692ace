"""CSV exports of the incident, request and change lists (issue 15): the list as filtered,
every row, only what the reader may see; UTF-8 with a BOM, ``;``, formulas defused; pages and
API alike."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.conftest import logged_in
from tests.functional.changes.conftest import at, change_body, ci_number, raise_change


def _rows(response: Any) -> list[dict[str, str]]:
    assert response.content_type == "text/csv"
    assert response.body.startswith("\ufeff".encode())
    assert response.content_disposition.startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")), delimiter=";"))


def test_incident_export_is_the_filtered_list_and_employees_get_their_own(
    app: Any, api: Any
) -> None:
    mine = api("employee").report('=HYPERLINK("http://evil")', urgency="high")
    other = api("employee2").report("VPN drops every hour")
    agent = logged_in(app, "agent")
    rows = _rows(agent.get("/incidents/export.csv", params={"queue": "all"}))
    numbers = {r["number"] for r in rows}
    assert {mine["number"], other["number"]} <= numbers
    # The formula is quoted, so a spreadsheet shows it as text.
    row = next(r for r in rows if r["number"] == mine["number"])
    assert row["title"].startswith("'=")
    assert row["requester"] == "employee" and row["priority"] == str(mine["priority"])
    # Filtered as on the page: the text search finds one.
    only = _rows(agent.get("/incidents/export.csv", params={"queue": "all", "q": "vpn"}))
    assert [r["number"] for r in only] == [other["number"]]
    # The list page links the export with its filters.
    page = agent.get("/incidents/", params={"queue": "all", "q": "vpn"})
    link = page.html.find(id="export-csv")["href"]
    assert "export.csv" in link and "q=vpn" in link
    # Employees: their own, whatever they ask for.
    employee = logged_in(app, "employee")
    own = _rows(employee.get("/incidents/export.csv", params={"queue": "all"}))
    assert {r["number"] for r in own} == {mine["number"]}
    # The API: the same file, same rules.
    api_rows = _rows(api("employee2").get("/api/v1/incidents.csv"))
    assert {r["number"] for r in api_rows} == {other["number"]}
    staff_rows = _rows(api("agent").get("/api/v1/incidents.csv", q="vpn"))
    assert [r["number"] for r in staff_rows] == [other["number"]]


def test_request_export_for_staff_and_employees(app: Any, api: Any) -> None:
    laptop = api("employee").order("new-laptop")["number"]
    vpn = api("employee2").order("vpn-access")["number"]
    staff = _rows(logged_in(app, "agent").get("/requests/export.csv"))
    assert {laptop, vpn} <= {r["number"] for r in staff}
    assert staff[-1]["number"] == "total"
    own = _rows(logged_in(app, "employee2").get("/requests/export.csv"))
    assert [r["number"] for r in own if r["number"] != "total"] == [vpn]
    assert 'id="export-csv"' in logged_in(app, "employee2").get("/requests/").text
    via_api = _rows(api("employee").get("/api/v1/requests.csv"))
    assert [r["number"] for r in via_api if r["number"] != "total"] == [laptop]


def test_change_export_for_staff_and_others(app: Any, api: Any) -> None:
    agent = api("agent")
    change = raise_change(agent, change_body([ci_number(app, "mail01")], at(20), type_="standard"))
    rows = _rows(logged_in(app, "agent").get("/changes/export.csv"))
    row = next(r for r in rows if r["number"] == change["number"])
    assert row["status"] == "scheduled" and row["type"] == "standard"
    assert row["planned_start"] == change["planned_start"]
    assert 'id="export-csv"' in logged_in(app, "agent").get("/changes/").text
    # An employee raised none: the file has the header only.
    assert _rows(logged_in(app, "employee").get("/changes/export.csv")) == []
    assert _rows(api("employee").get("/api/v1/changes.csv")) == []
    scheduled = agent.client.get(
        "/api/v1/changes.csv", params={"status": "scheduled"}, headers=agent.headers
    )
    assert [r["number"] for r in _rows(scheduled)] == [change["number"]]


def test_anonymous_visitors_cannot_export(app: Any) -> None:
    client = app.client()
    for path in ("/incidents/export.csv", "/requests/export.csv", "/changes/export.csv"):
        response = client.get(path, status="*")
        assert response.status_int in (302, 303, 401, 403)
    for path in ("/api/v1/incidents.csv", "/api/v1/requests.csv", "/api/v1/changes.csv"):
        assert client.get(path, status="*").status_int in (401, 403)
