"""Reminders: the implementer is mailed before the planned start (once), and a change still
implementing after its planned end is flagged and mailed to its owner and its group. The clock
is the job's; the mail goes through the outbox to a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
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


def run(app: Any, now: datetime) -> str | None:
    return change_reminders_job(JobContext(app.registry, app.db, now=lambda: now))


def queued(app: Any, number: str) -> list[tuple[str, str, str]]:
    """``(to, kind, subject)`` of every mail about ``number`` (pending or sent)."""
    return app.read(
        lambda root: sorted(
            (m.to[0], m.kind.rsplit("/", 1)[-1], m.subject)
            for m in root.outbox
            if m.ticket == number
        )
    )


def test_the_reminder_job_is_registered_with_the_setting(app: Any) -> None:
    assert "changes_reminders" in app.registry.itsm_jobs
    assert app.registry.itsm_change_reminder_hours == 24


def test_implementer_is_reminded_once_before_the_start(app: Any, api: Any, smtp_server) -> None:
    agent = api("agent")
    start = at(3)
    change = raise_change(
        agent, change_body([ci_number(app, "mail01")], start, type_="standard", assignee="agent2")
    )
    number = change["number"]
    assert run(app, start - timedelta(hours=25)) is None
    assert queued(app, number) == []
    assert run(app, start - timedelta(hours=23)) == "reminded 1, flagged 0"
    mails = queued(app, number)
    assert [(to, kind) for to, kind, _subject in mails] == [
        ("agent2@example.com", "start_reminder.pt")
    ]
    assert mails[0][2] == f"[{number}] Change starts soon: Patch the mail server"
    # Later runs send nothing more for the same start.
    assert run(app, start - timedelta(hours=22)) is None
    assert run(app, start - timedelta(minutes=5)) is None
    assert len(queued(app, number)) == 1

    deliver_outbox(JobContext(app.registry, app.db, now=lambda: start - timedelta(hours=22)))
    (received,) = smtp_server.wait_for(1)
    assert received.rcpt_tos == ("agent2@example.com",)
    assert received.message["Subject"] == mails[0][2]
    text = received.message.get_body(("plain",)).get_content()
    assert "planned to start at" in text and start.strftime("%Y-%m-%d %H:%M UTC") in text


def test_rescheduled_change_is_reminded_of_its_new_start(app: Any, api: Any) -> None:
    agent = api("agent")
    start = at(3)
    change = raise_change(agent, change_body([ci_number(app, "mail01")], start, type_="standard"))
    run(app, start - timedelta(hours=1))
    later = start + timedelta(days=2)
    fire(
        agent,
        change["number"],
        "schedule",
        planned_start=later.isoformat(),
        planned_end=(later + timedelta(hours=2)).isoformat(),
    )
    assert run(app, start - timedelta(minutes=30)) is None
    assert run(app, later - timedelta(hours=2)) == "reminded 1, flagged 0"
    # Without an assignee the one who raised it implements it.
    assert [to for to, _k, _s in queued(app, change["number"])] == [
        "agent@example.com",
        "agent@example.com",
    ]


def test_overrunning_change_is_flagged_and_mailed_once_to_owner_and_group(
    app: Any, api: Any
) -> None:
    agent = api("agent")
    start = at(3)
    change = raise_change(
        agent, change_body([ci_number(app, "VPN")], start, type_="standard", group="Network")
    )
    number = change["number"]
    run(app, start - timedelta(hours=1))  # the start reminder
    fire(agent, number, "start")
    assert run(app, start + timedelta(hours=1)) is None  # within its planned time
    assert agent.get(f"/api/v1/changes/{number}").json["overrunning"] is False
    assert run(app, start + timedelta(hours=3)) == "reminded 0, flagged 1"
    assert agent.get(f"/api/v1/changes/{number}").json["overrunning"] is True
    overrun = [(to, s) for to, kind, s in queued(app, number) if kind == "overrun.pt"]
    # The owner (agent) and the Network group (agent2, its member and lead): one mail each.
    assert sorted(to for to, _s in overrun) == ["agent2@example.com", "agent@example.com"]
    assert all("still implementing after its planned end" in s for _to, s in overrun)
    assert run(app, start + timedelta(hours=5)) is None
    assert len([1 for _to, kind, _s in queued(app, number) if kind == "overrun.pt"]) == 2

    client = logged_in(app, "agent")
    assert 'id="change-overrun"' in client.get(f"/changes/{number}/").text
    assert "itsm-overrun" in client.get("/changes/").text
    # Completed: no longer flagged as overrunning.
    fire(agent, number, "complete", outcome="successful")
    assert 'id="change-overrun"' not in client.get(f"/changes/{number}/").text


def test_overrun_mail_is_in_russian_for_russian_readers(app: Any, api: Any) -> None:
    app.write(lambda root: setattr(root["people"]["agent"], "language", "ru"))
    agent = api("agent")
    start = at(3)
    change = raise_change(agent, change_body([ci_number(app, "mail01")], start, type_="standard"))
    fire(agent, change["number"], "start")
    run(app, start + timedelta(hours=3))
    texts = app.read(lambda root: [m.text for m in root.outbox if m.ticket == change["number"]])
    assert len(texts) == 1
    # The greeting and the footer are translated already; the new lines once merged.
    assert "Здравствуйте" in texts[0]
    assert "Это автоматическое сообщение службы ИТ-поддержки." in texts[0]
