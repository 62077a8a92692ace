"""Issue 13: a manager's KPI pages count only the tickets requested by their team (the
people whose manager they are), checked against the hand-worked desk."""

from __future__ import annotations

from tests.conftest import logged_in
from tests.functional.reports.conftest import _ctx, t
from tests.functional.reports.test_pages import MARCH

PARAMS = {"start": "2026-03-01", "end": "2026-03-31"}


def _outsider_incident(app):
    """employee2 (moved to another manager) reports and gets a P3 resolved in March."""
    from itsm.incidents.actions import transition
    from itsm.incidents.intake import create_incident
    from itsm.reports.jobs import rollup_job
    from itsm.worker.jobs import JobContext

    def move(root):
        root["people"]["employee2"].manager = "admin"

    app.write(move)

    def run(root):
        incident = create_incident(
            _ctx(root, app.registry, t(11, 7), "employee2"),
            requester="employee2",
            title="Printer jams",
            impact="medium",
            urgency="medium",
        )
        transition(
            _ctx(root, app.registry, t(11, 8), incident.assignee),
            incident,
            "resolve",
            {"resolution_code": "fixed", "resolution": "Done"},
        )
        return incident.number

    number = app.write(run)
    rollup_job(JobContext(app.registry, app.db, now=lambda: t(31, 12)))
    return number


def _rows(api, name, **params):
    body = api.get(f"/api/v1/reports/{name}", **{**PARAMS, **params}).json
    return body, {r["key"]: r for r in body["tables"][0]["rows"]}


def test_a_managers_kpis_count_only_their_teams_tickets(desk, reports_app, api_as):
    _outsider_incident(reports_app)
    # IT staff see the whole desk: A, B, C (P3) and the outsider's P3, D (P1).
    body, rows = _rows(api_as("admin"), "resolution", by="priority")
    assert body["scope"] is None
    assert rows[3]["tickets"] == 4 and rows[1]["tickets"] == 1
    # The manager: only employee's tickets (A, B, C, D), not employee2's.
    body, rows = _rows(api_as("manager"), "resolution", by="priority")
    assert rows[3]["tickets"] == 3 and rows[1]["tickets"] == 1
    assert "employee" in body["scope"] and "employee2" not in body["scope"]
    # The hand-worked medians stay: P3 median business time 4 h (as test_pages' CSV says).
    assert rows[3]["median_business"] == 4 * 3600
    _body, sla = _rows(api_as("manager"), "sla", by="priority")
    assert sla[1]["response_met"] == 0.0
    _body, csat = _rows(api_as("manager"), "csat", by="group")
    assert sum(r["answered"] for r in csat.values()) == 2
    backlog = api_as("manager").get("/api/v1/reports/backlog", **PARAMS).json
    created = sum(r["created"] for r in backlog["tables"][0]["rows"])
    assert created == 4

    # employee2 joins the team again: counted at the next view (nothing is cached).
    def back(root):
        root["people"]["employee2"].manager = "manager"

    reports_app.write(back)
    _body, rows = _rows(api_as("manager"), "resolution", by="priority")
    assert rows[3]["tickets"] == 4


def test_a_manager_with_no_team_sees_empty_kpis(desk, reports_app, api_as):
    def nobody_reports(root):
        for person in root["people"].values():
            if person.manager == "manager":
                person.manager = "admin"

    reports_app.write(nobody_reports)
    body, rows = _rows(api_as("manager"), "resolution", by="priority")
    assert rows == {}
    assert "0" in body["scope"]


def test_the_team_kpi_page_says_whom_it_counts_in_both_languages(desk, reports_app):
    client = logged_in(reports_app, "manager")
    page = client.get(f"/reports/resolution?{MARCH}")
    assert "Only the tickets requested by" in page.html.select_one("#report-scope").get_text()
    kpis = [a["href"] for a in page.html.select("a[href*='/reports/']")]
    assert any(h.endswith("/reports/sla") for h in kpis)
    assert not any(h.endswith("/reports/kb") for h in kpis)
    client.set_cookie("itsm_lang", "ru")
    russian = client.get(f"/reports/resolution?{MARCH}")
    assert "Только обращения" in russian.html.select_one("#report-scope").get_text()
    csv = client.get(f"/reports/resolution.csv?{MARCH}&by=priority")
    assert csv.status_int == 200


def test_team_kpi_pages_never_commit(desk, reports_app, api_as):
    client = logged_in(reports_app, "manager")
    api = api_as("manager")  # makes its token before counting
    before = reports_app.db.lastTransaction()
    for name in ("response", "resolution", "sla", "fcr", "quality", "backlog", "csat"):
        client.get(f"/reports/{name}?{MARCH}")
        client.get(f"/reports/{name}.csv?{MARCH}")
        api.get(f"/api/v1/reports/{name}", **PARAMS)
    assert reports_app.db.lastTransaction() == before
