"""What IT staff decide on a held mail, shared by the quarantine page and the API: release it
as a new ticket, release it as a reply to a ticket they name, or delete it.

The intake does the work (:mod:`itsm.mailin.intake`); this module reads the decision, checks
the ticket number the person typed, and says where the released mail went.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from itsm.i18n import _
from itsm.mailin.intake import Outcome, ReleaseError, delete_held, release_as_new, release_as_reply
from itsm.numbering import PREFIXES, format_number

#: Ticket kinds a mail can be a reply to.
TICKET_KINDS = ("incident", "request", "change", "problem")
_NUMBER = re.compile(r"^\s*#?\s*(?:([A-Za-z]+)\s*-?\s*)?0*(\d{1,9})\s*$")
NUMBER_HELP = _("Enter a ticket number such as INC-000123 (or just 123 for an incident).")


def ticket_number(text: str) -> str | None:
    """``"INC-123"``, ``"inc 000123"``, ``"123"`` → ``"INC-000123"``; None when it is not a
    ticket number (a CI or KB number is not one)."""
    match = _NUMBER.match(text or "")
    if match is None:
        return None
    prefix, digits = (match.group(1) or "INC").upper(), int(match.group(2))
    if digits == 0:
        return None
    for kind, known in PREFIXES.items():
        if known == prefix and kind in TICKET_KINDS:
            return format_number(kind, digits)
    return None


def release(
    root: Any,
    held_id: str,
    how: str,
    number: str = "",
    *,
    registry: Any,
    actor: str,
    now: datetime | None = None,
) -> Outcome:
    """Carry out a release (``how`` = ``new`` or ``reply``); raises :class:`ReleaseError`
    with a translatable message when it cannot be done."""
    if how == "new":
        return release_as_new(root, held_id, registry=registry, actor=actor, now=now)
    if how != "reply":
        raise ReleaseError(_("Choose how to release the mail: as a new ticket or as a reply."))
    normal = ticket_number(number)
    if normal is None:
        raise ReleaseError(NUMBER_HELP)
    return release_as_reply(root, held_id, normal, registry=registry, actor=actor, now=now)


def delete(root: Any, held_id: str, *, actor: str, now: datetime | None = None) -> None:
    delete_held(root, held_id, actor=actor, now=now)
