"""Satisfaction for service requests too (issue 15): the same survey flow as incidents (a
single-use link in the delivery mail, the portal form, the API), a results page for team leads
by group and agent, and the CSAT KPI with a kind filter."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import desk_today, logged_in
from tests.functional.requests.conftest import RequestClient

SURVEY_RE = re.compile(r"http://localhost/survey\?token=([A-Za-z0-9_\-]+)")


def _delivered(app: Any, item: str = "software-install") -> str:
    employee, agent = RequestClient(app, "employee"), RequestClient(app, "agent")
    number = employee.order(item)["number"]
    assert employee.request(number)["status"] in ("approved", "in_fulfilment")
    done = agent.post(f"/api/v1/requests/{number}/transitions", {"name": "resolve"}, 200).json
    assert done["status"] == "resolved"
    return number


def _delivery_mail(app: Any, number: str) -> str:
    def read(root: Any) -> list[str]:
        return [
            m.text for m in root.outbox if m.ticket == number and m.to == ("employee@example.com",)
        ]

    texts = [t for t in app.read(read) if SURVEY_RE.search(t)]
    assert len(texts) == 1, app.read(read)
    return SURVEY_RE.search(texts[0]).group(1)


def test_delivered_request_mails_a_survey_link_that_works_once(app: Any) -> None:
    number = _delivered(app)
    token = _delivery_mail(app, number)
    anonymous = app.client()
    page = anonymous.get(f"/survey?token={token}")
    form = page.forms["survey-form"]
    form["score"] = "2"
    form["comment"] = "=took too long"
    form.submit(status=200)
    rating = RequestClient(app, "employee").request(number)["satisfaction"]
    assert rating["score"] == 2 and rating["comment"] == "=took too long"
    again = anonymous.get(f"/survey?token={token}", status=404)
    assert "survey-form" not in again.text


def test_requester_rates_in_the_portal_and_the_api(app: Any) -> None:
    first, second = _delivered(app), _delivered(app)
    employee = logged_in(app, "employee")
    # "Waiting for me" on the portal offers the rating.
    waiting = employee.get("/").html.find(id="portal-waiting")
    assert first in waiting.text and f"/requests/{first}/@@satisfaction" in str(waiting)
    page = employee.get(f"/requests/{first}")
    assert page.html.find(id="rate-request") is not None
    form = employee.get(f"/requests/{first}/@@satisfaction").forms["survey-form"]
    form["score"] = "5"
    form.submit(status=303)
    assert "5 / 5" in employee.get(f"/requests/{first}").html.find(id="request-rating").text
    api = RequestClient(app, "employee")
    rated = api.post(f"/api/v1/requests/{second}/satisfaction", {"score": 4}, 201).json
    assert rated["score"] == 4
    api.post(f"/api/v1/requests/{second}/satisfaction", {"score": 3}, 409)
    assert api.get(f"/api/v1/requests/{second}/satisfaction").json["score"] == 4
    # Nobody else may rate it.
    RequestClient(app, "employee2").post(
        f"/api/v1/requests/{first}/satisfaction", {"score": 1}, 404
    )
    RequestClient(app, "agent").post(f"/api/v1/requests/{first}/satisfaction", {"score": 1}, 403)


def test_results_page_by_group_and_agent_and_csat_with_kind(make_app: Any) -> None:
    from itsm.reports.jobs import rollup_job
    from itsm.worker.jobs import JobContext

    app = make_app(**{"itsm.reports.max_age_minutes": "0"})
    number = _delivered(app)
    RequestClient(app, "employee").post(
        f"/api/v1/requests/{number}/satisfaction", {"score": 5, "comment": "Quick"}, 201
    )
    incident = RequestClient(app, "employee").report("Excel crashes")["number"]
    RequestClient(app, "agent").fire(incident, "resolve", resolution_code="fixed", resolution="ok")
    RequestClient(app, "employee").post(
        f"/api/v1/incidents/{incident}/satisfaction", {"score": 3}, 201
    )
    today = desk_today(app)
    lead = RequestClient(app, "admin")
    both = lead.get("/api/v1/reports/satisfaction", start=today, end=today).json
    answers = {r["number"]: (r["score"], r["comment"]) for r in both["tables"][3]["rows"]}
    assert answers == {number: (5, "Quick"), incident: (3, "")}
    only = lead.get("/api/v1/reports/satisfaction", kind="request").json
    assert [r["number"] for r in only["tables"][3]["rows"]] == [number]
    page = logged_in(app, "admin").get("/reports/satisfaction")
    assert "Quick" in page.text
    # The CSAT KPI counts requests (kind=request) and both together (kind=all).
    rollup_job(JobContext(app.registry, app.db))

    def answered(kind: str) -> int:
        report = lead.get("/api/v1/reports/csat", kind=kind, by="group").json
        return sum(r["answered"] or 0 for r in report["tables"][0]["rows"])

    assert (answered("request"), answered("incident"), answered("all")) == (1, 1, 2)
    RequestClient(app, "employee").get("/api/v1/reports/csat", status=404)
    logged_in(app, "employee").get("/reports/satisfaction", status=404)
