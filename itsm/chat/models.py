"""Conversations of the chat channel (``/chats/<key>``) and their index (``/chats``).

A conversation is one person's chat with the desk, on the portal or in Telegram: first with the
virtual agent (state ``bot``), then, after a handoff, in the live-chat queue of a support group
(``waiting``) until an agent takes it (``live``), and finally ``closed`` with an outcome.
Messages are small plain records in an IOBTree of the conversation (a chat grows by one record a
message; nothing rewrites the whole history).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from BTrees.IOBTree import IOBTree
from BTrees.OOBTree import OOBTree, OOTreeSet
from persistent import Persistent
from pyramid.authorization import ALL_PERMISSIONS, Allow, Deny, Everyone

from itsm.folder import Folder
from itsm.security.permissions import STAFF_ONLY_ACL, P

CHANNELS = ("portal", "telegram")
STATES = ("bot", "waiting", "live", "closed")
OPEN_STATES = ("waiting", "live")  # in the live-chat queue
OUTCOMES = ("solved", "incident", "request", "abandoned")
ROLES = ("bot", "employee", "agent")


@dataclass(frozen=True)
class ChatMessage:
    """One message: who wrote it (a login, None for the virtual agent), in which role, when.

    ``links`` are ``(title, url)`` pairs the virtual agent offers (articles, catalog items);
    ``attachments`` are :class:`itsm.tickets.journal.Attachment` objects (blobs)."""

    seq: int
    author: str | None
    role: str
    text: str
    at: datetime
    links: tuple[tuple[str, str], ...] = ()
    attachments: tuple[Any, ...] = ()


class Conversation(Persistent):
    """One chat: the person, the channel, the messages, where it stands and how it ended."""

    __parent__: Any = None
    __name__: str | None = None

    key = ""
    person = ""
    channel = "portal"
    state = "bot"
    #: What the virtual agent waits for: "" (a question), "feedback" (did this solve it?),
    #: "offer" (a person or an incident), "ticket" (out of hours: make a ticket?).
    awaiting = ""
    language = "en"
    group: str | None = None
    agent: str | None = None
    outcome: str | None = None
    ticket: str | None = None
    created: datetime | None = None
    updated: datetime | None = None
    handed_at: datetime | None = None  # when it went to the live-chat queue
    taken_at: datetime | None = None
    closed_at: datetime | None = None
    telegram_chat: int | None = None  # the Telegram chat the answers go to
    articles: tuple[str, ...] = ()  # articles the virtual agent offered last

    def __init__(self, key: str, person: str, channel: str, now: datetime) -> None:
        if channel not in CHANNELS:
            raise ValueError(f"unknown chat channel {channel!r}")
        self.key = key
        self.person = person
        self.channel = channel
        self.created = self.updated = now
        self.messages = IOBTree()

    @property
    def __acl__(self) -> list[tuple[str, str, Any]]:
        acl: list[tuple[str, str, Any]] = [
            (Allow, "role:admin", ALL_PERMISSIONS),
            (Allow, f"user:{self.person}", (P.VIEW, P.COMMENT)),
        ]
        if self.group:
            acl.append((Allow, f"group:{self.group}", (P.VIEW, P.WORK)))
        if self.agent:
            acl.append((Allow, f"user:{self.agent}", (P.VIEW, P.WORK)))
        acl.append((Deny, Everyone, ALL_PERMISSIONS))
        return acl

    @property
    def is_open(self) -> bool:
        return self.state != "closed"

    def add_message(
        self,
        author: str | None,
        role: str,
        text: str,
        now: datetime,
        *,
        links: tuple[tuple[str, str], ...] = (),
        attachments: tuple[Any, ...] = (),
    ) -> ChatMessage:
        if role not in ROLES:
            raise ValueError(f"unknown chat role {role!r}")
        seq = (self.messages.maxKey() + 1) if len(self.messages) else 1
        message = ChatMessage(seq, author, role, text, now, tuple(links), tuple(attachments))
        self.messages[seq] = message
        self.updated = now
        return message

    def message_list(self, after: int = 0) -> Iterator[ChatMessage]:
        return iter(self.messages.values(min=after + 1) if after else self.messages.values())

    @property
    def last_seq(self) -> int:
        return self.messages.maxKey() if len(self.messages) else 0

    def first_question(self) -> str:
        for message in self.messages.values():
            if message.role == "employee" and message.text.strip():
                return message.text.strip()
        return ""


class ChatIndex(Folder):
    """``/chats``: every conversation by key, plus what the pages look them up by.

    ``by_person``: login → keys of their conversations; ``by_day``: the UTC day a chat started
    (ISO date) → keys, for the report; ``queue``: keys waiting or live;
    ``telegram_links``: Telegram user id (str) → login; ``link_codes``: one-time code →
    (login, expires). Keys are random, so concurrent chats write different buckets."""

    __acl__ = STAFF_ONLY_ACL

    def __init__(self) -> None:
        super().__init__()
        self.by_person = OOBTree()
        self.by_day = OOBTree()
        self.queue = OOTreeSet()
        self.telegram_links = OOBTree()
        self.link_codes = OOBTree()

    def new_key(self) -> str:
        key = secrets.token_hex(6)
        while key in self.data:
            key = secrets.token_hex(6)
        return key

    def start(self, person: str, channel: str, now: datetime, language: str = "en") -> Conversation:
        conversation = Conversation(self.new_key(), person, channel, now)
        conversation.language = language
        self.add(conversation.key, conversation)
        keys = self.by_person.get(person)
        if keys is None:
            keys = self.by_person[person] = OOTreeSet()
        keys.add(conversation.key)
        day = now.astimezone(UTC).date().isoformat()
        started = self.by_day.get(day)
        if started is None:
            started = self.by_day[day] = OOTreeSet()
        started.add(conversation.key)
        return conversation

    def started_between(self, first: date, last: date) -> list[Conversation]:
        """Conversations started on the UTC days ``first`` to ``last`` (inclusive)."""
        found = []
        for keys in self.by_day.values(first.isoformat(), last.isoformat()):
            found += [self.data[k] for k in keys if k in self.data]
        return found

    def of_person(self, login: str) -> list[Conversation]:
        """The person's conversations, newest first."""
        found = [self.data[k] for k in self.by_person.get(login, ()) if k in self.data]
        return sorted(found, key=lambda c: c.created, reverse=True)

    def current(self, login: str, channel: str) -> Conversation | None:
        """The person's open conversation on ``channel``, if any."""
        for conversation in self.of_person(login):
            if conversation.channel == channel and conversation.is_open:
                return conversation
        return None

    def set_state(self, conversation: Conversation, state: str) -> None:
        if state not in STATES:
            raise ValueError(f"unknown chat state {state!r}")
        conversation.state = state
        if state in OPEN_STATES:
            self.queue.add(conversation.key)
        elif conversation.key in self.queue:
            self.queue.remove(conversation.key)

    def queued(self) -> list[Conversation]:
        """Waiting and live conversations, oldest handoff first."""
        found = [self.data[k] for k in self.queue if k in self.data]
        return sorted(found, key=lambda c: c.handed_at or c.created)

    def queue_for(self, identity: Any) -> list[Conversation]:
        """The queued conversations of the groups ``identity`` works in (all for
        administrators); the caller checks that the reader is IT staff."""
        if identity is None:
            return []
        queued = self.queued()
        if identity.has_role("admin"):
            return queued
        groups = set(identity.person.groups)
        return [c for c in queued if c.group in groups or c.agent == identity.login]


def chat_index(root: Any) -> ChatIndex:
    return root["chats"]


def queue_message(root: Any, chat_id: int, text: str, now: datetime | None = None) -> None:
    """Queue a Telegram ``sendMessage`` (call inside the transaction that caused it; the
    worker delivers it, itsm.chat.telegram)."""
    root.telegram_outbox.add(int(chat_id), text[:4096], now or datetime.now(UTC))
