"""Conversations as JSON: the API's answers and the pages' ``state.json``."""

from __future__ import annotations

from typing import Any

from itsm.chat.models import ChatMessage, Conversation


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def message_json(message: ChatMessage) -> dict[str, Any]:
    return {
        "seq": message.seq,
        "author": message.author,
        "role": message.role,
        "text": message.text,
        "at": message.at.isoformat(),
        "links": [{"title": t, "url": u} for t, u in message.links],
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in message.attachments
        ],
    }


def conversation_json(
    conversation: Conversation, *, after: int = 0, messages: bool = True
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": conversation.key,
        "person": conversation.person,
        "channel": conversation.channel,
        "state": conversation.state,
        "awaiting": conversation.awaiting,
        "language": conversation.language,
        "group": conversation.group,
        "agent": conversation.agent,
        "outcome": conversation.outcome,
        "ticket": conversation.ticket,
        "created": _iso(conversation.created),
        "updated": _iso(conversation.updated),
        "handed_at": _iso(conversation.handed_at),
        "taken_at": _iso(conversation.taken_at),
        "closed_at": _iso(conversation.closed_at),
        "last_seq": conversation.last_seq,
    }
    if messages:
        data["messages"] = [message_json(m) for m in conversation.message_list(after)]
    return data
