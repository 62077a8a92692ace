"""``/api/v1/cis`` and ``/api/v1/ci-classes``: the same operations and permissions as the UI."""

from __future__ import annotations

from typing import Any

from itsm.api.errors import ApiError, refusal
from itsm.api.openapi import json_body, paging, query_strings, response
from itsm.api.scaffold import (
    Endpoints,
    container,
    item_in,
    list_page,
    page_schema,
)
from itsm.cmdb import lifecycle, relations
from itsm.cmdb.classes import CiClass, cmdb_settings, ensure_cmdb_settings
from itsm.cmdb.impact import impact_of
from itsm.cmdb.models import RELATION_TYPES
from itsm.cmdb.queries import list_cis
from itsm.cmdb.register import CmdbError, create_ci, update_ci
from itsm.cmdb.serialize import ci_json, history_json
from itsm.cmdb.workflow import STATES, WORKFLOW
from itsm.i18n import _
from itsm.security.permissions import P
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import TransitionError

BASE = "/api/v1/cis"
CLASSES = "/api/v1/ci-classes"
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


api = Endpoints(__name__, ["cmdb"])
CI_REF = api.schema("ConfigurationItem", CI_SCHEMA)
ci_factory = item_in("cmdb")
api.route("api.cis", BASE, container("cmdb"))
api.route(
    "api.ci", BASE + "/{number}", ci_factory, ("transitions", "relations", "impact", "history")
)
api.route("api.ci_classes", CLASSES, container("cmdb"))
api.route(
    "api.incident.notify_affected",
    "/api/v1/incidents/{number}/notify-affected",
    item_in("incidents"),
)


def _language(request: Any) -> str:
    return request.locale_name


def _ci_json(ctx: ActionContext, ci: Any) -> dict[str, Any]:
    return ci_json(ci, ctx.root)


@api.view(
    "api.cis",
    "GET",
    P.VIEW,
    "List CIs the caller may see (employees: their own equipment)",
    response("200", "A page of CIs", page_schema(CI_REF)),
    parameters=LIST_PARAMS,
)
def list_view(context: Any, request: Any) -> dict[str, Any]:
    try:
        return list_page(request, lambda **page: list_cis(request, request.GET, **page), ci_json)
    except CmdbError as error:
        raise refusal(error) from None


@api.view(
    "api.cis",
    "POST",
    P.CREATE,
    "Register a CI (IT staff); a serial already in the class answers 409",
    response("201", "The new CI", CI_REF),
    body=CREATE_SCHEMA,
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
        raise refusal(error) from None
    request.response.status = 201
    request.response.location = f"{request.application_url}{BASE}/{ci.number}"
    return ci_json(ci, ctx.root)


@api.view("api.ci", "GET", P.VIEW, "One CI with its relations", response("200", "The CI", CI_REF))
def get_view(context: Any, request: Any) -> dict[str, Any]:
    data = ci_json(context, request.itsm_root)
    roles = ActionContext.from_request(request).roles
    data["transitions"] = [t.name for t in WORKFLOW.available(context.status, roles)]
    return data


api.action(
    "api.ci",
    "PATCH",
    P.EDIT,
    "Change fields (IT staff); the status and owner change by transitions",
    ("The CI", CI_REF),
    lambda ctx, ci, body: update_ci(ctx, ci, body, language=_language(ctx.request)),
    _ci_json,
    body=PATCH_SCHEMA,
    refusals=(CmdbError,),
)


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


def _fire_lifecycle(ctx: ActionContext, ci: Any, name: str, body: dict[str, Any]) -> None:
    """Fire a lifecycle transition; deploy and handover give the CI to ``owner`` on ``date``."""
    from datetime import date

    on = None
    if body.get("date"):
        try:
            on = date.fromisoformat(body["date"])
        except ValueError:
            raise ApiError(
                400, "invalid", _("Some fields are not valid."), {"date": _("A date: YYYY-MM-DD.")}
            ) from None
    if name in ("handover", "deploy"):
        lifecycle.hand_over(ctx, ci, body.get("owner", ""), on, ctx.request.find_person)
    else:
        lifecycle.transition(ctx, ci, name, {**body, "date": on})


api.transitions(
    "api.ci.transitions",
    P.EDIT,
    "Lifecycle: receive, deploy (with owner), handover (owner), return, repair, "
    "repaired, retire, dispose",
    ("The CI", CI_REF),
    TRANSITION_SCHEMA,
    _fire_lifecycle,
    _ci_json,
    refusals=(CmdbError, TransitionError),
)


RELATION_SCHEMA = {
    "type": "object",
    "required": ["type", "target"],
    "additionalProperties": False,
    "properties": {
        "type": {"type": "string", "enum": list(RELATION_TYPES)},
        "target": {"type": "string", "example": "CI-000002"},
    },
}


@api.view(
    "api.ci.relations",
    "GET",
    P.VIEW,
    "The CI's relations, both directions",
    response("200", "Relations"),
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


api.action(
    "api.ci.relations",
    "POST",
    P.EDIT,
    "Relate this CI (the source) to a target: this CI runs_on / depends_on … it",
    ("The CI with its relations", CI_REF),
    lambda ctx, ci, body: relations.add_relation(ctx, ci, body["type"], body["target"]),
    _ci_json,
    body=RELATION_SCHEMA,
    status="201",
    refusals=(CmdbError,),
)


api.action(
    "api.ci.relations",
    "DELETE",
    P.EDIT,
    "Remove a relation (query: type, target)",
    ("The CI with its relations", CI_REF),
    lambda ctx, ci, body: relations.remove_relation(
        ctx, ci, ctx.request.GET["type"], ctx.request.GET["target"]
    ),
    _ci_json,
    parameters=[
        {"name": "type", "in": "query", "required": True, "schema": {"type": "string"}},
        {"name": "target", "in": "query", "required": True, "schema": {"type": "string"}},
    ],
    refusals=(CmdbError,),
)


@api.view(
    "api.ci.impact",
    "GET",
    P.WORK,
    "Who and what is affected if this CI fails (IT staff)",
    response(
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
)
def impact_view(context: Any, request: Any) -> dict[str, Any]:
    return impact_of(request.itsm_root, context).as_json()


@api.view(
    "api.ci.history",
    "GET",
    P.WORK,
    "Every field change, owner change and transition (IT staff)",
    response("200", "Records, oldest first"),
)
def history_view(context: Any, request: Any) -> dict[str, Any]:
    items = [history_json(r) for r in context.history]
    return {"items": items, "total": len(items)}


@api.view(
    "api.ci_classes", "GET", P.VIEW, "CI classes and their fields", response("200", "Classes")
)
def classes_view(context: Any, request: Any) -> dict[str, Any]:
    settings = cmdb_settings(request.itsm_root)
    items = [settings.get(name).as_json() for name in settings.names()]
    return {"items": items, "total": len(items)}


@api.view(
    "api.ci_classes",
    "POST",
    P.ADMIN,
    "Add or replace a CI class (administrators)",
    response("201", "The class"),
    body=CLASS_SCHEMA,
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


@api.view(
    "api.incident.notify_affected",
    "POST",
    P.WORK,
    "Mail everyone the incident's CIs affect (IT staff); answers the impact",
    response("200", "The CIs and people affected; each person got a mail"),
    body=NOTIFY_SCHEMA,
    body_required=False,
    tags=["cmdb", "incidents"],
)
def notify_affected_view(context: Any, request: Any) -> dict[str, Any]:
    from itsm.cmdb.notices import notify_affected

    ctx = ActionContext.from_request(request)
    return notify_affected(ctx, context, json_body(request).get("message", "")).as_json()


def includeme(config: Any) -> None:
    api.include(config)
