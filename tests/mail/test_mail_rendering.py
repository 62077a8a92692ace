"""Notification mails rendered from templates: language, plain text, escaping."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm.i18n import _
from itsm.notify.render import render_mail, split_document, split_rendered

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


_TAGS = ("p", "pre", "table", "tr", "th", "td", "a", "b", "br", "li", "ul", "h1", "span")
_TEXT = st.lists(
    st.sampled_from([*"ab cé Я\n\t<>&;\"'/=-", "&amp;", "&lt;", "&#1071;"]), max_size=12
).map("".join)


@st.composite
def _documents(draw, depth=0):
    parts = []
    for _n in range(draw(st.integers(0, 4))):
        if depth < 3 and draw(st.booleans()):
            tag = draw(st.sampled_from(_TAGS))
            quote = draw(st.sampled_from(['"', "'"]))
            value = draw(_TEXT).replace(quote, "").replace("<", "")
            attrs = f" href={quote}{value}{quote}" if draw(st.booleans()) else ""
            inner = draw(_documents(depth + 1))
            parts.append(f"<{tag}{attrs}>{inner}</{tag}>" if tag != "br" else "<br/>")
        else:
            parts.append(draw(_TEXT).replace("<", "&lt;").replace(">", "&gt;"))
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(_documents(), _documents())
def test_the_fast_text_maker_agrees_with_html_parser(title, body):
    document = f"<!DOCTYPE html><html><head><title>{title}</title></head><body>{body}</body></html>"
    assert split_rendered(document) == split_document(document)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_rendered_mails_agree_with_html_parser(app, language):
    body = "Line one\n  <b>not markup</b> & more\n\nlast"
    mail = render_mail(
        app.registry, "ticket_event", language, body=body, survey_url="http://x/?a=1&b=2", **VALUES
    )
    assert mail == split_document(mail.html)


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
