"""What happens in a conversation: the employee writes, the virtual agent answers, the chat is
handed to the live-chat queue, an agent takes, transfers, converts or closes it.

Every function runs inside the transaction of the request or job that called it. Answers for a
Telegram conversation go to the Telegram outbox (:mod:`itsm.chat.telegram`) in the same
transaction, so a rolled-back change sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsm.chat import agent as bot
from itsm.chat.models import ChatMessage, Conversation, chat_index, queue_message
from itsm.i18n import _, localizer_for
from itsm.search.catalog import mark_changed
from itsm.sla.clock import business_seconds
from itsm.sla.models import get_sla_settings
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import TransitionError

#: Actions of ``POST /api/v1/chats/{key}/actions`` and of the pages' buttons.
AGENT_ACTIONS = ("take", "transfer", "to_incident", "to_request", "close")
EMPLOYEE_ACTIONS = ("solved", "not_solved", "person", "to_incident", "close")
ACTIONS = tuple(dict.fromkeys(AGENT_ACTIONS + EMPLOYEE_ACTIONS))
MAX_TEXT = 4000


@dataclass(frozen=True)
class ChatSettings:
    """``itsm.chat.group``: the group whose live-chat queue takes handoffs;
    ``itsm.chat.calendar``: the SLA calendar of its hours ("" = the incident policy's)."""

    group: str = "Service Desk"
    calendar: str = ""


class ChatError(TransitionError):
    """A refused chat action (409 unless said otherwise)."""

    def __init__(self, message: Any, status: int = 409, code: str = "conflict") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def chat_settings(registry: Any) -> ChatSettings:
    return getattr(registry, "itsm_chat", None) or ChatSettings()


def _translate(ctx: ActionContext, conversation: Conversation, term: Any) -> str:
    return localizer_for(ctx.registry, conversation.language).translate(term)


def app_url(ctx: ActionContext) -> str:
    if ctx.request is not None:
        return ctx.request.application_url
    return ctx.settings.public_url


# -- business hours -----------------------------------------------------------------------------


def desk_calendar(root: Any, registry: Any) -> Any:
    """The calendar of the live-chat queue's hours, None when the desk has no SLA settings."""
    settings = get_sla_settings(root)
    if settings is None:
        return None
    name = chat_settings(registry).calendar
    if not name:
        policy = settings.policy("incident")
        name = policy.calendar if policy is not None else "Standard"
    try:
        return settings.calendar(name)
    except KeyError:
        return None


def desk_is_open(root: Any, registry: Any, now: datetime) -> bool:
    """Whether ``now`` is within the desk's working hours (any time without a calendar)."""
    calendar = desk_calendar(root, registry)
    if calendar is None or calendar.is_always:
        return True
    if not calendar.has_working_hours:
        return False
    return business_seconds(calendar, now, now + timedelta(minutes=1)) > 0


# -- messages -----------------------------------------------------------------------------------


def say(
    ctx: ActionContext,
    conversation: Conversation,
    role: str,
    text: str,
    *,
    author: str | None = None,
    links: Iterable[tuple[str, str]] = (),
    attachments: tuple[Any, ...] = (),
) -> ChatMessage:
    """Add a message; one not from the employee reaches them in Telegram on that channel."""
    message = conversation.add_message(
        author, role, text[:MAX_TEXT], ctx.now, links=tuple(links), attachments=attachments
    )
    if conversation.channel == "telegram" and role != "employee" and conversation.telegram_chat:
        queue_message(ctx.root, conversation.telegram_chat, telegram_text(message))
    return message


def telegram_text(message: ChatMessage) -> str:
    lines = [message.text]
    lines += [f"{title}: {url}" for title, url in message.links]
    return "\n".join(lines)


def _bot(ctx: ActionContext, conversation: Conversation, term: Any, **kw: Any) -> ChatMessage:
    return say(ctx, conversation, "bot", _translate(ctx, conversation, term), **kw)


def start(
    ctx: ActionContext, person: str, channel: str, language: str, telegram_chat: int | None = None
) -> Conversation:
    """A new conversation with the virtual agent's greeting."""
    conversation = chat_index(ctx.root).start(person, channel, ctx.now, language)
    conversation.telegram_chat = telegram_chat
    _bot(
        ctx,
        conversation,
        _(
            "Hello! I am the desk's virtual agent. Ask me a question, give me a ticket number, "
            'or write "talk to a person".'
        ),
    )
    return conversation


def employee_says(
    ctx: ActionContext, conversation: Conversation, text: str, attachments: tuple[Any, ...] = ()
) -> ChatMessage:
    """The employee's message; while the virtual agent has the chat, its answer follows."""
    if not conversation.is_open:
        raise ChatError(_("This chat is closed."))
    text = text.strip()
    if not text and not attachments:
        raise ChatError(_("Write a message."), status=400, code="invalid")
    message = say(
        ctx, conversation, "employee", text, author=conversation.person, attachments=attachments
    )
    if conversation.state == "bot" and text:
        _bot_turn(ctx, conversation, text)
    return message


PERSON_WORDS = ("person", "/person", "человек", "оператор")
INCIDENT_WORDS = ("incident", "/incident", "инцидент")


def _bot_turn(ctx: ActionContext, conversation: Conversation, text: str) -> None:
    """The virtual agent's turn: an answer to what it asked (did this solve it, a person or
    an incident, a ticket out of hours), else an answer to a new question."""
    awaiting = conversation.awaiting
    word = text.strip().casefold().rstrip(".!")
    if awaiting == "feedback" and bot.YES.search(text):
        return solved(ctx, conversation)
    if awaiting == "feedback" and bot.NO.search(text):
        return not_solved(ctx, conversation)
    if awaiting == "ticket" and bot.YES.search(text):
        to_incident(ctx, conversation)
        return None
    if awaiting in ("offer", "feedback") and word in PERSON_WORDS:
        return handoff(ctx, conversation)
    if awaiting in ("offer", "feedback", "ticket") and word in INCIDENT_WORDS:
        to_incident(ctx, conversation)
        return None
    reply = bot.answer(
        ctx.root,
        lambda term: _translate(ctx, conversation, term),
        text,
        person=conversation.person,
        language=conversation.language,
        app_url=app_url(ctx),
        cache=getattr(ctx.registry, "itsm_chat_words", None),
    )
    say(ctx, conversation, "bot", reply.text, links=reply.links)
    conversation.awaiting = reply.awaiting
    if reply.articles:
        conversation.articles = reply.articles
    if reply.handoff:
        handoff(ctx, conversation)


def solved(ctx: ActionContext, conversation: Conversation) -> None:
    """The employee's "yes, this solved it": the chat ends as a deflection (no ticket)."""
    from itsm.kb.feedback import deflect

    _check_open(conversation)
    for number in conversation.articles:
        article = ctx.root["kb"].get(number)
        if article is not None:
            deflect(article)
    _bot(ctx, conversation, _("Glad it helped. The chat is closed; ask again any time."))
    _close(ctx, conversation, "solved")


def not_solved(ctx: ActionContext, conversation: Conversation) -> None:
    _check_open(conversation)
    conversation.awaiting = "offer"
    _bot(
        ctx,
        conversation,
        _(
            "Sorry. Would you like to talk to a person, or report it as an incident? Write "
            '"person" or "incident".'
        ),
    )


def handoff(ctx: ActionContext, conversation: Conversation) -> None:
    """To the live-chat queue of the desk's group, or, out of hours, the offer of a ticket."""
    _check_open(conversation)
    if conversation.state != "bot":
        return
    if not desk_is_open(ctx.root, ctx.registry, ctx.now):
        conversation.awaiting = "ticket"
        _bot(
            ctx,
            conversation,
            _(
                "The service desk is closed now, so nobody can chat with you. Shall I report "
                'it as an incident? We will answer when the desk opens. Write "yes" or press '
                "the button."
            ),
        )
        return
    index = chat_index(ctx.root)
    conversation.group = chat_settings(ctx.registry).group
    conversation.handed_at = ctx.now
    conversation.awaiting = ""
    index.set_state(conversation, "waiting")
    _bot(ctx, conversation, _("Please wait: the next free agent of the service desk will answer."))


def _check_open(conversation: Conversation) -> None:
    if not conversation.is_open:
        raise ChatError(_("This chat is closed."))


def _check_staff(ctx: ActionContext) -> None:
    if not ({"agent", "admin"} & set(ctx.roles)):
        raise ChatError(_("Only IT staff may do this."), status=403, code="forbidden")


def take(ctx: ActionContext, conversation: Conversation) -> None:
    _check_staff(ctx)
    _check_open(conversation)
    if conversation.state == "live" and conversation.agent == ctx.actor:
        return
    if conversation.state == "bot":
        conversation.group = conversation.group or chat_settings(ctx.registry).group
        conversation.handed_at = conversation.handed_at or ctx.now
    conversation.agent = ctx.actor
    conversation.taken_at = conversation.taken_at or ctx.now
    conversation.awaiting = ""
    chat_index(ctx.root).set_state(conversation, "live")
    _bot(ctx, conversation, _("${name} joined the chat.", mapping={"name": _name(ctx, ctx.actor)}))


def agent_says(ctx: ActionContext, conversation: Conversation, text: str) -> ChatMessage:
    _check_staff(ctx)
    _check_open(conversation)
    text = text.strip()
    if not text:
        raise ChatError(_("Write a message."), status=400, code="invalid")
    if conversation.state != "live" or conversation.agent != ctx.actor:
        take(ctx, conversation)
    return say(ctx, conversation, "agent", text, author=ctx.actor)


def transfer(
    ctx: ActionContext, conversation: Conversation, *, agent: str = "", group: str = ""
) -> None:
    """To another agent (live with them) or to another group's queue (waiting)."""
    _check_staff(ctx)
    _check_open(conversation)
    root = ctx.root
    index = chat_index(root)
    if agent:
        person = root["people"].get(agent)
        if person is None or not person.has_role("agent"):
            raise ChatError(_("No agent is called ${login}.", mapping={"login": agent}), 400)
        conversation.agent = agent
        if group:
            conversation.group = group
        index.set_state(conversation, "live")
        _bot(
            ctx,
            conversation,
            _("${name} takes over the chat.", mapping={"name": _name(ctx, agent)}),
        )
    elif group:
        if group not in root["settings"]["groups"]:
            raise ChatError(_("No group is called ${group}.", mapping={"group": group}), 400)
        conversation.group = group
        conversation.agent = None
        index.set_state(conversation, "waiting")
        _bot(ctx, conversation, _("The chat is passed on; an agent will answer soon."))
    else:
        raise ChatError(_("Name an agent or a group."), status=400, code="invalid")


def transcript(ctx: ActionContext, conversation: Conversation) -> str:
    """The conversation as text, one line a message, for the ticket's journal."""
    lines = []
    for message in conversation.message_list():
        who = (
            _name(ctx, message.author)
            if message.author
            else _translate(ctx, conversation, _("Virtual agent"))
        )
        stamp = message.at.strftime("%Y-%m-%d %H:%M")
        files = "".join(f" [{a.filename}]" for a in message.attachments)
        lines.append(f"[{stamp}] {who}: {message.text}{files}")
    return "\n".join(lines)


def _title(conversation: Conversation) -> str:
    question = " ".join(conversation.first_question().split())
    return (question[:120] or "Chat") if question else "Chat"


def to_incident(ctx: ActionContext, conversation: Conversation) -> Any:
    """An incident made from the chat: the first question is its title, the transcript its
    description and first journal entry; the chat ends with outcome "incident"."""
    from itsm.incidents.intake import create_incident

    _check_open(conversation)
    if ctx.actor != conversation.person:
        _check_staff(ctx)
    text = transcript(ctx, conversation)
    attachments = tuple(a for m in conversation.message_list() for a in m.attachments)
    incident = create_incident(
        ctx,
        requester=conversation.person,
        title=_title(conversation),
        description=text[:20000],
        channel="chat",
        attachments=attachments,
    )
    said = _("Incident ${number} is reported.", mapping={"number": incident.number})
    return _converted(ctx, conversation, incident, text, said, "incident")


def to_request(ctx: ActionContext, conversation: Conversation, item: str) -> Any:
    """A service request for catalog item ``item`` made from the chat (a draft for the
    employee to complete when the item's form needs answers the chat did not give)."""
    from itsm.requests.intake import OrderError, create_request

    _check_staff(ctx)
    _check_open(conversation)
    catalog_item = ctx.root["catalog"].get(item) if item else None
    if catalog_item is None or not getattr(catalog_item, "active", False):
        raise ChatError(_("No catalog item is called ${item}.", mapping={"item": item}), 400)
    person = conversation.person
    try:
        try:
            request = create_request(ctx, catalog_item, {}, requester=person, channel="chat")
        except OrderError as error:
            if error.status == 403:
                raise
            request = create_request(
                ctx, catalog_item, {}, requester=person, channel="chat", draft=True
            )
    except OrderError as error:
        raise ChatError(error.message, status=error.status, code="invalid") from None
    said = _("Request ${number} is made.", mapping={"number": request.number})
    return _converted(ctx, conversation, request, transcript(ctx, conversation), said, "request")


def _converted(
    ctx: ActionContext, conversation: Conversation, ticket: Any, text: str, said: Any, outcome: str
) -> Any:
    """The transcript as the ticket's first journal entry, the ticket's link in the chat, and
    the chat closed with ``outcome``."""
    heading = _translate(ctx, conversation, _("Chat transcript"))
    ticket.journal.add("system", ctx.actor, ctx.now, f"{heading}\n\n{text}")
    ticket.chat = conversation.key
    mark_changed(ctx.root, ticket)
    url = f"{app_url(ctx)}/{ticket.__parent__.__name__}/{ticket.number}"
    _bot(ctx, conversation, said, links=[(ticket.number, url)])
    conversation.ticket = ticket.number
    _close(ctx, conversation, outcome)
    return ticket


def close(ctx: ActionContext, conversation: Conversation) -> None:
    _check_open(conversation)
    if ctx.actor != conversation.person:
        _check_staff(ctx)
    _bot(ctx, conversation, _("The chat is closed."))
    _close(ctx, conversation, "abandoned")


def _close(ctx: ActionContext, conversation: Conversation, outcome: str) -> None:
    conversation.outcome = outcome
    conversation.closed_at = ctx.now
    conversation.awaiting = ""
    chat_index(ctx.root).set_state(conversation, "closed")


def _name(ctx: ActionContext, login: str | None) -> str:
    person = ctx.root["people"].get(login) if login else None
    return person.display_name if person is not None else (login or "")


def act(ctx: ActionContext, conversation: Conversation, name: str, body: dict[str, Any]) -> Any:
    """One named action (the API's and the pages' buttons)."""
    employee = ctx.actor == conversation.person
    if name == "take":
        return take(ctx, conversation)
    if name == "transfer":
        return transfer(
            ctx, conversation, agent=body.get("agent") or "", group=body.get("group") or ""
        )
    if name == "to_incident":
        return to_incident(ctx, conversation)
    if name == "to_request":
        return to_request(ctx, conversation, body.get("item") or "")
    if name == "close":
        return close(ctx, conversation)
    if name in ("solved", "not_solved", "person") and not employee:
        raise ChatError(_("Only the employee may do this."), status=403, code="forbidden")
    if name == "solved":
        return solved(ctx, conversation)
    if name == "not_solved":
        return not_solved(ctx, conversation)
    if name == "person":
        _check_open(conversation)
        say(
            ctx,
            conversation,
            "employee",
            _translate(ctx, conversation, _("Talk to a person")),
            author=conversation.person,
        )
        return handoff(ctx, conversation)
    raise ChatError(
        _("Unknown action ${name}.", mapping={"name": name}), status=400, code="invalid"
    )
