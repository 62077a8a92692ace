"""Queue notification mails for people: rendered in each one's language, threaded per ticket.

Call :func:`queue_notification` inside the transaction of the change that causes the mail; the
mail goes to the outbox (:mod:`itsm.notify.outbox`) and leaves only if that change commits.

Threading: every mail about ``INC-000123`` carries ``In-Reply-To`` and ``References`` to the
ticket's stable root id ``<INC-000123@desk.example.com>`` (never sent itself, so clients
group the mails under it), its own ``Message-ID`` with the number in it
(``<…INC-000123@desk.example.com>``, stable across delivery retries), and ``[INC-000123]`` at the
start of the subject. Incoming replies can be matched by any of the three.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

from pyramid.i18n import TranslationString

from itsm.i18n import _
from itsm.notify.outbox import OutgoingMail
from itsm.notify.render import render_mail

log = logging.getLogger(__name__)

#: Where each kind of ticket lives in the resource tree (its URL path).
CONTAINERS = {
    "incident": "incidents",
    "request": "requests",
    "change": "changes",
    "problem": "problems",
}

#: What the ``ticket_event`` template says for each ``event`` code: the subject's summary and
#: the line under the greeting (``${actor}`` is the display name of who acted).
TICKET_EVENTS: Mapping[str, tuple[TranslationString, TranslationString]] = {
    "received": (
        _("Ticket received"),
        _("We have received your ticket and will keep you informed."),
    ),
    "assigned": (_("Assigned to you"), _("The ticket has been assigned to you.")),
    "answered": (_("New reply"), _("${actor} replied.")),
    "requester_replied": (_("Reply from the requester"), _("${actor} added a reply.")),
    "waiting": (_("Waiting for your answer"), _("IT needs an answer from you.")),
    "resolved": (
        _("Ticket resolved"),
        _("The ticket has been resolved. Check the solution: confirm it or reopen the ticket."),
    ),
    "closed": (_("Ticket closed"), _("The ticket has been closed.")),
    "cancelled": (_("Ticket cancelled"), _("The ticket has been cancelled.")),
    "reopened": (_("Ticket reopened"), _("The ticket has been reopened.")),
    "escalated": (_("Ticket escalated"), _("The ticket has been escalated.")),
    "sla_warning": (_("Deadline approaching"), _("The ticket's deadline is approaching.")),
    "sla_breach": (_("Deadline missed"), _("The ticket has missed its deadline.")),
    "mentioned": (_("You were mentioned"), _("${actor} mentioned you in an internal note.")),
    "watching": (
        _("You get this ticket's updates"),
        _("${actor} added you to the people who get this ticket's public updates."),
    ),
}
UPDATED = _("The ticket has been updated.")


def mail_domain(settings: Any) -> str:
    """The domain of our Message-IDs: the host of ``itsm.public_url``."""
    return urlsplit(settings.public_url).hostname or "itsm.local"


def ticket_thread_id(number: str, domain: str) -> str:
    """The stable root Message-ID every mail about ticket ``number`` refers to."""
    return f"<{number}@{domain}>"


def ticket_url(settings: Any, ticket: Any) -> str:
    """The ticket's page: ``{public_url}/incidents/INC-000123``."""
    parent = getattr(ticket, "__parent__", None)
    container = getattr(parent, "__name__", None) or CONTAINERS.get(ticket.kind, f"{ticket.kind}s")
    return f"{settings.public_url}/{container}/{ticket.number}"


def queue_notification(
    root: Any,
    registry: Any,
    *,
    recipients: Iterable[Any],
    template: str,
    ticket: Any = None,
    essential: bool = True,
    now: datetime,
    in_reply_to: str = "",
    **values: Any,
) -> list[OutgoingMail]:
    """Queue one mail per recipient; return what was queued.

    ``recipients`` are :class:`~itsm.people.models.Person` records or logins (looked up in
    ``/people``; unknown logins, ``None`` and people without an address are skipped, each
    person gets one mail however often named). Non-``essential`` mail is not sent to people who
    chose ``mute_optional_mail``. ``values`` go to the template; with a ``ticket`` the template
    also gets ``ticket``, ``number``, ``title``, ``status`` (``ticket.status_title`` when the
    ticket type has one), ``url``, and for ``ticket_event`` the ``event`` code (see
    :data:`TICKET_EVENTS`) is turned into ``summary`` and the ``event`` line; ``actor`` is a
    login (None: the desk itself); ``body`` is quoted as typed.
    """
    settings = registry.itsm_settings
    people = root["people"]
    domain = mail_domain(settings)
    common: dict[str, Any] = {}
    headers: dict[str, str] = {}
    number = None
    if ticket is not None:
        number = ticket.number
        common.update(
            ticket=ticket,
            number=number,
            title=ticket.title,
            status=getattr(ticket, "status_title", None) or ticket.status,
            url=ticket_url(settings, ticket),
        )
        thread = ticket_thread_id(number, domain)
        headers = {"In-Reply-To": thread, "References": thread}
    if in_reply_to:
        references = f"{in_reply_to} {headers['References']}" if headers else in_reply_to
        headers = {"In-Reply-To": in_reply_to, "References": references}
    common.setdefault("summary", None)
    common.setdefault("body", "")
    common.update(values)
    _describe_event(common, people)

    queued: list[OutgoingMail] = []
    seen: set[str] = set()
    for recipient in recipients:
        person = people.get(recipient) if isinstance(recipient, str) else recipient
        if person is None:
            if recipient:
                log.warning("notification %s: nobody is called %r; not sent", template, recipient)
            continue
        if person.login in seen:
            continue
        seen.add(person.login)
        relay = _relay_for(root, registry, person)
        if not person.email and relay is None:
            log.info("notification %s: %s has no mail address; not sent", template, person.login)
            continue
        if not essential and person.mute_optional_mail:
            continue
        subject, text, html = render_mail(
            registry,
            template,
            person.language,
            **{"person": person, "name": person.display_name, **common},
        )
        if number:
            subject = f"[{number}] {subject}"
        if relay is not None:
            # The person's preference: the same words by another channel instead of mail.
            relay.send(root, person, subject, text, now)
            continue
        mail = root.outbox.add(
            [person.email],
            subject,
            text,
            html=html,
            domain=domain,
            message_id=make_msgid(idstring=number, domain=domain),
            headers=headers,
            now=now,
            ticket=number,
            kind=template,
        )
        if mail is not None:
            queued.append(mail)
    return queued


def _relay_for(root: Any, registry: Any, person: Any) -> Any:
    """The channel that carries ``person``'s notifications instead of mail, or None.

    Channels register on ``registry.itsm_notification_relays`` (a list; the chat package adds
    Telegram's), each with ``accepts(root, registry, person)`` and
    ``send(root, person, subject, text, now)``: this layer names no channel."""
    for relay in getattr(registry, "itsm_notification_relays", ()):
        if relay.accepts(root, registry, person):
            return relay
    return None


def _describe_event(values: dict[str, Any], people: Any) -> None:
    """Turn an ``event`` code into the summary and the line of ``ticket_event``."""
    event = values.get("event")
    if not isinstance(event, str) or isinstance(event, TranslationString):
        return
    actor = values.get("actor")
    person = people.get(actor) if actor else None
    actor_name: Any = (
        person.display_name if person is not None else (actor or _("The service desk"))
    )
    summary, line = TICKET_EVENTS.get(event, (None, None))
    if line is None:
        log.warning("notification: no words for the event %r; saying 'updated'", event)
        line = UPDATED
    if values.get("summary") is None:
        values["summary"] = summary
    values["event"] = TranslationString(line, mapping={"actor": actor_name})
