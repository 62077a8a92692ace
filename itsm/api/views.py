"""``/api/v1/me``, the OpenAPI document and its browsable page."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from itsm.api import API_PREFIX
from itsm.api.errors import ApiError
from itsm.api.openapi import json_body, response
from itsm.api.scaffold import Endpoints
from itsm.i18n import _
from itsm.people.models import Person
from itsm.security.permissions import P
from itsm.security.tokens import create_token, expiry, is_expired, token_note, tokens_of

PERSON_SCHEMA = {
    "type": "object",
    "properties": {
        "login": {"type": "string"},
        "name": {"type": "string"},
        "email": {"type": "string"},
        "phone": {"type": "string"},
        "department": {"type": "string"},
        "title": {"type": "string"},
        "manager": {"type": ["string", "null"]},
        "roles": {"type": "array", "items": {"type": "string"}},
        "groups": {"type": "array", "items": {"type": "string"}},
        "language": {"type": ["string", "null"]},
    },
}


def person_json(person: Person) -> dict[str, Any]:
    return {
        "login": person.login,
        "name": person.name,
        "email": person.email,
        "phone": person.phone,
        "department": person.department,
        "title": person.title,
        "manager": person.manager,
        "roles": list(person.roles),
        "groups": list(person.groups),
        "language": person.language,
    }


api = Endpoints(__name__, ["people"])
api.route("api.me", API_PREFIX + "/me")
api.route("api.openapi", API_PREFIX + "/openapi.json")
api.route("api.docs", API_PREFIX + "/docs")
api.route("api.tokens", API_PREFIX + "/me/tokens")


@api.view(
    "api.me",
    "GET",
    P.VIEW,
    "Who am I: the caller's person record and roles",
    response("200", "The caller", {"$ref": "#/components/schemas/Person"}),
)
def me(request: Any) -> dict[str, Any]:
    identity = request.identity
    return {**person_json(identity.person), "authenticated_by": identity.via}


@api.view(
    "api.tokens",
    "POST",
    P.VIEW,
    "Make a new API token for the caller (shown once)",
    response("201", "The token, in plain text, this once"),
    body={
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "label": {"type": "string", "maxLength": 100},
            "expires": {"type": "string", "format": "date"},
            "expires_in_days": {"type": "integer", "minimum": 1, "maximum": 3650},
        },
    },
    body_required=False,
    description=(
        "`expires` (a day, YYYY-MM-DD: the token works until the end of that day, UTC) or "
        "`expires_in_days`; without either the token does not expire."
    ),
)
def make_token(request: Any) -> dict[str, Any]:
    body = json_body(request)
    label = body.get("label", "")
    now = datetime.now(UTC)
    try:
        day = date.fromisoformat(body["expires"]) if "expires" in body else None
        expires = expiry(now, day, body.get("expires_in_days"))
    except ValueError as bad:
        field = "expires" if "expires" in body else "expires_in_days"
        message = _("Give a day in the future (YYYY-MM-DD) or a number of days.")
        raise ApiError(400, "invalid", message, {field: str(bad)}) from None
    login = request.identity.login
    token = create_token(request.itsm_root.tokens, login, label, now, expires)
    request.audit_event("token", login, "made", token_note(label, expires))
    request.response.status = 201
    return {"token": token, "label": label, "expires": expires.isoformat() if expires else None}


TOKEN_SCHEMA = {
    "type": "object",
    "properties": {
        "label": {"type": "string"},
        "hint": {"type": "string", "description": "the token's last four characters"},
        "created": {"type": "string", "format": "date-time"},
        "expires": {"type": ["string", "null"], "format": "date-time"},
        "expired": {"type": "boolean"},
    },
}


@api.view(
    "api.tokens",
    "GET",
    P.VIEW,
    "The caller's own API tokens (never the tokens themselves)",
    response(
        "200",
        "The caller's tokens, oldest first",
        {"type": "object", "properties": {"items": {"type": "array", "items": TOKEN_SCHEMA}}},
    ),
)
def list_tokens(request: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    records = sorted(
        (record for _digest, record in tokens_of(request.itsm_root.tokens, request.identity.login)),
        key=lambda record: record.created,
    )
    items = [
        {
            "label": record.label,
            "hint": record.hint,
            "created": record.created.isoformat(),
            "expires": record.expires.isoformat() if record.expires else None,
            "expired": is_expired(record, now),
        }
        for record in records
    ]
    return {"items": items}


@view_config(
    route_name="api.openapi",
    request_method="GET",
    renderer="json",
    permission=NO_PERMISSION_REQUIRED,
)
def openapi_json(request: Any) -> dict[str, Any]:
    spec = request.registry.itsm_openapi
    spec.add_schema("Person", PERSON_SCHEMA)
    # The paths carry their /api/v1 prefix: the server is the desk itself (a client that
    # joins server and path, like schemathesis, asked /api/v1/api/v1/... before; S1).
    return spec.document(request.application_url)


def _schema_text(operation: dict[str, Any]) -> str:
    body = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {})
    schema = body.get("schema")
    return json.dumps(schema, indent=2, ensure_ascii=False) if schema else ""


@view_config(
    route_name="api.docs",
    request_method="GET",
    renderer="itsm:api/templates/docs.pt",
    permission=NO_PERMISSION_REQUIRED,
)
def api_docs(request: Any) -> dict[str, Any]:
    spec = request.registry.itsm_openapi
    operations = []
    for path, ops in sorted(spec.paths.items()):
        for method, op in sorted(ops.items()):
            operations.append(
                {
                    "path": path,
                    "method": method.upper(),
                    "summary": op.get("summary", ""),
                    "parameters": op.get("parameters", []),
                    "body": _schema_text(op),
                    "responses": op.get("responses", {}),
                }
            )
    return {"operations": operations}
