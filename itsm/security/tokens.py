"""API bearer tokens: shown once, stored as a SHA-256 hash.

A token carries 256 random bits, so a fast hash is enough (no password-style stretching is
needed for secrets that cannot be guessed); only the hash is stored, so a database leak does not
leak usable tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Any

from persistent import Persistent

PREFIX = "itsm_"


class TokenRecord(Persistent):
    """Who a token belongs to; the token itself is not stored."""

    label = ""
    last_used: datetime | None = None

    def __init__(self, login: str, created: datetime, label: str, hint: str) -> None:
        self.login = login
        self.created = created
        self.label = label
        self.hint = hint  # the last four characters, to tell tokens apart in a list


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(tokens: Any, login: str, label: str = "", now: datetime | None = None) -> str:
    """Store a new token for ``login`` and return it in plain text (the only time it exists)."""
    token = PREFIX + secrets.token_urlsafe(32)
    tokens[token_hash(token)] = TokenRecord(login, now or datetime.now(UTC), label, token[-4:])
    return token


def lookup_token(tokens: Any, token: str) -> TokenRecord | None:
    if not token or not token.startswith(PREFIX) or tokens is None:
        return None
    return tokens.get(token_hash(token))


def revoke_token(tokens: Any, token_digest: str) -> bool:
    return tokens.pop(token_digest, None) is not None


def tokens_of(tokens: Any, login: str) -> list[tuple[str, TokenRecord]]:
    return [(digest, rec) for digest, rec in tokens.items() if rec.login == login]
