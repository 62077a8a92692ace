"""``/api/v1/catalog``, ``/api/v1/requests`` and ``/api/v1/tasks``: as in the portal."""

from __future__ import annotations

import base64
import binascii
import io
import json
from collections.abc import Mapping
from typing import Any

from itsm.api.errors import ApiError
from itsm.api.openapi import json_body, paging, query_strings, response
from itsm.api.scaffold import (
    Endpoints,
    container,
    found_or_404,
    item_in,
    items_schema,
    list_page,
    ticket_query,
)
from itsm.i18n import _
from itsm.people.lookup import UnknownCaller, caller_login
from itsm.people.schemas import CHANNELS
from itsm.requests import actions, catalog
from itsm.requests.catalog import FIELD_TYPES, CatalogItem
from itsm.requests.definitions import (
    FORM_NAMES,
    NEW_ITEM_VALUES,
    add_catalog_item,
    approval_kind,
    change_catalog_item,
    check_item,
    item_values,
)
from itsm.requests.forms import file_fields, request_file
from itsm.requests.fulfilment import TaskError, assign_task, find_task, note_task, work_task
from itsm.requests.intake import OrderError, create_request
from itsm.requests.serialize import item_json, request_json, task_json
from itsm.requests.views import may_download
from itsm.requests.workflow import STATES, TASK_STATES
from itsm.search.catalog import search
from itsm.security.permissions import P
from itsm.security.roles import has_staff_role, is_staff
from itsm.tickets.context import ActionContext
from itsm.tickets.journal import AttachmentTooLarge, AttachmentTypeRefused, make_attachment
from itsm.tickets.workflow import TransitionError
from itsm.ui.downloads import file_response
from itsm.ui.forms import human_size

CATALOG = "/api/v1/catalog"
REQUESTS = "/api/v1/requests"
TASKS = "/api/v1/tasks"
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
        "due": {
            "type": ["string", "null"],
            "description": "delivery due time (business days of the item, from approval)",
        },
        "late": {"type": "boolean", "description": "open after its due time"},
        "sla": {"type": ["object", "null"]},
        "delivered": {"type": "array", "items": {"type": "string"}},
        "licences": {"type": "array", "items": {"type": "string"}},
        "bundle_fields": {"type": "object", "description": "the bundle's answers (children)"},
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
        "due": {"type": ["string", "null"], "description": "the request's delivery due time"},
        "delivers": {"type": ["string", "null"], "description": "CI class this task delivers"},
        "ci": {"type": ["string", "null"], "description": "the CI delivered when done"},
        "licence": {"type": ["string", "null"], "description": "the licence CI taken"},
        "not_before": {
            "type": ["string", "null"],
            "description": "the task waits until then (a date answer of the request)",
        },
        "notes": {"type": "array", "items": {"type": "object"}},
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
        "fields": {"type": "array", "items": {"$ref": "#/components/schemas/CatalogField"}},
        "approval": {"type": "array", "items": {"type": "object"}},
        "tasks": {"type": "array", "items": {"type": "object"}},
    },
}
FIELD_SCHEMA = {
    "type": "object",
    "description": "One field of an item's order form. A field with `show_if` is shown only "
    "when its condition holds; a hidden field is not required and its answer is dropped.",
    "properties": {
        "name": {"type": "string", "example": "model", "description": "The key in `fields`"},
        "type": {"type": "string", "enum": list(FIELD_TYPES)},
        "title": {"type": "string"},
        "title_ru": {"type": "string"},
        "description": {"type": "string"},
        "description_ru": {"type": "string"},
        "required": {"type": "boolean"},
        "choices": {
            "type": "array",
            "description": "For `choice`: `[value, title, title_ru]`",
            "items": {"type": "array", "items": {"type": "string"}},
        },
        "min": {"type": "number"},
        "max": {"type": "number"},
        "max_length": {"type": "integer"},
        "show_if": {
            "type": "object",
            "description": "Shown only when an earlier field has one of the values "
            '(`{"field": "model", "equals": ["other"]}`) or a checkbox is ticked or not '
            '(`{"field": "port_number", "checked": true}`)',
            "required": ["field"],
            "properties": {
                "field": {"type": "string"},
                "equals": {"type": "array", "items": {"type": "string"}},
                "checked": {"type": "boolean"},
            },
        },
    },
}
FILE_ANSWER_SCHEMA = {
    "type": "object",
    "description": "The answer to a `file` field; at most the attachment size limit once "
    "decoded. The request then shows the file name as the answer.",
    "required": ["filename", "content_base64"],
    "additionalProperties": False,
    "properties": {
        "filename": {"type": "string", "maxLength": 255, "example": "signed-form.pdf"},
        "content_base64": {"type": "string", "description": "The file's bytes, base64"},
        "content_type": {"type": "string", "example": "application/pdf"},
    },
}
api = Endpoints(__name__, ["requests"])
REQUEST_REF = api.schema("ServiceRequest", REQUEST_SCHEMA)
TASK_REF = api.schema("FulfilmentTask", TASK_SCHEMA)
ITEM_REF = api.schema("CatalogItem", ITEM_SCHEMA)
api.schema("CatalogField", FIELD_SCHEMA)
api.schema("FileAnswer", FILE_ANSWER_SCHEMA)
request_factory = item_in("requests")
task_factory = found_or_404(find_task)
api.route("api.catalog", CATALOG, container("catalog"))
api.route("api.catalog.item", CATALOG + "/{id}", item_in("catalog", key="id", kind=CatalogItem))
api.route("api.requests", REQUESTS, container("requests"))
api.route("api.request", REQUESTS + "/{number}", request_factory, ("transitions", "tasks"))
api.route("api.request.file", REQUESTS + "/{number}/files/{field}", request_factory)
api.route("api.tasks", TASKS, container("requests"))
api.route("api.task", TASKS + "/{id}", task_factory, ("transitions", "assign", "notes"))


@api.view(
    "api.catalog",
    "GET",
    P.VIEW,
    "The service catalog: items with their forms, approvals and checklists",
    response(
        "200",
        "Catalog items",
        items_schema(ITEM_REF),
    ),
    parameters=[
        {"name": "q", "in": "query", "schema": {"type": "string"}},
        {"name": "category", "in": "query", "schema": {"type": "string"}},
    ],
)
def catalog_view(context: Any, request: Any) -> dict[str, Any]:
    found = catalog.find(
        request.itsm_root, request.GET.get("q", ""), request.GET.get("category", "")
    )
    person = request.identity.person
    items = [item_json(i) for i in found if i.may_order(person)]
    return {"items": items, "total": len(items)}


api.read("api.catalog.item", P.VIEW, "One catalog item", ("The item", ITEM_REF), item_json)


ITEM_WRITE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "description": "An item as administrators define it; checked as on the catalog admin "
    "page. On PUT, properties left out keep their values.",
    "properties": {
        "id": {"type": "string", "example": "office-supplies", "description": "POST only"},
        "name": {"type": "string"},
        "name_ru": {"type": "string"},
        "description": {"type": "string"},
        "description_ru": {"type": "string"},
        "category": {"type": "string"},
        "icon": {"type": "string"},
        "price": {"type": ["number", "null"]},
        "delivery_days": {"type": "integer"},
        "audience": {
            "type": "object",
            "properties": {
                "kind": {"type": "string", "enum": ["everyone", "department", "group"]},
                "department": {"type": "string"},
                "group": {"type": "string"},
            },
        },
        "approval": {
            "type": "array",
            "description": '`[]`, `[{"kind": "manager"}]`, `[{"kind": "group", "group": ...}]` '
            "or the manager then a group",
            "items": {"type": "object"},
        },
        "fields": {
            "type": "array",
            "description": "Field definitions as in `CatalogField`; each problem is reported "
            "with the field's number and name",
            "items": {"type": "object"},
        },
        "tasks": {
            "type": "array",
            "description": "The checklist: `key`, `group` (a support group), `title`, "
            "optionally `title_ru`, `description`, `depends_on` (keys listed before), "
            "`delivers` (CMDB class), `licence` (the answer field naming the software)",
            "items": {"type": "object"},
        },
        "active": {"type": "boolean", "description": "false retires the item"},
    },
}
#: Form field -> API property, for messages.
API_NAMES = {
    "slug": "id",
    "audience_department": "audience",
    "audience_group": "audience",
    "approval_group": "approval",
}


def _typed_item(body: Mapping[str, Any], item: Any) -> tuple[dict[str, str], dict[str, Any]]:
    """The admin form's values from a JSON body (over the item's own for a PUT), and
    messages about what the form cannot say."""
    typed = {k: "" for k in FORM_NAMES}
    if item is not None:
        typed.update(item_values(item))
    else:
        typed.update(NEW_ITEM_VALUES)
    errors: dict[str, Any] = {}
    typed["slug"] = str(body.get("id", ""))
    for key in ("name", "name_ru", "description", "description_ru", "category", "icon"):
        if key in body:
            typed[key] = str(body[key]).strip()
    if "price" in body:
        typed["price"] = "" if body["price"] is None else str(body["price"])
    if "delivery_days" in body:
        typed["delivery_days"] = str(body["delivery_days"])
    if "audience" in body:
        audience = body["audience"]
        typed["audience"] = str(audience.get("kind", "everyone"))
        typed["audience_department"] = str(audience.get("department", ""))
        typed["audience_group"] = str(audience.get("group", ""))
    if "approval" in body:
        kind, group = approval_kind(body["approval"])
        unchanged = item is not None and [dict(s) for s in item.approval] == body["approval"]
        if kind == "custom" and not unchanged:
            errors["approval"] = _(
                "Approval is [], the manager, a group, or the manager then a group."
            )
        typed["approval"], typed["approval_group"] = kind, group
    for key in ("fields", "tasks"):
        if key in body:
            typed[key] = json.dumps(body[key], ensure_ascii=False)
    return typed, errors


def _save_item(request: Any, body: Mapping[str, Any], item: Any) -> Any:
    typed, errors = _typed_item(body, item)
    values, checked = check_item(request, typed, item)
    for key, message in checked.items():
        if isinstance(message, list):
            message = " ".join(message)
        errors.setdefault(API_NAMES.get(key, key), message)
    if errors:
        raise ApiError(400, "invalid", _("Some fields are not valid."), errors)
    if "active" in body:
        values["active"] = bool(body["active"])
    if item is None:
        return add_catalog_item(request, typed["slug"], values)
    change_catalog_item(request, item, values)
    return item


@api.view(
    "api.catalog",
    "POST",
    P.MANAGE,
    "Add a catalog item (administrators)",
    response("201", "The new item", ITEM_REF),
    body=ITEM_WRITE_SCHEMA,
)
def add_item_view(context: Any, request: Any) -> dict[str, Any]:
    item = _save_item(request, json_body(request), None)
    request.response.status = 201
    request.response.location = f"{request.application_url}{CATALOG}/{item.slug}"
    return item_json(item)


@api.view(
    "api.catalog.item",
    "PUT",
    P.MANAGE,
    "Change a catalog item (administrators); new orders use the change",
    response("200", "The item", ITEM_REF),
    body=ITEM_WRITE_SCHEMA,
)
def change_item_view(context: Any, request: Any) -> dict[str, Any]:
    body = json_body(request)
    if "id" in body and body["id"] != context.slug:
        raise ApiError(400, "invalid", _("Some fields are not valid."), {"id": _("It stays.")})
    return item_json(_save_item(request, body, context))


@api.view(
    "api.requests",
    "GET",
    P.VIEW,
    "Requests the caller may see (employees: their own)",
    response("200", "A page of requests"),
    parameters=query_strings("status", "requester", "q")
    + [
        *paging(200),
    ],
)
def list_view(context: Any, request: Any) -> dict[str, Any]:
    staff = is_staff(request)
    query = ticket_query(request, "request", staff)
    return list_page(
        request,
        lambda **page: search(request.itsm_root, sort="created", reverse=True, **page, **query),
        request_json,
    )


CREATE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["item"],
    "properties": {
        "item": {"type": "string", "example": "new-laptop"},
        "fields": {
            "type": "object",
            "description": "Answers by field name, checked against the item's form (see "
            "`GET /api/v1/catalog`): text, choice value, login (person), ISO date, number, "
            "boolean (checkbox), or for a `file` field an object "
            '`{"filename": ..., "content_base64": ...}` (schema `FileAnswer`). Answers to '
            "fields hidden by their `show_if` condition are dropped.",
        },
        "draft": {"type": "boolean", "description": "Save without sending"},
        "requester": {"type": "string", "description": "IT staff only: order for someone"},
        "channel": {"type": "string", "enum": list(CHANNELS)},
    },
}


@api.view(
    "api.requests",
    "POST",
    P.CREATE,
    "Order a catalog item; fields are checked against the item's form",
    response("201", "The new request", REQUEST_REF),
    body=CREATE_SCHEMA,
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
        if not has_staff_role(ctx.roles):
            raise ApiError(403, "forbidden", _("Only IT staff can order for someone else."))
        try:  # someone who never logged in is looked up in the directory
            requester = caller_login(request, body["requester"])
        except UnknownCaller as error:
            raise ApiError(
                400, "invalid", _("Some fields are not valid."), {"requester": error.message}
            ) from None
    fields = decoded_files(item, body.get("fields", {}), request)
    try:
        created = create_request(
            ctx,
            item,
            fields,
            requester=requester,
            draft=bool(body.get("draft")),
            channel=body.get("channel", "api"),
        )
    except OrderError as error:
        code = "forbidden" if error.status == 403 else "invalid"
        raise ApiError(error.status, code, error.message, error.fields) from None
    request.response.status = 201
    request.response.location = f"{request.application_url}{REQUESTS}/{created.number}"
    return request_json(created)


def decoded_files(item: Any, fields: Mapping[str, Any], request: Any) -> dict[str, Any]:
    """The answers with each file field's ``{"filename", "content_base64"}`` made a stored
    file; ApiError 400 naming the fields whose files are not valid or too large."""
    out = dict(fields)
    errors: dict[str, Any] = {}
    max_bytes = request.registry.itsm_settings.attachment_max_bytes
    for name in file_fields(item):
        value = fields.get(name)
        if value is None or value == "":
            continue
        if not isinstance(value, Mapping) or not isinstance(value.get("filename"), str):
            errors[name] = _('Send a file as {"filename": ..., "content_base64": ...}.')
            continue
        try:
            data = base64.b64decode(str(value.get("content_base64", "")), validate=True)
        except (binascii.Error, ValueError):
            errors[name] = _("The file's content_base64 is not valid base64.")
            continue
        try:
            out[name] = make_attachment(
                value["filename"], io.BytesIO(data), max_bytes, str(value.get("content_type", ""))
            )
        except AttachmentTypeRefused as error:
            errors[name] = _(
                "Not accepted: ${name}: ${reason}.",
                mapping={"name": error.filename, "reason": error.reason},
            )
        except AttachmentTooLarge:
            errors[name] = _(
                "Too large: ${names}. Each file may have at most ${size}. Choose the files again.",
                mapping={"names": value["filename"], "size": human_size(max_bytes)},
            )
    if errors:
        raise ApiError(400, "invalid", _("Some fields are not valid."), errors)
    return out


api.read("api.request", P.VIEW, "One request", ("The request", REQUEST_REF), request_json)


@api.view(
    "api.request.file",
    "GET",
    P.VIEW,
    "Download the file that answered a file field (requester and IT staff)",
    response("200", "The file, as an attachment"),
    renderer=None,
)
def file_view(context: Any, request: Any) -> Any:
    if not may_download(context, request):
        raise ApiError(403, "forbidden", _("Only the requester and IT staff get the files."))
    file = request_file(context, request.matchdict["field"])
    if file is None:
        raise ApiError(404, "not_found", _("No file answers this field."))
    return file_response(file)


TRANSITION_SCHEMA = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "enum": ["submit", "cancel", "close", "resolve"]},
        "reason": {"type": "string", "maxLength": 5000},
    },
}


api.transitions(
    "api.request.transitions",
    P.VIEW,
    "Send a draft, cancel (with a reason), close, or resolve (IT staff)",
    ("The request", REQUEST_REF),
    TRANSITION_SCHEMA,
    actions.transition,
    lambda ctx, found: request_json(found),
    refusals=(TransitionError, OrderError),
)


@api.view(
    "api.request.tasks",
    "GET",
    P.VIEW,
    "The request's fulfilment tasks",
    response(
        "200",
        "Tasks, in creation order",
        items_schema(TASK_REF),
    ),
)
def tasks_view(context: Any, request: Any) -> dict[str, Any]:
    items = [task_json(t) for t in context.task_list()]
    return {"items": items, "total": len(items)}


@api.view(
    "api.tasks",
    "GET",
    P.VIEW,
    "Open fulfilment tasks of a group (IT staff), or assigned to me",
    response("200", "Tasks"),
    parameters=query_strings("group", "assignee", "status", "mine"),
)
def task_list_view(context: Any, request: Any) -> dict[str, Any]:
    identity = request.identity
    if not is_staff(request):
        raise ApiError(403, "forbidden", _("Only IT staff work on tasks."))
    query: dict[str, Any] = {"kind": "task"}
    for name in ("group", "assignee"):
        if request.GET.get(name):
            query[name] = request.GET[name]
    if request.GET.get("mine"):
        query["assignee"] = identity.login
    if request.GET.get("status"):
        query["status"] = request.GET["status"].split(",")
    else:
        query["open"] = True
    total, found = search(request.itsm_root, sort="created", per_page=200, **query)
    return {"items": [task_json(t) for t in found], "total": total}


api.read("api.task", P.VIEW, "One fulfilment task", ("The task", TASK_REF), task_json)


TASK_TRANSITION_SCHEMA = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "enum": ["start", "done", "cancel"]},
        "note": {"type": "string", "maxLength": 5000},
        "ci": {
            "type": "string",
            "description": "done on a delivery task: the CI handed over to the requester",
            "example": "CI-000008",
        },
    },
}


api.transitions(
    "api.task.transitions",
    P.WORK,
    "Work a task: start, done, cancel (a task waits for its dependencies)",
    ("The task", TASK_REF),
    TASK_TRANSITION_SCHEMA,
    work_task,
    lambda ctx, task: task_json(task),
    refusals=(TransitionError, TaskError),
)


TASK_ASSIGN_SCHEMA = {
    "type": "object",
    "required": ["assignee"],
    "additionalProperties": False,
    "properties": {
        "assignee": {
            "type": ["string", "null"],
            "description": "A login of IT staff in the task's group (or oneself); null: nobody",
        },
    },
}


api.action(
    "api.task.assign",
    "POST",
    P.WORK,
    "Assign a task to oneself or to IT staff of its group",
    ("The task", TASK_REF),
    lambda ctx, task, body: assign_task(ctx, task, body["assignee"]),
    lambda ctx, task: task_json(task),
    body=TASK_ASSIGN_SCHEMA,
    refusals=(TaskError,),
)


TASK_NOTE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "body": {"type": "string", "maxLength": 5000},
        "minutes": {
            "type": "integer",
            "minimum": 0,
            "maximum": 10000,
            "description": "Minutes worked (the time report counts them for the request)",
        },
    },
}


api.action(
    "api.task.notes",
    "POST",
    P.WORK,
    "Add an internal note to a task (also in the request's history)",
    ("The task", TASK_REF),
    lambda ctx, task, body: note_task(ctx, task, body.get("body", ""), body.get("minutes", 0)),
    lambda ctx, task: task_json(task),
    body=TASK_NOTE_SCHEMA,
    status="201",
    refusals=(TaskError,),
)


def includeme(config: Any) -> None:
    api.include(config)
