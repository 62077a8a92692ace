"""What we send can be recognised as automatic by any desk or auto-responder (RFC 3834)."""

from __future__ import annotations

from datetime import UTC, datetime

from itsm.notify.delivery import build_message
from itsm.notify.outbox import OutgoingMail


def test_every_outgoing_mail_says_it_is_automatic_whatever_its_headers_say():
    mail = OutgoingMail(
        "k",
        ("someone@example.com",),
        "[INC-000001] Ticket received",
        "text",
        message_id="<1.INC-000001@desk.example.com>",
        headers={"Auto-Submitted": "no", "In-Reply-To": "<x@example.com>"},
        created=datetime.now(UTC),
    )
    message = build_message(mail, "itsm@desk.example.com")
    assert message.get_all("Auto-Submitted") == ["auto-generated"]
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message["In-Reply-To"] == "<x@example.com>"
