"""Held mails as JSON for the API (and the quarantine page's listing order)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from itsm.mailin.models import Quarantine


def held_mails(quarantine: Quarantine, reason: str = "") -> list[Any]:
    """The held mails, newest first (a quarantine holds hundreds, not millions: sorted here),
    optionally only those held for ``reason``."""
    found = [h for h in quarantine.values() if not reason or h.reason == reason]
    found.sort(key=lambda h: (h.received, h.id), reverse=True)
    return found


def held_json(held: Any, request: Any, full: bool = False) -> dict[str, Any]:
    """One held mail; ``full`` adds the text preview and the parser's complaints."""
    data: dict[str, Any] = {
        "id": held.id,
        "received": held.received.astimezone(UTC).isoformat(),
        "reason": held.reason,
        "reason_text": request.localizer.translate(held.reason_text),
        "sender": held.sender,
        "subject": held.subject,
        "message_id": held.message_id,
        "number": held.number or None,
        "source": held.source,
        "size": held.size,
    }
    if full:
        data["text"] = held.preview
        data["defects"] = list(held.defects)
    return data
