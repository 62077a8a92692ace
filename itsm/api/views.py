"""``/api/v1/me``, the OpenAPI document and its browsable page."""

from __future__ import annotations

import json
from typing import Any

from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from itsm.api import API_PREFIX
from itsm.api.openapi import json_body, response
from itsm.api.scaffold import Endpoints
from itsm.people.models import Person
from itsm.security.permissions import P
from itsm.security.tokens import create_token

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
        "properties": {"label": {"type": "string", "maxLength": 100}},
    },
    body_required=False,
)
def make_token(request: Any) -> dict[str, Any]:
    label = json_body(request).get("label", "")
    token = create_token(request.itsm_root.tokens, request.identity.login, label)
    request.response.status = 201
    return {"token": token, "label": label}


@view_config(
    route_name="api.openapi",
    request_method="GET",
    renderer="json",
    permission=NO_PERMISSION_REQUIRED,
)
def openapi_json(request: Any) -> dict[str, Any]:
    spec = request.registry.itsm_openapi
    spec.add_schema("Person", PERSON_SCHEMA)
    return spec.document(request.application_url + "/api/v1")


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
