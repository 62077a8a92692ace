"""The problems report: incidents per problem, first incident to root cause, open known errors,
from ``itsm.problems.figures``, on the page, in the CSV and in the API."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.conftest import logged_in
from tests.functional.reports.conftest import _ctx, t


def _two_problems(app: Any) -> dict[str, str]:
    """A (known error) has incidents of 2 Mar 07:00 and 09:00, root cause at 13:00 (6 h after
    the first); B has one incident and no root cause."""
    from itsm.incidents.intake import create_incident
    from itsm.problems.actions import create_problem, transition

    numbers: dict[str, str] = {}

    def incident(key: str, at: Any, title: str) -> None:
        def run(root: Any) -> None:
            ctx = _ctx(root, app.registry, at, "employee")
            made = create_incident(
                ctx, requester="employee", title=title, impact="low", urgency="medium"
            )
            numbers[key] = made.number

        app.write(run)

    incident("i1", t(2, 7), "VPN drops")
    incident("i2", t(2, 9), "VPN drops again")
    incident("i3", t(3, 7), "Printer jams")

    def problem(key: str, at: Any, title: str, incidents: tuple[str, ...], **data: Any) -> None:
        def run(root: Any) -> None:
            ctx = _ctx(root, app.registry, at, "agent")
            made = create_problem(
                ctx, {"title": title, **data}, incidents=[numbers[i] for i in incidents]
            )
            numbers[key] = made.number

        app.write(run)

    problem("a", t(2, 10), "VPN concentrator drops sessions", ("i1", "i2"))
    problem("b", t(3, 8), "Printer firmware", ("i3",))

    def root_cause(root: Any) -> None:
        ctx = _ctx(root, app.registry, t(2, 13), "agent")
        fields = {"root_cause": "Idle timeout of 120 s", "workaround": "Reconnect."}
        transition(ctx, root["problems"][numbers["a"]], "root_cause", fields)

    app.write(root_cause)
    return numbers


def test_problem_figures_on_the_page_in_the_csv_and_the_api(reports_app, api_as):
    n = _two_problems(reports_app)
    a, b = n["a"], n["b"]
    body = api_as("agent").get("/api/v1/reports/problems").json
    tables = {t["name"]: t["rows"] for t in body["tables"]}
    assert body["definition"].startswith("Per problem")
    assert tables["summary"] == [
        {
            "problems": 2,
            "incidents_mean": 1.5,
            "incidents_max": 2,
            "cause_mean": 6 * 3600,
            "cause_median": 6 * 3600,
            "known_errors": 1,
        }
    ]
    counts = {r["number"]: r["incidents"] for r in tables["incidents"]}
    assert counts == {a: 2, b: 1}
    assert tables["root_cause"] == [{"number": a, "time": 6 * 3600}]
    assert [r["number"] for r in tables["known_errors"]] == [a]
    # The same as the problems' own figures.
    figures = api_as("agent").get("/api/v1/problems/figures").json
    assert figures["time_to_root_cause"]["mean_hours"] == 6
    assert figures["open_known_errors"]["total"] == 1

    for login in ("agent", "admin"):
        page = logged_in(reports_app, login).get("/reports/problems")
        assert "Per problem: its linked incidents" in page.text
        rows = [
            tr.get_text(" ", strip=True)
            for tr in page.html.select("[data-report-table=t-incidents] tbody tr")
        ]
        assert any(a in row and "Root cause known" in row for row in rows), rows
        assert page.html.select_one("#t-known_errors") is not None
        assert page.html.select("svg.pygal-chart")
    head = logged_in(reports_app, "admin").get("/reports/head")
    assert head.html.select_one('a[href$="/reports/problems"]') is not None

    agent = logged_in(reports_app, "agent")
    data = agent.get("/reports/problems.csv", params={"table": "1"}).body.decode("utf-8-sig")
    got = {row[0]: row for row in csv.reader(io.StringIO(data))}
    assert got["Number"] == ["Number", "Title", "Status", "Incidents"]
    assert got[a][2:] == ["Root cause known", "2"] and got[b][3] == "1"
    data = agent.get("/reports/problems.csv", params={"table": "2"}).body.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(data)))[1] == [a, "360.00"]  # minutes
    agent.get("/reports/problems.xlsx", status=200)


def test_problems_report_in_russian(reports_app):
    _two_problems(reports_app)
    client = logged_in(reports_app, "agent")
    page = client.get("/reports/problems", headers={"Accept-Language": "ru"})
    assert "Для каждой проблемы" in page.text


def test_an_employee_may_not_see_the_problems_report(reports_app, api_as):
    _two_problems(reports_app)
    client = logged_in(reports_app, "employee")
    client.get("/reports/problems", status=404)
    client.get("/reports/problems.csv", status=404)
    body = api_as("employee").get("/api/v1/reports/problems", status=404).json
    assert body["error"]["code"] == "not_found"
