"""Watchers (CC) of an incident and ``@login`` mentions in internal notes.

Watchers get the public updates the requester gets (replies, waiting, resolved, closed,
cancelled) through the outbox, and may read and answer the incident. The requester and IT
staff add or remove them; a watcher may remove themselves. A mention ``@login`` in an
internal note mails that colleague once, if they are IT staff; other words after an ``@``
(unknown logins, employees, mail addresses) stay plain text.
"""

from __future__ import annotations

import re
from typing import Any

from itsm.i18n import _
from itsm.incidents import notices
from itsm.incidents.models import Incident
from itsm.people.lookup import UnknownCaller, resolve_caller
from itsm.search.catalog import mark_changed
from itsm.security.roles import has_staff_role
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import MissingFields, NotPermitted

#: At most this many watchers on one incident (the ACL lists each of them).
MAX_WATCHERS = 50
#: ``@login`` not preceded by a word character (so ``anna@example.com`` is no mention).
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9][A-Za-z0-9._-]{0,99})")


def _may_manage(ctx: ActionContext, incident: Incident) -> bool:
    return has_staff_role(ctx.roles) or ctx.actor == incident.requester


def add_watcher(ctx: ActionContext, incident: Incident, login: str, directory: Any) -> bool:
    """Add ``login`` (checked against the directory); False when they already get updates."""
    if not _may_manage(ctx, incident):
        raise NotPermitted(_("Only the requester and IT staff can add watchers."))
    try:
        person = resolve_caller(ctx.root, directory, login, ctx.settings.roles)
    except UnknownCaller as error:
        raise MissingFields(_("Some fields are not valid."), {"login": error.message}) from None
    if person.login == incident.requester or person.login in incident.watchers:
        return False
    if len(incident.watchers) >= MAX_WATCHERS:
        raise MissingFields(
            _("Some fields are not valid."),
            {"login": _("At most ${n} watchers.", mapping={"n": MAX_WATCHERS})},
        )
    incident.update({"watchers": (*incident.watchers, person.login)}, ctx.actor, ctx.now)
    notices.watching(ctx, incident, person.login)
    mark_changed(ctx.root, incident)
    return True


def remove_watcher(ctx: ActionContext, incident: Incident, login: str) -> bool:
    """Remove ``login``; False when they were not watching."""
    if ctx.actor != login and not _may_manage(ctx, incident):
        raise NotPermitted(_("Only the requester and IT staff can remove watchers."))
    if login not in incident.watchers:
        return False
    kept = tuple(w for w in incident.watchers if w != login)
    incident.update({"watchers": kept}, ctx.actor, ctx.now)
    mark_changed(ctx.root, incident)
    return True


def mentioned_logins(ctx: ActionContext, body: str) -> list[str]:
    """The IT staff named as ``@login`` in ``body``, in order, each once, not the author."""
    people = ctx.root["people"]
    found: list[str] = []
    for login in dict.fromkeys(m.rstrip(".-") for m in MENTION.findall(body or "")):
        person = people.get(login)
        if person is None or not has_staff_role(person.roles) or login == ctx.actor:
            continue
        found.append(login)
    return found


def notify_mentions(ctx: ActionContext, incident: Incident, body: str) -> list[str]:
    """Mail the colleagues an internal note mentions; who they were."""
    logins = mentioned_logins(ctx, body)
    if logins:
        notices.mentioned(ctx, incident, logins, body)
    return logins
