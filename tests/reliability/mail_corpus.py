"""R11: a corpus of mail to the desk, made here (new reports, replies, RFC 3834 auto-replies,
DSN bounces, our own notifications, unknown senders, malformed MIME, 2 KB Message-IDs,
redeliveries) plus the real mail of other help desks' suites (../shared/external/mail, read in
place). Every message goes through the intake; none may crash it, and none may vanish: each
becomes a ticket, a journal entry, a quarantined mail with its reason, an ignored mail with its
reason, or a duplicate of one already taken. (The loop between two desks is
tests/mailin/test_two_desks.py.)"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from tests.mailin.conftest import build_mail, corpus_files

KINDS = {"ticket", "request", "reply", "quarantined", "ignored", "duplicate"}
SENDERS = ("employee@example.com", "employee2@example.com", "ivanov@example.com")


def bounce(rng: random.Random) -> bytes:
    message = EmailMessage()
    message["From"] = "MAILER-DAEMON@mx.example.com"
    message["To"] = "servicedesk@example.com"
    message["Subject"] = "Undelivered Mail Returned to Sender"
    message["Message-ID"] = make_msgid(domain="mx.example.com")
    message.set_content("This is the mail system at host mx.example.com.\n")
    status = EmailMessage()
    status.set_content(
        f"Reporting-MTA: dns; mx.example.com\n\nFinal-Recipient: rfc822; gone{rng.random()}"
        "@example.com\nAction: failed\nStatus: 5.1.1\n",
        subtype="delivery-status",
    )
    message.make_mixed()
    message.attach(status)
    message.replace_header(
        "Content-Type", 'multipart/report; report-type=delivery-status; boundary="b"'
    )
    return message.as_bytes()


def malformed(rng: random.Random, n: int) -> bytes:
    """Mail that breaks MIME in one of several ways real mail does."""
    sender = rng.choice(SENDERS)
    variants = [
        # A multipart whose boundary never comes, nor its end.
        f"From: {sender}\r\nSubject: broken {n}\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="never"\r\n\r\nno parts here\r\n'.encode(),
        # Base64 that is not base64, in a charset nobody knows.
        f"From: {sender}\r\nSubject: =?x-unknown?B?!!!?=\r\nContent-Type: text/plain; "
        "charset=x-unknown\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        "%%%not base64%%%\r\n".encode(),
        # NUL bytes, an 8-bit header, a line of 5,000 characters, no Message-ID.
        b"From: "
        + sender.encode()
        + b"\r\nSubject: \xff\xfe caf\xe9 \x00 "
        + str(n).encode()
        + b"\r\n\r\n"
        + b"x" * 5000
        + b"\r\n\x00\x00\r\n",
        # A header with no colon and folded garbage, then a body.
        f"From: {sender}\r\nthis is not a header\r\n Subject: folded\r\n\r\nbody {n}\r\n".encode(),
        # Nested multiparts ten deep, the innermost cut off.
        (
            f"From: {sender}\r\nSubject: deep {n}\r\nMIME-Version: 1.0\r\n"
            + "".join(
                f'Content-Type: multipart/mixed; boundary="b{d}"\r\n\r\n--b{d}\r\n'
                for d in range(10)
            )
            + "Content-Type: text/plain\r\n\r\ncut"
        ).encode(),
        # No From at all.
        f"Subject: nobody {n}\r\nMessage-ID: <nobody{n}@example.com>\r\n\r\nwho am I\r\n".encode(),
    ]
    return variants[n % len(variants)]


def messages(count: int, seed: int = 1) -> Iterator[tuple[str, bytes]]:
    """``count`` (category, raw mail) pairs, mixed; replies name an earlier report's subject
    tag, which the checker resolves (``{NUMBER}``)."""
    rng = random.Random(seed)
    external = corpus_files()
    taken: list[bytes] = []
    for n in range(count):
        sender = rng.choice(SENDERS)
        category = rng.choice(
            ["new"] * 3
            + ["reply", "auto-reply", "out-of-office", "bounce", "own", "unknown sender"]
            + ["malformed", "long message-id", "redelivery"]
            + (["external"] * 2 if external else [])
        )
        if category == "new":
            raw = build_mail(
                f"Laptop {n} does not start", f"Since this morning ({n}).\n", sender=sender
            )
        elif category == "reply":
            raw = build_mail("Re: [{NUMBER}] Laptop", f"More details {n}.\n", sender=sender)
        elif category == "auto-reply":
            raw = build_mail(
                "Automatic reply: Laptop",
                "I am away.\n",
                sender=sender,
                Auto_Submitted="auto-replied",
            )
        elif category == "out-of-office":
            raw = build_mail(
                "Out of office",
                "Back on Monday.\n",
                sender=sender,
                X_Autoreply="yes",
                Precedence="auto_reply",
            )
        elif category == "bounce":
            raw = bounce(rng)
        elif category == "own":
            raw = build_mail(
                f"[INC-{n:06d}] Your incident was received",
                "We have your report.\n",
                sender="itsm@example.com",
                message_id=make_msgid(domain="localhost"),
                Auto_Submitted="auto-generated",
            )
        elif category == "unknown sender":
            raw = build_mail(f"Help {n}", "Who am I?\n", sender=f"stranger{n}@elsewhere.example")
        elif category == "malformed":
            raw = malformed(rng, n)
        elif category == "long message-id":
            raw = build_mail(
                f"Long id {n}",
                "Body.\n",
                sender=sender,
                message_id=f"<{'x' * 2048}{n}@example.com>",
            )
        elif category == "redelivery" and taken:
            raw = rng.choice(taken)
        elif category == "external":
            raw = rng.choice(external).read_bytes()
        else:
            category, raw = "new", build_mail(f"Mouse {n} broken", "Click.\n", sender=sender)
        if category in ("new", "reply", "unknown sender", "long message-id"):
            taken.append(raw)
        yield category, raw


@dataclass
class CorpusRun:
    taken: int = 0
    crashes: list[str] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)  # (category, kind) → count


def run_corpus(app: Any, count: int, seed: int = 1) -> CorpusRun:
    """Every message through the intake, one committed transaction each (as the pipe and the
    poller do), its clock a few minutes on each time (the per-sender hourly limit applies)."""
    from itsm.mailin.intake import take_message

    result = CorpusRun()
    numbers: list[str] = []
    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    for index, (category, raw) in enumerate(messages(count, seed)):
        if b"{NUMBER}" in raw:
            raw = raw.replace(b"{NUMBER}", (numbers[-1] if numbers else "INC-999999").encode())
        now += timedelta(minutes=4)
        try:
            outcome = app.write(
                lambda root, raw=raw, now=now: take_message(
                    root, raw, registry=app.registry, source="test", now=now
                )
            )
        except Exception as exc:  # noqa: BLE001 - the finding of this check
            result.crashes.append(f"{index} {category}: {type(exc).__name__}: {exc}")
            continue
        result.taken += 1
        result.outcomes[(category, outcome.kind)] += 1
        if outcome.kind == "ticket":
            numbers.append(outcome.number)
        problem = silent_drop(app, outcome)
        if problem:
            result.silent.append(f"{index} {category}: {problem}")
    return result


def silent_drop(app: Any, outcome: Any) -> str:
    """Why ``outcome`` would be a mail that vanished ("" when it is accounted for)."""
    from itsm.mailin.intake import CONTAINER_OF

    if outcome.kind not in KINDS:
        return f"unknown outcome {outcome.kind!r}"
    if outcome.kind in ("ignored", "quarantined") and not outcome.reason:
        return f"{outcome.kind} without a reason"
    if outcome.kind == "quarantined":
        held = app.read(lambda root: outcome.held in root["mail"].quarantine)
        if not held:
            return f"quarantined as {outcome.held!r}, which the quarantine does not hold"
    if outcome.kind in ("ticket", "reply", "duplicate") and outcome.number:
        container = CONTAINER_OF.get(outcome.number.split("-")[0])
        if not container or not app.read(lambda root: outcome.number in root[container]):
            return f"{outcome.kind} {outcome.number} is not stored"
    if outcome.kind in ("ticket", "reply") and not outcome.number:
        return f"{outcome.kind} without a number"
    return ""
