"""Logging a person in: throttle, directory check, person record, new session."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from pyramid.security import forget, remember

from itsm.events import LoginFailed, PersonLoggedIn
from itsm.security.policy import Person

log = logging.getLogger("itsm.security.login")


class LoginRefused(Exception):
    """Wrong login or password; deliberately the same for an unknown account."""


class LoginThrottled(Exception):
    """Too many failures for this login name lately."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def log_in(request: Any, login: str, password: str) -> Person:
    """Check ``login``/``password`` with the directory and start a session.

    Raises LoginRefused, LoginThrottled, or DirectoryUnavailable (from the directory).
    """
    login = login.strip()
    throttle = request.registry.itsm_login_throttle
    by_address = request.registry.itsm_login_address_throttle
    client = request.client_ip
    wait = max(throttle.retry_after(login), by_address.retry_after(client))
    if wait:
        log.warning("login throttled for %r from %s (%ds left)", login[:64], client, wait)
        request.registry.notify(LoginFailed(login[:64], "throttled", False, request))
        raise LoginThrottled(wait)
    entry = request.directory.authenticate(login, password)
    if entry is None:
        locked = throttle.failed(login) | by_address.failed(client)
        log.warning(
            "failed login for %r from %s%s",
            login[:64],
            client,
            " (now throttled)" if locked else "",
        )
        request.registry.notify(LoginFailed(login[:64], "password", locked, request))
        raise LoginRefused()
    # The record in /people, created or refreshed (itsm.people registers the request method).
    person = request.person_from_directory(entry)
    if not getattr(person, "active", True):
        # The directory sync found them disabled or gone: the same answer as a wrong password
        # (a directory that still takes the password must not let them back in before the
        # next sync finds them again).
        log.warning("login refused for inactive %s from %s", person.login, client)
        request.registry.notify(LoginFailed(person.login, "inactive", False, request))
        raise LoginRefused()
    throttle.succeeded(login)
    person.last_login = datetime.now(UTC)
    remember(request, person.login)
    request.registry.notify(PersonLoggedIn(person, request))
    log.info("login %s from %s (%s)", person.login, client, ",".join(person.roles))
    return person


def log_out(request: Any) -> None:
    identity = request.identity
    forget(request)
    if identity is not None:
        log.info("logout %s", identity.login)
