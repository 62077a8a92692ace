"""The worker's incident timers: SLA warnings and breaches (once), escalation, auto-close."""

from __future__ import annotations

from datetime import datetime, timedelta

from itsm.incidents.jobs import auto_close_job
from itsm.sla.sweep import sla_sweep_job
from itsm.worker.jobs import JobContext


def at(app, moment):
    return JobContext(app.registry, app.db, now=lambda: moment)


def created_of(body):
    return datetime.fromisoformat(body["created"])


def outbox_kinds(app, number):
    def read(root):
        return sorted(
            (m.kind, m.to[0], m.subject) for m in root.outbox.pending.values() if m.ticket == number
        )

    return app.read(read)


def test_p1_response_warns_at_75_percent_then_breaches_once_and_escalates(app, api):
    body = api("employee").report("Outlook is down for everyone", impact="high", urgency="high")
    number, start = body["number"], created_of(body)
    assert body["priority"] == 1
    assert at(app, start + timedelta(minutes=5)).transact(lambda r: None) is None
    assert sla_sweep_job(at(app, start + timedelta(minutes=5))) is None
    result = sla_sweep_job(at(app, start + timedelta(minutes=12)))
    assert result == "1 warning(s), 0 breach(es)"
    assert sla_sweep_job(at(app, start + timedelta(minutes=12, seconds=30))) is None
    result = sla_sweep_job(at(app, start + timedelta(minutes=16)))
    assert result == "0 warning(s), 1 breach(es)"
    assert sla_sweep_job(at(app, start + timedelta(minutes=17))) is None
    after = api("agent").get(f"/api/v1/incidents/{number}").json
    assert after["sla"]["breached"] is True
    assert after["group"] == "Workplace"  # the next support tier of Service Desk
    kinds = [k for k, _to, subject in outbox_kinds(app, number)]
    assert kinds.count("ticket_event") >= 3
    subjects = " ".join(s for _k, _to, s in outbox_kinds(app, number))
    assert "Deadline approaching" in subjects and "Deadline missed" in subjects


def test_waiting_pauses_the_clock_so_no_breach_fires(app, api):
    body = api("employee").report("Outlook is down for everyone", impact="high", urgency="high")
    number, start = body["number"], created_of(body)
    agent = api("agent")
    agent.fire(number, "assign", assignee="agent")
    agent.fire(number, "start")  # counts as the first response
    agent.fire(number, "wait", reason="Please restart and tell me")
    # Response met; resolution (4 h for P1) is paused while waiting.
    assert sla_sweep_job(at(app, start + timedelta(hours=10))) is None
    sla = agent.get(f"/api/v1/incidents/{number}").json["sla"]
    assert sla["paused"] is True and sla["breached"] is False


def test_resolved_incidents_close_after_the_configured_days(app, api):
    agent = api("agent")
    number = api("employee").report("Mouse broken")["number"]
    resolved = agent.fire(number, "resolve", resolution_code="fixed", resolution="New mouse").json
    when = datetime.fromisoformat(resolved["resolved_at"])
    assert auto_close_job(at(app, when + timedelta(days=4))) is None
    assert auto_close_job(at(app, when + timedelta(days=5, minutes=1))) == "closed 1"
    assert agent.get(f"/api/v1/incidents/{number}").json["status"] == "closed"


def test_reopen_is_refused_after_the_window(app, api):
    agent, employee = api("agent"), api("employee")
    number = employee.report("Keyboard")["number"]
    agent.fire(number, "resolve", resolution_code="fixed", resolution="ok")

    def age(root):
        incident = root["incidents"][number]
        incident.resolved_at -= timedelta(days=8)

    app.write(age)
    response = employee.fire(number, "reopen", status=409)
    assert "7 days" in response.json["error"]["message"]
