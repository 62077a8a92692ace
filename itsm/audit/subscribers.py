"""What the audit log hears of: logins, refused logins and lockouts, role changes."""

from __future__ import annotations

from typing import Any

from itsm.audit.record import log
from itsm.events import LoginFailed, PersonLoggedIn, RolesChanged


def roles_text(roles: Any) -> str:
    return ", ".join(sorted(roles))


def on_login(event: PersonLoggedIn) -> None:
    request = event.request
    if request is not None:
        person = event.person
        request.audit_event("login", person.login, "done", roles_text(person.roles), person.login)


def on_login_failed(event: LoginFailed) -> None:
    request = event.request
    if request is None:
        return
    budget = request.registry.itsm_audit_budget
    if event.reason == "throttled":
        return  # the lockout was recorded when it began; the log file has each attempt
    if not budget.take():
        log.warning("audit: failed login for %r not kept (too many this minute)", event.login)
        return
    kind = "lockout" if event.locked else "login_failed"
    request.audit_event(kind, event.login, event.reason, actor=None)


def on_roles_changed(event: RolesChanged) -> None:
    request = event.request
    if request is not None:
        detail = f"{roles_text(event.before)} → {roles_text(event.after)}"
        request.audit_event("role_change", event.person.login, "login", detail, actor=None)


def includeme(config: Any) -> None:
    config.add_subscriber(on_login, PersonLoggedIn)
    config.add_subscriber(on_login_failed, LoginFailed)
    config.add_subscriber(on_roles_changed, RolesChanged)
