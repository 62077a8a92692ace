"""Outermost tween: a request id, security headers, and one log line per request."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("itsm.request")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
)


#: Query parameters and route placeholders whose values are credentials (mailed approval and
#: survey links, password reset links, calendar feed URLs): masked in the request log (S12).
SECRET_NAMES = frozenset({"token", "secret", "password", "key", "code"})
MASK = "***"


def loggable_path(request: Any) -> str:
    """The request's path and query for the log, with credentials masked."""
    path = request.path
    matchdict = getattr(request, "matchdict", None) or {}
    for name, value in matchdict.items():
        if name in SECRET_NAMES and isinstance(value, str) and value:
            path = path.replace(value, MASK)
    if request.query_string:
        pairs = []
        for name, value in request.GET.items():
            pairs.append(f"{name}={MASK if name.lower() in SECRET_NAMES else value}")
        path = f"{path}?{'&'.join(pairs)}"
    return path[:300]


def request_id(request: Any) -> str:
    rid = request.environ.get("itsm.request_id")
    if rid is None:
        rid = request.environ["itsm.request_id"] = secrets.token_hex(6)
    return rid


def security_tween_factory(handler: Callable, registry: Any) -> Callable:
    def tween(request: Any) -> Any:
        start = time.perf_counter()
        rid = request_id(request)
        status = 500
        try:
            response = handler(request)
            status = response.status_int
        finally:
            elapsed = (time.perf_counter() - start) * 1000
            who = request.environ.get("itsm.identity")
            log.info(
                "%s %s %s %s %s %.1fms rid=%s",
                request.method,
                loggable_path(request),
                status,
                who.login if who else "-",
                request.environ.get("REMOTE_ADDR") or "-",
                elapsed,
                rid,
            )
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers["X-Request-Id"] = rid
        # The identity as the request found it: looking it up here, after the transaction,
        # would read the database outside it (and raise when the database is down).
        if request.path.startswith("/api/") or request.environ.get("itsm.identity") is not None:
            headers.setdefault("Cache-Control", "no-store")
        return response

    return tween
