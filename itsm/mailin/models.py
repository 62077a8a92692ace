"""Persistent state of the email channel: ``/mail`` and its quarantine.

``/mail`` (:class:`MailIn`, IT staff only) holds, as attributes never reachable by URL:

- ``processed``: message key → :class:`Processed` (what the mail became), so the same
  Message-ID delivered twice (MTA retry, IMAP poll after a crash) makes one ticket;
- ``senders``: address → ``(hour, count)``, the per-sender hourly counter of the rate limit;
- ``rejects``: address → the day (``YYYY-MM-DD``) the last "write through the portal" reply
  went, so an unknown sender gets at most one a day;
- ``addresses``: address → login, a cache of sender lookups (checked against the person's
  current address on every use, so it never goes stale);
- ``log``: the most recent outcomes (:data:`LOG_SIZE`), for IT staff and the benchmark.

``/mail/quarantine`` (:class:`Quarantine`) holds the mails kept for a person to decide on
(:class:`HeldMail`, the raw bytes in a ZODB blob). Keys everywhere are hashes or random, so
concurrent intakes touch different buckets (PITFALLS, "Hot objects conflict").

The classes stay in this module for good: pickles store module paths.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from persistent import Persistent
from ZODB.blob import Blob

from itsm.folder import Folder
from itsm.i18n import _
from itsm.security.permissions import STAFF_ONLY_ACL

#: How many recent outcomes ``MailIn.log`` keeps.
LOG_SIZE = 1000
#: Characters of text kept as the quarantine preview.
PREVIEW_CHARS = 4000

#: Why a mail is held: code → the words IT staff read (``${...}`` filled from ``detail``).
REASONS: dict[str, Any] = {
    "unknown_sender": _("The sender ${sender} is not known to the desk."),
    "loop": _("It looks like part of a mail loop (${detail})."),
    "rate_limit": _(
        "The sender ${sender} sent more than ${detail} mails within an hour (rate limit)."
    ),
    "unparseable": _("The mail cannot be read completely (${detail})."),
    "not_allowed": _("The sender ${sender} may not see ${detail}; the reply was not attached."),
    "no_sender": _("The mail has no usable sender address."),
    "spam": _("The mail server marked it as spam (${detail})."),
    "invalid": _("The mail cannot become a ticket (${detail})."),
}


def message_key(message_id: str | None, fallback: bytes) -> str:
    """The idempotency key of a mail: a hash of its Message-ID (any length: a 2 KB id works),
    or, without one, of ``fallback`` (the stable parts of the raw message)."""
    if message_id and message_id.strip("<> \t\r\n"):
        normal = message_id.strip().strip("<>").strip()
        return "m:" + hashlib.sha256(normal.encode("utf-8", "surrogateescape")).hexdigest()[:40]
    return "h:" + hashlib.sha256(fallback).hexdigest()[:40]


@dataclass(frozen=True)
class Processed:
    """What one message key became (stored in ``MailIn.processed``; a frozen dataclass pickles
    as a plain object, never changed in place)."""

    kind: str  # ticket | reply | request | quarantined | ignored
    number: str = ""  # the ticket made or replied to
    held: str = ""  # the quarantine id
    at: datetime | None = None
    reason: str = ""


class HeldMail(Persistent):
    """One mail in quarantine: why, from whom, a text-only preview, and the raw bytes."""

    __parent__: Any = None
    __name__: str | None = None

    #: The ticket the mail seemed to belong to (a reply that was not allowed), if any.
    number = ""
    detail = ""
    source = ""
    size = 0
    defects: tuple[str, ...] = ()

    def __init__(
        self,
        id: str,  # noqa: A002
        *,
        received: datetime,
        reason: str,
        sender: str,
        subject: str,
        preview: str,
        raw: bytes,
        key: str,
        message_id: str = "",
        detail: str = "",
        number: str = "",
        source: str = "",
        defects: tuple[str, ...] = (),
    ) -> None:
        self.id = id
        self.received = received
        self.reason = reason
        self.sender = sender
        self.subject = subject
        self.preview = preview[:PREVIEW_CHARS]
        self.key = key
        self.message_id = message_id
        self.detail = detail
        self.number = number
        self.source = source
        self.defects = tuple(defects)
        self.size = len(raw)
        self.blob = Blob()
        with self.blob.open("w") as out:
            out.write(raw)

    @property
    def reason_text(self) -> Any:
        """The translatable reason (``request.localizer.translate`` it)."""
        message = REASONS.get(self.reason, REASONS["invalid"])
        return _(
            message,
            mapping={"sender": self.sender or "?", "detail": self.detail or self.number or "?"},
        )

    def raw(self) -> bytes:
        with self.blob.open("r") as stream:
            return stream.read()


class Quarantine(Folder):
    """``/mail/quarantine``: held mails by random id (IT staff decide on them)."""

    def hold(self, mail: HeldMail) -> HeldMail:
        return self.add(mail.id, mail)

    def new_id(self) -> str:
        while True:
            key = secrets.token_hex(8)
            if key not in self:
                return key


class MailIn(Folder):
    """``/mail``: the email channel's state (attributes) and the quarantine (an item)."""

    __acl__ = STAFF_ONLY_ACL

    def __init__(self) -> None:
        super().__init__()
        self.processed = OOBTree()
        self.senders = OOBTree()
        self.rejects = OOBTree()
        self.addresses = OOBTree()
        self.log = OOBTree()
        self.log_length = Length()
        self.add("quarantine", Quarantine())

    @property
    def quarantine(self) -> Quarantine:
        return self["quarantine"]

    # -- idempotency --------------------------------------------------------------------------
    def seen(self, key: str) -> Processed | None:
        return self.processed.get(key)

    def remember(self, key: str, outcome: Processed) -> None:
        self.processed[key] = outcome

    # -- rate limit ---------------------------------------------------------------------------
    def count_sender(self, address: str, now: datetime) -> int:
        """Count one more mail from ``address`` in the current clock hour; return the count."""
        hour = now.strftime("%Y-%m-%dT%H")
        previous = self.senders.get(address)
        count = previous[1] + 1 if previous is not None and previous[0] == hour else 1
        self.senders[address] = (hour, count)
        return count

    # -- "write through the portal" replies ----------------------------------------------------
    def may_reject(self, address: str, now: datetime) -> bool:
        """True (and noted) when ``address`` has had no reject reply today."""
        day = now.strftime("%Y-%m-%d")
        if self.rejects.get(address) == day:
            return False
        self.rejects[address] = day
        return True

    # -- the intake log -----------------------------------------------------------------------
    def note(self, now: datetime, entry: dict[str, Any]) -> None:
        """Keep one outcome in the log, dropping the oldest beyond :data:`LOG_SIZE`."""
        key = f"{now.strftime('%Y%m%dT%H%M%S.%f')}-{secrets.token_hex(3)}"
        self.log[key] = dict(entry, at=now)
        self.log_length.change(1)
        while self.log_length() > LOG_SIZE:
            oldest = self.log.minKey()
            del self.log[oldest]
            self.log_length.change(-1)

    def recent(self, limit: int = 50) -> list[dict[str, Any]]:
        """The newest outcomes first."""
        out = []
        for key in reversed(list(self.log.keys())[-limit:]):
            out.append(self.log[key])
        return out


def mail_in(root: Any) -> MailIn | None:
    """``/mail`` (registered with ``config.add_itsm_container``); None in a tree made
    before it existed and not yet brought up to date."""
    return root.get("mail")
