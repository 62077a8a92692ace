""" "Inform the affected people" on a change (issue 15): one action mails everyone the CMDB impact
finds, with the window, in their language; a reminder the day before (the worker's job, once per
planned start, also across restarts); a notice when it is done or backed out. Mail goes through
the outbox to a real SMTP server on loopback; the job runs with a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from itsm.changes.jobs import change_reminders_job
from itsm.notify.delivery import deliver_outbox
from itsm.worker.jobs import JobContext
from tests.conftest import logged_in
from tests.functional.changes.conftest import at, change_body, ci_number, fire, raise_change


@pytest.fixture
def app(make_app: Callable[..., Any], smtp_server: Any) -> Any:
    return make_app(**smtp_server.settings_overrides())


def affected_mails(app: Any, number: str) -> list[tuple[str, str, str]]:
    return app.read(
        lambda root: sorted(
            (m.to[0], m.subject, m.text)
            for m in root.outbox
            if m.ticket == number and m.kind.endswith("affected.pt")
        )
    )


def _change(app: Any, api: Any, start: Any) -> dict:
    agent = api("agent")
    body = change_body([ci_number(app, "mail01")], start, type_="standard", affected=["employee"])
    return raise_change(agent, body)


def test_inform_mails_each_affected_person_in_their_language(
    app: Any, api: Any, smtp_server: Any
) -> None:
    app.write(lambda root: setattr(root["people"]["employee2"], "language", "ru"))
    start = at(4, hour=19)
    change = _change(app, api, start)
    number = change["number"]
    agent = api("agent")
    who = agent.get(f"/api/v1/changes/{number}/inform").json
    assert "employee" in who["affected"] and who["informed"] == []
    app.write(lambda root: setattr(root["changes"][number], "affected", ("employee", "employee2")))
    told = agent.post(f"/api/v1/changes/{number}/inform", {"message": "Save your work"}, 201).json
    assert {"employee", "employee2"} <= set(told["informed"]) and told["count"] >= 2
    mails = {to: (subject, text) for to, subject, text in affected_mails(app, number)}
    subject, text = mails["employee@example.com"]
    assert subject == f"[{number}] Planned change: Patch the mail server"
    # The window in words, on the desk's clock (Moscow: UTC+3).
    local = (start + timedelta(hours=3)).strftime("%H:%M")
    assert local in text and "Moscow" in text and "Save your work" in text
    ru_subject, ru_text = mails["employee2@example.com"]
    assert "Запланированное изменение" in ru_subject and "Москва" in ru_text
    assert agent.get(f"/api/v1/changes/{number}").json["informed_at"]

    deliver_outbox(JobContext(app.registry, app.db))
    received = smtp_server.wait_for(len(mails))
    assert {r.rcpt_tos[0] for r in received} >= {"employee@example.com", "employee2@example.com"}


def test_reminder_the_day_before_once_and_notice_when_done(app: Any, api: Any) -> None:
    start = at(5)
    number = _change(app, api, start)["number"]
    agent = api("agent")
    run = lambda now: change_reminders_job(JobContext(app.registry, app.db, now=lambda: now))  # noqa: E731
    # Nobody was told yet: no reminder for them.
    run(start - timedelta(hours=23))
    assert affected_mails(app, number) == []
    agent.post(f"/api/v1/changes/{number}/inform", {}, 201)
    told = len(affected_mails(app, number))
    assert told >= 1
    # The implementer's reminder went out already; the affected people's goes now, once.
    assert "told 1" in (run(start - timedelta(hours=22)) or "")
    assert run(start - timedelta(hours=21)) is None
    assert run(start - timedelta(minutes=5)) is None
    reminders = [m for m in affected_mails(app, number) if "Reminder, planned change" in m[1]]
    assert len(reminders) == told
    fire(agent, number, "start")
    fire(agent, number, "complete", outcome="failed_backed_out")
    backed = [m for m in affected_mails(app, number) if "backed out" in m[1]]
    assert len(backed) == told and "as they were before" in backed[0][2]
    # One notice only, whatever follows.
    fire(agent, number, "review", notes="Vendor patch broke IMAP")
    assert len(affected_mails(app, number)) == 3 * told


def test_done_notice_and_refusals(app: Any, api: Any) -> None:
    number = _change(app, api, at(6))["number"]
    agent = api("agent")
    agent.post(f"/api/v1/changes/{number}/inform", {}, 201)
    fire(agent, number, "start")
    fire(agent, number, "complete", outcome="successful")
    assert any("Change done" in m[1] for m in affected_mails(app, number))
    # Employees are refused, on the page and in the API.
    api("employee").post(f"/api/v1/changes/{number}/inform", {}, 404)
    page = logged_in(app, "agent").get(f"/changes/{number}/")
    assert 'id="inform-form"' in page.text and 'id="informed"' in page.text
    employee = logged_in(app, "employee")
    response = employee.post(f"/changes/{number}/@@inform", {"csrf_token": "x"}, status="*")
    assert response.status_int in (400, 403, 404)


def test_a_change_affecting_nobody_says_so(app: Any, api: Any) -> None:
    agent = api("agent")
    number = raise_change(agent, change_body([ci_number(app, "VPN")], at(7), type_="standard"))[
        "number"
    ]

    def nobody(root: Any) -> None:
        change = root["changes"][number]
        change.affected, change.cis = (), ()

    app.write(nobody)
    assert agent.get(f"/api/v1/changes/{number}/inform").json["affected"] == []
    refused = agent.post(f"/api/v1/changes/{number}/inform", {}, 409).json
    assert "affect nobody" in refused["error"]["message"]
