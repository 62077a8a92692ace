"""``/api/v1/mail/quarantine``: the held mails for IT staff, as on the quarantine page.

``GET`` lists (paged) and reads one (with its text only); ``POST …/{id}/release`` with
``{"as": "new"}`` or ``{"as": "reply", "number": "INC-000123"}``; ``DELETE …/{id}``.
Agents and administrators only (the ``/mail`` ACL); employees get 403.
"""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound
from pyramid.view import view_config

from itsm.api.errors import ApiError
from itsm.api.openapi import json_body, json_request, page_args, paging, response
from itsm.i18n import _
from itsm.mailin import decisions
from itsm.mailin.intake import ReleaseError
from itsm.mailin.models import REASONS
from itsm.mailin.serialize import held_json, held_mails

QUARANTINE = "/api/v1/mail/quarantine"
HELD_REF = {"$ref": "#/components/schemas/HeldMail"}
HELD_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "received": {"type": "string", "format": "date-time"},
        "reason": {"type": "string", "enum": list(REASONS)},
        "reason_text": {"type": "string", "description": "The reason in the reader's language"},
        "sender": {"type": "string"},
        "subject": {"type": "string"},
        "message_id": {"type": "string"},
        "number": {
            "type": ["string", "null"],
            "description": "The ticket the mail named (a reply that was not allowed)",
        },
        "source": {"type": "string", "description": "How it came: pipe, imap, api"},
        "size": {"type": "integer", "description": "Bytes of the original"},
        "text": {
            "type": "string",
            "description": "One mail only: its plain-text preview (never HTML)",
        },
        "defects": {
            "type": "array",
            "items": {"type": "string"},
            "description": "One mail only: what the parser could not read",
        },
    },
}
RELEASE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["as"],
    "properties": {
        "as": {"type": "string", "enum": ["new", "reply"]},
        "number": {
            "type": "string",
            "maxLength": 40,
            "description": "With as=reply: the ticket, e.g. INC-000123",
        },
    },
}
OUTCOME_SCHEMA = {
    "type": "object",
    "properties": {
        "kind": {"type": "string", "enum": ["ticket", "request", "reply"]},
        "number": {"type": "string", "description": "The ticket made or replied to"},
        "reason": {"type": "string"},
        "held": {"type": "string"},
        "detail": {"type": "string"},
    },
}
ID_PARAM = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]


def quarantine_factory(request: Any) -> Any:
    mail = request.itsm_root.get("mail")
    if mail is None:
        raise HTTPNotFound()
    return mail["quarantine"]


def held_factory(request: Any) -> Any:
    quarantine = quarantine_factory(request)
    held = quarantine.get(request.matchdict["id"])
    if held is None:
        # Whoever may not look gets 403 whether the id exists or not.
        if not request.has_permission("view", quarantine):
            raise HTTPForbidden()
        raise ApiError(404, "not_found", _("No such held mail (released or deleted already?)."))
    return held


@view_config(
    route_name="api.mail.quarantine",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": QUARANTINE,
        "summary": "The held mails, newest first (IT staff)",
        "tags": ["mail"],
        "parameters": [
            {"name": "reason", "in": "query", "schema": {"type": "string", "enum": list(REASONS)}},
            *paging(200),
        ],
        "responses": response(
            "200",
            "A page of held mails",
            {
                "type": "object",
                "properties": {
                    "items": {"type": "array", "items": HELD_REF},
                    "total": {"type": "integer"},
                    "page": {"type": "integer"},
                    "per_page": {"type": "integer"},
                },
            },
        ),
    },
)
def list_view(context: Any, request: Any) -> dict[str, Any]:
    page, per_page = page_args(request.GET)
    found = held_mails(context, request.GET.get("reason", ""))
    window = found[(page - 1) * per_page : page * per_page]
    return {
        "items": [held_json(h, request) for h in window],
        "total": len(found),
        "page": page,
        "per_page": per_page,
    }


@view_config(
    route_name="api.mail.held",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": QUARANTINE + "/{id}",
        "summary": "One held mail with its text (IT staff)",
        "tags": ["mail"],
        "parameters": ID_PARAM,
        "responses": response("200", "The held mail", HELD_REF),
    },
)
def held_view(context: Any, request: Any) -> dict[str, Any]:
    return held_json(context, request, full=True)


@view_config(
    route_name="api.mail.held.release",
    request_method="POST",
    renderer="json",
    permission="work",
    openapi={
        "path": QUARANTINE + "/{id}/release",
        "summary": "Release a held mail as a new ticket or as a reply to a ticket (IT staff)",
        "tags": ["mail"],
        "parameters": ID_PARAM,
        "requestBody": json_request(RELEASE_SCHEMA),
        "responses": response("200", "What the mail became", OUTCOME_SCHEMA),
    },
)
def release_view(context: Any, request: Any) -> dict[str, Any]:
    body = json_body(request)
    if body["as"] == "reply" and not body.get("number"):
        raise ApiError(
            400, "invalid", _("Some fields are not valid."), {"number": decisions.NUMBER_HELP}
        )
    try:
        outcome = decisions.release(
            request.itsm_root,
            context.id,
            body["as"],
            body.get("number", ""),
            registry=request.registry,
            actor=request.identity.login,
        )
    except ReleaseError as error:
        field = "number" if body["as"] == "reply" else "as"
        raise ApiError(400, "invalid", error.message, {field: error.message}) from None
    return outcome.as_json()


@view_config(
    route_name="api.mail.held",
    request_method="DELETE",
    permission="work",
    openapi={
        "path": QUARANTINE + "/{id}",
        "summary": "Delete a held mail for good (IT staff)",
        "tags": ["mail"],
        "parameters": ID_PARAM,
        "responses": {"204": {"description": "Deleted"}},
    },
)
def delete_view(context: Any, request: Any) -> Any:
    try:
        decisions.delete(request.itsm_root, context.id, actor=request.identity.login)
    except ReleaseError as error:
        raise ApiError(404, "not_found", error.message) from None
    request.response.status = 204
    return request.response


def includeme(config: Any) -> None:
    config.add_route("api.mail.quarantine", QUARANTINE, factory=quarantine_factory)
    config.add_route("api.mail.held", QUARANTINE + "/{id}", factory=held_factory)
    config.add_route("api.mail.held.release", QUARANTINE + "/{id}/release", factory=held_factory)
    config.registry.itsm_openapi.add_schema("HeldMail", HELD_SCHEMA)
    config.scan("itsm.mailin.api")
