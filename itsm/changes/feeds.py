"""Personal calendar feed URLs: a secret in the URL stands in for the login, because calendar
programs (Outlook, Thunderbird) subscribe to a plain URL and send no credentials.

Only the SHA-256 of each secret is stored (as for API tokens); one URL per person, a new one
replaces the old. A feed answers only while its owner is still IT staff or on the board.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from BTrees.OOBTree import OOBTree

from itsm.changes.models import ensure_change_settings

#: Who reads every change, the change calendar and its feed: IT staff and the change board.
FEED_ROLES = frozenset({"agent", "admin", "change_board"})


def reads_all_changes(roles: Iterable[str]) -> bool:
    """Whether a person with ``roles`` reads every change (lists, the calendar, its feed);
    everyone else sees only the changes their own ACL entries open."""
    return not FEED_ROLES.isdisjoint(roles)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_feed_secret(root: Any, login: str) -> str:
    """A new secret for ``login``'s feed (the old one stops working); shown once."""
    settings = ensure_change_settings(root)
    if settings.feeds is None:
        settings.feeds = OOBTree()  # digest -> login
        settings.feed_of = OOBTree()  # login -> digest
    old = settings.feed_of.get(login)
    if old is not None:
        settings.feeds.pop(old, None)
    secret = secrets.token_urlsafe(32)
    settings.feeds[_digest(secret)] = login
    settings.feed_of[login] = _digest(secret)
    return secret


def feed_owner(root: Any, secret: str) -> Any:
    """The person whose feed ``secret`` opens, or None (unknown, revoked, no longer staff)."""
    settings = root["settings"].get("changes")
    if settings is None or settings.feeds is None or not secret:
        return None
    login = settings.feeds.get(_digest(secret))
    person = root["people"].get(login) if login else None
    if person is None or not reads_all_changes(person.roles):
        return None
    return person
