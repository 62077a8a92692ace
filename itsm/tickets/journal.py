"""A ticket's journal: public replies, internal notes and work log, with attachments."""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from BTrees.IOBTree import IOBTree
from persistent import Persistent
from ZODB.blob import Blob

from itsm.tickets.filetypes import HEAD_BYTES, refusal

KINDS = ("reply", "note", "worklog", "system")
PUBLIC_KINDS = ("reply", "system")


class AttachmentRefused(ValueError):
    """A file the desk does not keep; ``str()`` is its (cleaned) name, ``reason`` why."""

    reason: Any = None

    def __init__(self, filename: str, reason: Any = None) -> None:
        super().__init__(filename)
        self.filename = filename
        if reason is not None:
            self.reason = reason


class AttachmentTooLarge(AttachmentRefused):
    """The file is larger than ``itsm.attachments.max_bytes``."""


class AttachmentTypeRefused(AttachmentRefused):
    """Wrong type: its extension is refused, or its first bytes do not match it
    (:mod:`itsm.tickets.filetypes`)."""


def clean_filename(name: str) -> str:
    """A file name safe to store and to offer for download: no path, no control characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    # Format characters (right-to-left overrides, zero-width ones) make "invoice\u202efdp.exe"
    # look like "invoiceexe.pdf": dropped.
    name = "".join(c for c in name if unicodedata.category(c) != "Cf")
    name = re.sub(r"[\x00-\x1f\x7f\"<>|:*?]", "_", name).strip(" .")
    return name[:200] or "attachment"


class Attachment(Persistent):
    """A file kept as a ZODB blob (outside the pickles, streamed on download)."""

    __parent__: Any = None
    __name__: str | None = None

    def __init__(self, filename: str, content_type: str, size: int, blob: Blob) -> None:
        self.filename = filename
        self.content_type = content_type
        self.size = size
        self.blob = blob


def make_attachment(
    filename: str, stream: IO[bytes], max_bytes: int, content_type: str = ""
) -> Attachment:
    """Copy ``stream`` into a new blob, refusing files over ``max_bytes`` (checked while copying,
    so a client that lies about the size is still stopped)."""
    filename = clean_filename(filename)
    blob = Blob()
    size = 0
    head = b""
    with blob.open("w") as out:
        while chunk := stream.read(64 * 1024):
            if len(head) < HEAD_BYTES:
                head += chunk[: HEAD_BYTES - len(head)]
            size += len(chunk)
            if size > max_bytes:
                raise AttachmentTooLarge(filename)
            out.write(chunk)
    # Judged once the whole file is in: a refused file's blob is never stored (nothing refers
    # to it), like one over the limit.
    reason = refusal(filename, head)
    if reason is not None:
        raise AttachmentTypeRefused(filename, reason)
    guessed = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return Attachment(filename, guessed, size, blob)


class JournalEntry(Persistent):
    """One entry: a reply the requester sees, an internal note, or logged work."""

    __parent__: Any = None
    __name__: str | None = None
    minutes = 0
    attachments: tuple[Attachment, ...] = ()
    message_id: str | None = None  # when it came in or went out by mail

    def __init__(
        self, id: int, kind: str, author: str | None, created: datetime, body: str
    ) -> None:  # noqa: A002
        if kind not in KINDS:
            raise ValueError(f"unknown journal kind {kind!r}")
        self.id = id
        self.kind = kind
        self.author = author
        self.created = created
        self.body = body

    @property
    def public(self) -> bool:
        return self.kind in PUBLIC_KINDS


class Journal(Persistent):
    """Entries in an IOBTree keyed by sequence number."""

    def __init__(self) -> None:
        self._entries = IOBTree()
        self._next = 1

    def add(
        self,
        kind: str,
        author: str | None,
        created: datetime,
        body: str,
        *,
        minutes: int = 0,
        attachments: tuple[Attachment, ...] = (),
    ) -> JournalEntry:
        entry = JournalEntry(self._next, kind, author, created, body)
        entry.minutes = minutes
        entry.attachments = tuple(attachments)
        self._entries[self._next] = entry
        self._next += 1
        return entry

    def get(self, entry_id: int) -> JournalEntry | None:
        return self._entries.get(entry_id)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return self._next - 1

    def visible(self, internal: bool) -> list[JournalEntry]:
        """What a reader may see: everything for IT staff, public entries for the requester."""
        return [e for e in self if internal or e.public]

    def total_minutes(self) -> int:
        return sum(e.minutes for e in self)
