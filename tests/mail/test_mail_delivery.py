"""The outbox delivered by the worker's job to a real SMTP server on loopback."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.mail.conftest import NOW

LATER = NOW + timedelta(seconds=31)  # past the first backoff (30 s)


def pending(app):
    return app.read(
        lambda root: {
            m.key: {
                "attempts": m.attempts,
                "deferrals": m.deferrals,
                "failed": m.failed,
                "error": m.last_error,
                "next_try": m.next_try,
            }
            for m in root.outbox
        }
    )


def test_queued_mail_is_delivered_with_threading_and_loop_headers(
    app, person, notify, deliver, smtp_server, ticket
):
    address = person("employee")
    ticket.title = "Не печатает принтер в бухгалтерии"
    ((_key, message_id),) = notify(["employee"], event="received")

    assert deliver(NOW) == "sent 1, failed 0"

    (received,) = smtp_server.wait_for(1)
    message = received.message
    assert received.rcpt_tos == (address,)
    assert message["To"] == address
    assert message["From"].addresses[0].addr_spec == "itsm@example.com"
    assert message["Message-ID"] == message_id
    assert message_id.endswith("INC-000123@localhost>")
    assert message["In-Reply-To"] == "<INC-000123@localhost>"
    assert message["References"] == "<INC-000123@localhost>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Subject"] == "[INC-000123] Ticket received: Не печатает принтер в бухгалтерии"
    # On the wire the Cyrillic subject is RFC 2047 encoded: headers stay 7-bit.
    raw_subject = next(
        line for line in received.raw.split(b"\r\n") if line.lower().startswith(b"subject:")
    )
    assert raw_subject.isascii() and b"=?utf-8?" in raw_subject.lower()
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hello, Elena Employee" in text and "Не печатает принтер" in text
    assert "http://localhost/incidents/INC-000123" in text
    assert 'href="http://localhost/incidents/INC-000123"' in html
    # Sent means gone from the outbox and counted.
    assert app.read(lambda root: (len(root.outbox), root.outbox.sent_count())) == (0, 1)
    assert deliver(NOW + timedelta(hours=1)) is None
    assert len(smtp_server.messages) == 1


def test_rolled_back_change_queues_nothing(app, person, deliver, smtp_server, ticket):
    from itsm.notify.notifications import queue_notification

    person("employee")

    def change_that_fails(root):
        queue_notification(
            root,
            app.registry,
            recipients=["employee"],
            template="ticket_event",
            ticket=ticket,
            now=NOW,
            event="received",
        )
        assert len(root.outbox) == 1
        raise RuntimeError("the change fails after queueing its mail")

    with pytest.raises(RuntimeError):
        app.write(change_that_fails)

    assert app.read(lambda root: len(root.outbox)) == 0
    assert deliver(NOW) is None
    assert smtp_server.messages == []


def test_outage_keeps_the_mail_and_it_is_delivered_once_after_recovery(
    app, person, notify, deliver, smtp_server
):
    person("employee")
    ((key, message_id),) = notify(["employee"])
    smtp_server.stop()

    assert deliver(NOW) == "mail server unavailable, 1 message(s) kept for a retry"
    kept = pending(app)[key]
    assert not kept["failed"]
    assert "ConnectionRefusedError" in kept["error"]
    assert kept["next_try"] == NOW + timedelta(seconds=30)
    assert deliver(NOW + timedelta(seconds=10)) is None  # not due yet: no new attempt

    smtp_server.start()
    assert deliver(NOW + timedelta(seconds=20)) is None  # still backing off
    assert deliver(LATER) == "sent 1, failed 0"
    assert deliver(LATER + timedelta(hours=2)) is None

    (received,) = smtp_server.wait_for(1)
    assert received.message["Message-ID"] == message_id
    assert len(smtp_server.messages) == 1
    assert pending(app) == {}


def test_a_long_outage_delays_mail_but_never_gives_it_up(app, person, notify, deliver, smtp_server):
    from itsm.notify.outbox import DOWN_RETRY_SECONDS, MAX_ATTEMPTS

    person("employee")
    ((key, _id),) = notify(["employee"])
    smtp_server.stop()
    now = NOW
    for _turn in range(MAX_ATTEMPTS + 5):
        assert deliver(now).startswith("mail server unavailable")
        waited, now = pending(app)[key]["next_try"] - now, pending(app)[key]["next_try"]
        # The wait stops growing at a minute, so mail resumes soon after the server returns.
        assert timedelta(seconds=30) <= waited <= timedelta(seconds=DOWN_RETRY_SECONDS)
    # More turns than a message may fail: still waiting, not failed.
    assert not pending(app)[key]["failed"]
    assert pending(app)[key]["deferrals"] == MAX_ATTEMPTS + 5

    smtp_server.start()
    assert deliver(now) == "sent 1, failed 0"
    assert len(smtp_server.wait_for(1)) == 1


def test_temporary_refusal_451_is_retried(app, person, notify, deliver, smtp_server):
    person("employee")
    ((key, message_id),) = notify(["employee"])
    smtp_server.refuse()

    assert deliver(NOW) == "sent 0, failed 1"
    kept = pending(app)[key]
    assert kept["attempts"] == 1 and not kept["failed"]
    assert "451" in kept["error"]
    assert deliver(NOW + timedelta(seconds=10)) is None

    smtp_server.accept()
    assert deliver(LATER) == "sent 1, failed 0"
    (received,) = smtp_server.wait_for(1)
    assert received.message["Message-ID"] == message_id
    assert smtp_server.refused == 1
    assert pending(app) == {}


def test_a_refused_mail_does_not_hold_up_the_others_in_the_same_turn(
    app, person, notify, deliver, smtp_server
):
    person("employee")
    person("employee2")
    notify(["employee"])
    notify(["employee2"], now=NOW + timedelta(seconds=1))
    smtp_server.refuse(times=1)

    assert deliver(NOW + timedelta(seconds=1)) == "sent 1, failed 1"
    (received,) = smtp_server.wait_for(1)
    assert received.rcpt_tos == ("employee2@example.com",)
    assert deliver(LATER) == "sent 1, failed 0"
    assert len(smtp_server.wait_for(2)) == 2


def test_a_mail_that_cannot_be_built_is_set_aside_and_the_rest_goes(
    app, person, notify, deliver, smtp_server
):
    person("employee")
    person("employee2")
    ((broken, _id),) = notify(["employee"])
    notify(["employee2"], now=NOW + timedelta(seconds=1))

    def damage(root):
        # As an older version could store it: a header that cannot be sent.
        root.outbox.pending[broken].subject = "two\nlines"

    app.write(damage)

    assert deliver(NOW + timedelta(seconds=1)) == "sent 1, failed 0"
    (received,) = smtp_server.wait_for(1)
    assert received.rcpt_tos == ("employee2@example.com",)
    kept = pending(app)[broken]
    assert kept["failed"] and "cannot build" in kept["error"]
    assert deliver(LATER) is None


def test_line_breaks_in_a_title_do_not_break_the_subject(
    app, person, notify, deliver, smtp_server, ticket
):
    person("employee")
    ticket.title = "Printer\r\nBcc: everyone@example.com"
    notify(["employee"])

    assert deliver(NOW) == "sent 1, failed 0"
    (received,) = smtp_server.wait_for(1)
    assert (
        received.message["Subject"]
        == "[INC-000123] Ticket received: Printer Bcc: everyone@example.com"
    )
    assert received.message["Bcc"] is None
    assert received.rcpt_tos == ("employee@example.com",)


def test_outbox_folds_line_breaks_in_headers(app, deliver, smtp_server):
    app.write(
        lambda root: root.outbox.add(
            ["employee@example.com"],
            "two\nlines",
            "Hello",
            headers={"X-Ticket": "INC-1\r\nBcc: x@example.com"},
            now=NOW,
        )
    )
    assert deliver(NOW) == "sent 1, failed 0"
    (received,) = smtp_server.wait_for(1)
    assert received.message["Subject"] == "two lines"
    assert received.message["X-Ticket"] == "INC-1 Bcc: x@example.com"


def test_muted_person_gets_essential_mail_only(app, person, notify, deliver, smtp_server):
    person("employee", mute_optional_mail=True)
    person("employee2")

    assert notify(["employee", "employee2"], event="closed", essential=False) != []
    assert notify(["employee"], event="resolved", essential=True) != []
    assert deliver(NOW) == "sent 2, failed 0"

    received = smtp_server.wait_for(2)
    got = sorted((m.rcpt_tos[0], m.message["Subject"]) for m in received)
    assert got == [
        ("employee2@example.com", "[INC-000123] Ticket closed: Printer is broken"),
        ("employee@example.com", "[INC-000123] Ticket resolved: Printer is broken"),
    ]


def test_each_person_gets_one_mail_and_unknown_logins_none(
    app, person, deliver, smtp_server, ticket
):
    from itsm.notify.notifications import queue_notification

    person("employee")

    def queue(root):
        record = root["people"]["employee"]
        recipients = ["employee", record, None, "", "nobody-by-that-name"]
        return queue_notification(
            root,
            app.registry,
            recipients=recipients,
            template="ticket_event",
            now=NOW,
            event="received",
            ticket=ticket,
        )

    assert len(app.write(queue)) == 1
    assert deliver(NOW) == "sent 1, failed 0"
    assert [m.rcpt_tos for m in smtp_server.wait_for(1)] == [("employee@example.com",)]


def test_hostile_title_body_and_names_are_escaped_in_html(
    app, person, notify, deliver, smtp_server, ticket
):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    person("employee", name=f"Elena {hostile}")
    person("agent", name=f"Anna {hostile}")
    ticket.title = f"Printer {hostile}"
    notify(["employee"], event="answered", actor="agent", body=f"Try this: {hostile}")

    assert deliver(NOW) == "sent 1, failed 0"
    (received,) = smtp_server.wait_for(1)
    html = received.message.get_body(("html",)).get_content()
    text = received.message.get_body(("plain",)).get_content()
    assert "<script" not in html and "<img" not in html
    assert html.count("&lt;script&gt;") == 5  # greeting, event, body, title twice
    # Plain text is not markup: it shows what people typed, as they typed it.
    assert f"Printer {hostile}" in text and f"Anna {hostile} replied." in text
    assert received.message["Subject"] == f"[INC-000123] New reply: Printer {hostile}"


def test_person_with_russian_language_gets_russian_mail(app, person, notify, deliver, smtp_server):
    person("employee", language="ru")
    person("employee2")  # language not chosen: the default locale (en)
    notify(["employee", "employee2"])

    assert deliver(NOW) == "sent 2, failed 0"
    mails = {m.rcpt_tos[0]: m.message for m in smtp_server.wait_for(2)}
    russian = mails["employee@example.com"]
    assert "Здравствуйте, Elena Employee" in russian.get_body(("plain",)).get_content()
    assert 'lang="ru"' in russian.get_body(("html",)).get_content()
    english = mails["employee2@example.com"]
    assert "Hello, Egor Employee" in english.get_body(("plain",)).get_content()
    assert 'lang="en"' in english.get_body(("html",)).get_content()
