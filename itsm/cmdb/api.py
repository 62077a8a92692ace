"""``/api/v1/cis`` and ``/api/v1/ci-classes``: the same operations and permissions as the UI."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from itsm.api.errors import ApiError
from itsm.api.errors import refusal as _refuse
from itsm.api.openapi import json_body, paging, query_strings
from itsm.api.openapi import json_request as _json_body
from itsm.api.openapi import response as _ok
from itsm.cmdb import lifecycle, relations
from itsm.cmdb.classes import CiClass, cmdb_settings, ensure_cmdb_settings
from itsm.cmdb.impact import impact_of
from itsm.cmdb.models import RELATION_TYPES
from itsm.cmdb.queries import list_cis
from itsm.cmdb.register import CmdbError, create_ci, update_ci
from itsm.cmdb.serialize import ci_json, history_json
from itsm.cmdb.workflow import STATES, WORKFLOW
from itsm.i18n import _
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import TransitionError

BASE = "/api/v1/cis"
CLASSES = "/api/v1/ci-classes"
NUMBER_PARAM = {"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}
CI_REF = {"$ref": "#/components/schemas/ConfigurationItem"}
NULLABLE_STRING = {"type": ["string", "null"]}
CI_SCHEMA = {
    "type": "object",
    "properties": {
        "number": {"type": "string", "example": "CI-000001"},
        "class": {"type": "string", "example": "Laptop"},
        "name": {"type": "string"},
        "status": {"type": "string", "enum": list(STATES)},
        "owner": NULLABLE_STRING,
        "serial": {"type": "string"},
        "location": {"type": "string"},
        "department": {"type": "string"},
        "purchase_date": {**NULLABLE_STRING, "format": "date"},
        "warranty_end": {**NULLABLE_STRING, "format": "date"},
        "cost": NULLABLE_STRING,
        "notes": {"type": "string"},
        "fields": {"type": "object", "description": "The class's own fields"},
        "relations": {"type": "array", "items": {"type": "object"}},
    },
}
SCALAR = {"type": ["string", "integer", "number", "boolean", "null"]}
#: Base fields in a body; the class's own fields may come at the top level or under "fields".
BODY_PROPERTIES = {
    "name": {"type": "string", "maxLength": 200},
    "serial": {"type": ["string", "null"], "maxLength": 200},
    "owner": {"type": ["string", "null"], "maxLength": 100},
    "location": {"type": ["string", "null"], "maxLength": 200},
    "department": {"type": ["string", "null"], "maxLength": 200},
    "purchase_date": {**NULLABLE_STRING, "description": "YYYY-MM-DD"},
    "warranty_end": {**NULLABLE_STRING, "description": "YYYY-MM-DD"},
    "cost": {"type": ["string", "number", "null"]},
    "notes": {"type": ["string", "null"], "maxLength": 20000},
    "fields": {"type": "object", "additionalProperties": SCALAR},
}
CREATE_SCHEMA = {
    "type": "object",
    "required": ["class", "name"],
    "additionalProperties": SCALAR,
    "properties": {
        "class": {"type": "string"},
        "status": {"type": "string", "enum": list(STATES)},
        **BODY_PROPERTIES,
    },
}
PATCH_SCHEMA = {"type": "object", "additionalProperties": SCALAR, "properties": BODY_PROPERTIES}
LIST_PARAMS = query_strings("class", "status", "owner", "department", "location", "q", "mine") + [
    {"name": "warranty_before", "in": "query", "schema": {"type": "string", "format": "date"}},
    *paging(500),
]
FIELD_SCHEMA = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
        "title": {"type": "string"},
        "title_ru": {"type": "string"},
        "type": {"type": "string", "enum": ["string", "int", "date", "bool", "choice"]},
        "required": {"type": "boolean"},
        "choices": {"type": "array", "items": {"type": "string"}},
    },
}
CLASS_SCHEMA = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "title_ru": {"type": "string", "maxLength": 200},
        "serial_required": {"type": "boolean"},
        "fields": {"type": "array", "items": FIELD_SCHEMA},
    },
}


def cmdb_factory(request: Any) -> Any:
    return request.itsm_root["cmdb"]


def ci_factory(request: Any) -> Any:
    ci = request.itsm_root["cmdb"].get(request.matchdict["number"].upper())
    if ci is None:
        raise HTTPNotFound()
    return ci


def settings_factory(request: Any) -> Any:
    return request.itsm_root["settings"]


def _language(request: Any) -> str:
    return request.locale_name


@view_config(
    route_name="api.cis",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE,
        "summary": "List CIs the caller may see (employees: their own equipment)",
        "tags": ["cmdb"],
        "parameters": LIST_PARAMS,
        "responses": _ok(
            "200",
            "A page of CIs",
            {
                "type": "object",
                "properties": {
                    "items": {"type": "array", "items": CI_REF},
                    "total": {"type": "integer"},
                    "page": {"type": "integer"},
                    "per_page": {"type": "integer"},
                },
            },
        ),
    },
)
def list_view(context: Any, request: Any) -> dict[str, Any]:
    page = int(request.GET.get("page", 1))
    per_page = int(request.GET.get("per_page", 50))
    try:
        total, items = list_cis(request, request.GET, page=page, per_page=per_page)
    except CmdbError as error:
        raise _refuse(error) from None
    return {
        "items": [ci_json(ci) for ci in items],
        "total": total,
        "page": page,
        "per_page": per_page,
    }


@view_config(
    route_name="api.cis",
    request_method="POST",
    renderer="json",
    permission="create",
    openapi={
        "path": BASE,
        "summary": "Register a CI (IT staff); a serial already in the class answers 409",
        "tags": ["cmdb"],
        "requestBody": _json_body(CREATE_SCHEMA),
        "responses": _ok("201", "The new CI", CI_REF),
    },
)
def create_view(context: Any, request: Any) -> dict[str, Any]:
    body = dict(json_body(request))
    class_name = body.pop("class")
    ctx = ActionContext.from_request(request)
    try:
        ci = create_ci(
            ctx,
            class_name,
            body,
            resolve_owner=request.find_person,
            language=_language(request),
        )
    except CmdbError as error:
        raise _refuse(error) from None
    request.response.status = 201
    request.response.location = f"{request.application_url}{BASE}/{ci.number}"
    return ci_json(ci, ctx.root)


@view_config(
    route_name="api.ci",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE + "/{number}",
        "summary": "One CI with its relations",
        "tags": ["cmdb"],
        "parameters": [NUMBER_PARAM],
        "responses": _ok("200", "The CI", CI_REF),
    },
)
def get_view(context: Any, request: Any) -> dict[str, Any]:
    data = ci_json(context, request.itsm_root)
    roles = ActionContext.from_request(request).roles
    data["transitions"] = [t.name for t in WORKFLOW.available(context.status, roles)]
    return data


@view_config(
    route_name="api.ci",
    request_method="PATCH",
    renderer="json",
    permission="edit",
    openapi={
        "path": BASE + "/{number}",
        "summary": "Change fields (IT staff); the status and owner change by transitions",
        "tags": ["cmdb"],
        "parameters": [NUMBER_PARAM],
        "requestBody": _json_body(PATCH_SCHEMA),
        "responses": _ok("200", "The CI", CI_REF),
    },
)
def patch_view(context: Any, request: Any) -> dict[str, Any]:
    ctx = ActionContext.from_request(request)
    try:
        update_ci(ctx, context, json_body(request), language=_language(request))
    except CmdbError as error:
        raise _refuse(error) from None
    return ci_json(context, ctx.root)


TRANSITION_SCHEMA = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "enum": [*sorted(WORKFLOW.transitions), "handover"]},
        "owner": {"type": "string"},
        "date": {"type": "string", "format": "date"},
        "note": {"type": "string", "maxLength": 5000},
    },
}


@view_config(
    route_name="api.ci.transitions",
    request_method="POST",
    renderer="json",
    permission="edit",
    openapi={
        "path": BASE + "/{number}/transitions",
        "summary": "Lifecycle: receive, deploy (with owner), handover (owner), return, repair, "
        "repaired, retire, dispose",
        "tags": ["cmdb"],
        "parameters": [NUMBER_PARAM],
        "requestBody": _json_body(TRANSITION_SCHEMA),
        "responses": _ok("200", "The CI after the transition", CI_REF),
    },
)
def transition_view(context: Any, request: Any) -> dict[str, Any]:
    from datetime import date

    body = dict(json_body(request))
    name = body.pop("name")
    ctx = ActionContext.from_request(request)
    on = None
    if body.get("date"):
        try:
            on = date.fromisoformat(body["date"])
        except ValueError:
            raise ApiError(
                400, "invalid", _("Some fields are not valid."), {"date": _("A date: YYYY-MM-DD.")}
            ) from None
    try:
        if name in ("handover", "deploy"):
            lifecycle.hand_over(ctx, context, body.get("owner", ""), on, request.find_person)
        else:
            lifecycle.transition(ctx, context, name, {**body, "date": on})
    except (CmdbError, TransitionError) as error:
        raise _refuse(error) from None
    return ci_json(context, ctx.root)


RELATION_SCHEMA = {
    "type": "object",
    "required": ["type", "target"],
    "additionalProperties": False,
    "properties": {
        "type": {"type": "string", "enum": list(RELATION_TYPES)},
        "target": {"type": "string", "example": "CI-000002"},
    },
}


@view_config(
    route_name="api.ci.relations",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE + "/{number}/relations",
        "summary": "The CI's relations, both directions",
        "tags": ["cmdb"],
        "parameters": [NUMBER_PARAM],
        "responses": _ok("200", "Relations"),
    },
)
def relations_view(context: Any, request: Any) -> dict[str, Any]:
    items = [
        {
            "type": n.type,
            "direction": n.direction,
            "number": n.number,
            "name": n.ci.name if n.ci is not None else None,
            "class": n.ci.ci_class if n.ci is not None else None,
        }
        for n in relations.neighbours(request.itsm_root, context)
    ]
    return {"items": items, "total": len(items)}


@view_config(
    route_name="api.ci.relations",
    request_method="POST",
    renderer="json",
    permission="edit",
    openapi={
        "path": BASE + "/{number}/relations",
        "summary": "Relate this CI (the source) to a target: this CI runs_on / depends_on … it",
        "tags": ["cmdb"],
        "parameters": [NUMBER_PARAM],
        "requestBody": _json_body(RELATION_SCHEMA),
        "responses": _ok("201", "The CI with its relations", CI_REF),
    },
)
def add_relation_view(context: Any, request: Any) -> dict[str, Any]:
    body = json_body(request)
    ctx = ActionContext.from_request(request)
    try:
        relations.add_relation(ctx, context, body["type"], body["target"])
    except CmdbError as error:
        raise _refuse(error) from None
    request.response.status = 201
    return ci_json(context, ctx.root)


@view_config(
    route_name="api.ci.relations",
    request_method="DELETE",
    renderer="json",
    permission="edit",
    openapi={
        "path": BASE + "/{number}/relations",
        "summary": "Remove a relation (query: type, target)",
        "tags": ["cmdb"],
        "parameters": [
            NUMBER_PARAM,
            {"name": "type", "in": "query", "required": True, "schema": {"type": "string"}},
            {"name": "target", "in": "query", "required": True, "schema": {"type": "string"}},
        ],
        "responses": _ok("200", "The CI with its relations", CI_REF),
    },
)
def remove_relation_view(context: Any, request: Any) -> dict[str, Any]:
    ctx = ActionContext.from_request(request)
    try:
        relations.remove_relation(ctx, context, request.GET["type"], request.GET["target"])
    except CmdbError as error:
        raise _refuse(error) from None
    return ci_json(context, ctx.root)


@view_config(
    route_name="api.ci.impact",
    request_method="GET",
    renderer="json",
    permission="work",
    openapi={
        "path": BASE + "/{number}/impact",
        "summary": "Who and what is affected if this CI fails (IT staff)",
        "tags": ["cmdb"],
        "parameters": [NUMBER_PARAM],
        "responses": _ok(
            "200",
            "Affected CIs (numbers) and people (logins)",
            {
                "type": "object",
                "properties": {
                    "cis": {"type": "array", "items": {"type": "string"}},
                    "people": {"type": "array", "items": {"type": "string"}},
                },
            },
        ),
    },
)
def impact_view(context: Any, request: Any) -> dict[str, Any]:
    return impact_of(request.itsm_root, context).as_json()


@view_config(
    route_name="api.ci.history",
    request_method="GET",
    renderer="json",
    permission="work",
    openapi={
        "path": BASE + "/{number}/history",
        "summary": "Every field change, owner change and transition (IT staff)",
        "tags": ["cmdb"],
        "parameters": [NUMBER_PARAM],
        "responses": _ok("200", "Records, oldest first"),
    },
)
def history_view(context: Any, request: Any) -> dict[str, Any]:
    items = [history_json(r) for r in context.history]
    return {"items": items, "total": len(items)}


@view_config(
    route_name="api.ci_classes",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": CLASSES,
        "summary": "CI classes and their fields",
        "tags": ["cmdb"],
        "responses": _ok("200", "Classes"),
    },
)
def classes_view(context: Any, request: Any) -> dict[str, Any]:
    settings = cmdb_settings(request.itsm_root)
    items = [settings.get(name).as_json() for name in settings.names()]
    return {"items": items, "total": len(items)}


@view_config(
    route_name="api.ci_classes",
    request_method="POST",
    renderer="json",
    permission="admin",
    openapi={
        "path": CLASSES,
        "summary": "Add or replace a CI class (administrators)",
        "tags": ["cmdb"],
        "requestBody": _json_body(CLASS_SCHEMA),
        "responses": _ok("201", "The class"),
    },
)
def put_class_view(context: Any, request: Any) -> dict[str, Any]:
    try:
        ci_class = CiClass.from_json(json_body(request))
    except (ValueError, KeyError) as error:
        raise ApiError(
            400, "invalid", _("Some fields are not valid."), {"fields": str(error)}
        ) from None
    ensure_cmdb_settings(request.itsm_root).put(ci_class)
    request.response.status = 201
    return ci_class.as_json()


NOTIFY_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"message": {"type": "string", "maxLength": 5000}},
}


@view_config(
    route_name="api.incident.notify_affected",
    request_method="POST",
    renderer="json",
    permission="work",
    openapi={
        "path": "/api/v1/incidents/{number}/notify-affected",
        "summary": "Mail everyone the incident's CIs affect (IT staff); answers the impact",
        "tags": ["cmdb", "incidents"],
        "parameters": [NUMBER_PARAM],
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": NOTIFY_SCHEMA}},
        },
        "responses": _ok("200", "The CIs and people affected; each person got a mail"),
    },
)
def notify_affected_view(context: Any, request: Any) -> dict[str, Any]:
    from itsm.cmdb.notices import notify_affected

    ctx = ActionContext.from_request(request)
    return notify_affected(ctx, context, json_body(request).get("message", "")).as_json()


def includeme(config: Any) -> None:
    from itsm.incidents.api import incident_factory

    config.add_route("api.cis", BASE, factory=cmdb_factory)
    config.add_route("api.ci", BASE + "/{number}", factory=ci_factory)
    config.add_route("api.ci.transitions", BASE + "/{number}/transitions", factory=ci_factory)
    config.add_route("api.ci.relations", BASE + "/{number}/relations", factory=ci_factory)
    config.add_route("api.ci.impact", BASE + "/{number}/impact", factory=ci_factory)
    config.add_route("api.ci.history", BASE + "/{number}/history", factory=ci_factory)
    config.add_route("api.ci_classes", CLASSES, factory=cmdb_factory)
    config.add_route(
        "api.incident.notify_affected",
        "/api/v1/incidents/{number}/notify-affected",
        factory=incident_factory,
    )
    config.registry.itsm_openapi.add_schema("ConfigurationItem", CI_SCHEMA)
    config.scan("itsm.cmdb.api")
