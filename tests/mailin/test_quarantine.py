"""The quarantine page and API: held mail for IT staff to release or delete."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest

from tests.conftest import csrf_of, logged_in

STRANGER = "stranger@elsewhere.example.org"
HOSTILE_HTML = (
    "<p>Hello <b>desk</b></p><script>alert('x')</script>"
    '<img src="https://tracker.example.net/pixel.png" onerror="alert(1)">'
    '<a href="javascript:alert(2)">click</a>'
)


def raw_mail(subject: str, sender: str = STRANGER, html: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = f"Somebody <{sender}>"
    message["To"] = "servicedesk@example.com"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="elsewhere.example.org")
    message.set_content(f"Plain words about {subject}.\n")
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message.as_bytes()


def take(app: Any, raw: bytes) -> Any:
    from itsm.mailin.intake import take_message

    return app.write(lambda root: take_message(root, raw, registry=app.registry, source="test"))


def hold(app: Any, subject: str, **kw: Any) -> str:
    """A mail from an unknown sender, held by the intake; its quarantine id."""
    outcome = take(app, raw_mail(subject, **kw))
    assert outcome.kind == "quarantined", outcome
    return outcome.held


def incident_of(app: Any, subject: str) -> str:
    outcome = take(app, raw_mail(subject, sender="employee@example.com"))
    assert outcome.kind == "ticket", outcome
    return outcome.number


def held_ids(app: Any) -> set[str]:
    return app.read(lambda root: set(root["mail"]["quarantine"].keys()))


# -- who may look -------------------------------------------------------------------------------


def test_employees_find_no_quarantine_page_or_api(app: Any) -> None:
    held = hold(app, "Free money")
    client = logged_in(app, "employee")
    client.get("/mail/quarantine/", status=404)
    client.get(f"/mail/quarantine/{held}", status=404)
    client.get(f"/mail/quarantine/{held}/original", status=404)
    token = csrf_of(client.get("/"))
    client.post(f"/mail/quarantine/{held}/delete", {"csrf_token": token}, status=404)
    assert client.get("/api/v1/mail/quarantine", status=404).json["error"]["code"] == "not_found"
    client.get(f"/api/v1/mail/quarantine/{held}", status=404)
    client.get("/api/v1/mail/quarantine/no-such-id", status=404)
    headers = {"X-CSRF-Token": token}
    client.post_json(
        f"/api/v1/mail/quarantine/{held}/release", {"as": "new"}, headers=headers, status=404
    )
    client.delete(f"/api/v1/mail/quarantine/{held}", headers=headers, status=404)
    assert held in held_ids(app)


def test_anonymous_visitors_are_sent_to_log_in(app: Any) -> None:
    client = app.client()
    assert client.get("/mail/quarantine/", status=(302, 303, 403)).status_int in (302, 303, 403)
    client.get("/api/v1/mail/quarantine", status=401)


# -- the page -----------------------------------------------------------------------------------


def test_agents_see_each_held_mail_with_its_reason(app: Any) -> None:
    hold(app, "Cheap watches")
    page = logged_in(app, "agent").get("/mail/quarantine/")
    (row,) = page.html.select("#quarantine-table tbody tr")
    cells = [td.get_text(" ", strip=True) for td in row.select("td")]
    assert cells[1] == "Unknown sender"
    assert cells[2] == STRANGER and cells[3] == "Cheap watches"


def test_the_menu_shows_held_mail_to_staff_with_the_count(app: Any) -> None:
    hold(app, "One")
    hold(app, "Two")
    agent = logged_in(app, "agent").get("/")
    links = {a.get_text(strip=True): a["href"] for a in agent.html.select("#itsm-nav a.nav-link")}
    assert links["Held mail (2)"].endswith("/mail/quarantine/")
    employee = logged_in(app, "employee").get("/")
    assert "Held mail" not in employee.text


def test_a_held_mail_is_shown_as_text_only(app: Any) -> None:
    held = hold(app, "Look <b>here</b>", html=HOSTILE_HTML)
    page = logged_in(app, "agent").get(f"/mail/quarantine/{held}")
    html = page.html
    assert STRANGER in page.text
    assert "not known" in html.select_one("#held-reason").get_text()
    # Nothing of the mail's markup reaches the page as markup.
    assert not html.select("#held-text *")
    sources = " ".join(str(tag.get("src", "")) for tag in html.select("[src]"))
    assert "tracker.example.net" not in sources
    assert not [s for s in html.select("script") if not s.get("src")]
    assert "javascript:" not in " ".join(str(a.get("href", "")) for a in html.select("a"))
    assert "Look <b>here</b>" in html.select_one("h1").get_text()
    assert "Plain words" in html.select_one("#held-text").get_text()


def test_the_original_is_a_download_never_rendered(app: Any) -> None:
    held = hold(app, "Original", html=HOSTILE_HTML)
    response = logged_in(app, "agent").get(f"/mail/quarantine/{held}/original")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert b"Subject: Original" in response.body


def test_release_as_a_new_ticket(app: Any) -> None:
    held = hold(app, "Printer on fire")
    client = logged_in(app, "agent")
    form = client.get(f"/mail/quarantine/{held}").forms["release-new-form"]
    page = form.submit(status=303).follow()
    number = app.read(
        lambda root: [i.number for i in root["incidents"].values() if i.title == "Printer on fire"]
    )
    assert len(number) == 1
    assert f"Released as {number[0]}." in page.text
    assert held not in held_ids(app)


def test_release_as_a_reply_to_a_ticket(app: Any) -> None:
    number = incident_of(app, "VPN is down")
    held = hold(app, "Re: VPN is down")
    client = logged_in(app, "agent")
    form = client.get(f"/mail/quarantine/{held}").forms["release-reply-form"]
    form["number"] = number.lower().replace("-000", "-")  # typed loosely: inc-1…
    page = form.submit(status=303).follow()
    assert f"Released as a reply to {number}." in page.text
    bodies = app.read(lambda root: [e.body for e in root["incidents"][number].journal if e.public])
    assert any("Plain words about Re: VPN is down" in body for body in bodies)
    assert held not in held_ids(app)


@pytest.mark.parametrize(
    ("language", "typed", "expected"),
    [
        ("en", "", "Enter a ticket number such as INC-000123"),
        ("en", "CI-000001", "Enter a ticket number such as INC-000123"),
        ("ru", "abc", "Введите номер заявки"),
    ],
)
def test_release_as_a_reply_needs_a_ticket_number(
    app: Any, language: str, typed: str, expected: str
) -> None:
    held = hold(app, "Which ticket?")
    client = logged_in(app, "agent")
    client.extra_environ["HTTP_ACCEPT_LANGUAGE"] = language
    form = client.get(f"/mail/quarantine/{held}").forms["release-reply-form"]
    form["number"] = typed
    page = form.submit(status=400)
    assert expected in page.html.select_one("#release-error").get_text()
    assert held in held_ids(app)


def test_release_as_a_reply_to_a_ticket_that_does_not_exist(app: Any) -> None:
    held = hold(app, "Lost reply")
    client = logged_in(app, "agent")
    form = client.get(f"/mail/quarantine/{held}").forms["release-reply-form"]
    form["number"] = "INC-999999"
    page = form.submit(status=400)
    assert page.html.select_one("#release-error").get_text().strip()
    assert held in held_ids(app)


def test_delete_a_held_mail(app: Any) -> None:
    held = hold(app, "Spam")
    client = logged_in(app, "agent")
    form = client.get(f"/mail/quarantine/{held}").forms["delete-form"]
    page = form.submit(status=303).follow()
    assert f"Deleted the mail from {STRANGER}." in page.text
    assert held_ids(app) == set()


def test_decisions_need_the_csrf_token(app: Any) -> None:
    held = hold(app, "No token")
    client = logged_in(app, "agent")
    client.post(f"/mail/quarantine/{held}/delete", {}, status=400)
    client.post(f"/mail/quarantine/{held}/release", {"as": "new"}, status=400)
    assert held in held_ids(app)


def test_the_list_filters_by_reason_and_pages(app: Any) -> None:
    for n in range(3):
        hold(app, f"Bulk {n}")
    client = logged_in(app, "agent")
    assert len(client.get("/mail/quarantine/?reason=unknown_sender").html.select("tbody tr")) == 3
    assert "No mail is held." in client.get("/mail/quarantine/?reason=loop").text


# -- the API ------------------------------------------------------------------------------------


def _api(app: Any, login: str = "agent") -> tuple[Any, dict[str, str]]:
    client = logged_in(app, login)
    return client, {"X-CSRF-Token": csrf_of(client.get("/"))}


def test_api_lists_held_mail_in_pages(app: Any) -> None:
    for n in range(3):
        hold(app, f"Listed {n}")
    client, _ = _api(app)
    body = client.get("/api/v1/mail/quarantine?per_page=2&page=1").json
    assert body["total"] == 3 and body["page"] == 1 and body["per_page"] == 2
    assert len(body["items"]) == 2
    item = body["items"][0]
    assert item["reason"] == "unknown_sender" and item["sender"] == STRANGER
    assert item["reason_text"] and "text" not in item
    assert len(client.get("/api/v1/mail/quarantine?page=2&per_page=2").json["items"]) == 1
    assert client.get("/api/v1/mail/quarantine?reason=loop").json["total"] == 0
    client.get("/api/v1/mail/quarantine?reason=nonsense", status=400)


def test_api_reads_one_held_mail_as_text(app: Any) -> None:
    held = hold(app, "Read me", html=HOSTILE_HTML)
    client, _ = _api(app)
    body = client.get(f"/api/v1/mail/quarantine/{held}").json
    assert body["id"] == held and "Plain words" in body["text"]
    assert "<script" not in body["text"]
    assert client.get("/api/v1/mail/quarantine/nope", status=404).json["error"]["code"] == (
        "not_found"
    )


def test_api_release_as_new_and_as_reply(app: Any) -> None:
    number = incident_of(app, "Laptop is slow")
    first, second = hold(app, "Desk phone broken"), hold(app, "Re: Laptop is slow")
    client, headers = _api(app)
    made = client.post_json(
        f"/api/v1/mail/quarantine/{first}/release", {"as": "new"}, headers=headers
    ).json
    assert made["kind"] == "ticket" and made["number"].startswith("INC-")
    replied = client.post_json(
        f"/api/v1/mail/quarantine/{second}/release",
        {"as": "reply", "number": number},
        headers=headers,
    ).json
    assert replied["kind"] == "reply" and replied["number"] == number
    assert held_ids(app) == set()
    client.post_json(
        f"/api/v1/mail/quarantine/{first}/release", {"as": "new"}, headers=headers, status=404
    )


def test_api_release_checks_the_number(app: Any) -> None:
    held = hold(app, "Bad number")
    client, headers = _api(app)
    url = f"/api/v1/mail/quarantine/{held}/release"
    error = client.post_json(url, {"as": "reply"}, headers=headers, status=400).json["error"]
    assert "number" in error["fields"]
    error = client.post_json(
        url, {"as": "reply", "number": "KB-1"}, headers=headers, status=400
    ).json["error"]
    assert "INC-000123" in error["fields"]["number"]
    client.post_json(url, {"as": "sideways"}, headers=headers, status=400)
    client.post_json(url, {"as": "reply", "number": "INC-999999"}, headers=headers, status=400)
    assert held in held_ids(app)


def test_api_delete(app: Any) -> None:
    held = hold(app, "Delete me")
    client, headers = _api(app, "admin")
    client.delete(f"/api/v1/mail/quarantine/{held}", headers=headers, status=204)
    client.delete(f"/api/v1/mail/quarantine/{held}", headers=headers, status=404)
    assert held_ids(app) == set()


def test_the_openapi_description_has_the_quarantine(app: Any) -> None:
    spec = logged_in(app, "agent").get("/api/v1/openapi.json").json
    paths = spec["paths"]
    assert set(paths["/api/v1/mail/quarantine"]) == {"get"}
    assert set(paths["/api/v1/mail/quarantine/{id}"]) == {"get", "delete"}
    release = paths["/api/v1/mail/quarantine/{id}/release"]["post"]
    schema = release["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["as"]["enum"] == ["new", "reply"]
    assert "HeldMail" in spec["components"]["schemas"]


def test_a_mail_without_sender_or_subject_is_listed_and_shown(app: Any) -> None:
    broken = (
        b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\n'
        b"Content-Type: text/plain; charset=koi8-r\r\n\r\n\xf0\xd2\xc9\xd7\xc5\xd4\r\n"
    )
    outcome = take(app, broken)
    assert outcome.kind == "quarantined", outcome
    client = logged_in(app, "agent")
    (row,) = client.get("/mail/quarantine/").html.select("#quarantine-table tbody tr")
    assert row.select("td")[2].get_text(strip=True) == "—"
    page = client.get(f"/mail/quarantine/{outcome.held}")
    assert page.html.select_one("#held-reason").get_text(strip=True)
