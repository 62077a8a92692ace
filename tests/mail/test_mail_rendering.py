"""Notification mails rendered from templates: language, plain text, escaping."""

from __future__ import annotations

import pytest

from itsm.i18n import _
from itsm.notify.render import render_mail, split_document

VALUES = {
    "name": "Elena Employee",
    "event": _("The ticket has been closed."),
    "summary": _("Ticket closed"),
    "number": "INC-000007",
    "title": "VPN drops",
    "status": "closed",
    "url": "http://localhost/incidents/INC-000007",
}


@pytest.mark.parametrize(
    ("asked", "used"), [("ru", "ru"), ("ru-RU", "ru"), ("en", "en"), ("de", "en"), (None, "en")]
)
def test_language_falls_back_to_the_default_locale(app, asked, used):
    mail = render_mail(app.registry, "ticket_event", asked, **VALUES)
    assert f'<html lang="{used}"' in mail.html
    greeting = "Здравствуйте" if used == "ru" else "Hello"
    assert mail.text.startswith(f"{greeting}, Elena Employee\n")


def test_subject_text_and_html_come_from_one_template(app):
    subject, text, html = render_mail(app.registry, "ticket_event", "en", **VALUES)
    assert subject == "Ticket closed: VPN drops"
    assert text == (
        "Hello, Elena Employee\n\n"
        "The ticket has been closed.\n\n"
        "Ticket: INC-000007\n"
        "Title: VPN drops\n"
        "Status: closed\n\n"
        "Open the ticket <http://localhost/incidents/INC-000007>\n\n"
        "This is an automatic message from the IT service desk.\n"
    )
    assert html.startswith("<!DOCTYPE html>") and "<table" in html


def test_quoted_body_keeps_its_lines_in_the_text_part(app):
    body = "First line\n    indented line\n\nLast line"
    _subject, text, html = render_mail(app.registry, "ticket_event", "en", body=body, **VALUES)
    assert "First line\n    indented line\n\nLast line\n" in text
    assert "<pre" in html


def test_text_part_of_a_document():
    mail = split_document(
        "<html><head><title> Two\n words </title><style>p {}</style></head><body>"
        "<h1>Head</h1><p>A <b>bold</b> &amp; <a href='http://x/1'>link</a></p>"
        "<ul><li>one</li><li>two</li></ul><p><a href='http://x/2'>http://x/2</a></p>"
        "</body></html>"
    )
    assert mail.subject == "Two words"
    assert mail.text == "Head\n\nA bold & link <http://x/1>\n\n- one\n- two\n\nhttp://x/2\n"


def test_template_names_cannot_leave_the_template_folder(app):
    with pytest.raises(ValueError):
        render_mail(app.registry, "../../settings", "en", **VALUES)


def test_unknown_event_code_says_the_ticket_was_updated(app, person, notify, deliver, smtp_server):
    person("employee")
    notify(["employee"], event="something_new")
    assert deliver() == "sent 1, failed 0"
    (received,) = smtp_server.wait_for(1)
    assert received.message["Subject"] == "[INC-000123] Printer is broken"
    assert "The ticket has been updated." in received.message.get_body(("plain",)).get_content()


def test_status_title_of_the_ticket_type_is_shown(
    app, person, notify, deliver, smtp_server, ticket
):
    person("employee", language="ru")
    # A ticket type shows its own words for a state (any translated message will do here).
    ticket.status_title = _("Unknown")
    notify(["employee"])
    assert deliver() == "sent 1, failed 0"
    (received,) = smtp_server.wait_for(1)
    assert "Неизвестно" in received.message.get_body(("plain",)).get_content()
