"""What an incident's requester receives, end to end: a change through the API queues mail in
the outbox, the worker's delivery job sends it to a real SMTP server on loopback."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

REPLY = "Please restart the printer.\nIf it still jams, send us a photo of the display."


@pytest.fixture
def api(app: Any) -> Callable[[str], Any]:
    """``api(login)``: a bearer-token JSON client of the demo person ``login``."""
    from tests.functional.incidents.conftest import ApiClient

    return functools.cache(lambda login: ApiClient(app, login))


@pytest.fixture
def turn(app: Any) -> Callable[..., str | None]:
    """``turn(later=timedelta())``: one turn of the worker's delivery job, ``later`` from now
    (the API stamps the outbox with the real time)."""
    from itsm.notify.delivery import deliver_outbox
    from itsm.worker.jobs import JobContext

    def run(later: timedelta = timedelta()) -> str | None:
        when = datetime.now(UTC) + later
        return deliver_outbox(JobContext(app.registry, app.db, now=lambda: when))

    return run


def mails_to(smtp_server: Any, address: str) -> list[Any]:
    return [m.message for m in smtp_server.messages if address in m.rcpt_tos]


def text_of(message: Any) -> str:
    """The plain-text part, with the wire's CRLF line ends as Python's ``\\n``."""
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def pending_for(app: Any, address: str) -> list[Any]:
    """(kind of mail, subject, deferrals) of what still waits in the outbox for ``address``."""
    return app.read(
        lambda root: [(m.kind, m.subject, m.deferrals) for m in root.outbox if address in m.to]
    )


def test_reporting_mails_the_requester_the_number_in_a_thread(app, api, person, turn, smtp_server):
    address = person("employee")
    number = api("employee").report("The printer on floor 3 jams")["number"]

    assert turn() == "sent 2, failed 0"  # the requester's receipt, the assignee's notice
    (received,) = mails_to(smtp_server, address)
    assert received["To"] == address
    assert received["Subject"] == f"[{number}] Ticket received: The printer on floor 3 jams"
    assert received["Auto-Submitted"] == "auto-generated"
    # itsm.public_url is http://localhost in the test settings: the thread is @localhost.
    assert received["References"] == f"<{number}@localhost>"
    assert received["In-Reply-To"] == f"<{number}@localhost>"
    assert received["Message-ID"].endswith(f"{number}@localhost>")
    assert received["Message-ID"] != received["References"]
    text = text_of(received)
    assert "Hello, Elena Employee" in text
    assert "We have received your ticket" in text
    assert f"http://localhost/incidents/{number}" in text
    (notice,) = mails_to(smtp_server, "agent@example.com")
    assert notice["Subject"] == f"[{number}] Assigned to you: The printer on floor 3 jams"
    assert notice["References"] == received["References"]


def test_a_public_reply_mails_the_requester_a_quote_in_the_same_thread(
    app, api, person, turn, smtp_server
):
    address = person("employee")
    number = api("employee").report()["number"]
    turn()
    (received,) = mails_to(smtp_server, address)

    api("agent").post(f"/api/v1/incidents/{number}/journal", {"body": REPLY}, status=201)
    assert turn() == "sent 1, failed 0"

    answered = mails_to(smtp_server, address)[-1]
    assert answered["Subject"] == f"[{number}] New reply: Printer is broken"
    assert answered["References"] == received["References"] == f"<{number}@localhost>"
    assert answered["In-Reply-To"] == received["References"]
    assert answered["Message-ID"] != received["Message-ID"]
    assert answered["Auto-Submitted"] == "auto-generated"
    text = text_of(answered)
    assert "Anna Agent replied." in text
    assert REPLY in text  # quoted as typed, line breaks kept
    html = answered.get_body(("html",)).get_content()
    assert "Please restart the printer." in html and "<pre" in html


def test_an_internal_note_sends_the_requester_nothing(app, api, person, turn, smtp_server):
    address = person("employee")
    number = api("employee").report()["number"]
    turn()
    before = len(smtp_server.messages)

    api("agent").post(
        f"/api/v1/incidents/{number}/journal",
        {"kind": "note", "body": "Probably the fuser again; order a spare."},
        status=201,
    )

    assert turn() is None  # nothing was queued
    assert len(smtp_server.messages) == before
    assert pending_for(app, address) == []
    # The note is still there for IT staff: the silence is not a failed write.
    journal = api("agent").get(f"/api/v1/incidents/{number}/journal").json
    assert [e["kind"] for e in journal["items"]] == ["note"]


def test_a_russian_speaker_gets_the_mail_in_russian(app, api, person, turn, smtp_server):
    address = person("employee2", language="ru")
    number = api("employee2").report("Принтер на 3 этаже не печатает")["number"]
    api("agent").post(f"/api/v1/incidents/{number}/journal", {"body": "Уже иду."}, status=201)

    turn()

    received, answered = mails_to(smtp_server, address)
    assert (
        received["Subject"] == f"[{number}] Заявка зарегистрирована: Принтер на 3 этаже не печатает"
    )
    text = text_of(received)
    assert "Здравствуйте, Egor Employee" in text
    assert "Мы получили вашу заявку" in text
    assert "Hello" not in text
    assert answered["Subject"].startswith(f"[{number}] Новый ответ: ")
    assert "Уже иду." in text_of(answered)
    # The agent's own mail stays in English: the language is the recipient's.
    notice = mails_to(smtp_server, "agent@example.com")[0]
    assert "Hello, Anna Agent" in text_of(notice)


def test_a_resolve_mail_waits_out_an_smtp_outage_and_is_delivered_once(
    app, api, person, turn, smtp_server
):
    address = person("employee")
    number = api("employee").report()["number"]
    turn()
    agent = api("agent")
    agent.fire(number, "start")

    smtp_server.stop()
    agent.fire(
        number, "resolve", resolution_code="fixed", resolution="Cleared a paper jam in tray 2."
    )
    assert turn() == "mail server unavailable, 1 message(s) kept for a retry"
    ((kind, subject, deferrals),) = pending_for(app, address)
    assert kind == "ticket_event"
    assert subject == f"[{number}] Ticket resolved: Printer is broken"
    assert deferrals == 1

    smtp_server.start()
    before = len(smtp_server.messages)
    assert turn() is None  # still within the backoff: not due yet
    assert turn(later=timedelta(seconds=31)) == "sent 1, failed 0"
    assert turn(later=timedelta(hours=1)) is None

    (resolved,) = smtp_server.messages[before:]
    assert resolved.rcpt_tos == (address,)
    assert resolved.message["Subject"] == subject
    assert resolved.message["References"] == f"<{number}@localhost>"
    assert "Cleared a paper jam in tray 2." in text_of(resolved.message)
    assert pending_for(app, address) == []


def test_muting_optional_mail_drops_the_closed_mail_but_not_the_resolved_one(
    app, api, person, turn, smtp_server
):
    muted = person("employee", mute_optional_mail=True)
    unmuted = person("employee2")
    agent = api("agent")
    numbers = [api(login).report()["number"] for login in ("employee", "employee2")]
    for number in numbers:
        agent.fire(number, "resolve", resolution_code="fixed", resolution="Replaced the drum.")
        agent.fire(number, "close")

    turn()

    def summaries(address: str) -> list[str]:
        return [m["Subject"].split("] ")[1].split(":")[0] for m in mails_to(smtp_server, address)]

    assert summaries(muted) == ["Ticket received", "Ticket resolved"]
    assert summaries(unmuted) == ["Ticket received", "Ticket resolved", "Ticket closed"]
    assert pending_for(app, muted) == []
