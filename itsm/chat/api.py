"""``/api/v1/chats``: the chat channel for API clients, with the pages' permissions (an
employee sees their own chats, agents those of their groups; anyone else gets a 404)."""

from __future__ import annotations

from typing import Any

from itsm.api.errors import refusal
from itsm.api.openapi import json_body, query_strings, response
from itsm.api.scaffold import Endpoints, container, found_or_404, items_schema
from itsm.chat import actions
from itsm.chat.models import CHANNELS, OUTCOMES, ROLES, STATES, chat_index
from itsm.chat.serialize import conversation_json
from itsm.chat.views import act_on, queue_for, visible, write
from itsm.security.permissions import P
from itsm.security.roles import is_staff
from itsm.tickets.context import ActionContext

BASE = "/api/v1/chats"
TIME = {"type": ["string", "null"], "format": "date-time"}
MESSAGE_SCHEMA = {
    "type": "object",
    "properties": {
        "seq": {"type": "integer"},
        "author": {"type": ["string", "null"], "description": "A login; null for the bot"},
        "role": {"type": "string", "enum": list(ROLES)},
        "text": {"type": "string"},
        "at": {"type": "string", "format": "date-time"},
        "links": {"type": "array", "items": {"type": "object"}},
        "attachments": {"type": "array", "items": {"type": "object"}},
    },
}
CHAT_SCHEMA = {
    "type": "object",
    "properties": {
        "key": {"type": "string"},
        "person": {"type": "string"},
        "channel": {"type": "string", "enum": list(CHANNELS)},
        "state": {"type": "string", "enum": list(STATES)},
        "awaiting": {
            "type": "string",
            "enum": ["", "feedback", "offer", "ticket"],
            "description": "What the virtual agent waits for",
        },
        "language": {"type": "string"},
        "group": {"type": ["string", "null"]},
        "agent": {"type": ["string", "null"]},
        "outcome": {"type": ["string", "null"], "enum": [*OUTCOMES, None]},
        "ticket": {"type": ["string", "null"]},
        "created": TIME,
        "updated": TIME,
        "handed_at": TIME,
        "taken_at": TIME,
        "closed_at": TIME,
        "last_seq": {"type": "integer"},
        "messages": {"type": "array", "items": {"$ref": "#/components/schemas/ChatMessage"}},
    },
}
START_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "text": {"type": "string", "maxLength": actions.MAX_TEXT},
        "language": {"type": "string", "enum": ["en", "ru"]},
    },
}
SAY_SCHEMA = {
    "type": "object",
    "required": ["text"],
    "additionalProperties": False,
    "properties": {"text": {"type": "string", "minLength": 1, "maxLength": actions.MAX_TEXT}},
}
ACTION_SCHEMA = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "enum": list(actions.ACTIONS)},
        "agent": {"type": "string", "description": "transfer: to this agent (a login)"},
        "group": {"type": "string", "description": "transfer: to this group's queue"},
        "item": {"type": "string", "description": "to_request: the catalog item's slug"},
    },
}

api = Endpoints(__name__, ["chats"])
api.schema("ChatMessage", MESSAGE_SCHEMA)
CHAT_REF = api.schema("Chat", CHAT_SCHEMA)
api.route("api.chats", BASE, container())  # the root: everyone who logs in may chat
api.route(
    "api.chat",
    BASE + "/{key}",
    found_or_404(lambda root, key: root["chats"].get(key), key="key"),
    ("messages", "actions"),
)


def _after(request: Any) -> int:
    try:
        return max(0, int(request.GET.get("after", 0)))
    except ValueError:
        return 0


@api.view(
    "api.chats",
    "GET",
    P.VIEW,
    "Chats: the caller's own (scope=mine, the default for employees) or the live-chat queue "
    "of the caller's groups (scope=queue, the default for IT staff)",
    response("200", "Chats, without their messages", items_schema(CHAT_REF, "total")),
    parameters=query_strings("scope"),
)
def list_view(context: Any, request: Any) -> dict[str, Any]:
    scope = request.GET.get("scope") or ("queue" if is_staff(request) else "mine")
    if scope == "queue":
        found = queue_for(request)
    else:
        found = chat_index(request.itsm_root).of_person(request.identity.login)
    items = [conversation_json(c, messages=False) for c in found]
    return {"items": items, "total": len(items)}


@api.view(
    "api.chats",
    "POST",
    P.VIEW,
    "Start a chat with the virtual agent (the first message in ``text`` is answered at once)",
    response("201", "The new chat", CHAT_REF),
    body=START_SCHEMA,
    body_required=False,
)
def start_view(context: Any, request: Any) -> dict[str, Any]:
    body = dict(json_body(request) or {})
    ctx = ActionContext.from_request(request)
    language = body.get("language") or request.locale_name
    conversation = actions.start(ctx, ctx.actor, "portal", language)
    if body.get("text", "").strip():
        actions.employee_says(ctx, conversation, body["text"])
    request.response.status = 201
    request.response.location = f"{request.application_url}{BASE}/{conversation.key}"
    return conversation_json(conversation)


@api.view(
    "api.chat",
    "GET",
    P.VIEW,
    "One chat with its messages (those after ``after``, a message number, when given)",
    response("200", "The chat", CHAT_REF),
    parameters=query_strings("after"),
)
def get_view(context: Any, request: Any) -> dict[str, Any]:
    visible(request, context)
    return conversation_json(context, after=_after(request))


@api.view(
    "api.chat.messages",
    "POST",
    # P.VIEW before the body is validated: someone else's chat answers 404 like a missing one
    # (the forbidden view), not 400 for a bad body (S3).
    P.VIEW,
    "Write in the chat: the employee (the virtual agent answers while it has the chat) or an "
    "agent of its group (which takes the chat if nobody has)",
    response("201", "The chat after the message", CHAT_REF),
    body=SAY_SCHEMA,
)
def say_view(context: Any, request: Any) -> dict[str, Any]:
    visible(request, context)
    after = context.last_seq
    try:
        write(request, context, json_body(request)["text"])
    except actions.ChatError as error:
        request.tm.doom()
        raise refusal(error) from None
    request.response.status = 201
    return conversation_json(context, after=after)


@api.view(
    "api.chat.actions",
    "POST",
    P.VIEW,
    "Act on the chat. Agents: take, transfer (agent or group), to_incident, to_request (item), "
    "close. The employee: solved (a deflection), not_solved, person (hand off), to_incident, "
    "close",
    response("200", "The chat after the action", CHAT_REF),
    body=ACTION_SCHEMA,
)
def action_view(context: Any, request: Any) -> dict[str, Any]:
    visible(request, context)
    body = dict(json_body(request))
    name = body.pop("name")
    try:
        act_on(request, context, name, body)
    except actions.ChatError as error:
        request.tm.doom()
        raise refusal(error) from None
    return conversation_json(context)


def includeme(config: Any) -> None:
    api.include(config)
