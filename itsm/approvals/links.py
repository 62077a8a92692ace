"""Single-use, expiring mail links: 256 random bits, only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from datetime import datetime, timedelta

from itsm.approvals.models import ApprovalStep, LinkToken

LINK_DAYS = 7


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(step: ApprovalStep, login: str, now: datetime, days: int = LINK_DAYS) -> str:
    """A new link token for ``login`` on ``step``; the plain token is returned, never stored."""
    token = secrets.token_urlsafe(32)
    step.tokens[_digest(token)] = LinkToken(login, now + timedelta(days=days))
    return token


def check(step: ApprovalStep, token: str, now: datetime) -> LinkToken | None:
    """The token's record when it is known, unused and not expired."""
    if not token or len(token) > 100:
        return None
    record = step.tokens.get(_digest(token))
    if record is None or record.used_at is not None or record.expires <= now:
        return None
    return record


def use(step: ApprovalStep, token: str, now: datetime) -> None:
    key = _digest(token)
    step.tokens[key] = replace(step.tokens[key], used_at=now)
