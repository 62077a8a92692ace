"""Files attached to a CI (invoices, photos, warranty papers): blobs, each add and delete in
the CI's history."""

from __future__ import annotations

from typing import IO, Any

from BTrees.IOBTree import IOBTree

from itsm.cmdb.models import ConfigurationItem
from itsm.tickets.context import ActionContext
from itsm.tickets.journal import Attachment, make_attachment


def attachments_of(ci: ConfigurationItem) -> list[tuple[int, Attachment]]:
    """``(key, attachment)`` in the order they were added."""
    files = ci.attachments
    return list(files.items()) if files is not None else []


def add_attachment(
    ctx: ActionContext,
    ci: ConfigurationItem,
    filename: str,
    stream: IO[bytes],
    max_bytes: int,
    content_type: str = "",
) -> Attachment:
    """Store a file on ``ci`` (AttachmentTooLarge over ``max_bytes``), with a history record."""
    file = make_attachment(filename, stream, max_bytes, content_type)
    if ci.attachments is None:
        ci.attachments = IOBTree()
    key = ci.attachment_next
    ci.attachment_next = key + 1
    file.__parent__ = ci
    file.__name__ = str(key)
    ci.attachments[key] = file
    ci.history.record(ctx.now, ctx.actor, "attachment", after=file.filename, note=str(file.size))
    return file


def remove_attachment(ctx: ActionContext, ci: ConfigurationItem, key: int) -> Attachment | None:
    """Delete one file (None if ``key`` is not there), with a history record."""
    files = ci.attachments
    file = files.pop(key, None) if files is not None else None
    if file is not None:
        ci.history.record(ctx.now, ctx.actor, "attachment", before=file.filename)
    return file


def attachment_key(raw: Any) -> int | None:
    """A key from a request parameter, or None."""
    text = str(raw or "")
    return int(text) if text.isdigit() and len(text) < 10 else None
