"""Chat pages: ``/chat`` (the employee's chat), ``/chats/`` (the live-chat queue) and
``/chats/<key>`` (one conversation: the agent's workplace, or the employee's transcript).

Without JavaScript every button is a form that posts and reloads; with it, ``itsm-chat.js``
posts the same forms with ``fetch`` and polls ``/chats/<key>/state.json`` every 2 seconds
(README, "Chat": why polling rather than Server-Sent Events on waitress).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from itsm.chat import actions
from itsm.chat.models import ChatIndex, Conversation, chat_index
from itsm.chat.serialize import conversation_json
from itsm.i18n import _
from itsm.root import ServiceDesk
from itsm.security.permissions import P
from itsm.security.roles import is_staff
from itsm.tickets.context import ActionContext
from itsm.tickets.journal import AttachmentTooLarge, make_attachment
from itsm.ui.forms import display_time

PORTAL_PT = "itsm:chat/templates/portal.pt"
CONVERSATION_PT = "itsm:chat/templates/conversation.pt"
QUEUE_PT = "itsm:chat/templates/queue.pt"


def wants_json(request: Any) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def visible(request: Any, conversation: Conversation) -> None:
    """404 for anyone who may not see the conversation (its existence is not told)."""
    if request.identity is None:
        raise HTTPForbidden()  # the login page
    if not request.has_permission(P.VIEW, conversation):
        raise HTTPNotFound()


def write(request: Any, conversation: Conversation, text: str, files: tuple[Any, ...] = ()) -> None:
    """A message from the reader: an agent of the chat's group (who takes it) or the employee;
    anyone else gets a 404."""
    ctx = ActionContext.from_request(request)
    if request.has_permission(P.WORK, conversation):
        actions.agent_says(ctx, conversation, text)
    elif ctx.actor == conversation.person:
        actions.employee_says(ctx, conversation, text, files)
    else:
        raise HTTPNotFound()


def act_on(request: Any, conversation: Conversation, name: str, body: dict[str, Any]) -> None:
    """A named action by the reader; the agents' own actions are a 404 for the employee."""
    staff_only = name in actions.AGENT_ACTIONS and name not in ("to_incident", "close")
    if staff_only and not request.has_permission(P.WORK, conversation):
        raise HTTPNotFound()
    actions.act(ActionContext.from_request(request), conversation, name, body)


def queue_for(request: Any) -> list[Conversation]:
    """Waiting and live chats of the groups the reader works in (all for administrators)."""
    identity = request.identity
    if identity is None or not is_staff(request):
        return []
    index = request.itsm_root.get("chats")
    return index.queue_for(identity) if index is not None else []


def _uploads(request: Any) -> tuple[Any, ...]:
    upload = request.POST.get("file")
    if upload is None or not getattr(upload, "filename", ""):
        return ()
    limit = request.registry.itsm_settings.attachment_max_bytes
    try:
        return (make_attachment(upload.filename, upload.file, limit, upload.type or ""),)
    except AttachmentTooLarge:
        raise actions.ChatError(_("The file is too large."), status=413, code="too_large") from None


def _done(request: Any, conversation: Conversation | None, location: str) -> Any:
    if wants_json(request):
        request.response.content_type = "application/json"
        after = _after(request)
        return conversation_json(conversation, after=after) if conversation else {}
    return HTTPSeeOther(location=location)


def _after(request: Any) -> int:
    try:
        return max(0, int(request.params.get("after", 0)))
    except ValueError:
        return 0


def _refused(request: Any, error: actions.ChatError, location: str) -> Any:
    request.tm.doom()
    if wants_json(request):
        from itsm.api.errors import api_error_response

        return api_error_response(request, error.status, error.code, error.message)
    request.session.flash(error.message, "danger")
    return HTTPSeeOther(location=location)


# -- the employee's chat -------------------------------------------------------------------------


@view_config(
    context=ServiceDesk, name="chat", request_method="GET", renderer=PORTAL_PT, permission=P.VIEW
)
def portal(context: ServiceDesk, request: Any) -> dict[str, Any]:
    login = request.identity.login
    index = chat_index(context)
    conversation = index.current(login, "portal")
    return {
        "conversation": conversation,
        "messages": list(conversation.message_list()) if conversation else [],
        "past": [c for c in index.of_person(login) if not c.is_open][:5],
        "display_time": display_time,
        "desk_open": actions.desk_is_open(context, request.registry, datetime.now(UTC)),
    }


@view_config(
    context=ServiceDesk, name="chat", request_method="POST", renderer="json", permission=P.VIEW
)
def portal_post(context: ServiceDesk, request: Any) -> Any:
    """A message (``text``, optional ``file``) or a button (``action``) in the employee's
    current portal chat; a first message starts one."""
    ctx = ActionContext.from_request(request)
    login = request.identity.login
    index = chat_index(context)
    page = request.application_url + "/chat"
    conversation = index.current(login, "portal")
    action = request.POST.get("action", "message")
    try:
        if action == "new" and conversation is not None:
            actions.close(ctx, conversation)
            conversation = None
        if conversation is None:
            conversation = actions.start(ctx, login, "portal", request.locale_name)
        if action in ("message", "new"):
            text = request.POST.get("text", "")
            files = _uploads(request)
            if text.strip() or files:
                actions.employee_says(ctx, conversation, text, files)
        else:
            actions.act(ctx, conversation, action, {})
    except actions.ChatError as error:
        return _refused(request, error, page)
    return _done(request, conversation, page)


# -- one conversation ---------------------------------------------------------------------------


@view_config(
    context=Conversation,
    request_method="GET",
    renderer=CONVERSATION_PT,
    permission=P.VIEW,
)
def conversation_page(context: Conversation, request: Any) -> dict[str, Any]:
    """The agent's workplace (with the employee's open tickets and assets), or the employee's
    transcript of their own chat."""
    from itsm.cmdb.queries import assets_of
    from itsm.search.catalog import search

    visible(request, context)
    root = request.itsm_root
    working = bool(request.has_permission(P.WORK, context))
    tickets: list[Any] = []
    assets: list[Any] = []
    if working:
        _total, tickets = search(
            root, kind=["incident", "request"], open=True, requester=context.person, per_page=10
        )
        _count, assets = assets_of(root, context.person)
    groups = sorted(root["settings"]["groups"].keys()) if working else []
    agents = (
        sorted(p.login for p in root["people"].values() if p.has_role("agent")) if working else []
    )
    return {
        "conversation": context,
        "person": root["people"].get(context.person),
        "messages": list(context.message_list()),
        "working": working,
        "tickets": tickets,
        "assets": assets,
        "groups": groups,
        "agents": agents,
        "catalog": _catalog(root) if working else [],
        "display_time": display_time,
    }


def _catalog(root: Any) -> list[Any]:
    from itsm.requests.catalog import items

    return items(root)


@view_config(
    context=Conversation,
    name="state.json",
    request_method="GET",
    renderer="json",
    permission=P.VIEW,
)
def state(context: Conversation, request: Any) -> dict[str, Any]:
    """What changed since message ``after``: the page's poll (reading never writes)."""
    visible(request, context)
    return conversation_json(context, after=_after(request))


@view_config(
    context=Conversation,
    name="reply",
    request_method="POST",
    renderer="json",
    permission=P.VIEW,
)
def reply(context: Conversation, request: Any) -> Any:
    visible(request, context)
    location = request.resource_url(context)
    try:
        write(request, context, request.POST.get("text", ""), _uploads(request))
    except actions.ChatError as error:
        return _refused(request, error, location)
    return _done(request, context, location)


@view_config(
    context=Conversation,
    name="act",
    request_method="POST",
    renderer="json",
    permission=P.VIEW,
)
def act(context: Conversation, request: Any) -> Any:
    """take, transfer (``agent`` or ``group``), to_incident, to_request (``item``), close."""
    visible(request, context)
    location = request.resource_url(context)
    name = request.POST.get("action", "")
    body = {k: request.POST.get(k, "") for k in ("agent", "group", "item")}
    try:
        act_on(request, context, name, body)
    except actions.ChatError as error:
        return _refused(request, error, location)
    if context.ticket and name in ("to_incident", "to_request") and not wants_json(request):
        request.session.flash(
            _("${number} is made from the chat.", mapping={"number": context.ticket}), "success"
        )
    return _done(request, context, location)


@view_config(
    context=Conversation,
    name="file",
    request_method="GET",
    permission=P.VIEW,
)
def download(context: Conversation, request: Any) -> Any:
    """``/chats/<key>/file?m=SEQ&n=INDEX``: a file sent in the chat, for those who see it."""
    from itsm.ui.downloads import file_response

    visible(request, context)
    try:
        message = context.messages[int(request.GET.get("m", ""))]
        found = message.attachments[int(request.GET.get("n", ""))]
    except (KeyError, ValueError, IndexError):
        raise HTTPNotFound() from None
    return file_response(found)


# -- the live-chat queue ------------------------------------------------------------------------


@view_config(context=ChatIndex, request_method="GET", renderer=QUEUE_PT, permission=P.WORK)
def queue(context: ChatIndex, request: Any) -> dict[str, Any]:
    people = request.itsm_root["people"]
    chats = queue_for(request)
    return {
        "waiting": [c for c in chats if c.state == "waiting"],
        "live": [c for c in chats if c.state == "live"],
        "people": people,
        "display_time": display_time,
    }
