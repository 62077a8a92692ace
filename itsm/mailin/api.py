"""``/api/v1/mail/quarantine``: the held mails for IT staff, as on the quarantine page.

``GET`` lists (paged) and reads one (with its text only); ``POST …/{id}/release`` with
``{"as": "new"}`` or ``{"as": "reply", "number": "INC-000123"}``; ``DELETE …/{id}``.
Agents and administrators only (the ``/mail`` ACL); employees get 403.
"""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound

from itsm.api.errors import ApiError
from itsm.api.openapi import json_body, paging, response
from itsm.api.scaffold import Endpoints, container, list_page, page_schema
from itsm.i18n import _
from itsm.mailin import decisions
from itsm.mailin.intake import ReleaseError
from itsm.mailin.models import REASONS
from itsm.mailin.serialize import held_json, held_mails
from itsm.security.permissions import P

QUARANTINE = "/api/v1/mail/quarantine"
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

api = Endpoints(__name__, ["mail"])
HELD_REF = api.schema("HeldMail", HELD_SCHEMA)
quarantine_factory = container("mail", "quarantine")


def held_factory(request: Any) -> Any:
    """The held mail named by ``{id}``: for whoever may not look at the quarantine, the plain
    404 whether the id exists or not (the forbidden view answers a hidden one so, S3); for
    IT staff a 404 that says it may have been decided on already."""
    quarantine = quarantine_factory(request)
    held = quarantine.get(request.matchdict["id"])
    if held is None:
        if not request.has_permission(P.VIEW, quarantine):
            raise HTTPNotFound()
        raise ApiError(404, "not_found", _("No such held mail (released or deleted already?)."))
    return held


api.route("api.mail.quarantine", QUARANTINE, quarantine_factory)
api.route("api.mail.held", QUARANTINE + "/{id}", held_factory, ("release",))


@api.view(
    "api.mail.quarantine",
    "GET",
    P.VIEW,
    "The held mails, newest first (IT staff)",
    response("200", "A page of held mails", page_schema(HELD_REF)),
    parameters=[
        {"name": "reason", "in": "query", "schema": {"type": "string", "enum": list(REASONS)}},
        *paging(200),
    ],
)
def list_view(context: Any, request: Any) -> dict[str, Any]:
    found = held_mails(context, request.GET.get("reason", ""))

    def window(page: int, per_page: int) -> tuple[int, list[Any]]:
        return len(found), found[(page - 1) * per_page : page * per_page]

    return list_page(request, window, lambda held: held_json(held, request))


@api.view(
    "api.mail.held",
    "GET",
    P.VIEW,
    "One held mail with its text (IT staff)",
    response("200", "The held mail", HELD_REF),
)
def held_view(context: Any, request: Any) -> dict[str, Any]:
    return held_json(context, request, full=True)


@api.view(
    "api.mail.held.release",
    "POST",
    P.WORK,
    "Release a held mail as a new ticket or as a reply to a ticket (IT staff)",
    response("200", "What the mail became", OUTCOME_SCHEMA),
    body=RELEASE_SCHEMA,
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


@api.view(
    "api.mail.held",
    "DELETE",
    P.WORK,
    "Delete a held mail for good (IT staff)",
    {"204": {"description": "Deleted"}},
    renderer=None,
)
def delete_view(context: Any, request: Any) -> Any:
    try:
        decisions.delete(request.itsm_root, context.id, actor=request.identity.login)
    except ReleaseError as error:
        raise ApiError(404, "not_found", error.message) from None
    request.response.status = 204
    return request.response


def includeme(config: Any) -> None:
    api.include(config)
