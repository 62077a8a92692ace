"""What a mail becomes: incidents, replies, reopen / follow-up, request drafts, the policies
for unknown senders, the rate limit, loops and bounces, and the quarantine's decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest

from itsm.mailin.intake import (
    ReleaseError,
    delete_held,
    release_as_new,
    release_as_reply,
)
from tests.mailin.conftest import DESK, build_mail


def deliver(app: Any) -> str | None:
    from itsm.notify.delivery import deliver_outbox
    from itsm.worker.jobs import JobContext

    later = datetime.now(UTC) + timedelta(minutes=1)
    return deliver_outbox(JobContext(app.registry, app.db, now=lambda: later))


def incident(app: Any, number: str) -> Any:
    return app.read(lambda root: root["incidents"][number])


def count(app: Any, container: str = "incidents") -> int:
    return app.read(lambda root: len(root[container]))


def held(app: Any) -> list[Any]:
    return app.read(
        lambda root: [(h.reason, h.sender, h.number) for h in root["mail"]["quarantine"].values()]
    )


def outbox(app: Any) -> list[Any]:
    return app.read(lambda root: [(m.kind, m.to, dict(m.headers)) for m in root.outbox])


def act(app: Any, number: str, name: str, fields: dict[str, Any], **stored: Any) -> None:
    from itsm.incidents import actions
    from itsm.tickets.context import ActionContext

    def write(root: Any) -> None:
        ticket = root["incidents"][number]
        actions.transition(ActionContext.system(root, app.registry), ticket, name, fields)
        for key, value in stored.items():
            setattr(ticket, key, value)

    app.write(write)


# -- new incidents ------------------------------------------------------------------------------
def test_mail_from_a_known_person_becomes_an_incident_with_its_files(desk, take, smtp_server):
    raw = build_mail(
        "VPN drops every hour",
        "Since Monday the VPN drops.\n",
        files=(
            ("vpn.log", b"line 1\n", "text/plain"),
            ("shot.png", b"\x89PNG\r\n\x1a\n", "image/png"),
        ),
    )
    outcome = take(raw)
    assert outcome.kind == "ticket"
    ticket = incident(desk, outcome.number)
    assert (ticket.title, ticket.requester, ticket.channel) == (
        "VPN drops every hour",
        "employee",
        "email",
    )
    assert ticket.description == "Since Monday the VPN drops."
    assert sorted(a.filename for a in ticket.attachments) == ["shot.png", "vpn.log"]
    assert ticket.group and ticket.sla is not None and ticket.priority
    assert deliver(desk) == "sent 2, failed 0"
    (received,) = [m.message for m in smtp_server.messages if "employee@example.com" in m.rcpt_tos]
    mail_id = raw.split(b"Message-ID: ")[1].split(b"\n")[0].decode()
    assert received["In-Reply-To"] == mail_id
    assert (
        mail_id in received["References"] and f"<{ticket.number}@{DESK}>" in received["References"]
    )
    assert received["Auto-Submitted"] == "auto-generated"
    assert f"[{ticket.number}]" in received["Subject"]


def test_cyrillic_mail_in_koi8_r_becomes_a_readable_incident(desk, take):
    raw = build_mail("Не печатает принтер", "Принтер на третьем этаже.\n", charset="koi8-r")
    assert b"koi8-r" in raw
    ticket = incident(desk, take(raw).number)
    assert (ticket.title, ticket.description) == (
        "Не печатает принтер",
        "Принтер на третьем этаже.",
    )


def test_an_urgent_mail_is_urgent(desk, take):
    ticket = incident(desk, take(build_mail(X_Priority="1 (Highest)")).number)
    assert ticket.urgency == "high"


def test_the_same_message_id_twice_makes_one_ticket(desk, take):
    raw = build_mail()
    first, second = take(raw), take(raw)
    assert first.kind == "ticket"
    assert (second.kind, second.number) == ("duplicate", first.number)
    assert count(desk) == 1


def test_a_2kb_message_id_works_and_stays_idempotent(desk, take):
    long_id = "<" + "x" * 2048 + "@example.com>"
    first = take(build_mail(message_id=long_id))
    again = take(build_mail(message_id=long_id, subject="redelivered"))
    assert first.kind == "ticket" and again.kind == "duplicate"


def test_a_mail_without_message_id_gets_a_stable_one(desk, take):
    raw = build_mail(message_id="x").replace(b"Message-ID: x\n", b"")
    assert b"Message-ID" not in raw
    redelivered = b"Received: from mx2 by desk; Mon, 1 Dec 2026 10:00:00 +0000\n" + raw
    assert take(raw).kind == "ticket"
    assert take(redelivered).kind == "duplicate"
    assert count(desk) == 1


# -- replies -------------------------------------------------------------------------------------
def reported(take: Any, desk: Any) -> tuple[str, str]:
    """An incident reported by mail; (its number, the Message-ID of the received mail)."""
    number = take(build_mail("Printer jams")).number
    (message_id,) = desk.read(
        lambda root: [
            m.message_id for m in root.outbox if m.ticket == number and "employee@" in m.to[0]
        ]
    )
    return number, message_id


def test_a_reply_to_our_mail_is_a_public_journal_entry_without_the_quote(desk, take):
    number, our_id = reported(take, desk)
    body = "Still jams.\n\nOn Mon, IT Service Desk wrote:\n> We have received your ticket\n"
    outcome = take(build_mail("Re: received", body, In_Reply_To=our_id, References=our_id))
    assert (outcome.kind, outcome.number) == ("reply", number)
    (entry,) = incident(desk, number).journal
    assert (entry.kind, entry.author, entry.body) == ("reply", "employee", "Still jams.")
    assert [a.filename for a in entry.attachments] == ["original-message.eml"]
    assert entry.message_id and entry.message_id.endswith("@example.com>")


def test_a_reply_is_matched_by_the_subject_tag(desk, take):
    number, _ = reported(take, desk)
    outcome = take(build_mail(f"Re: [{number}] Printer jams", "Here is a photo."))
    assert (outcome.kind, outcome.number) == ("reply", number)


def test_a_reference_to_an_unknown_ticket_makes_a_new_one(desk, take):
    outcome = take(build_mail("Re: [INC-999999] old thing", "hello"))
    assert outcome.kind == "ticket" and outcome.number != "INC-999999"


def test_a_reply_from_someone_who_may_not_see_the_ticket_is_quarantined(desk, take, person):
    number, our_id = reported(take, desk)
    person("employee2")
    outcome = take(
        build_mail("Re: x", "me too", sender="employee2@example.com", In_Reply_To=our_id)
    )
    assert (outcome.kind, outcome.reason) == ("quarantined", "not_allowed")
    assert len(incident(desk, number).journal) == 0
    assert held(desk) == [("not_allowed", "employee2@example.com", number)]


def test_a_reply_from_an_unknown_address_is_never_attached(desk, take):
    number, _ = reported(take, desk)
    outcome = take(build_mail(f"[{number}] hi", sender="stranger@elsewhere.example"))
    assert (outcome.kind, outcome.reason) == ("quarantined", "not_allowed")
    assert len(incident(desk, number).journal) == 0


def test_an_agent_may_answer_by_mail(desk, take, person):
    number, _ = reported(take, desk)
    person("agent")
    outcome = take(build_mail(f"Re: [{number}]", "Restart it.", sender="agent@example.com"))
    assert outcome.kind == "reply"
    (entry,) = incident(desk, number).journal
    assert entry.author == "agent"


def test_the_requester_replying_to_a_resolved_incident_reopens_it(desk, take):
    number, _ = reported(take, desk)
    act(desk, number, "resolve", {"resolution_code": "fixed", "resolution": "Cleaned"})
    outcome = take(build_mail(f"Re: [{number}] resolved", "No, it jams again."))
    assert (outcome.kind, outcome.number, outcome.detail) == ("reply", number, "reopened")
    assert incident(desk, number).status == "in_progress"


def test_after_the_reopen_window_a_reply_opens_a_linked_incident(desk, take):
    number, _ = reported(take, desk)
    act(
        desk,
        number,
        "resolve",
        {"resolution_code": "fixed", "resolution": "Cleaned"},
        resolved_at=datetime.now(UTC) - timedelta(days=30),
    )
    outcome = take(build_mail(f"Re: [{number}] resolved", "It jams again."))
    assert outcome.kind == "ticket" and outcome.detail == f"follow_up:{number}"
    new = incident(desk, outcome.number)
    assert new.follows_up == number and new.title == "Printer jams"
    from tests.functional.incidents.conftest import ApiClient

    api = ApiClient(desk, "employee")
    assert api.get(f"/api/v1/incidents/{outcome.number}").json["follows_up"] == number
    assert number in new.description and "It jams again." in new.description
    old = incident(desk, number)
    assert old.status == "resolved"
    assert any(outcome.number in e.body for e in old.journal)


def test_a_reply_to_a_closed_incident_opens_a_linked_incident(desk, take):
    number, _ = reported(take, desk)
    act(desk, number, "resolve", {"resolution_code": "fixed", "resolution": "Cleaned"})
    act(desk, number, "close", {})
    outcome = take(build_mail(f"Re: [{number}]", "Again."))
    assert outcome.kind == "ticket"
    assert incident(desk, outcome.number).follows_up == number


# -- loops and noise -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Auto_Submitted": "auto-generated"},
        {"X_Autoreply": "yes"},
        {"X_Autorespond": "Out of office"},
        {"Precedence": "bulk"},
        {"Precedence": "junk"},
        {"Precedence": "list"},
        {"List_Id": "Announcements <announce.lists.example.com>"},
        {"Return_Path": "<>"},
    ],
)
def test_automatic_mail_makes_no_ticket_and_no_reply(desk, take, headers):
    number, our_id = reported(take, desk)
    before = len(outbox(desk))
    outcome = take(build_mail("Out of office", In_Reply_To=our_id, **headers))
    assert outcome.kind == "ignored"
    assert count(desk) == 1 and len(incident(desk, number).journal) == 0
    assert len(outbox(desk)) == before


def test_an_allowed_list_is_taken(make_app, take):
    app = make_app(**{"itsm.mail_in.allowed_lists": "it-help.lists.example.com"})
    outcome = take(build_mail(List_Id="IT help <it-help.lists.example.com>"), app=app)
    assert outcome.kind == "ticket"


def test_our_own_notifications_are_ignored(desk, take):
    outcome = take(build_mail(message_id=make_msgid(idstring="INC-000001", domain=DESK)))
    assert (outcome.kind, outcome.reason) == ("ignored", "own")
    assert take(build_mail(sender="itsm@example.com")).reason == "own"


def test_a_person_whose_mail_client_uses_the_desks_domain_is_still_heard(desk, take):
    # Thunderbird writes <uuid@sender's domain>: on a desk at that domain it is not ours.
    outcome = take(build_mail(message_id=f"<5c3e9a1b-2f4d-4b1e-9f0a-1d2c3b4a5e6f@{DESK}>"))
    assert outcome.kind == "ticket"


def dsn(original_id: str, recipient: str, action: str = "failed") -> bytes:
    report = EmailMessage()
    report["From"] = "MAILER-DAEMON@mx.example.com"
    report["To"] = "itsm@example.com"
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Message-ID"] = make_msgid(domain="mx.example.com")
    report.set_content("I'm sorry to have to inform you that your message could not be delivered.")
    report.make_mixed()
    raw = report.as_bytes().decode()
    boundary = report.get_boundary()
    status = (
        f"--{boundary}\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.example.com\n\n"
        f"Final-Recipient: rfc822; {recipient}\nAction: {action}\nStatus: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n\n"
        f"--{boundary}\nContent-Type: text/rfc822-headers\n\n"
        f"Message-ID: {original_id}\nSubject: [INC-000001] Ticket received\n\n"
        f"--{boundary}--\n"
    )
    raw = raw.replace(f"--{boundary}--", status.rstrip("\n"))
    raw = raw.replace("multipart/mixed", "multipart/report; report-type=delivery-status", 1)
    return raw.encode()


def test_a_bounce_of_our_mail_marks_the_address_failing_and_makes_no_ticket(desk, take):
    number, our_id = reported(take, desk)
    outcome = take(dsn(our_id, "employee@example.com"))
    assert (outcome.kind, outcome.reason) == ("ignored", "bounce")
    failure = desk.read(lambda root: root["people"]["employee"].mail_failure)
    assert failure[0] == "employee@example.com" and failure[2] == "5.1.1"
    (note,) = incident(desk, number).journal
    assert note.kind == "note" and "employee@example.com" in note.body and "5.1.1" in note.body
    assert count(desk) == 1
    # Mail from that address proves it works again.
    take(build_mail("another"))
    assert desk.read(lambda root: root["people"]["employee"].mail_failure) is None


def test_a_delay_report_or_a_bounce_of_someone_elses_mail_marks_nothing(desk, take):
    _number, our_id = reported(take, desk)
    assert take(dsn(our_id, "employee@example.com", action="delayed")).reason == "bounce"
    assert take(dsn("<x@elsewhere.example>", "employee@example.com")).reason == "bounce"
    assert desk.read(lambda root: root["people"]["employee"].mail_failure) is None


def test_past_the_rate_limit_mail_is_quarantined(make_app, take):
    app = make_app(**{"itsm.mail_in.max_per_hour": "3"})
    kinds = [take(build_mail(f"mail {i}"), app=app).kind for i in range(5)]
    assert kinds == ["ticket"] * 3 + ["quarantined"] * 2
    assert {r for r, _s, _n in held(app)} == {"rate_limit"}


# -- unknown senders and aliases -----------------------------------------------------------------
def test_unknown_senders_are_quarantined_by_default(desk, take):
    outcome = take(build_mail(sender="Пётр <petr@elsewhere.example>"))
    assert (outcome.kind, outcome.reason) == ("quarantined", "unknown_sender")
    assert held(desk) == [("unknown_sender", "petr@elsewhere.example", "")]
    assert count(desk) == 0


def test_unknown_senders_can_become_guest_requesters(make_app, take):
    app = make_app(**{"itsm.mail_in.unknown_senders": "create"})
    outcome = take(build_mail(sender="Пётр Иванов <petr@elsewhere.example>"), app=app)
    ticket = incident(app, outcome.number)
    guest = app.read(lambda root: root["people"][ticket.requester])
    assert guest.guest and guest.email == "petr@elsewhere.example" and guest.name == "Пётр Иванов"
    # The same address again is the same guest.
    again = incident(
        app, take(build_mail("second", sender="petr@elsewhere.example"), app=app).number
    )
    assert again.requester == ticket.requester


def test_rejected_unknown_senders_are_pointed_to_the_portal_once_a_day(make_app, take):
    app = make_app(**{"itsm.mail_in.unknown_senders": "reject"})
    first = take(build_mail(sender="petr@elsewhere.example"), app=app)
    second = take(build_mail("again", sender="petr@elsewhere.example"), app=app)
    assert (first.kind, second.kind) == ("ignored", "ignored")
    mails = outbox(app)
    assert [(kind, to) for kind, to, _h in mails] == [
        ("mailin_unknown_sender", ("petr@elsewhere.example",))
    ]
    assert held(app) == [] and count(app) == 0


def test_mail_to_an_alias_becomes_a_request_draft_and_says_what_is_missing(make_app, take):
    app = make_app(**{"itsm.mail_in.aliases": "access@ = vpn-access; software@ = software-install"})
    raw = build_mail("VPN please", "I need VPN from home.\n", to="access@example.com")
    outcome = take(raw, app=app)
    assert outcome.kind == "request"
    request = app.read(lambda root: root["requests"][outcome.number])
    assert (request.item, request.status, request.channel, request.requester) == (
        "vpn-access",
        "draft",
        "email",
        "employee",
    )
    assert [e.body for e in request.journal] == ["I need VPN from home."]
    (told,) = [m for m in outbox(app) if m[0].endswith("request_draft.pt")]
    text = app.read(lambda root: [m.text for m in root.outbox if m.kind == told[0]][0])
    assert "Nothing is missing" in text and told[2]["In-Reply-To"].endswith("@example.com>")
    # An item whose form has required fields: the mail names them.
    outcome = take(
        build_mail("Visio", "Visio please", to="Software <software@example.com>"), app=app
    )
    texts = app.read(
        lambda root: [
            m.text for m in root.outbox if m.ticket == outcome.number and "draft" in m.kind
        ]
    )
    assert len(texts) == 1 and "- Software" in texts[0]


def test_the_envelope_recipient_picks_the_alias_too(make_app, take):
    app = make_app(**{"itsm.mail_in.aliases": "access@example.com = vpn-access"})
    outcome = take(build_mail(to="desk@example.com"), app=app, recipient="access@example.com")
    assert outcome.kind == "request"


# -- the quarantine's decisions ------------------------------------------------------------------
def held_id(app: Any) -> str:
    return app.read(lambda root: next(iter(root["mail"]["quarantine"].keys())))


def test_a_held_mail_is_released_as_a_new_incident_of_its_sender(desk, take):
    take(build_mail("From outside", sender="petr@elsewhere.example"))
    key = held_id(desk)
    outcome = desk.write(
        lambda root: release_as_new(root, key, registry=desk.registry, actor="agent")
    )
    ticket = incident(desk, outcome.number)
    assert ticket.title == "From outside" and ticket.channel == "email"
    assert (
        desk.read(lambda root: root["people"][ticket.requester].email) == "petr@elsewhere.example"
    )
    assert held(desk) == []
    # Delivered again later: the release counts, no second ticket.
    assert take(build_mail("From outside", sender="petr@elsewhere.example")).kind == "ticket"


def test_a_held_reply_is_released_onto_the_ticket_an_agent_names(desk, take, person):
    number, our_id = reported(take, desk)
    person("employee2")
    take(build_mail("Re: x", "me too", sender="employee2@example.com", In_Reply_To=our_id))
    key = held_id(desk)
    with pytest.raises(ReleaseError):
        desk.write(
            lambda root: release_as_reply(
                root, key, "INC-999999", registry=desk.registry, actor="agent"
            )
        )
    outcome = desk.write(
        lambda root: release_as_reply(root, key, number, registry=desk.registry, actor="agent")
    )
    assert (outcome.kind, outcome.number) == ("reply", number)
    (entry,) = incident(desk, number).journal
    assert entry.author == "employee2" and entry.body == "me too"


def test_a_held_mail_can_be_deleted(desk, take):
    raw = build_mail(sender="petr@elsewhere.example")
    take(raw)
    key = held_id(desk)
    desk.write(lambda root: delete_held(root, key, actor="agent"))
    assert held(desk) == []
    assert take(raw).kind == "duplicate"
    with pytest.raises(ReleaseError):
        desk.write(lambda root: delete_held(root, key, actor="agent"))


def test_the_intake_log_keeps_recent_outcomes(desk, take):
    take(build_mail("one"))
    take(build_mail("two", Auto_Submitted="auto-replied"))
    recent = desk.read(lambda root: root["mail"].recent(10))
    assert [(e["kind"], e["subject"]) for e in recent] == [("ignored", "two"), ("ticket", "one")]


def test_agents_see_a_failing_address_on_the_person_and_the_incident(desk, take):
    from tests.conftest import logged_in

    number, our_id = reported(take, desk)
    take(dsn(our_id, "employee@example.com"))
    agent = logged_in(desk, "agent")
    page = agent.get(f"/incidents/{number}")
    assert "employee@example.com bounced" in page.text and "5.1.1" in page.text
    assert "User unknown" in agent.get("/people/employee/").text
    employee = logged_in(desk, "employee")
    assert 'id="mail-failure"' not in employee.get(f"/incidents/{number}").text
