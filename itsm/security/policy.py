"""Who is asking: a signed session cookie for people, a bearer token for API clients.

The policy never reads ``request.context``; it finds the person record through the request's
ZODB root. Session ids are recorded on the person at login and removed at logout, so a copied
cookie stops working once its owner logs out or their password is reset.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.csrf import new_csrf_token

from itsm.security.tokens import lookup_token

SESSION_KEY = "itsm.auth"

log = logging.getLogger("itsm.security.session")


#: A person record (``itsm.people.models.Person``); security reads its login, roles, groups
#: and sessions, and does not import the people package (a lower layer than the domains).
Person = Any


@dataclass
class Identity:
    """The person behind a request and how they proved it."""

    login: str
    person: Person
    via: str  # "session" | "token"
    principals: list[str] = field(default_factory=list)

    def has_role(self, role: str) -> bool:
        return role in self.person.roles


def principals_for(person: Person) -> list[str]:
    principals = [Everyone, Authenticated, f"user:{person.login}"]
    principals += [f"role:{role}" for role in person.roles]
    principals += [f"group:{group}" for group in person.groups]
    return principals


def bearer_token(request: Any) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


class ItsmSecurityPolicy:
    """Pyramid 2 security policy: identity from token or session, permissions from ACLs."""

    def __init__(self, absolute_timeout: int, recheck_seconds: int = 900) -> None:
        self.absolute_timeout = absolute_timeout
        self.recheck_seconds = recheck_seconds
        self.acl = ACLHelper()

    def identity(self, request: Any) -> Identity | None:
        cached = request.environ.get("itsm.identity", False)
        if cached is not False:
            return cached
        identity = self._find_identity(request)
        request.environ["itsm.identity"] = identity
        return identity

    def _find_identity(self, request: Any) -> Identity | None:
        root = request.itsm_root
        token = bearer_token(request)
        if token is not None:
            # A request that presents a token is judged by the token alone, never the cookie.
            record = lookup_token(root.tokens, token, datetime.now(UTC))
            person = root["people"].get(record.login) if record else None
            if person is None or not getattr(person, "active", True):
                return None
            return Identity(person.login, person, "token", principals_for(person))
        auth = request.session.get(SESSION_KEY)
        if not auth:
            return None
        login, sid, created = auth.get("login"), auth.get("sid"), auth.get("created", 0)
        person = root["people"].get(login) if isinstance(login, str) else None
        if person is None or person.sessions is None or sid not in person.sessions:
            return None
        if not getattr(person, "active", True):  # the directory sync disabled them
            return None
        now = time.time()
        if now - created > self.absolute_timeout:
            return None
        if now - auth.get("checked", created) > self.recheck_seconds and not self._still_active(
            request, login, auth, now
        ):
            return None
        return Identity(person.login, person, "session", principals_for(person))

    def _still_active(self, request: Any, login: str, auth: dict[str, Any], now: float) -> bool:
        """Ask the directory whether the account of a session last checked more than
        ``recheck_seconds`` ago may still log in; a disabled or removed one ends the session
        (the cookie is dropped; nothing is written to the database, so GETs stay read-only).
        While the directory is unavailable the session goes on and is asked again after the
        next interval, so an outage neither logs everyone out nor makes each page wait."""
        from itsm.directory.base import DirectoryUnavailable

        try:
            active = request.directory.is_active(login)
        except DirectoryUnavailable as error:
            log.warning("session re-check of %s skipped: %s", login, error)
            active = True
        if not active:
            log.warning(
                "session of %s ended: the directory account is disabled or gone (from %s)",
                login,
                request.environ.get("REMOTE_ADDR") or "-",
            )
            request.session.invalidate()
            return False
        request.session[SESSION_KEY] = {**auth, "checked": now}
        return True

    def authenticated_userid(self, request: Any) -> str | None:
        identity = self.identity(request)
        return identity.login if identity else None

    def permits(self, request: Any, context: Any, permission: str) -> Any:
        identity = self.identity(request)
        principals = identity.principals if identity else [Everyone]
        return self.acl.permits(context, principals, permission)

    def remember(self, request: Any, userid: str, **kw: Any) -> list[tuple[str, str]]:
        """Start a fresh session for ``userid`` (never reuse the anonymous one: fixation)."""
        person = request.itsm_root["people"][userid]
        now = time.time()
        _prune_sessions(person, now, self.absolute_timeout)
        sid = secrets.token_urlsafe(24)
        person.sessions[sid] = datetime.fromtimestamp(now, UTC)
        request.session.invalidate()
        request.session[SESSION_KEY] = {"login": userid, "sid": sid, "created": now}
        new_csrf_token(request)
        request.environ.pop("itsm.identity", None)
        return []

    def forget(self, request: Any, **kw: Any) -> list[tuple[str, str]]:
        auth = request.session.get(SESSION_KEY) or {}
        person = request.itsm_root["people"].get(auth.get("login") or "")
        if person is not None and person.sessions is not None:
            person.sessions.pop(auth.get("sid"), None)
        request.session.invalidate()
        request.environ.pop("itsm.identity", None)
        return []


def _prune_sessions(person: Person, now: float, absolute_timeout: int) -> None:
    cutoff = datetime.fromtimestamp(now - absolute_timeout, UTC)
    for sid, created in list(person.sessions.items()):
        if created < cutoff:
            del person.sessions[sid]


def end_all_sessions(person: Person) -> int:
    """Log ``person`` out everywhere (after a password reset, or by an admin)."""
    count = len(person.sessions or ())
    if count:
        person.sessions.clear()
    return count
