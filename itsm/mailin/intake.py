"""One intake for every way a mail comes in (``itsm-mail-in``, the IMAP poller, the API).

README-internal — what the poller, the quarantine pages and the API build on:

``take_message(root, raw, *, registry, source, now=None) -> Outcome``
    Turn one RFC 5322 message (bytes, as received) into what it should become, inside the
    caller's transaction (commit it, and only then flag/move/acknowledge the mail). It never
    raises for anything in the mail itself: what cannot be parsed is quarantined with the
    reason. It raises only what the caller must retry (ZODB ``ConflictError``, storage errors).
    ``source`` says where it came from (``"pipe"``, ``"imap"``, ``"api"``) for the log.
    The same Message-ID (or, without one, the same stable bytes) a second time gives
    ``Outcome(kind="duplicate", number=<the first outcome's>)`` and changes nothing but the log.

``Outcome``
    ``kind``: ``ticket`` (a new incident), ``request`` (a service request draft, by alias),
    ``reply`` (a journal entry on ``number``; a reopen or a follow-up incident sets ``detail``
    to ``reopened`` / ``follow_up`` and ``number`` to the ticket written to), ``quarantined``
    (``held`` is the id in ``/mail/quarantine``, ``reason`` a code of
    :data:`itsm.mailin.models.REASONS`), ``ignored`` (auto-reply, bounce, our own mail, bulk:
    ``reason`` says which), ``duplicate``. ``number`` is ``""`` when none.

``release_as_new(root, held_id, *, registry, actor, now=None) -> Outcome``
    A held mail becomes a new incident of its sender (a guest requester when unknown); the
    held mail leaves the quarantine. ``actor`` is the IT staff member who decided.
``release_as_reply(root, held_id, number, *, registry, actor, now=None) -> Outcome``
    A held mail becomes a public journal entry on ticket ``number`` (by its sender, or by a
    guest record of the address when unknown), whatever the ticket's ACL says: a person
    decided. Raises :class:`ReleaseError` for an unknown ticket.
``delete_held(root, held_id, *, actor, now=None) -> None``
    Drop a held mail (logged with who did it).

All three raise :class:`ReleaseError` (a ``ValueError`` with a translatable ``message``) when
``held_id`` is not in the quarantine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


class ReleaseError(ValueError):
    """A quarantine decision cannot be carried out; ``message`` says why (translatable)."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Outcome:
    """What one mail became (see the module docstring)."""

    kind: str  # ticket | request | reply | quarantined | ignored | duplicate
    number: str = ""
    reason: str = ""
    held: str = ""
    detail: str = ""
    key: str = ""

    def as_json(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "number": self.number,
            "reason": self.reason,
            "held": self.held,
            "detail": self.detail,
        }


def take_message(
    root: Any, raw: bytes, *, registry: Any, source: str, now: datetime | None = None
) -> Outcome:
    """Take one mail (see the module docstring); runs inside the caller's transaction."""
    raise NotImplementedError


def release_as_new(
    root: Any, held_id: str, *, registry: Any, actor: str, now: datetime | None = None
) -> Outcome:
    raise NotImplementedError


def release_as_reply(
    root: Any,
    held_id: str,
    number: str,
    *,
    registry: Any,
    actor: str,
    now: datetime | None = None,
) -> Outcome:
    raise NotImplementedError


def delete_held(root: Any, held_id: str, *, actor: str, now: datetime | None = None) -> None:
    raise NotImplementedError
