"""Writing to the audit log: from requests (``request.audit_event``), jobs and commands."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from itsm.audit.models import AuditEntry, AuditLog

log = logging.getLogger("itsm.audit")

#: The longest detail kept (a sync's diff can be long; the full one goes to the log file).
MAX_DETAIL = 4000


def audit_log(root: Any) -> AuditLog:
    """``root.audit_log``, made on the first write of a database that predates it."""
    store = getattr(root, "audit_log", None)
    if store is None:
        store = root.audit_log = AuditLog()
    return store


def record(
    root: Any,
    kind: str,
    actor: str | None,
    subject: str = "",
    outcome: str = "",
    detail: str = "",
    client: str = "",
    now: datetime | None = None,
) -> AuditEntry:
    """Append one event (in the caller's transaction) and log it to ``itsm.audit``."""
    if len(detail) > MAX_DETAIL:
        detail = detail[: MAX_DETAIL - 1] + "…"
    entry = AuditEntry(
        now or datetime.now(UTC), kind, actor, subject[:200], outcome, detail, client
    )
    log.info(
        "%s subject=%r outcome=%s actor=%s client=%s", kind, subject[:64], outcome, actor, client
    )
    return audit_log(root).append(entry)


class Budget:
    """At most ``limit`` entries per ``window`` seconds in this process: a spray of failed
    logins over random names must not grow the database (past it they are only logged)."""

    def __init__(self, limit: int = 120, window: float = 60.0, clock: Any = time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._lock = threading.Lock()
        self._start, self._used = 0.0, 0

    def take(self) -> bool:
        now = self.clock()
        with self._lock:
            if now - self._start >= self.window:
                self._start, self._used = now, 0
            self._used += 1
            return self._used <= self.limit


def audit_event(
    request: Any,
    kind: str,
    subject: str = "",
    outcome: str = "",
    detail: str = "",
    actor: Any = False,
) -> AuditEntry:
    """``request.audit_event(kind, subject, outcome, detail)``: who acts is the caller (or
    ``actor``), from the request's address."""
    if actor is False:
        identity = request.identity
        actor = identity.login if identity is not None else None
    return record(request.itsm_root, kind, actor, subject, outcome, detail, request.client_ip)
