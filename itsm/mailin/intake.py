"""One intake for every way a mail comes in (``itsm-mail-in``, the IMAP poller, the API).

README-internal — what the poller, the quarantine pages and the API build on:

``take_message(root, raw, *, registry, source, now=None) -> Outcome``
    Turn one RFC 5322 message (bytes, as received) into what it should become, inside the
    caller's transaction (commit it, and only then flag/move/acknowledge the mail). It never
    raises for anything in the mail itself: what cannot be parsed is quarantined with the
    reason. It raises only what the caller must retry (ZODB ``ConflictError``, storage errors).
    ``source`` says where it came from (``"pipe"``, ``"imap"``, ``"api"``) for the log.
    The same Message-ID (or, without one, the same stable bytes) a second time gives
    ``Outcome(kind="duplicate", number=<the first outcome's>)`` and changes nothing but the log.

``Outcome``
    ``kind``: ``ticket`` (a new incident; ``detail`` is ``follow_up:INC-…`` when it was a
    reply to a closed incident), ``request`` (a service request draft, by alias), ``reply``
    (a journal entry on ``number``; ``detail`` is ``reopened`` when it reopened it), ``quarantined``
    (``held`` is the id in ``/mail/quarantine``, ``reason`` a code of
    :data:`itsm.mailin.models.REASONS`), ``ignored`` (auto-reply, bounce, our own mail, bulk:
    ``reason`` says which), ``duplicate``. ``number`` is ``""`` when none.

``release_as_new(root, held_id, *, registry, actor, now=None) -> Outcome``
    A held mail becomes a new incident of its sender (a guest requester when unknown); the
    held mail leaves the quarantine. ``actor`` is the IT staff member who decided.
``release_as_reply(root, held_id, number, *, registry, actor, now=None) -> Outcome``
    A held mail becomes a public journal entry on ticket ``number`` (by its sender, or by a
    guest record of the address when unknown), whatever the ticket's ACL says: a person
    decided. Raises :class:`ReleaseError` for an unknown ticket.
``delete_held(root, held_id, *, actor, now=None) -> None``
    Drop a held mail (logged with who did it).

All three raise :class:`ReleaseError` (a ``ValueError`` with a translatable ``message``) when
``held_id`` is not in the quarantine.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from pyramid.authorization import ACLHelper

from itsm.i18n import _, localizer_for
from itsm.mailin import loops
from itsm.mailin.models import HeldMail, MailIn, Processed, mail_in, message_key
from itsm.mailin.parse import ParsedMail, parse_mail, trim_reply
from itsm.notify.notifications import mail_domain, queue_notification
from itsm.notify.render import render_mail
from itsm.security.permissions import P
from itsm.tickets.context import ActionContext
from itsm.tickets.journal import Attachment, AttachmentRefused, make_attachment

log = logging.getLogger(__name__)

#: Where tickets of each number prefix live.
CONTAINER_OF = {"INC": "incidents", "REQ": "requests", "CHG": "changes", "PRB": "problems"}
TITLE_MAX = 200
DESCRIPTION_MAX = 20000


class TemporaryFailure(Exception):
    """The mail cannot be decided now (the directory does not answer): try again later."""


class ReleaseError(ValueError):
    """A quarantine decision cannot be carried out; ``message`` says why (translatable)."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Outcome:
    """What one mail became (see the module docstring)."""

    kind: str  # ticket | request | reply | quarantined | ignored | duplicate
    number: str = ""
    reason: str = ""
    held: str = ""
    detail: str = ""
    key: str = ""

    def as_json(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "number": self.number,
            "reason": self.reason,
            "held": self.held,
            "detail": self.detail,
        }


# -- the intake ---------------------------------------------------------------------------------
def take_message(
    root: Any,
    raw: bytes,
    *,
    registry: Any,
    source: str,
    now: datetime | None = None,
    recipient: str = "",
) -> Outcome:
    """Take one mail (see the module docstring); runs inside the caller's transaction.

    ``recipient``: the envelope recipient when the caller knows it (the MTA's
    ``${original_recipient}``), for the aliases."""
    now = now or datetime.now(UTC)
    state = _state(root, registry)
    mail = parse_mail(raw)
    key = message_key(mail.message_id, mail.stable_bytes())
    previous = state.seen(key)
    if previous is not None:
        outcome = Outcome(
            "duplicate", number=previous.number, held=previous.held, reason=previous.kind, key=key
        )
        _note(state, now, outcome, mail, source)
        return outcome
    intake = _Intake(root, registry, state, mail, raw, now, source, recipient.strip().lower())
    outcome = replace(intake.decide(), key=key)
    state.remember(key, Processed(outcome.kind, outcome.number, outcome.held, now, outcome.reason))
    _note(state, now, outcome, mail, source)
    return outcome


def hold_failed(
    root: Any,
    raw: bytes,
    *,
    registry: Any,
    source: str,
    error: str,
    now: datetime | None = None,
) -> Outcome:
    """Quarantine a mail whose intake failed unexpectedly (a bug; the caller aborted that
    transaction and calls this in a fresh one), so it is never lost."""
    now = now or datetime.now(UTC)
    state = _state(root, registry)
    mail = parse_mail(raw)
    key = message_key(mail.message_id, mail.stable_bytes())
    held = _hold(state, mail, raw, now, "invalid", source=source, detail=error[:200])
    outcome = Outcome("quarantined", reason="invalid", held=held.id, detail=error[:200], key=key)
    state.remember(key, Processed(outcome.kind, "", held.id, now, "invalid"))
    _note(state, now, outcome, mail, source)
    return outcome


def _state(root: Any, registry: Any) -> MailIn:
    state = mail_in(root)
    if state is None:
        from itsm.tree import ensure_tree

        ensure_tree(root, registry)
        state = mail_in(root)
    assert state is not None
    return state


def _note(state: MailIn, now: datetime, outcome: Outcome, mail: ParsedMail, source: str) -> None:
    state.note(
        now,
        {
            "kind": outcome.kind,
            "number": outcome.number,
            "reason": outcome.reason,
            "held": outcome.held,
            "detail": outcome.detail[:200],
            "sender": mail.sender.address[:200],
            "subject": mail.subject[:200],
            "message_id": mail.message_id[:200],
            "source": source,
        },
    )
    log.info(
        "mail-in %s: %s %s%s from %s (%s)",
        source,
        outcome.kind,
        outcome.number,
        f" [{outcome.reason}]" if outcome.reason else "",
        mail.sender.address or "?",
        mail.message_id[:100] or "no Message-ID",
    )


class _Intake:
    """The decisions for one mail, in the order the README lists them."""

    def __init__(
        self,
        root: Any,
        registry: Any,
        state: MailIn,
        mail: ParsedMail,
        raw: bytes,
        now: datetime,
        source: str,
        recipient: str,
    ) -> None:
        self.root = root
        self.registry = registry
        self.settings = registry.itsm_settings
        self.options = self.settings.mail_in
        self.state = state
        self.mail = mail
        self.raw = raw
        self.now = now
        self.source = source
        self.recipient = recipient
        self.domain = mail_domain(self.settings)

    # -- the order of the checks --------------------------------------------------------------
    def decide(self) -> Outcome:
        mail = self.mail
        verdict = loops.classify(
            mail,
            domain=self.domain,
            own_addresses=(self.settings.mail.sender.lower(),),
            allowed_lists=self.options.allowed_lists,
        )
        if verdict is not None and verdict.kind == "spam":
            return self.hold("spam", detail=verdict.detail)
        if verdict is not None:
            if verdict.kind == "bounce":
                self.note_bounces()
            return Outcome("ignored", reason=verdict.kind, detail=verdict.detail)
        address = mail.sender.address
        if not address:
            reason = "unparseable" if not mail.headers or mail.defects else "no_sender"
            return self.hold(reason, detail=", ".join(mail.defects[:3]) or "From")
        limit = self.options.max_per_hour
        if limit and self.state.count_sender(address, self.now) > limit:
            return self.hold("rate_limit", detail=str(limit))
        person = find_person(self.root, self.registry, address, self.state)
        if person is not None and person.mail_failure and person.mail_failure[0] == address:
            person.mail_failure = None  # their address works: they just wrote from it
        ticket = self.replied_ticket()
        if ticket is not None:
            return self.reply(ticket, person)
        slug = self.alias()
        if person is None:
            policy = self.options.unknown_senders
            if policy == "reject":
                return self.reject(address)
            if policy == "quarantine":
                return self.hold("unknown_sender")
            person = guest_for(self.root, address, mail.sender.name, self.now)
        if slug:
            item = self.root["catalog"].get(slug)
            if item is not None:
                return self.request_draft(item, person)
            log.warning("mail-in: alias to the unknown catalog item %r; made an incident", slug)
        return self.new_incident(person)

    # -- what the mail refers to -----------------------------------------------------------------
    def replied_ticket(self) -> Any:
        mail = self.mail
        for number in loops.own_numbers([*mail.in_reply_to, *mail.references], self.domain):
            ticket = find_ticket(self.root, number)
            if ticket is not None:
                return ticket
        number = loops.subject_number(mail.subject)
        return find_ticket(self.root, number) if number else None

    def alias(self) -> str:
        aliases = self.options.aliases
        if not aliases:
            return ""
        for address in [self.recipient, *self.mail.recipients]:
            if not address:
                continue
            if address in aliases:
                return aliases[address]
            local = address.split("@", 1)[0] + "@"
            if local in aliases:
                return aliases[local]
        return ""

    # -- outcomes -----------------------------------------------------------------------------
    def hold(self, reason: str, *, detail: str = "", number: str = "") -> Outcome:
        held = _hold(
            self.state,
            self.mail,
            self.raw,
            self.now,
            reason,
            source=self.source,
            detail=detail,
            number=number,
        )
        return Outcome("quarantined", number=number, reason=reason, held=held.id, detail=detail)

    def new_incident(self, person: Any, *, follows: Any = None) -> Outcome:
        ticket = create_incident_from_mail(
            self.root, self.registry, self.mail, self.raw, person, self.now, follows=follows
        )
        detail = f"follow_up:{follows.number}" if follows is not None else ""
        return Outcome("ticket", number=ticket.number, detail=detail)

    def reply(self, ticket: Any, person: Any) -> Outcome:
        if person is None or not may_see(person, ticket):
            return self.hold("not_allowed", number=ticket.number, detail=ticket.number)
        if ticket.kind == "incident":
            from itsm.incidents.workflow import CANCELLED, CLOSED, RESOLVED

            reopened = False
            if ticket.status == RESOLVED and person.login == ticket.requester:
                reopened = self.reopen(ticket, person)
                if not reopened:
                    return self.new_incident(person, follows=ticket)
            elif ticket.status in (CLOSED, CANCELLED):
                return self.new_incident(person, follows=ticket)
            add_reply(self.root, self.registry, ticket, person, self.mail, self.raw, self.now)
            return Outcome("reply", number=ticket.number, detail="reopened" if reopened else "")
        add_reply(self.root, self.registry, ticket, person, self.mail, self.raw, self.now)
        return Outcome("reply", number=ticket.number)

    def reopen(self, incident: Any, person: Any) -> bool:
        from itsm.incidents import actions
        from itsm.tickets.workflow import TransitionError

        ctx = _ctx_of(self.root, self.registry, person, self.now)
        try:
            actions.transition(ctx, incident, "reopen", {})
        except TransitionError:
            return False
        return True

    def request_draft(self, item: Any, person: Any) -> Outcome:
        from itsm.requests.intake import OrderError, create_request

        ctx = _ctx_of(self.root, self.registry, person, self.now)
        try:
            request = create_request(
                ctx, item, {}, requester=person.login, draft=True, channel="email"
            )
        except OrderError as error:
            detail = localizer_for(self.registry, self.settings.default_locale).translate(
                error.message
            )
            return self.hold("invalid", detail=f"{item.slug}: {detail}")
        add_reply(
            self.root, self.registry, request, person, self.mail, self.raw, self.now, eml=False
        )
        tell_what_is_missing(self.root, self.registry, request, item, person, self.mail, self.now)
        return Outcome("request", number=request.number)

    def reject(self, address: str) -> Outcome:
        if self.state.may_reject(address, self.now):
            send_portal_pointer(self.root, self.registry, address, self.mail, self.now)
            return Outcome("ignored", reason="unknown_sender", detail="told to use the portal")
        return Outcome("ignored", reason="unknown_sender", detail="already told today")

    def note_bounces(self) -> None:
        for bounce in loops.failed_addresses(self.mail, self.domain):
            mark_failing(self.root, self.state, bounce, self.now)
            for number in loops.own_numbers([bounce.original_id], self.domain):
                ticket = find_ticket(self.root, number)
                if ticket is not None:
                    note_bounce(self.root, self.registry, ticket, bounce, self.now)


# -- shared pieces (the quarantine's release uses them too) --------------------------------------
def _hold(
    state: MailIn,
    mail: ParsedMail,
    raw: bytes,
    now: datetime,
    reason: str,
    *,
    source: str,
    detail: str = "",
    number: str = "",
) -> HeldMail:
    quarantine = state.quarantine
    held = HeldMail(
        quarantine.new_id(),
        received=now,
        reason=reason,
        sender=mail.sender.address or mail.sender.name,
        subject=mail.subject,
        preview=mail.text,
        raw=raw,
        key=message_key(mail.message_id, mail.stable_bytes()),
        message_id=mail.message_id,
        detail=detail,
        number=number,
        source=source,
        defects=tuple(mail.defects[:20]),
    )
    return quarantine.hold(held)


def _ctx_of(root: Any, registry: Any, person: Any, now: datetime) -> ActionContext:
    roles = frozenset(person.roles) if person is not None else frozenset()
    return ActionContext(root, registry, now, person.login if person else None, roles)


def find_ticket(root: Any, number: str) -> Any:
    """The ticket ``INC-000123`` (any kind) or None."""
    container = root.get(CONTAINER_OF.get(number.split("-")[0].upper(), ""))
    return container.get(number.upper()) if container is not None else None


def may_see(person: Any, ticket: Any) -> bool:
    """Whether ``person`` may read ``ticket`` (its ACL, as if they were logged in)."""
    from itsm.security.policy import principals_for

    return bool(ACLHelper().permits(ticket, principals_for(person), P.VIEW))


def find_person(root: Any, registry: Any, address: str, state: MailIn | None = None) -> Any:
    """The person whose mail address is ``address``: a record in ``/people``, else the
    directory (the record is made then). Raises :class:`TemporaryFailure` when the directory
    does not answer."""
    from itsm.directory import make_directory
    from itsm.directory.base import DirectoryUnavailable
    from itsm.people.records import refresh_person

    address = address.lower()
    people = root["people"]
    cache = state.addresses if state is not None else None
    if cache is not None:
        login = cache.get(address)
        person = people.get(login) if login else None
        if person is not None and (person.email or "").lower() == address:
            return person
    found = None
    for person in people.values():
        if (person.email or "").lower() == address:
            if found is None or (found.guest and not person.guest):
                found = person
    if found is None:
        try:
            directory = make_directory(registry, root)
            entries = [e for e in directory.search(address, limit=5) if e.email.lower() == address]
        except DirectoryUnavailable as error:
            raise TemporaryFailure(f"the directory does not answer: {error}") from error
        if entries:
            found = refresh_person(people, directory, entries[0], registry.itsm_settings.roles)
    if found is not None and cache is not None and cache.get(address) != found.login:
        cache[address] = found.login
    return found


def guest_for(root: Any, address: str, name: str, now: datetime) -> Any:
    """The guest record of an unknown sender (made once per address)."""
    import hashlib

    from itsm.people.models import Person

    people = root["people"]
    login = "guest-" + hashlib.sha256(address.lower().encode("utf-8")).hexdigest()[:12]
    person = people.get(login)
    if person is None:
        person = people.add(login, Person(login))
        person.guest = True
        person.email = address.lower()
        person.name = " ".join(name.split())[:100] or address.lower()
        person.created = now
    return person


def _files(mail: ParsedMail, max_bytes: int) -> tuple[list[Attachment], list[str]]:
    attachments: list[Attachment] = []
    skipped: list[str] = []
    for part in mail.files:
        try:
            attachments.append(
                make_attachment(part.filename, io.BytesIO(part.data), max_bytes, part.content_type)
            )
        except AttachmentRefused:
            skipped.append(f"{part.filename} ({len(part.data)} bytes)")
    return attachments, skipped


def _original(raw: bytes, max_bytes: int, name: str) -> list[Attachment]:
    try:
        return [make_attachment(name, io.BytesIO(raw), max_bytes, "message/rfc822")]
    except AttachmentRefused:
        return []


def _default_text(registry: Any, term: Any) -> str:
    settings = registry.itsm_settings
    return localizer_for(registry, settings.default_locale).translate(term)


def _too_large_note(registry: Any, skipped: list[str]) -> str:
    if not skipped:
        return ""
    return "\n\n" + _default_text(
        registry,
        _(
            "Not attached, larger than the attachment limit: ${files}",
            mapping={"files": ", ".join(skipped)},
        ),
    )


def _urgency(mail: ParsedMail) -> str:
    priority = (mail.header("x-priority") or "").strip()[:1]
    importance = (mail.header("importance") or mail.header("priority") or "").strip().lower()
    if priority in ("1", "2") or importance in ("high", "urgent"):
        return "high"
    if priority in ("4", "5") or importance in ("low", "non-urgent"):
        return "low"
    return "medium"


def create_incident_from_mail(
    root: Any,
    registry: Any,
    mail: ParsedMail,
    raw: bytes,
    person: Any,
    now: datetime,
    *,
    follows: Any = None,
    actor: Any = None,
) -> Any:
    """A new incident of ``person`` from ``mail`` (``follows``: the closed incident it
    continues; ``actor``: who made it, when not the sender, e.g. IT staff releasing it)."""
    from itsm.incidents import actions
    from itsm.incidents.intake import create_incident

    max_bytes = registry.itsm_settings.attachment_max_bytes
    # A follow-up keeps the closed incident's title: the reply's subject is ours, re-quoted.
    title = follows.title if follows is not None else mail.subject
    title = " ".join(title.split())[:TITLE_MAX] or _default_text(registry, _("(no subject)"))
    text = trim_reply(mail.text) if follows is not None else mail.text
    attachments, skipped = _files(mail, max_bytes)
    if len(text) > DESCRIPTION_MAX:
        attachments += _original(text.encode("utf-8"), max_bytes, "message.txt")
        text = text[: DESCRIPTION_MAX - 200].rstrip() + "\n…"
    if follows is not None:
        attachments += _original(raw, max_bytes, f"{follows.number}-reply.eml")
        text = (
            _default_text(
                registry,
                _("Follow-up of ${number}, which is closed.", mapping={"number": follows.number}),
            )
            + "\n\n"
            + text
        )
    text = (text + _too_large_note(registry, skipped))[:DESCRIPTION_MAX]
    ctx = _ctx_of(root, registry, actor or person, now)
    incident = create_incident(
        ctx,
        requester=person.login,
        title=title,
        description=text,
        impact="low",
        urgency=_urgency(mail),
        channel="email",
        attachments=attachments,
        in_reply_to=mail.message_id,
    )
    if follows is not None:
        incident.follows_up = follows.number
        incident.history.record(now, ctx.actor, "linked", field="follows_up", after=follows.number)
        actions.add_entry(
            ActionContext.system(root, registry, now),
            follows,
            "note",
            _default_text(
                registry,
                _(
                    "${who} answered by mail after it was closed; that became ${number}.",
                    mapping={"who": person.display_name, "number": incident.number},
                ),
            ),
            _internal_call=True,
        )
    return incident


def add_reply(
    root: Any,
    registry: Any,
    ticket: Any,
    person: Any,
    mail: ParsedMail,
    raw: bytes,
    now: datetime,
    *,
    eml: bool = True,
) -> Any:
    """A public journal entry by ``person`` with the new part of ``mail`` and its files (and
    the whole original as an .eml file)."""
    from itsm.search.catalog import mark_changed

    max_bytes = registry.itsm_settings.attachment_max_bytes
    body = trim_reply(mail.text) if eml else mail.text
    attachments, skipped = _files(mail, max_bytes)
    if eml:
        attachments += _original(raw, max_bytes, "original-message.eml")
    body = (body + _too_large_note(registry, skipped))[:50000]
    ctx = _ctx_of(root, registry, person, now)
    if ticket.kind == "incident":
        from itsm.incidents import actions
        from itsm.tickets.workflow import NotAllowedNow

        try:
            entry = actions.add_entry(ctx, ticket, "reply", body, attachments=attachments)
        except NotAllowedNow:
            entry = actions.add_entry(
                ctx, ticket, "reply", body, attachments=attachments, _internal_call=True
            )
    else:
        entry = ticket.journal.add("reply", person.login, now, body, attachments=tuple(attachments))
        ticket.updated = now
        ticket.history.record(now, person.login, "journal", field="reply", after=entry.id)
        mark_changed(root, ticket)
    entry.message_id = mail.message_id or None
    return entry


def tell_what_is_missing(
    root: Any, registry: Any, request: Any, item: Any, person: Any, mail: ParsedMail, now: Any
) -> None:
    """Mail the requester of a draft made by alias which answers the item's form still needs."""
    from itsm.notify.render import mail_language
    from itsm.requests.forms import validate_answers

    _stored, errors = validate_answers(item, root["people"], {}, draft=False)
    language = mail_language(registry, person.language)
    titles = {
        f["name"]: (f.get(f"title_{language}") or f.get("title") or f["name"]) for f in item.fields
    }
    missing = [titles.get(name, name) for name in errors]
    queue_notification(
        root,
        registry,
        recipients=[person],
        template="itsm.mailin:templates/mail/request_draft.pt",
        ticket=request,
        now=now,
        in_reply_to=mail.message_id,
        missing=missing,
        item=item.name,
    )


def send_portal_pointer(
    root: Any, registry: Any, address: str, mail: ParsedMail, now: datetime
) -> None:
    """The one-a-day answer to an unknown sender: write through the portal. Sent from the
    outbox with ``Auto-Submitted``, never to a null sender (the caller ignored those)."""
    settings = registry.itsm_settings
    domain = mail_domain(settings)
    subject, text, html = render_mail(
        registry,
        "itsm.mailin:templates/mail/unknown_sender.pt",
        settings.default_locale,
        subject=mail.subject,
        portal_url=settings.public_url + "/",
    )
    headers = {}
    if mail.message_id:
        headers = {"In-Reply-To": mail.message_id, "References": mail.message_id}
    root.outbox.add(
        [address],
        subject,
        text,
        html=html,
        domain=domain,
        headers=headers,
        now=now,
        kind="mailin_unknown_sender",
    )


def mark_failing(root: Any, state: MailIn, bounce: loops.Bounce, now: datetime) -> None:
    """Note on the person whose address it is that our mail to ``bounce.recipient`` fails."""
    for person in root["people"].values():
        if (person.email or "").lower() == bounce.recipient:
            person.mail_failure = (bounce.recipient, now, bounce.status, bounce.diagnostic)
            log.warning(
                "mail-in: mail to %s (%s) bounced: %s %s",
                bounce.recipient,
                person.login,
                bounce.status,
                bounce.diagnostic,
            )


def note_bounce(root: Any, registry: Any, ticket: Any, bounce: loops.Bounce, now: datetime) -> None:
    """An internal note on the ticket our bounced mail was about, for IT staff."""
    from itsm.search.catalog import mark_changed

    text = _default_text(
        registry,
        _(
            "Our mail about this ticket to ${address} could not be delivered: ${reason}",
            mapping={
                "address": bounce.recipient,
                "reason": f"{bounce.status} {bounce.diagnostic}".strip() or "?",
            },
        ),
    )
    if ticket.kind == "incident":
        from itsm.incidents import actions

        actions.add_entry(
            ActionContext.system(root, registry, now), ticket, "note", text, _internal_call=True
        )
    else:
        entry = ticket.journal.add("note", None, now, text)
        ticket.history.record(now, None, "journal", field="note", after=entry.id)
        mark_changed(root, ticket)


# -- the quarantine's decisions -----------------------------------------------------------------
def _held(root: Any, held_id: str) -> HeldMail:
    state = mail_in(root)
    held = state.quarantine.get(held_id) if state is not None else None
    if held is None:
        raise ReleaseError(_("No such mail in the quarantine."))
    return held


def _sender_of(root: Any, registry: Any, mail: ParsedMail, now: datetime, actor: str) -> Any:
    state = mail_in(root)
    if mail.sender.address:
        person = find_person(root, registry, mail.sender.address, state)
        return person or guest_for(root, mail.sender.address, mail.sender.name, now)
    return root["people"].get(actor)


def _released(root: Any, held: HeldMail, outcome: Outcome, actor: str, now: datetime) -> Outcome:
    state = mail_in(root)
    assert state is not None
    state.quarantine.remove(held.id)
    state.remember(
        held.key, Processed(outcome.kind, outcome.number, "", now, f"released by {actor}")
    )
    state.note(
        now,
        {
            "kind": outcome.kind,
            "number": outcome.number,
            "reason": outcome.reason,
            "held": held.id,
            "detail": outcome.detail,
            "sender": held.sender,
            "subject": held.subject,
            "message_id": held.message_id,
            "source": f"quarantine:{actor}",
        },
    )
    log.info("mail-in: %s %s held mail %s (%s)", actor, outcome.kind, held.id, outcome.number)
    return replace(outcome, key=held.key, held=held.id)


def release_as_new(
    root: Any, held_id: str, *, registry: Any, actor: str, now: datetime | None = None
) -> Outcome:
    """See the module docstring."""
    now = now or datetime.now(UTC)
    held = _held(root, held_id)
    raw = held.raw()
    mail = parse_mail(raw)
    person = _sender_of(root, registry, mail, now, actor)
    if person is None:
        raise ReleaseError(_("The mail has no sender to report it for."))
    incident = create_incident_from_mail(
        root, registry, mail, raw, person, now, actor=root["people"].get(actor) or person
    )
    return _released(root, held, Outcome("ticket", number=incident.number), actor, now)


def release_as_reply(
    root: Any,
    held_id: str,
    number: str,
    *,
    registry: Any,
    actor: str,
    now: datetime | None = None,
) -> Outcome:
    """See the module docstring."""
    now = now or datetime.now(UTC)
    held = _held(root, held_id)
    ticket = find_ticket(root, (number or "").strip())
    if ticket is None:
        raise ReleaseError(_("No such ticket: ${number}", mapping={"number": number}))
    raw = held.raw()
    mail = parse_mail(raw)
    person = _sender_of(root, registry, mail, now, actor)
    if person is None:
        raise ReleaseError(_("The mail has no sender to report it for."))
    add_reply(root, registry, ticket, person, mail, raw, now)
    return _released(root, held, Outcome("reply", number=ticket.number), actor, now)


def delete_held(root: Any, held_id: str, *, actor: str, now: datetime | None = None) -> None:
    """See the module docstring."""
    now = now or datetime.now(UTC)
    held = _held(root, held_id)
    _released(root, held, Outcome("ignored", reason="deleted", detail=actor), actor, now)
