"""``/api/v1/incidents``: the same operations and permissions as the UI."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from itsm.api.errors import ApiError, refusal
from itsm.api.openapi import json_body, paging, query_strings, response
from itsm.api.scaffold import Endpoints, container, item_in, list_page, page_schema
from itsm.i18n import _
from itsm.incidents import actions
from itsm.incidents.intake import IntakeError, create_incident
from itsm.incidents.queries import list_incidents
from itsm.incidents.schemas import json_property
from itsm.incidents.serialize import entry_json, history_json, incident_json
from itsm.incidents.workflow import STATES, WORKFLOW
from itsm.people.schemas import CHANNELS
from itsm.security.permissions import P
from itsm.security.roles import has_staff_role
from itsm.tickets.context import ActionContext
from itsm.tickets.links import set_caused_by
from itsm.tickets.workflow import TransitionError

BASE = "/api/v1/incidents"
LEVEL = json_property("impact")  # impact and urgency have the same levels
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


#: The incident named by ``{number}``, or 404 (also for the other modules' incident routes).
incident_factory = item_in("incidents")
api = Endpoints(__name__, ["incidents"])
INCIDENT_REF = api.schema("Incident", INCIDENT_SCHEMA)
api.route("api.incidents", BASE, container("incidents"))
api.route(
    "api.incident", BASE + "/{number}", incident_factory, ("transitions", "journal", "history")
)


@api.view(
    "api.incidents",
    "GET",
    P.VIEW,
    "List incidents the caller may see (employees: their own)",
    response("200", "A page of incidents", page_schema(INCIDENT_REF)),
    parameters=query_strings(
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
)
def list_view(context: Any, request: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return list_page(
        request,
        lambda **page: list_incidents(request, request.GET, **page),
        lambda incident: incident_json(incident, now),
    )


CREATE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "impact", "urgency"],
    "properties": {
        "title": json_property("title"),
        "description": json_property("description"),
        "impact": LEVEL,
        "urgency": LEVEL,
        "category": {"type": "string", "maxLength": 100},
        "cis": {"type": "array", "items": {"type": "string"}},
        "channel": {"type": "string", "enum": list(CHANNELS)},
        "requester": {"type": "string", "description": "IT staff only: report for someone"},
    },
}


@api.view(
    "api.incidents",
    "POST",
    P.CREATE,
    "Report an incident",
    response("201", "The new incident", INCIDENT_REF),
    body=CREATE_SCHEMA,
)
def create_view(context: Any, request: Any) -> dict[str, Any]:
    body = json_body(request)
    ctx = ActionContext.from_request(request)
    requester = ctx.actor
    if body.get("requester") and body["requester"] != ctx.actor:
        if not has_staff_role(ctx.roles):
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


@api.view(
    "api.incident", "GET", P.VIEW, "One incident", response("200", "The incident", INCIDENT_REF)
)
def get_view(context: Any, request: Any) -> dict[str, Any]:
    data = incident_json(context, datetime.now(UTC))
    data["transitions"] = [
        t.name
        for t in WORKFLOW.available(
            context.status, ActionContext.from_request(request).roles_on(context)
        )
    ]
    if not request.has_permission(P.WORK, context):
        data.pop("routing_note", None)
    return data


PATCH_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "title": json_property("title"),
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


@api.view(
    "api.incident",
    "PATCH",
    P.WORK,
    "Change fields (IT staff): title, category, impact, urgency, CIs, major",
    response("200", "The incident", INCIDENT_REF),
    body=PATCH_SCHEMA,
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
        raise refusal(error) from None
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


api.transitions(
    "api.incident.transitions",
    P.VIEW,
    "Fire a workflow transition (assign, start, wait, resume, resolve, close, "
    "reopen, cancel, escalate, merge)",
    ("The incident", INCIDENT_REF),
    TRANSITION_SCHEMA,
    actions.transition,
    lambda ctx, incident: incident_json(incident, ctx.now),
)


@api.view(
    "api.incident.journal",
    "GET",
    P.VIEW,
    "Journal entries the caller may see (internal notes for IT staff only)",
    response("200", "Entries, oldest first"),
)
def journal_view(context: Any, request: Any) -> dict[str, Any]:
    internal = request.has_permission(P.INTERNAL, context)
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


@api.view(
    "api.incident.journal",
    "POST",
    P.COMMENT,
    "Add a public reply, an internal note (IT staff) or logged work",
    response("201", "The new entry"),
    body=JOURNAL_SCHEMA,
)
def add_journal_view(context: Any, request: Any) -> dict[str, Any]:
    body = json_body(request)
    ctx = ActionContext.from_request(request)
    try:
        entry = actions.add_entry(
            ctx, context, body.get("kind", "reply"), body["body"], minutes=body.get("minutes", 0)
        )
    except TransitionError as error:
        raise refusal(error) from None
    request.response.status = 201
    return entry_json(entry)


@api.view(
    "api.incident.history",
    "GET",
    P.WORK,
    "Every field change and transition: who, when, before and after (IT staff)",
    response("200", "Records, oldest first"),
)
def history_view(context: Any, request: Any) -> dict[str, Any]:
    items = [history_json(r) for r in context.history]
    return {"items": items, "total": len(items)}


def includeme(config: Any) -> None:
    api.include(config)
