"""The catalog item's delivery target gives the request a due time in business hours; the SLA
sweep warns and breaches it like an incident's."""

from __future__ import annotations

from datetime import datetime, timedelta

from itsm.sla.calendar import STANDARD
from itsm.sla.clock import add_business_seconds
from itsm.sla.policy import BUSINESS_DAY
from itsm.sla.sweep import sweep
from tests.conftest import logged_in
from tests.functional.requests.conftest import mails


def _approved_vpn(api) -> str:
    number = api("employee").order("vpn-access")["number"]
    assert api("employee").request(number)["due"] is None  # waiting for approval
    api("manager").decide(f"{number}-1", "approve")
    return number


def test_due_is_the_items_business_days_from_approval_on_the_calendar(app, api):
    number = _approved_vpn(api)  # VPN access: 2 business days
    started = app.read(lambda root: root["requests"][number].sla.started)
    due = datetime.fromisoformat(api("employee").request(number)["due"])
    assert due == add_business_seconds(STANDARD, started, 2 * BUSINESS_DAY)
    local = due.astimezone(STANDARD.zone)
    assert local.weekday() < 5 and 9 <= local.hour <= 18
    task = api("agent").tasks(number)[0]
    assert datetime.fromisoformat(task["due"]) == due
    page = logged_in(app, "employee").get(f"/requests/{number}")
    assert page.html.find(id="request-due").find("time")["datetime"] == due.isoformat()


def test_sweep_warns_then_breaches_a_late_request_once(app, api):
    number = _approved_vpn(api)
    due = datetime.fromisoformat(api("employee").request(number)["due"])
    warn_at = app.read(lambda root: root["requests"][number].sla.warn_at("resolution"))

    def run(now):
        return app.write(lambda root: sweep(root, app.registry, now))

    assert run(warn_at - timedelta(minutes=1)) == (0, 0)
    assert run(warn_at + timedelta(minutes=1)) == (1, 0)
    assert run(due + timedelta(minutes=1)) == (0, 1)
    assert run(due + timedelta(hours=5)) == (0, 0)  # once
    history = app.read(lambda root: [(h.action, h.note) for h in root["requests"][number].history])
    assert ("sla", "warning") in history and ("sla", "breach") in history
    sent = [s for to, _k, s, _t in mails(app, number) if to == "agent2@example.com"]
    assert any("Delivery target missed" in s for s in sent)  # the Network lead
    request = api("employee").request(number)
    assert request["late"] is True
    assert request["sla"]["resolution_state"] == "running"  # the real clock is before the due
    rows = logged_in(app, "agent").get("/requests/").html.find(id="requests")
    row = next(tr for tr in rows.find_all("tr") if number in tr.text)
    assert "late" in row.text
    queue = logged_in(app, "agent").get("/requests/tasks").html.find(id="task-queue")
    assert "late" in next(tr for tr in queue.find_all("tr") if number in tr.text).text


def test_a_delivered_request_stops_its_clock(app, api):
    number = _approved_vpn(api)
    for task in api("agent").tasks(number):
        api("agent").work(task["id"], "done")
    request = api("employee").request(number)
    assert request["status"] == "resolved"
    assert request["sla"]["resolution_state"] == "met" and request["late"] is False
    due = datetime.fromisoformat(request["due"])
    assert app.write(lambda root: sweep(root, app.registry, due + timedelta(days=1))) == (0, 0)
