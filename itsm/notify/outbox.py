"""The transactional outbox: mail is queued in ZODB inside the transaction that caused it.

A rolled-back change therefore sends nothing, and a mail server outage loses nothing: the
worker's delivery job (:mod:`itsm.notify.delivery`) sends what is due and retries with backoff.
Keys are random, not sequential, so concurrent writers touch different buckets and merge
instead of conflicting (PITFALLS, "Hot objects conflict").
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import make_msgid
from typing import Any

from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from persistent import Persistent

#: Seconds to wait after the Nth failed attempt (the last value repeats).
BACKOFF = (30, 60, 120, 300, 600, 1800, 3600)
#: While the mail server cannot be reached, the longest wait before the next try: mail resumes
#: within a minute (and a delivery turn) of the server's return instead of after the backoff
#: grown during the outage (R6 measured 9 minutes after a 10-minute outage). A try while the
#: server is down costs one refused connection per turn, not one per message.
DOWN_RETRY_SECONDS = 60
#: After this many failed attempts a message is kept as failed, for an administrator to see.
MAX_ATTEMPTS = 20


class OutgoingMail(Persistent):
    """One message waiting to be delivered (or given up on)."""

    attempts = 0
    #: Retries because the mail server could not be reached: they delay, never give up.
    deferrals = 0
    last_error = ""
    failed = False
    sent_at: datetime | None = None
    #: Files sent with the message: (file name, MIME type, bytes). Kept small (a report's CSV).
    attachments: tuple[tuple[str, str, bytes], ...] = ()

    def __init__(
        self,
        key: str,
        to: tuple[str, ...],
        subject: str,
        text: str,
        *,
        html: str = "",
        message_id: str,
        headers: Mapping[str, str] | None = None,
        created: datetime,
        ticket: str | None = None,
        kind: str = "",
        attachments: Iterable[tuple[str, str, bytes]] = (),
    ) -> None:
        self.key = key
        self.to = tuple(to)
        self.subject = subject
        self.text = text
        self.html = html
        self.message_id = message_id
        self.headers = dict(headers or {})
        self.created = created
        self.next_try = created
        self.ticket = ticket
        self.kind = kind
        if attachments:
            self.attachments = tuple(attachments)

    def schedule_retry(self, error: str, now: datetime, *, server_down: bool = False) -> None:
        """Try again later, with backoff. Only failures of this message count towards
        :data:`MAX_ATTEMPTS`; a mail server that is down (``server_down``) only delays it, so
        an outage of any length loses nothing."""
        if server_down:
            self.deferrals += 1
        else:
            self.attempts += 1
            if self.attempts >= MAX_ATTEMPTS:
                self.failed = True
        self.last_error = error[:500]
        tries = self.attempts + self.deferrals
        delay = BACKOFF[min(tries - 1, len(BACKOFF) - 1)]
        if server_down:
            delay = min(delay, DOWN_RETRY_SECONDS)
        self.next_try = now + timedelta(seconds=delay)

    def give_up(self, error: str) -> None:
        """Keep the message as failed, for an administrator to see (it cannot be sent)."""
        self.attempts += 1
        self.last_error = error[:500]
        self.failed = True


class Outbox(Persistent):
    """Pending messages (random keys) plus counters of what was sent."""

    def __init__(self) -> None:
        self.pending = OOBTree()
        self.sent_count = Length()

    def add(
        self,
        to: Iterable[str],
        subject: str,
        text: str,
        *,
        html: str = "",
        domain: str = "itsm.local",
        message_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        now: datetime | None = None,
        ticket: str | None = None,
        kind: str = "",
        attachments: Iterable[tuple[str, str, bytes]] = (),
    ) -> OutgoingMail | None:
        """Queue a message; None when it has no recipient. Call inside the causing transaction."""
        recipients = tuple(sorted({addr.strip() for addr in to if addr and addr.strip()}))
        if not recipients:
            return None
        # A line break in a header (a ticket title typed with one) would make the message
        # impossible to build at delivery: fold it to one line here.
        subject = _one_line(subject)
        headers = {name: _one_line(value) for name, value in (headers or {}).items()}
        now = now or datetime.now(UTC)
        key = secrets.token_hex(8)
        while key in self.pending:
            key = secrets.token_hex(8)
        mail = OutgoingMail(
            key,
            recipients,
            subject,
            text,
            html=html,
            message_id=message_id or make_msgid(domain=domain),
            headers=headers,
            created=now,
            ticket=ticket,
            kind=kind,
            attachments=attachments,
        )
        self.pending[key] = mail
        return mail

    def due(self, now: datetime) -> list[str]:
        """Keys of messages to try now, oldest first."""
        ready = [m for m in self.pending.values() if not m.failed and m.next_try <= now]
        ready.sort(key=lambda m: m.created)
        return [m.key for m in ready]

    def mark_sent(self, key: str) -> None:
        self.pending.pop(key, None)
        self.sent_count.change(1)

    def __iter__(self) -> Iterator[OutgoingMail]:
        return iter(self.pending.values())

    def __len__(self) -> int:
        return len(self.pending)

    @property
    def waiting(self) -> int:
        return sum(1 for m in self.pending.values() if not m.failed)

    @property
    def failed(self) -> int:
        return sum(1 for m in self.pending.values() if m.failed)


def _one_line(value: str) -> str:
    return " ".join(str(value).split())


def get_outbox(root: Any) -> Outbox:
    return root.outbox
