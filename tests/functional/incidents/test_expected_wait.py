"""Expected wait up front (issue 15): the report form, the "received" mail and the requester's
lists say when to expect a first answer and a resolution, from the SLA calendar and targets, in
the reader's language, on the desk's clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from itsm.tickets.when import local_time
from tests.conftest import demo_person, logged_in
from tests.functional.incidents.conftest import ApiClient


def _due(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_the_promise_is_the_deadline_the_incident_gets(app: Any) -> None:
    employee = ApiClient(app, "employee")
    wait = employee.get("/api/v1/expected-wait", impact="low", urgency="medium").json
    assert wait["priority"] == 4 and wait["timezone"] == "Europe/Moscow"
    incident = employee.report("Printer jams", impact="low", urgency="medium")
    sla = incident["sla"]
    # Same clock, same targets: the same deadlines (the two "now"s are a moment apart).
    assert abs(_due(sla["response_due"]) - _due(wait["response_due"])) < timedelta(minutes=2)
    assert abs(_due(sla["resolution_due"]) - _due(wait["resolution_due"])) < timedelta(minutes=2)
    urgent = employee.get("/api/v1/expected-wait", impact="high", urgency="high").json
    assert urgent["priority"] == 1
    assert _due(urgent["response_due"]) < _due(wait["response_due"])
    employee.get("/api/v1/expected-wait", impact="huge", status=400)
    assert app.client().get("/api/v1/expected-wait", status="*").status_int in (401, 403)


def test_form_mail_and_lists_say_it_in_the_readers_language(app: Any) -> None:
    demo_person(app, "employee", language="ru")
    browser = logged_in(app, "employee")
    form_page = browser.get("/incidents/new")
    card = form_page.html.find(id="expected-wait")
    assert card is not None and "Когда ждать ответа" in card.text
    assert "high:high" in card["data-expected"]
    employee = ApiClient(app, "employee")
    wait = employee.get("/api/v1/expected-wait", impact="low", urgency="medium").json
    assert wait["text"]["response"] in card.text
    number = employee.report("Принтер не печатает", impact="low", urgency="medium")["number"]

    texts = app.read(
        lambda root: (
            [m.text for m in root.outbox if m.ticket == number and m.kind.endswith("ticket_event")]
            or [m.text for m in root.outbox if m.ticket == number]
        )
    )
    due = app.read(lambda root: root["incidents"][number].sla.response_due)
    words = local_time(due, "Europe/Moscow", "ru")
    assert any("Ожидайте первый ответ до" in t and words in t for t in texts), texts
    listing = browser.get("/incidents/")
    assert "Первый ответ до" in listing.text and words in listing.text
    home = browser.get("/")
    assert words in home.html.find(id="portal-my-open").text


def test_english_mail_names_the_time(app: Any) -> None:
    employee = ApiClient(app, "employee")
    number = employee.report("Excel crashes", impact="high", urgency="high")["number"]
    due = app.read(lambda root: root["incidents"][number].sla.response_due)
    texts = app.read(lambda root: [m.text for m in root.outbox if m.ticket == number])
    assert any(
        "Expect a first answer by " + local_time(due, "Europe/Moscow", "en") in t for t in texts
    ), texts
