"""``/api/v1/incidents``: the same operations and permissions as the UI."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from itsm.api.errors import ApiError
from itsm.api.errors import refusal as _refuse
from itsm.api.openapi import json_body, paging, query_strings
from itsm.api.openapi import json_request as _json_body
from itsm.api.openapi import response as _ok
from itsm.changes.links import set_caused_by
from itsm.i18n import _
from itsm.incidents import actions
from itsm.incidents.intake import IntakeError, create_incident
from itsm.incidents.queries import list_incidents
from itsm.incidents.serialize import entry_json, history_json, incident_json
from itsm.incidents.workflow import STATES, WORKFLOW
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import TransitionError

BASE = "/api/v1/incidents"
LEVEL = {"type": "string", "enum": ["high", "medium", "low"]}
NUMBER_PARAM = {"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}
INCIDENT_REF = {"$ref": "#/components/schemas/Incident"}
INCIDENT_SCHEMA = {
    "type": "object",
    "properties": {
        "number": {"type": "string", "example": "INC-000123"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "status": {"type": "string", "enum": list(STATES)},
        "priority": {"type": "integer", "minimum": 1, "maximum": 5},
        "impact": LEVEL,
        "urgency": LEVEL,
        "category": {"type": "string"},
        "group": {"type": ["string", "null"]},
        "assignee": {"type": ["string", "null"]},
        "requester": {"type": "string"},
        "created": {"type": "string", "format": "date-time"},
        "updated": {"type": "string", "format": "date-time"},
        "caused_by_change": {"type": ["string", "null"], "example": "CHG-000001"},
        "follows_up": {
            "type": ["string", "null"],
            "description": "The closed incident a mail reply continued (itsm.mailin)",
        },
        "raised_changes": {"type": "array", "items": {"type": "string"}},
        "sla": {
            "type": "object",
            "properties": {
                "response_due": {"type": ["string", "null"]},
                "resolution_due": {"type": ["string", "null"]},
                "responded_at": {"type": ["string", "null"]},
                "paused": {"type": "boolean"},
                "breached": {"type": "boolean"},
            },
        },
    },
}


def incidents_factory(request: Any) -> Any:
    return request.itsm_root["incidents"]


def incident_factory(request: Any) -> Any:
    number = request.matchdict["number"].upper()
    incident = request.itsm_root["incidents"].get(number)
    if incident is None:
        raise HTTPNotFound()
    return incident


@view_config(
    route_name="api.incidents",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE,
        "summary": "List incidents the caller may see (employees: their own)",
        "tags": ["incidents"],
        "parameters": query_strings(
            "status", "group", "assignee", "requester", "category", "q", "queue", "sort"
        )
        + [
            {
                "name": "priority",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": 5},
            },
            *paging(200),
        ],
        "responses": _ok(
            "200",
            "A page of incidents",
            {
                "type": "object",
                "properties": {
                    "items": {"type": "array", "items": INCIDENT_REF},
                    "total": {"type": "integer"},
                    "page": {"type": "integer"},
                    "per_page": {"type": "integer"},
                },
            },
        ),
    },
)
def list_view(context: Any, request: Any) -> dict[str, Any]:
    params = request.GET
    page = int(params.get("page", 1))
    per_page = int(params.get("per_page", 50))
    total, items = list_incidents(request, params, page=page, per_page=per_page)
    now = datetime.now(UTC)
    return {
        "items": [incident_json(i, now) for i in items],
        "total": total,
        "page": page,
        "per_page": per_page,
    }


CREATE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "impact", "urgency"],
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "description": {"type": "string", "maxLength": 20000},
        "impact": LEVEL,
        "urgency": LEVEL,
        "category": {"type": "string", "maxLength": 100},
        "cis": {"type": "array", "items": {"type": "string"}},
        "channel": {"type": "string", "enum": ["portal", "api", "email", "phone"]},
        "requester": {"type": "string", "description": "IT staff only: report for someone"},
    },
}


@view_config(
    route_name="api.incidents",
    request_method="POST",
    renderer="json",
    permission="create",
    openapi={
        "path": BASE,
        "summary": "Report an incident",
        "tags": ["incidents"],
        "requestBody": _json_body(CREATE_SCHEMA),
        "responses": _ok("201", "The new incident", INCIDENT_REF),
    },
)
def create_view(context: Any, request: Any) -> dict[str, Any]:
    body = json_body(request)
    ctx = ActionContext.from_request(request)
    requester = ctx.actor
    if body.get("requester") and body["requester"] != ctx.actor:
        if not ctx.is_staff:
            raise ApiError(403, "forbidden", _("Only IT staff can report for someone else."))
        from itsm.people.records import find_or_fetch

        person = find_or_fetch(
            ctx.root["people"],
            request.directory,
            body["requester"],
            request.registry.itsm_settings.roles,
        )
        if person is None:
            raise ApiError(
                400, "invalid", _("Some fields are not valid."), {"requester": _("Unknown person.")}
            )
        requester = person.login
    from itsm.incidents.intake import incident_settings

    category = body.get("category")
    if category and category not in incident_settings(ctx.root).categories:
        raise ApiError(
            400,
            "invalid",
            _("Some fields are not valid."),
            {"category": _("Choose one of the options.")},
        )
    try:
        incident = create_incident(
            ctx,
            requester=requester,
            title=body["title"],
            description=body.get("description", ""),
            impact=body["impact"],
            urgency=body["urgency"],
            category=category,
            cis=body.get("cis", ()),
            channel=body.get("channel", "api"),
        )
    except IntakeError as error:
        raise ApiError(400, "invalid", error.message, error.fields) from None
    request.response.status = 201
    request.response.location = f"{request.application_url}{BASE}/{incident.number}"
    return incident_json(incident, ctx.now)


@view_config(
    route_name="api.incident",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE + "/{number}",
        "summary": "One incident",
        "tags": ["incidents"],
        "parameters": [NUMBER_PARAM],
        "responses": _ok("200", "The incident", INCIDENT_REF),
    },
)
def get_view(context: Any, request: Any) -> dict[str, Any]:
    data = incident_json(context, datetime.now(UTC))
    data["transitions"] = [
        t.name
        for t in WORKFLOW.available(
            context.status, ActionContext.from_request(request).roles_on(context)
        )
    ]
    if not request.has_permission("work", context):
        data.pop("routing_note", None)
    return data


PATCH_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "category": {"type": "string"},
        "impact": LEVEL,
        "urgency": LEVEL,
        "cis": {"type": "array", "items": {"type": "string"}},
        "major": {"type": "boolean"},
        "children": {"type": "array", "items": {"type": "string"}},
        "caused_by_change": {
            "type": "string",
            "description": "The change that caused the incident (empty: no link)",
        },
    },
}


@view_config(
    route_name="api.incident",
    request_method="PATCH",
    renderer="json",
    permission="work",
    openapi={
        "path": BASE + "/{number}",
        "summary": "Change fields (IT staff): title, category, impact, urgency, CIs, major",
        "tags": ["incidents"],
        "parameters": [NUMBER_PARAM],
        "requestBody": _json_body(PATCH_SCHEMA),
        "responses": _ok("200", "The incident", INCIDENT_REF),
    },
)
def patch_view(context: Any, request: Any) -> dict[str, Any]:
    body = json_body(request)
    ctx = ActionContext.from_request(request)
    try:
        if "caused_by_change" in body:  # first: a refused link leaves nothing half-done
            set_caused_by(ctx, context, body["caused_by_change"])
        actions.update_fields(ctx, context, body)
        if "cis" in body:
            actions.link_cis(ctx, context, body["cis"])
        if body.get("major") or body.get("children"):
            actions.make_major(ctx, context, body.get("children", ()))
    except TransitionError as error:
        raise _refuse(error) from None
    return incident_json(context, ctx.now)


TRANSITION_SCHEMA = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "enum": sorted(WORKFLOW.transitions)},
        "assignee": {"type": "string"},
        "group": {"type": "string"},
        "resolution_code": {"type": "string"},
        "resolution": {"type": "string", "maxLength": 20000},
        "reason": {"type": "string", "maxLength": 5000},
        "note": {"type": "string", "maxLength": 5000},
        "into": {"type": "string"},
        "mode": {"type": "string", "enum": ["functional", "hierarchical"]},
    },
}


@view_config(
    route_name="api.incident.transitions",
    request_method="POST",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE + "/{number}/transitions",
        "summary": "Fire a workflow transition (assign, start, wait, resume, resolve, close, "
        "reopen, cancel, escalate, merge)",
        "tags": ["incidents"],
        "parameters": [NUMBER_PARAM],
        "requestBody": _json_body(TRANSITION_SCHEMA),
        "responses": _ok("200", "The incident after the transition", INCIDENT_REF),
    },
)
def transition_view(context: Any, request: Any) -> dict[str, Any]:
    body = dict(json_body(request))
    name = body.pop("name")
    ctx = ActionContext.from_request(request)
    try:
        actions.transition(ctx, context, name, body)
    except TransitionError as error:
        raise _refuse(error) from None
    return incident_json(context, ctx.now)


@view_config(
    route_name="api.incident.journal",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE + "/{number}/journal",
        "summary": "Journal entries the caller may see (internal notes for IT staff only)",
        "tags": ["incidents"],
        "parameters": [NUMBER_PARAM],
        "responses": _ok("200", "Entries, oldest first"),
    },
)
def journal_view(context: Any, request: Any) -> dict[str, Any]:
    internal = request.has_permission("internal", context)
    items = [entry_json(e) for e in context.journal.visible(bool(internal))]
    return {"items": items, "total": len(items)}


JOURNAL_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["body"],
    "properties": {
        "kind": {"type": "string", "enum": ["reply", "note", "worklog"]},
        "body": {"type": "string", "maxLength": 50000},
        "minutes": {"type": "integer", "minimum": 0, "maximum": 10000},
    },
}


@view_config(
    route_name="api.incident.journal",
    request_method="POST",
    renderer="json",
    permission="comment",
    openapi={
        "path": BASE + "/{number}/journal",
        "summary": "Add a public reply, an internal note (IT staff) or logged work",
        "tags": ["incidents"],
        "parameters": [NUMBER_PARAM],
        "requestBody": _json_body(JOURNAL_SCHEMA),
        "responses": _ok("201", "The new entry"),
    },
)
def add_journal_view(context: Any, request: Any) -> dict[str, Any]:
    body = json_body(request)
    ctx = ActionContext.from_request(request)
    try:
        entry = actions.add_entry(
            ctx, context, body.get("kind", "reply"), body["body"], minutes=body.get("minutes", 0)
        )
    except TransitionError as error:
        raise _refuse(error) from None
    request.response.status = 201
    return entry_json(entry)


@view_config(
    route_name="api.incident.history",
    request_method="GET",
    renderer="json",
    permission="work",
    openapi={
        "path": BASE + "/{number}/history",
        "summary": "Every field change and transition: who, when, before and after (IT staff)",
        "tags": ["incidents"],
        "parameters": [NUMBER_PARAM],
        "responses": _ok("200", "Records, oldest first"),
    },
)
def history_view(context: Any, request: Any) -> dict[str, Any]:
    items = [history_json(r) for r in context.history]
    return {"items": items, "total": len(items)}


def includeme(config: Any) -> None:
    config.add_route("api.incidents", BASE, factory=incidents_factory)
    config.add_route("api.incident", BASE + "/{number}", factory=incident_factory)
    config.add_route(
        "api.incident.transitions", BASE + "/{number}/transitions", factory=incident_factory
    )
    config.add_route("api.incident.journal", BASE + "/{number}/journal", factory=incident_factory)
    config.add_route("api.incident.history", BASE + "/{number}/history", factory=incident_factory)
    config.registry.itsm_openapi.add_schema("Incident", INCIDENT_SCHEMA)
    config.scan("itsm.incidents.api")
