"""``/api/v1/settings/…``: read the settings (administrators and IT staff), change them
(administrators), with the same checks, audit and permissions as the settings pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from itsm.admin import configure
from itsm.admin.schemas import (
    PLACEHOLDERS,
    WEEKDAYS,
    CannedSchema,
    DefaultsSchema,
    FieldErrors,
    calendar_schema,
    choices,
    deserialize,
    group_schema,
    matrix_cells,
    matrix_schema,
    policy_schema,
    rules_schema,
)
from itsm.admin.serialize import (
    calendar_json,
    group_json,
    incident_settings_json,
    matrix_json,
    policy_json,
    rule_json,
    sla_settings_json,
)
from itsm.api.errors import ApiError
from itsm.api.openapi import json_body
from itsm.i18n import _
from itsm.people.groups import STRATEGIES
from itsm.sla.calendar import CalendarError
from itsm.sla.policy import PRIORITIES, PolicyError
from itsm.tickets.context import ActionContext
from itsm.tickets.priority import LEVELS

BASE = "/api/v1/settings"
#: Ticket kinds an SLA policy may be for.
POLICY_KINDS = ("incident", "request", "change", "problem")
TAGS = ["settings"]

# -- JSON schemas (documented in OpenAPI and enforced before the colander checks) -----------------

STRINGS = {"type": "array", "items": {"type": "string", "maxLength": 200}}
MATRIX_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": list(LEVELS),
    "description": "Priority (1 critical … 5 planning) by impact, then urgency",
    "properties": {
        impact: {
            "type": "object",
            "additionalProperties": False,
            "required": list(LEVELS),
            "properties": {u: {"type": "integer", "minimum": 1, "maximum": 5} for u in LEVELS},
        }
        for impact in LEVELS
    },
}
RULE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "group"],
    "properties": {
        "name": {"type": "string", "maxLength": 100},
        "group": {"type": "string", "description": "An existing support group"},
        "category": {"type": "string", "description": "One of the categories; empty: default"},
        "keywords": {**STRINGS, "description": "Words or phrases, English or Russian"},
        "departments": STRINGS,
        "ci_classes": STRINGS,
    },
}
RULES_SCHEMA = {"type": "array", "items": {"$ref": "#/components/schemas/RoutingRule"}}
CANNED_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "body"],
    "description": "Placeholders: " + ", ".join(f"${{{p}}}" for p in PLACEHOLDERS),
    "properties": {
        "title": {"type": "string", "maxLength": 200},
        "body": {"type": "string", "maxLength": 20000},
        "title_ru": {"type": "string", "maxLength": 200},
        "body_ru": {"type": "string", "maxLength": 20000},
    },
}
CANNED_MAP_SCHEMA = {
    "type": "object",
    "description": "Canned replies by key",
    "additionalProperties": {"$ref": "#/components/schemas/CannedReply"},
}
INCIDENT_SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "matrix": {"$ref": "#/components/schemas/PriorityMatrix"},
        "rules": RULES_SCHEMA,
        "canned": CANNED_MAP_SCHEMA,
        "categories": {"type": "array", "items": {"type": "string"}},
        "default_group": {"type": "string"},
        "default_category": {"type": "string"},
    },
}
INCIDENT_PATCH_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "matrix": {"$ref": "#/components/schemas/PriorityMatrix"},
        "rules": RULES_SCHEMA,
        "canned": CANNED_MAP_SCHEMA,
        "default_group": {"type": "string"},
        "default_category": {"type": "string"},
    },
}
NULLABLE_TEXT = {"type": ["string", "null"], "maxLength": 200}
GROUP_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "readOnly": True, "description": "The name, in the path"},
        "title_ru": {"type": "string", "maxLength": 100},
        "description": {"type": "string", "maxLength": 2000},
        "email": {"type": "string", "maxLength": 200},
        "lead": {**NULLABLE_TEXT, "description": "A person's login"},
        "strategy": {"type": "string", "enum": list(STRATEGIES)},
        "escalation_group": {**NULLABLE_TEXT, "description": "Another support group"},
        "tier": {"type": "integer", "minimum": 1, "maximum": 9},
    },
}
CALENDAR_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["timezone"],
    "properties": {
        "name": {"type": "string", "readOnly": True},
        "timezone": {"type": "string", "example": "Europe/Moscow"},
        "hours": {
            "type": "object",
            "additionalProperties": False,
            "description": "Working hours per weekday, like 09:00-13:00, 14:00-18:00",
            "properties": {day: {"type": "string", "maxLength": 200} for day in WEEKDAYS},
        },
        "holidays": {"type": "array", "items": {"type": "string", "format": "date"}},
    },
}
TARGET_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["response_minutes", "resolution_minutes"],
    "properties": {
        "response_minutes": {"type": "integer", "minimum": 1},
        "resolution_minutes": {"type": "integer", "minimum": 1},
        "business_hours": {"type": "boolean"},
    },
}
POLICY_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["targets", "warn_percent", "calendar"],
    "properties": {
        "name": {"type": "string", "readOnly": True},
        "kind": {"type": "string", "readOnly": True},
        "targets": {
            "type": "object",
            "additionalProperties": False,
            "required": [str(p) for p in PRIORITIES],
            "properties": {str(p): TARGET_SCHEMA for p in PRIORITIES},
        },
        "warn_percent": {"type": "integer", "minimum": 1, "maximum": 99},
        "calendar": {"type": "string"},
    },
}
SLA_SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "calendars": {"type": "object", "additionalProperties": CALENDAR_SCHEMA},
        "policies": {"type": "object", "additionalProperties": POLICY_SCHEMA},
    },
}


def _ok(code: str, description: str, schema: Mapping[str, Any] | None = None) -> dict:
    body: dict[str, Any] = {"description": description}
    if schema is not None:
        body["content"] = {"application/json": {"schema": schema}}
    return {code: body}


def _body(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


# -- route factories: the settings objects, whose ACL (admin all, agent view) applies -------------


def incident_settings_factory(request: Any) -> Any:
    return request.itsm_root["settings"]["incidents"]


def groups_factory(request: Any) -> Any:
    return request.itsm_root["settings"]["groups"]


def sla_settings_factory(request: Any) -> Any:
    return request.itsm_root["settings"]["sla"]


def add_routes(config: Any) -> None:
    config.add_route(
        "api.settings.incidents", BASE + "/incidents", factory=incident_settings_factory
    )
    for part in ("matrix", "rules", "canned"):
        config.add_route(
            f"api.settings.incidents.{part}",
            f"{BASE}/incidents/{part}",
            factory=incident_settings_factory,
        )
    config.add_route("api.settings.groups", BASE + "/groups", factory=groups_factory)
    config.add_route("api.settings.group", BASE + "/groups/{name}", factory=groups_factory)
    config.add_route("api.settings.sla", BASE + "/sla", factory=sla_settings_factory)
    config.add_route(
        "api.settings.sla.policy", BASE + "/sla/policies/{kind}", factory=sla_settings_factory
    )
    config.add_route(
        "api.settings.sla.calendar", BASE + "/sla/calendars/{name}", factory=sla_settings_factory
    )
    spec = config.registry.itsm_openapi
    spec.add_schema("PriorityMatrix", MATRIX_SCHEMA)
    spec.add_schema("RoutingRule", RULE_SCHEMA)
    spec.add_schema("CannedReply", CANNED_SCHEMA)
    spec.add_schema("SupportGroup", GROUP_SCHEMA)
    spec.add_schema("BusinessCalendar", CALENDAR_SCHEMA)
    spec.add_schema("SlaPolicy", POLICY_SCHEMA)


# -- checking --------------------------------------------------------------------------------------


def _refuse(fields: Mapping[str, Any], message: Any = None) -> ApiError:
    return ApiError(400, "invalid", message or _("Some fields are not valid."), dict(fields))


class Checker:
    """Deserializes parts of a body, collecting every part's field messages before refusing,
    so a PATCH changes all it names or nothing."""

    def __init__(self, request: Any, **kw: Any) -> None:
        self.request = request
        self.kw = {**choices(request.itsm_root), **kw}
        self.errors: dict[str, Any] = {}

    def __call__(self, schema: Any, cstruct: Any, prefix: str = "", **kw: Any) -> Any:
        bound = schema.bind(**{**self.kw, **kw})
        try:
            return deserialize(bound, cstruct, self.request.localizer.translate, prefix)
        except FieldErrors as error:
            self.errors.update(error.fields)
            return None

    def done(self) -> None:
        if self.errors:
            raise _refuse(self.errors)


def _canned(check: Checker, body: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    replies = {}
    for key, entry in body.items():
        values = check(CannedSchema(), {**entry, "key": key}, f"{prefix}{key}.", current=key)
        replies[key] = values
    return replies


def _ctx(request: Any) -> ActionContext:
    return ActionContext.from_request(request)


# -- incidents -------------------------------------------------------------------------------------


@view_config(
    route_name="api.settings.incidents",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE + "/incidents",
        "summary": "Incident settings: priority matrix, routing rules, canned replies, defaults",
        "tags": TAGS,
        "responses": _ok("200", "The incident settings", INCIDENT_SETTINGS_SCHEMA),
    },
)
def get_incident_settings(context: Any, request: Any) -> dict[str, Any]:
    return incident_settings_json(context)


@view_config(
    route_name="api.settings.incidents",
    request_method="PATCH",
    renderer="json",
    permission="edit",
    openapi={
        "path": BASE + "/incidents",
        "summary": "Change parts of the incident settings (administrators); each part given "
        "replaces that part whole",
        "tags": TAGS,
        "requestBody": _body(INCIDENT_PATCH_SCHEMA),
        "responses": _ok("200", "The incident settings", INCIDENT_SETTINGS_SCHEMA),
    },
)
def patch_incident_settings(context: Any, request: Any) -> dict[str, Any]:
    body = json_body(request)
    check = Checker(request)
    matrix = check(matrix_schema(), body["matrix"], "matrix.") if "matrix" in body else None
    rules = check(rules_schema(), body["rules"], "rules.") if "rules" in body else None
    canned = _canned(check, body["canned"], "canned.") if "canned" in body else None
    defaults = None
    if "default_group" in body or "default_category" in body:
        current = {"default_group": context.default_group}
        current["default_category"] = context.default_category
        defaults = check(DefaultsSchema(), {**current, **body})
    check.done()
    ctx = _ctx(request)
    if matrix is not None:
        configure.set_matrix(ctx, context, matrix_cells(matrix))
    if rules is not None:
        configure.replace_rules(ctx, context, rules)
    if canned is not None:
        configure.replace_canned(ctx, context, canned)
    if defaults is not None:
        configure.set_defaults(ctx, context, defaults)
    return incident_settings_json(context)


def _put_part(
    request: Any, schema: Any, apply: Callable[[Any], Any], answer: Callable[[], Any]
) -> Any:
    check = Checker(request)
    values = check(schema, json_body(request))
    check.done()
    apply(values)
    return answer()


@view_config(
    route_name="api.settings.incidents.matrix",
    request_method="PUT",
    renderer="json",
    permission="edit",
    openapi={
        "path": BASE + "/incidents/matrix",
        "summary": "Replace the priority matrix (administrators)",
        "tags": TAGS,
        "requestBody": _body({"$ref": "#/components/schemas/PriorityMatrix"}),
        "responses": _ok("200", "The matrix", {"$ref": "#/components/schemas/PriorityMatrix"}),
    },
)
def put_matrix(context: Any, request: Any) -> Any:
    return _put_part(
        request,
        matrix_schema(),
        lambda values: configure.set_matrix(_ctx(request), context, matrix_cells(values)),
        lambda: matrix_json(context.matrix),
    )


@view_config(
    route_name="api.settings.incidents.rules",
    request_method="PUT",
    renderer="json",
    permission="edit",
    openapi={
        "path": BASE + "/incidents/rules",
        "summary": "Replace the routing rules, in order: the first that matches wins "
        "(administrators)",
        "tags": TAGS,
        "requestBody": _body(RULES_SCHEMA),
        "responses": _ok("200", "The rules", RULES_SCHEMA),
    },
)
def put_rules(context: Any, request: Any) -> Any:
    return _put_part(
        request,
        rules_schema(),
        lambda values: configure.replace_rules(_ctx(request), context, values),
        lambda: [rule_json(rule) for rule in context.rules],
    )


@view_config(
    route_name="api.settings.incidents.canned",
    request_method="PUT",
    renderer="json",
    permission="edit",
    openapi={
        "path": BASE + "/incidents/canned",
        "summary": "Replace the canned replies (administrators)",
        "tags": TAGS,
        "requestBody": _body(CANNED_MAP_SCHEMA),
        "responses": _ok("200", "The canned replies", CANNED_MAP_SCHEMA),
    },
)
def put_canned(context: Any, request: Any) -> Any:
    check = Checker(request)
    replies = _canned(check, json_body(request), "")
    check.done()
    configure.replace_canned(_ctx(request), context, replies)
    return incident_settings_json(context)["canned"]


# -- groups ----------------------------------------------------------------------------------------

GROUP_REF = {"$ref": "#/components/schemas/SupportGroup"}


@view_config(
    route_name="api.settings.groups",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE + "/groups",
        "summary": "Support groups",
        "tags": TAGS,
        "responses": _ok(
            "200",
            "The groups",
            {"type": "object", "properties": {"items": {"type": "array", "items": GROUP_REF}}},
        ),
    },
)
def get_groups(context: Any, request: Any) -> dict[str, Any]:
    return {"items": [group_json(group) for group in context.values()]}


def _group(context: Any, request: Any) -> Any:
    group = context.get(request.matchdict["name"])
    if group is None:
        raise HTTPNotFound()
    return group


@view_config(
    route_name="api.settings.group",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE + "/groups/{name}",
        "summary": "One support group",
        "tags": TAGS,
        "parameters": [_path("name")],
        "responses": _ok("200", "The group", GROUP_REF),
    },
)
def get_group(context: Any, request: Any) -> dict[str, Any]:
    return group_json(_group(context, request))


def _save_group(context: Any, request: Any, body: Mapping[str, Any]) -> dict[str, Any]:
    name = request.matchdict["name"]
    group = context.get(name)
    values = {k: "" if v is None else v for k, v in body.items() if k != "title"}
    if group is None:
        values["title"] = name
    check = Checker(request, current=name if group is not None else None)
    checked = check(group_schema(new=group is None), values)
    check.done()
    ctx = _ctx(request)
    if group is None:
        group = configure.add_group(ctx, context, checked)
        request.response.status = 201
        request.response.location = request.route_url("api.settings.group", name=name)
    else:
        configure.update_group(ctx, group, checked)
    return group_json(group)


@view_config(
    route_name="api.settings.group",
    request_method="PUT",
    renderer="json",
    permission="edit",
    openapi={
        "path": BASE + "/groups/{name}",
        "summary": "Add the group called {name}, or replace its settings (administrators); "
        "fields left out are cleared",
        "tags": TAGS,
        "parameters": [_path("name")],
        "requestBody": _body(GROUP_REF),
        "responses": {
            **_ok("200", "The changed group", GROUP_REF),
            **_ok("201", "The new group", GROUP_REF),
        },
    },
)
def put_group(context: Any, request: Any) -> dict[str, Any]:
    return _save_group(context, request, json_body(request))


@view_config(
    route_name="api.settings.group",
    request_method="PATCH",
    renderer="json",
    permission="edit",
    openapi={
        "path": BASE + "/groups/{name}",
        "summary": "Change some settings of a support group (administrators)",
        "tags": TAGS,
        "parameters": [_path("name")],
        "requestBody": _body(GROUP_REF),
        "responses": _ok("200", "The changed group", GROUP_REF),
    },
)
def patch_group(context: Any, request: Any) -> dict[str, Any]:
    group = _group(context, request)
    return _save_group(context, request, {**group_json(group), **json_body(request)})


# -- SLA -------------------------------------------------------------------------------------------


@view_config(
    route_name="api.settings.sla",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE + "/sla",
        "summary": "SLA settings: business calendars and policies",
        "tags": TAGS,
        "responses": _ok("200", "The SLA settings", SLA_SETTINGS_SCHEMA),
    },
)
def get_sla_settings(context: Any, request: Any) -> dict[str, Any]:
    return sla_settings_json(context)


@view_config(
    route_name="api.settings.sla.policy",
    request_method="PUT",
    renderer="json",
    permission="edit",
    openapi={
        "path": BASE + "/sla/policies/{kind}",
        "summary": "Replace the SLA policy of a ticket kind, e.g. incident (administrators); "
        "it applies to tickets created from then on",
        "tags": TAGS,
        "parameters": [_path("kind")],
        "requestBody": _body({"$ref": "#/components/schemas/SlaPolicy"}),
        "responses": _ok("200", "The policy", {"$ref": "#/components/schemas/SlaPolicy"}),
    },
)
def put_policy(context: Any, request: Any) -> dict[str, Any]:
    kind = request.matchdict["kind"]
    if kind not in POLICY_KINDS:
        raise HTTPNotFound()
    body = {k: v for k, v in json_body(request).items() if k not in ("name", "kind")}
    check = Checker(request)
    values = check(policy_schema(), body)
    check.done()
    try:
        configure.save_policy(_ctx(request), context, kind, values)
    except PolicyError as error:
        raise _refuse({}, error.message) from None
    return policy_json(context.policy(kind))


@view_config(
    route_name="api.settings.sla.calendar",
    request_method="PUT",
    renderer="json",
    permission="edit",
    openapi={
        "path": BASE + "/sla/calendars/{name}",
        "summary": "Add the business calendar called {name}, or replace it (administrators)",
        "tags": TAGS,
        "parameters": [_path("name")],
        "requestBody": _body({"$ref": "#/components/schemas/BusinessCalendar"}),
        "responses": {
            **_ok("200", "The calendar", {"$ref": "#/components/schemas/BusinessCalendar"}),
            **_ok("201", "The new calendar", {"$ref": "#/components/schemas/BusinessCalendar"}),
        },
    },
)
def put_calendar(context: Any, request: Any) -> dict[str, Any]:
    name = request.matchdict["name"]
    new = name not in context.calendars
    body = {k: v for k, v in json_body(request).items() if k != "name"}
    if new:
        body["name"] = name
    check = Checker(request)
    values = check(calendar_schema(new=new), body)
    check.done()
    try:
        configure.save_calendar(_ctx(request), context, name, values, new=new)
    except CalendarError as error:
        raise _refuse({}, error.message) from None
    if new:
        request.response.status = 201
        request.response.location = request.route_url("api.settings.sla.calendar", name=name)
    return calendar_json(context.calendar(name))
