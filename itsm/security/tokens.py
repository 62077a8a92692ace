"""API bearer tokens: shown once, stored as a SHA-256 hash.

A token carries 256 random bits, so a fast hash is enough (no password-style stretching is
needed for secrets that cannot be guessed); only the hash is stored, so a database leak does not
leak usable tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from persistent import Persistent

PREFIX = "itsm_"


class TokenRecord(Persistent):
    """Who a token belongs to; the token itself is not stored."""

    label = ""
    last_used: datetime | None = None
    #: After this moment (UTC) the token is refused; None: it never expires.
    expires: datetime | None = None

    def __init__(self, login: str, created: datetime, label: str, hint: str) -> None:
        self.login = login
        self.created = created
        self.label = label
        self.hint = hint  # the last four characters, to tell tokens apart in a list


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    tokens: Any,
    login: str,
    label: str = "",
    now: datetime | None = None,
    expires: datetime | None = None,
) -> str:
    """Store a new token for ``login`` and return it in plain text (the only time it exists);
    with ``expires`` it is refused from that moment on."""
    token = PREFIX + secrets.token_urlsafe(32)
    record = TokenRecord(login, now or datetime.now(UTC), label, token[-4:])
    if expires is not None:
        record.expires = expires
    tokens[token_hash(token)] = record
    return token


def expiry(
    now: datetime, expires: date | None = None, expires_in_days: int | None = None
) -> datetime | None:
    """When a token made at ``now`` stops working: at the end of the day ``expires`` (UTC) or
    ``expires_in_days`` days from now; None for neither. Raises ValueError for a past date."""
    if expires is not None and expires_in_days is not None:
        raise ValueError("give expires or expires_in_days, not both")
    if expires_in_days is not None:
        if expires_in_days < 1:
            raise ValueError("expires_in_days must be 1 or more")
        return now + timedelta(days=expires_in_days)
    if expires is not None:
        moment = datetime.combine(expires + timedelta(days=1), time(), UTC)
        if moment <= now:
            raise ValueError("the expiry date is in the past")
        return moment
    return None


def token_note(label: str, expires: datetime | None) -> str:
    """How the audit log describes a new token (never the token itself)."""
    note = label or "(no label)"
    return f"{note}, expires {expires:%Y-%m-%d %H:%M} UTC" if expires else note


def is_expired(record: TokenRecord, now: datetime) -> bool:
    return record.expires is not None and now >= record.expires


def lookup_token(tokens: Any, token: str, now: datetime | None = None) -> TokenRecord | None:
    """The record of a valid token: known, and not expired at ``now``."""
    if not token or not token.startswith(PREFIX) or tokens is None:
        return None
    record = tokens.get(token_hash(token))
    if record is None or is_expired(record, now or datetime.now(UTC)):
        return None
    return record


def revoke_token(tokens: Any, token_digest: str) -> bool:
    return tokens.pop(token_digest, None) is not None


def tokens_of(tokens: Any, login: str) -> list[tuple[str, TokenRecord]]:
    return [(digest, rec) for digest, rec in tokens.items() if rec.login == login]
