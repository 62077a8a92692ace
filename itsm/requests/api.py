"""``/api/v1/catalog``, ``/api/v1/requests`` and ``/api/v1/tasks``: as in the portal."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from itsm.api.errors import ApiError
from itsm.api.errors import refusal as _refuse
from itsm.api.openapi import json_body, page_args, paging, query_strings
from itsm.api.openapi import json_request as _json_body
from itsm.api.openapi import response as _ok
from itsm.i18n import _
from itsm.requests import actions, catalog
from itsm.requests.fulfilment import find_task, work_task
from itsm.requests.intake import OrderError, create_request
from itsm.requests.serialize import item_json, request_json, task_json
from itsm.requests.workflow import STATES, TASK_STATES
from itsm.search.catalog import search
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import TransitionError

CATALOG = "/api/v1/catalog"
REQUESTS = "/api/v1/requests"
TASKS = "/api/v1/tasks"
REQUEST_REF = {"$ref": "#/components/schemas/ServiceRequest"}
TASK_REF = {"$ref": "#/components/schemas/FulfilmentTask"}
ITEM_REF = {"$ref": "#/components/schemas/CatalogItem"}
REQUEST_SCHEMA = {
    "type": "object",
    "properties": {
        "number": {"type": "string", "example": "REQ-000001"},
        "item": {"type": "string", "example": "new-laptop"},
        "title": {"type": "string"},
        "status": {"type": "string", "enum": list(STATES)},
        "requester": {"type": "string"},
        "fields": {"type": "object"},
        "price": {"type": ["number", "null"]},
        "due": {"type": ["string", "null"]},
        "approval": {"type": ["object", "null"]},
        "tasks": {"type": "array", "items": {"type": "string"}},
        "parent": {"type": ["string", "null"]},
        "children": {"type": "array", "items": {"type": "string"}},
    },
}
TASK_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "example": "TASK-000001"},
        "request": {"type": "string"},
        "title": {"type": "string"},
        "group": {"type": ["string", "null"]},
        "assignee": {"type": ["string", "null"]},
        "status": {"type": "string", "enum": list(TASK_STATES)},
        "depends_on": {"type": "array", "items": {"type": "string"}},
    },
}
ITEM_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "example": "new-laptop"},
        "name": {"type": "string"},
        "name_ru": {"type": "string"},
        "category": {"type": "string"},
        "price": {"type": ["number", "null"]},
        "fields": {"type": "array", "items": {"type": "object"}},
        "approval": {"type": "array", "items": {"type": "object"}},
        "tasks": {"type": "array", "items": {"type": "object"}},
    },
}
NUMBER_PARAM = {"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}
ID_PARAM = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}


def _page(items: list, total: int, page: int, per_page: int) -> dict[str, Any]:
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def catalog_factory(request: Any) -> Any:
    return request.itsm_root["catalog"]


def item_factory(request: Any) -> Any:
    item = request.itsm_root["catalog"].get(request.matchdict["id"])
    if not isinstance(item, catalog.CatalogItem):
        raise HTTPNotFound()
    return item


def requests_factory(request: Any) -> Any:
    return request.itsm_root["requests"]


def request_factory(request: Any) -> Any:
    found = request.itsm_root["requests"].get(request.matchdict["number"].upper())
    if found is None:
        raise HTTPNotFound()
    return found


def task_factory(request: Any) -> Any:
    task = find_task(request.itsm_root, request.matchdict["id"])
    if task is None:
        raise HTTPNotFound()
    return task


@view_config(
    route_name="api.catalog",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": CATALOG,
        "summary": "The service catalog: items with their forms, approvals and checklists",
        "tags": ["requests"],
        "parameters": [
            {"name": "q", "in": "query", "schema": {"type": "string"}},
            {"name": "category", "in": "query", "schema": {"type": "string"}},
        ],
        "responses": _ok(
            "200",
            "Catalog items",
            {"type": "object", "properties": {"items": {"type": "array", "items": ITEM_REF}}},
        ),
    },
)
def catalog_view(context: Any, request: Any) -> dict[str, Any]:
    found = catalog.find(
        request.itsm_root, request.GET.get("q", ""), request.GET.get("category", "")
    )
    person = request.identity.person
    items = [item_json(i) for i in found if i.may_order(person)]
    return {"items": items, "total": len(items)}


@view_config(
    route_name="api.catalog.item",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": CATALOG + "/{id}",
        "summary": "One catalog item",
        "tags": ["requests"],
        "parameters": [ID_PARAM],
        "responses": _ok("200", "The item", ITEM_REF),
    },
)
def item_view(context: Any, request: Any) -> dict[str, Any]:
    return item_json(context)


@view_config(
    route_name="api.requests",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": REQUESTS,
        "summary": "Requests the caller may see (employees: their own)",
        "tags": ["requests"],
        "parameters": query_strings("status", "requester", "q")
        + [
            *paging(200),
        ],
        "responses": _ok("200", "A page of requests"),
    },
)
def list_view(context: Any, request: Any) -> dict[str, Any]:
    params = request.GET
    page, per_page = page_args(params)
    identity = request.identity
    staff = identity.has_role("agent") or identity.has_role("admin")
    query: dict[str, Any] = {"kind": "request"}
    if params.get("status"):
        query["status"] = [s for s in params["status"].split(",") if s]
    if params.get("q"):
        query["text"] = params["q"]
    if not staff:
        query["requester"] = identity.login
    elif params.get("requester"):
        query["requester"] = params["requester"]
    total, found = search(
        request.itsm_root, sort="created", reverse=True, page=page, per_page=per_page, **query
    )
    return _page([request_json(r) for r in found], total, page, per_page)


CREATE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["item"],
    "properties": {
        "item": {"type": "string", "example": "new-laptop"},
        "fields": {"type": "object"},
        "draft": {"type": "boolean", "description": "Save without sending"},
        "requester": {"type": "string", "description": "IT staff only: order for someone"},
    },
}


@view_config(
    route_name="api.requests",
    request_method="POST",
    renderer="json",
    permission="create",
    openapi={
        "path": REQUESTS,
        "summary": "Order a catalog item; fields are checked against the item's form",
        "tags": ["requests"],
        "requestBody": _json_body(CREATE_SCHEMA),
        "responses": _ok("201", "The new request", REQUEST_REF),
    },
)
def create_view(context: Any, request: Any) -> dict[str, Any]:
    body = json_body(request)
    ctx = ActionContext.from_request(request)
    item = request.itsm_root["catalog"].get(body["item"])
    if not isinstance(item, catalog.CatalogItem) or not item.active:
        raise ApiError(
            400, "invalid", _("Some fields are not valid."), {"item": _("No such catalog item.")}
        )
    requester = ctx.actor
    if body.get("requester") and body["requester"] != ctx.actor:
        if not ctx.is_staff:
            raise ApiError(403, "forbidden", _("Only IT staff can order for someone else."))
        if body["requester"] not in ctx.root["people"]:
            raise ApiError(
                400, "invalid", _("Some fields are not valid."), {"requester": _("Unknown person.")}
            )
        requester = body["requester"]
    try:
        created = create_request(
            ctx,
            item,
            body.get("fields", {}),
            requester=requester,
            draft=bool(body.get("draft")),
            channel="api",
        )
    except OrderError as error:
        code = "forbidden" if error.status == 403 else "invalid"
        raise ApiError(error.status, code, error.message, error.fields) from None
    request.response.status = 201
    request.response.location = f"{request.application_url}{REQUESTS}/{created.number}"
    return request_json(created)


@view_config(
    route_name="api.request",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": REQUESTS + "/{number}",
        "summary": "One request",
        "tags": ["requests"],
        "parameters": [NUMBER_PARAM],
        "responses": _ok("200", "The request", REQUEST_REF),
    },
)
def get_view(context: Any, request: Any) -> dict[str, Any]:
    return request_json(context)


TRANSITION_SCHEMA = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "enum": ["submit", "cancel", "close", "resolve"]},
        "reason": {"type": "string", "maxLength": 5000},
    },
}


@view_config(
    route_name="api.request.transitions",
    request_method="POST",
    renderer="json",
    permission="view",
    openapi={
        "path": REQUESTS + "/{number}/transitions",
        "summary": "Send a draft, cancel (with a reason), close, or resolve (IT staff)",
        "tags": ["requests"],
        "parameters": [NUMBER_PARAM],
        "requestBody": _json_body(TRANSITION_SCHEMA),
        "responses": _ok("200", "The request after the transition", REQUEST_REF),
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
    except OrderError as error:
        raise ApiError(error.status, "invalid", error.message, error.fields) from None
    return request_json(context)


@view_config(
    route_name="api.request.tasks",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": REQUESTS + "/{number}/tasks",
        "summary": "The request's fulfilment tasks",
        "tags": ["requests"],
        "parameters": [NUMBER_PARAM],
        "responses": _ok(
            "200",
            "Tasks, in creation order",
            {"type": "object", "properties": {"items": {"type": "array", "items": TASK_REF}}},
        ),
    },
)
def tasks_view(context: Any, request: Any) -> dict[str, Any]:
    items = [task_json(t) for t in context.task_list()]
    return {"items": items, "total": len(items)}


@view_config(
    route_name="api.tasks",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": TASKS,
        "summary": "Open fulfilment tasks of a group (IT staff), or assigned to me",
        "tags": ["requests"],
        "parameters": query_strings("group", "assignee", "status"),
        "responses": _ok("200", "Tasks"),
    },
)
def task_list_view(context: Any, request: Any) -> dict[str, Any]:
    identity = request.identity
    if not (identity.has_role("agent") or identity.has_role("admin")):
        raise ApiError(403, "forbidden", _("Only IT staff work on tasks."))
    query: dict[str, Any] = {"kind": "task"}
    for name in ("group", "assignee"):
        if request.GET.get(name):
            query[name] = request.GET[name]
    if request.GET.get("status"):
        query["status"] = request.GET["status"].split(",")
    else:
        query["open"] = True
    total, found = search(request.itsm_root, sort="created", per_page=200, **query)
    return {"items": [task_json(t) for t in found], "total": total}


@view_config(
    route_name="api.task",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": TASKS + "/{id}",
        "summary": "One fulfilment task",
        "tags": ["requests"],
        "parameters": [ID_PARAM],
        "responses": _ok("200", "The task", TASK_REF),
    },
)
def task_view(context: Any, request: Any) -> dict[str, Any]:
    return task_json(context)


TASK_TRANSITION_SCHEMA = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "enum": ["start", "done", "cancel"]},
        "note": {"type": "string", "maxLength": 5000},
    },
}


@view_config(
    route_name="api.task.transitions",
    request_method="POST",
    renderer="json",
    permission="work",
    openapi={
        "path": TASKS + "/{id}/transitions",
        "summary": "Work a task: start, done, cancel (a task waits for its dependencies)",
        "tags": ["requests"],
        "parameters": [ID_PARAM],
        "requestBody": _json_body(TASK_TRANSITION_SCHEMA),
        "responses": _ok("200", "The task after the transition", TASK_REF),
    },
)
def task_transition_view(context: Any, request: Any) -> dict[str, Any]:
    body = dict(json_body(request))
    name = body.pop("name")
    ctx = ActionContext.from_request(request)
    try:
        work_task(ctx, context, name, body)
    except TransitionError as error:
        raise _refuse(error) from None
    return task_json(context)


def includeme(config: Any) -> None:
    config.add_route("api.catalog", CATALOG, factory=catalog_factory)
    config.add_route("api.catalog.item", CATALOG + "/{id}", factory=item_factory)
    config.add_route("api.requests", REQUESTS, factory=requests_factory)
    config.add_route("api.request", REQUESTS + "/{number}", factory=request_factory)
    config.add_route(
        "api.request.transitions", REQUESTS + "/{number}/transitions", factory=request_factory
    )
    config.add_route("api.request.tasks", REQUESTS + "/{number}/tasks", factory=request_factory)
    config.add_route("api.tasks", TASKS, factory=requests_factory)
    config.add_route("api.task", TASKS + "/{id}", factory=task_factory)
    config.add_route("api.task.transitions", TASKS + "/{id}/transitions", factory=task_factory)
    openapi = config.registry.itsm_openapi
    openapi.add_schema("ServiceRequest", REQUEST_SCHEMA)
    openapi.add_schema("FulfilmentTask", TASK_SCHEMA)
    openapi.add_schema("CatalogItem", ITEM_SCHEMA)
    config.scan("itsm.requests.api")
