"""What must not become a ticket or a reply: our own mail, auto-replies, bounces, bulk mail.

RFC 3834: ``Auto-Submitted`` other than ``no``; the de facto ``X-Autoreply`` /
``X-Autorespond`` and ``Precedence: bulk|junk|list|auto_reply``; ``List-Id`` (unless the list
is allowed); a null envelope sender (``Return-Path: <>``, what bounces and auto-replies are
sent with); RFC 3464 delivery reports (``multipart/report; report-type=delivery-status``),
which are also read for the failed recipient and the Message-ID of the mail that bounced.
Our own mail is recognised by its Message-ID domain and by our sender address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from typing import Any

from itsm.mailin.parse import ParsedMail, message_ids

TICKET_NUMBER = re.compile(r"\b(INC|REQ|CHG|PRB)-(\d{1,9})\b", re.IGNORECASE)
SUBJECT_TAG = re.compile(r"\[\s*(INC|REQ|CHG|PRB)-(\d{1,9})\s*\]", re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    """Why a mail is not taken as a person's mail: ``kind`` (own, auto_reply, bounce, bulk,
    list, spam) and the header that told (``detail``)."""

    kind: str
    detail: str


@dataclass(frozen=True)
class Bounce:
    """What a delivery report says about one recipient."""

    recipient: str
    action: str  # failed | delayed | delivered | relayed | expanded | ""
    status: str
    diagnostic: str
    original_id: str  # the Message-ID of the mail that bounced, "" when not included


def normal_number(prefix: str, digits: str) -> str:
    """``INC-000123`` however it was written (``inc-123``)."""
    return f"{prefix.upper()}-{int(digits):06d}"


def own_numbers(ids: list[str], domain: str) -> list[str]:
    """Ticket numbers in Message-IDs of our domain (``<…INC-000123@desk>``), in order."""
    suffix = f"@{domain.lower()}>"
    found: list[str] = []
    for mid in ids:
        if not mid.lower().endswith(suffix):
            continue
        local = mid[1 : -len(suffix)]
        matches = TICKET_NUMBER.findall(local)
        if matches:
            found.append(normal_number(*matches[-1]))
    return list(dict.fromkeys(found))


def subject_number(subject: str) -> str:
    """The ``[INC-000123]`` tag of a subject, or ""."""
    match = SUBJECT_TAG.search(subject or "")
    return normal_number(match.group(1), match.group(2)) if match else ""


#: The local part ``email.utils.make_msgid`` writes (time, process, random, then our
#: ``.INC-000123``): people's mail clients on the same domain write other shapes (UUIDs,
#: Exchange ids), so a desk at ``example.com`` does not take its users' mail for its own.
OWN_LOCAL_PART = re.compile(r"^\d{6,}\.\d+\.\d+(\.[A-Za-z]{3}-\d{1,9})?$")


def is_own_id(message_id: str, domain: str) -> bool:
    """Whether ``message_id`` is one of the Message-IDs our outbox writes."""
    suffix = f"@{domain.lower()}>"
    if not message_id or not message_id.lower().endswith(suffix):
        return False
    return bool(OWN_LOCAL_PART.match(message_id[1 : -len(suffix)]))


def classify(
    mail: ParsedMail, *, domain: str, own_addresses: tuple[str, ...], allowed_lists: tuple[str, ...]
) -> Verdict | None:
    """The reason ``mail`` must not be taken as written by a person, or None."""
    if is_own_id(mail.message_id, domain):
        return Verdict("own", f"Message-ID {mail.message_id[:200]}")
    if mail.sender.address and mail.sender.address in own_addresses:
        return Verdict("own", f"From {mail.sender.address}")
    if delivery_report(mail):
        return Verdict("bounce", "multipart/report")
    auto = (mail.header("auto-submitted") or "").strip().lower()
    if auto and auto.split(";")[0].strip() != "no":
        return Verdict("auto_reply", f"Auto-Submitted: {auto[:100]}")
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder"):
        if mail.header(name) is not None:
            return Verdict("auto_reply", name)
    precedence = (mail.header("precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return Verdict("bulk", f"Precedence: {precedence}")
    return_path = mail.header_all("return-path")
    if return_path and all(v.strip() in ("<>", "") for v in return_path):
        return Verdict("bounce", "Return-Path: <>")
    if _from_daemon(mail) and not mail.in_reply_to and not mail.references:
        return Verdict("bounce", f"From {mail.sender.address}")
    list_id = mail.header("list-id")
    if list_id is not None:
        ident = _list_ident(list_id)
        if not any(ident == a or ident.endswith("." + a) for a in allowed_lists):
            return Verdict("list", f"List-Id: {list_id[:200]}")
    spam = (mail.header("x-spam-flag") or "").strip().lower()
    if spam == "yes":
        return Verdict("spam", "X-Spam-Flag: YES")
    return None


def _from_daemon(mail: ParsedMail) -> bool:
    local = mail.sender.address.split("@", 1)[0]
    return local in ("mailer-daemon", "postmaster", "mail-daemon")


def _list_ident(value: str) -> str:
    match = re.search(r"<([^<>]+)>", value)
    return (match.group(1) if match else value).strip().lower()


def delivery_report(mail: ParsedMail) -> bool:
    message = mail.message
    if message is None:
        return False
    try:
        ctype = message.get_content_type()
        report_type = str(message.get_param("report-type") or "").lower()
    except Exception:  # noqa: BLE001
        return False
    return ctype == "multipart/report" and report_type in (
        "delivery-status",
        "disposition-notification",
        "",
    )


def bounces(mail: ParsedMail) -> list[Bounce]:
    """Per-recipient results of an RFC 3464 delivery report (empty for anything else)."""
    message = mail.message
    if message is None or not delivery_report(mail):
        return []
    status_blocks: list[Message] = []
    original_id = ""
    try:
        for part in message.walk():
            ctype = part.get_content_type()
            if ctype in ("message/delivery-status", "message/global-delivery-status"):
                payload = part.get_payload()
                if isinstance(payload, list):
                    status_blocks += payload
            elif ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
                original_id = original_id or _original_id(part)
    except Exception:  # noqa: BLE001 - a broken report is still a report: ignored, not taken
        return []
    found = []
    for block in status_blocks:
        recipient_field = str(block.get("final-recipient") or block.get("original-recipient") or "")
        if not recipient_field:
            continue
        address = recipient_field.split(";", 1)[-1].strip().strip("<>").lower()
        found.append(
            Bounce(
                recipient=address,
                action=str(block.get("action") or "").strip().lower(),
                status=str(block.get("status") or "").strip()[:20],
                diagnostic=" ".join(str(block.get("diagnostic-code") or "").split())[:300],
                original_id=original_id,
            )
        )
    return found


def _original_id(part: Message) -> str:
    payload = part.get_payload()
    inner: Any = payload[0] if isinstance(payload, list) and payload else None
    if inner is not None:
        ids = message_ids(str(inner.get("message-id") or ""))
        return ids[0] if ids else ""
    if isinstance(payload, str):
        match = re.search(r"^message-id:\s*(<[^>]+>)", payload, re.IGNORECASE | re.MULTILINE)
        return match.group(1) if match else ""
    return ""


def failed_addresses(mail: ParsedMail, domain: str) -> list[Bounce]:
    """Recipients whose delivery of *our* mail failed for good (not delays)."""
    return [
        b
        for b in bounces(mail)
        if b.action == "failed" and b.recipient and is_own_id(b.original_id, domain)
    ]
