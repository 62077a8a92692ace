"""What the dashboards show, live: an agent's open work and SLA states, a lead's backlog."""

from __future__ import annotations

from itsm.reports.jobs import rollup_job
from itsm.worker.jobs import JobContext


def tables(api, login, name, **params):
    body = api(login).get(f"/api/v1/reports/{name}", **params).json
    return {t["name"]: t["rows"] for t in body["tables"]}


def test_an_agent_sees_open_work_by_priority_state_and_what_they_resolved(app, api):
    agent = api("agent")
    urgent = api("employee").report("Mail is down", impact="high", urgency="high")["number"]
    calm = api("employee").report("New mouse please", impact="low", urgency="low")["number"]
    done = api("employee").report("Printer jam")["number"]
    for number in (urgent, calm, done):
        agent.fire(number, "assign", assignee="agent")
    agent.fire(calm, "start")
    agent.fire(calm, "wait", reason="Which model?")
    agent.fire(done, "resolve", resolution_code="fixed", resolution="Cleared")
    rows = tables(api, "agent", "agent")
    work = {r["key"]: r for r in rows["my_work"]}
    assert work[1]["total"] == 1 and work[1]["soon"] == 1  # P1: 4 hours to resolve
    assert work[5]["paused"] == 1
    assert [r["number"] for r in rows["breaching_soon"]] == [urgent]
    assert sum(r["resolved"] for r in rows["resolved_week"]) == 1
    # Someone else's work is not mine.
    assert not tables(api, "agent2", "agent")["my_work"]


def test_a_lead_sees_the_backlog_by_age_and_per_agent(app, api):
    for title in ("Excel crashes", "Word crashes"):
        number = api("employee").report(title)["number"]
        api("agent").fire(number, "assign", group="Service Desk", assignee="agent")
    rollup_job(JobContext(app.registry, app.db))
    rows = tables(api, "agent", "lead", group="Service Desk")
    (backlog,) = rows["backlog_age"]
    assert backlog["key"] == "Service Desk" and backlog["total"] >= 2 and backlog["lt1"] >= 2
    per_agent = {(r["group"], r["agent"]): r["open"] for r in rows["open_per_agent"]}
    assert per_agent[("Service Desk", "agent")] >= 2
    # A group the agent does not lead gives nothing.
    assert tables(api, "agent", "lead", group="Network")["backlog_age"] == []
