"""Password reset and change against the directory (OWASP Forgot Password guidance).

- A reset request answers the same, in the same time, whether or not the account exists: both
  paths look the person up, make and hash a token, and are padded to the same minimum duration.
- The token has 256 random bits, only its SHA-256 is stored (``root.reset_tokens``, created by
  the first request), it expires after ``itsm.password_reset.ttl_minutes``, and a newer request
  or a successful reset kills it.
- The mail goes to the address the directory holds (the person record is refreshed from the
  directory first), never to one typed into a form.
- Requests are rate-limited per account (silently: no mail, same answer) and per client address
  (429), in process memory like the login throttle.
- The directory sets the password (LDAP password modify as the service account, AD, argon2);
  its refusal comes back as a code that :data:`REFUSALS` turns into plain, translated words.
- After a change every session of the person ends, a confirmation mail is queued, and every
  attempt is logged to ``itsm.audit`` and appended to ``root.audit``.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from BTrees.LOBTree import LOBTree
from BTrees.OOBTree import OOBTree
from persistent import Persistent

from itsm.directory.base import DirectoryPerson, DirectoryUnavailable, PasswordRejected
from itsm.i18n import _
from itsm.notify.notifications import queue_notification
from itsm.people.records import refresh_person
from itsm.security.policy import end_all_sessions

audit_log = logging.getLogger("itsm.audit")

#: Plain words for the directory's refusal codes (:class:`PasswordRejected.code`).
REFUSALS = {
    "too_short": _("This password is too short. Choose a longer one."),
    "in_history": _("You have used this password recently. Choose one you have not used before."),
    "too_weak": _("This password is too simple. Mix letters, digits and other characters."),
    "wrong_password": _("Your current password is wrong."),
    "rejected": _("The directory refused this password. Choose another one."),
}
INVALID_TOKEN = _("This link is not valid or has expired. Ask for a new one.")
MAX_LOGIN_LENGTH = 256


def refusal_message(error: PasswordRejected) -> Any:
    """What to tell the person about the directory's refusal, in their language."""
    return REFUSALS.get(error.code, REFUSALS["rejected"])


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _utcnow() -> datetime:
    return datetime.now(UTC)


# -- persistent records ------------------------------------------------------------------------


class ResetToken(Persistent):
    """One pending reset: whose, and until when. The token itself is not stored."""

    def __init__(self, login: str, created: datetime, expires: datetime) -> None:
        self.login = login
        self.created = created
        self.expires = expires


class ResetTokens(Persistent):
    """``root.reset_tokens``: pending resets by token digest, and each login's current one
    (so a newer request replaces the older and there is at most one per account)."""

    def __init__(self) -> None:
        self.by_digest = OOBTree()
        self.by_login = OOBTree()

    def add(self, digest: str, record: ResetToken) -> None:
        self.discard_login(record.login)
        self.by_digest[digest] = record
        self.by_login[record.login] = digest

    def get(self, digest: str) -> ResetToken | None:
        return self.by_digest.get(digest)

    def discard_login(self, login: str) -> None:
        old = self.by_login.pop(login, None)
        if old is not None:
            self.by_digest.pop(old, None)


@dataclass(frozen=True)
class AuditRecord:
    """One attempt. Plain (not persistent): records live inside the BTree's buckets."""

    at: datetime
    action: str  # reset_request | reset_confirm | change
    login: str  # as typed for requests (truncated), else the account's
    outcome: str  # sent | unknown | throttled | done | bad_token | <refusal code> | unavailable
    client: str = ""
    actor: str | None = None


class AuditTrail(Persistent):
    """``root.audit``: append-only, keyed by time in microseconds plus random low digits, so
    writers in different processes rarely touch the same key."""

    def __init__(self) -> None:
        self._records = LOBTree()

    def append(self, record: AuditRecord) -> AuditRecord:
        base = int(record.at.timestamp() * 1_000_000) * 1000
        key = base + secrets.randbelow(1000)
        while key in self._records:
            key = base + secrets.randbelow(1000)
        self._records[key] = record
        return record

    def __iter__(self):
        return iter(self._records.values())

    def __len__(self) -> int:
        return len(self._records)

    def between(self, start: datetime | None, end: datetime | None) -> Any:
        """Attempts with ``start <= at <= end``, oldest first (the audit page reads them)."""
        low = int(start.timestamp() * 1_000_000) * 1000 if start is not None else None
        high = int(end.timestamp() * 1_000_000) * 1000 + 999 if end is not None else None
        return self._records.values(min=low, max=high)


def audit(
    request: Any, action: str, login: str, outcome: str, now: datetime, persist: bool = True
) -> None:
    """Log one attempt to ``itsm.audit`` and append it to ``root.audit`` (writes: POST only).

    Attempts refused by a per-address limit are only logged (``persist=False``): a flood from
    one address must not grow the database."""
    root = request.itsm_root
    identity = request.identity
    actor = identity.login if identity is not None else None
    client = request.client_ip
    login = login[:64]
    audit_log.info(
        "password %s login=%r outcome=%s client=%s actor=%s", action, login, outcome, client, actor
    )
    if not persist:
        return
    trail = getattr(root, "audit", None)
    if trail is None:
        trail = root.audit = AuditTrail()
    trail.append(AuditRecord(now, action, login, outcome, client, actor))


# -- rate limits -------------------------------------------------------------------------------


class RateLimit:
    """At most ``limit`` events per key within ``window`` seconds (sliding), in memory.

    Per process on purpose, like :class:`itsm.security.throttle.LoginThrottle`: counting in
    ZODB would make every refused request a commit."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window
        self.clock = clock
        self._events: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        return [t for t in self._events.get(key, ()) if now - t < self.window]

    def exceeded(self, key: str) -> bool:
        """True when ``key`` is at its limit now (counts nothing)."""
        now = self.clock()
        with self._lock:
            return len(self._recent(key.strip().casefold(), now)) >= self.limit

    def hit(self, key: str) -> bool:
        """Count one event for ``key``; False when it is over the limit (not counted)."""
        now = self.clock()
        key = key.strip().casefold()
        with self._lock:
            if len(self._events) > 100_000:  # bound memory under a spray of random names
                self._events.clear()
            recent = self._recent(key, now)
            if len(recent) >= self.limit:
                self._events[key] = recent
                return False
            recent.append(now)
            self._events[key] = recent
            return True


class ResetPolicy:
    """What the flow needs besides the database, kept on the registry
    (``registry.itsm_password_reset``); tests replace ``clock`` to move time."""

    #: Every reset request takes at least this long, known account or not.
    min_seconds = 0.25

    def __init__(self, ttl_minutes: int) -> None:
        self.ttl = timedelta(minutes=ttl_minutes)
        self.clock: Callable[[], datetime] = _utcnow
        # RELIABILITY.md S7: at most 5 mails an hour to one account, 20 requests an hour from
        # one client address.
        self.per_account = RateLimit(5, 3600)
        self.per_address = RateLimit(20, 3600)
        self.bad_tokens = RateLimit(20, 900)  # wrong or expired tokens per client address

    def now(self) -> datetime:
        return self.clock()


def policy_of(request: Any) -> ResetPolicy:
    return request.registry.itsm_password_reset


class TooManyRequests(Exception):
    """Too many reset requests from this client address."""


class InvalidToken(Exception):
    """Unknown, used, replaced or expired token: deliberately one case."""


# -- the flow ----------------------------------------------------------------------------------


def request_reset(request: Any, login: str) -> None:
    """Ask for a reset of ``login``'s password. Returns the same way, in the same time, for any
    login; raises :class:`TooManyRequests` for a client over its limit, or
    :class:`DirectoryUnavailable` when the directory does not answer."""
    policy = policy_of(request)
    started = time.monotonic()
    now = policy.now()
    login = login.strip()[:MAX_LOGIN_LENGTH]
    if not policy.per_address.hit(request.client_ip):
        audit(request, "reset_request", login, "throttled_address", now, persist=False)
        raise TooManyRequests()
    # The same work either way: a directory look-up, a token and its hash.
    try:
        entry = request.directory.get(login) if login else None
    except DirectoryUnavailable:
        audit(request, "reset_request", login, "unavailable", now)
        raise
    token = secrets.token_urlsafe(32)
    digest = token_digest(token)
    if entry is None:
        outcome = "unknown"
    elif not policy.per_account.hit(entry.login):
        outcome = "throttled"
    else:
        _send_reset(request, entry, token, digest, now)
        outcome = "sent"
    audit(request, "reset_request", login, outcome, now)
    # Padded once the transaction is committed (a finished callback runs after pyramid_tm's
    # commit, before the answer leaves): the commit of a token and a mail is the part that
    # differs most between an existing account and a missing one (S7: 12-18 ms on RelStorage).
    request.add_finished_callback(lambda _request: _pad(started, policy.min_seconds))


def _pad(started: float, min_seconds: float) -> None:
    spent = time.monotonic() - started
    if spent < min_seconds:
        time.sleep(min_seconds - spent)
    elif min_seconds > 0:
        logging.getLogger(__name__).warning(
            "password reset request took %.0f ms, more than the %.0f ms that hide whether the "
            "account exists",
            spent * 1000,
            min_seconds * 1000,
        )


def _send_reset(
    request: Any, entry: DirectoryPerson, token: str, digest: str, now: datetime
) -> None:
    root = request.itsm_root
    policy = policy_of(request)
    settings = request.registry.itsm_settings
    tokens = getattr(root, "reset_tokens", None)
    if tokens is None:
        tokens = root.reset_tokens = ResetTokens()
    tokens.add(digest, ResetToken(entry.login, now, now + policy.ttl))
    # The address the directory holds now, not whatever the cached record says.
    person = refresh_person(root["people"], request.directory, entry, settings.roles, now)
    queue_notification(
        root,
        request.registry,
        recipients=[person],
        template="password_reset",
        essential=True,
        now=now,
        url=f"{settings.public_url}/password-reset/confirm?token={token}",
        minutes=int(policy.ttl.total_seconds() // 60),
        login=entry.login,
    )


def check_token(request: Any, token: str) -> ResetToken:
    """The pending reset for ``token`` (reads only); raises :class:`InvalidToken`."""
    tokens = getattr(request.itsm_root, "reset_tokens", None)
    record = tokens.get(token_digest(token)) if tokens is not None and token else None
    if record is None or policy_of(request).now() >= record.expires:
        raise InvalidToken()
    return record


def confirm_reset(request: Any, token: str, password: str) -> str:
    """Set a new password with a reset token; returns the login. Raises :class:`InvalidToken`,
    :class:`PasswordRejected` (the token stays usable), :class:`TooManyRequests` (too many bad
    tokens from this address) or :class:`DirectoryUnavailable`."""
    policy = policy_of(request)
    now = policy.now()
    client = request.client_ip
    if policy.bad_tokens.exceeded(client):
        audit(request, "reset_confirm", "", "throttled_address", now, persist=False)
        raise TooManyRequests()
    try:
        record = check_token(request, token)
    except InvalidToken:
        policy.bad_tokens.hit(client)
        audit(request, "reset_confirm", "", "bad_token", now)
        raise
    login = record.login
    try:
        _set_password(request, login, password, None)
    except PasswordRejected as refused:
        audit(request, "reset_confirm", login, refused.code, now)
        raise
    except DirectoryUnavailable:
        audit(request, "reset_confirm", login, "unavailable", now)
        raise
    request.itsm_root.reset_tokens.discard_login(login)
    _after_change(request, login, now)
    audit(request, "reset_confirm", login, "done", now)
    return login


def change_password(request: Any, login: str, current: str, new: str) -> None:
    """A logged-in person changes their own password (checked against ``current``)."""
    now = policy_of(request).now()
    try:
        _set_password(request, login, new, current)
    except PasswordRejected as refused:
        audit(request, "change", login, refused.code, now)
        raise
    except DirectoryUnavailable:
        audit(request, "change", login, "unavailable", now)
        raise
    tokens = getattr(request.itsm_root, "reset_tokens", None)
    if tokens is not None and login in tokens.by_login:
        tokens.discard_login(login)
    _after_change(request, login, now)
    audit(request, "change", login, "done", now)


def _set_password(request: Any, login: str, new: str, old: str | None) -> None:
    directory = request.directory
    # A conflicted request runs again whole (pyramid_retry, same environ). The directory's
    # change is outside the transaction: do not repeat it, or the second attempt would be
    # refused as "in history". Local accounts are inside the transaction and must run again.
    done_key = "itsm.password_set"
    if directory.kind != "local" and request.environ.get(done_key) == (login, token_digest(new)):
        return
    directory.set_password(login, new, old)
    request.environ[done_key] = (login, token_digest(new))


def _after_change(request: Any, login: str, now: datetime) -> None:
    root = request.itsm_root
    person = root["people"].get(login)
    if person is None:
        entry = request.directory.get(login)
        if entry is not None:
            settings = request.registry.itsm_settings
            person = refresh_person(root["people"], request.directory, entry, settings.roles, now)
    if person is None:
        return
    ended = end_all_sessions(person)
    audit_log.info("password changed for %s: %d session(s) ended", login, ended)
    queue_notification(
        root,
        request.registry,
        recipients=[person],
        template="password_changed",
        essential=True,
        now=now,
        login=login,
        reset_url=f"{request.registry.itsm_settings.public_url}/password-reset",
    )


def includeme(config: Any) -> None:
    settings = config.registry.itsm_settings
    config.registry.itsm_password_reset = ResetPolicy(settings.password_reset_ttl_minutes)
