"""``/api/v1/settings/…``: read the settings (administrators and IT staff), change them
(administrators), with the same checks, audit and permissions as the settings pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyramid.httpexceptions import HTTPNotFound

from itsm.admin import configure
from itsm.admin.schemas import (
    PLACEHOLDERS,
    WEEKDAYS,
    FieldErrors,
    choices,
    deserialize,
    group_schema,
    policy_schema,
)
from itsm.admin.sections import CANNED_JSON, ITEM_FORMS, RULES_JSON, SECTIONS, Section
from itsm.admin.serialize import (
    calendar_json,
    group_json,
    incident_settings_json,
    policy_json,
    sla_settings_json,
)
from itsm.api.errors import ApiError
from itsm.api.openapi import json_body, response
from itsm.api.scaffold import Endpoints, container, items_schema, ref
from itsm.i18n import _
from itsm.incidents.models import IncidentSettings
from itsm.people.groups import STRATEGIES
from itsm.security.permissions import P
from itsm.sla.models import SlaSettings
from itsm.sla.policy import PRIORITIES, PolicyError
from itsm.tickets.context import ActionContext
from itsm.tickets.priority import LEVELS

BASE = "/api/v1/settings"
#: Ticket kinds an SLA policy may be for.
POLICY_KINDS = ("incident", "request", "change", "problem")
TAGS = ["settings"]

# -- JSON schemas (documented in OpenAPI and enforced before the colander checks) -----------------

MATRIX_REF = ref("PriorityMatrix")
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
RULES_SCHEMA = RULES_JSON
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
CANNED_MAP_SCHEMA = CANNED_JSON
INCIDENT_SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "matrix": MATRIX_REF,
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
        "matrix": MATRIX_REF,
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


# -- routes: the settings objects, whose ACL (admin all, agent view) applies ----------------------

api = Endpoints(__name__, TAGS)
api.schema("PriorityMatrix", MATRIX_SCHEMA)
api.schema("RoutingRule", RULE_SCHEMA)
api.schema("CannedReply", CANNED_SCHEMA)
GROUP_REF = api.schema("SupportGroup", GROUP_SCHEMA)
CALENDAR_REF = api.schema("BusinessCalendar", CALENDAR_SCHEMA)
POLICY_REF = api.schema("SlaPolicy", POLICY_SCHEMA)
#: The settings objects by class: their path below ``/settings``.
AREAS = {IncidentSettings: "incidents", SlaSettings: "sla"}


def _settings(section: Section) -> Any:
    return container("settings", AREAS[section.context])


api.route("api.settings.incidents", BASE + "/incidents", container("settings", "incidents"))
api.route("api.settings.groups", BASE + "/groups", container("settings", "groups"))
api.route("api.settings.group", BASE + "/groups/{name}", container("settings", "groups"))
api.route("api.settings.sla", BASE + "/sla", container("settings", "sla"))
api.route("api.settings.sla.policy", BASE + "/sla/policies/{kind}", container("settings", "sla"))
api.route("api.settings.sla.calendar", BASE + "/sla/calendars/{name}", container("settings", "sla"))


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


def _ctx(request: Any) -> ActionContext:
    return ActionContext.from_request(request)


# -- incidents: its sections ----------------------------------------------------------------------


api.read(
    "api.settings.incidents",
    P.VIEW,
    "Incident settings: priority matrix, routing rules, canned replies, defaults",
    ("The incident settings", INCIDENT_SETTINGS_SCHEMA),
    incident_settings_json,
)


@api.view(
    "api.settings.incidents",
    "PATCH",
    P.EDIT,
    "Change parts of the incident settings (administrators); each part given "
    "replaces that part whole",
    response("200", "The incident settings", INCIDENT_SETTINGS_SCHEMA),
    body=INCIDENT_PATCH_SCHEMA,
)
def patch_incident_settings(context: Any, request: Any) -> dict[str, Any]:
    body = json_body(request)
    check = Checker(request)
    parts = []
    for section in SECTIONS.values():
        given = section.given(body, context) if section.given is not None else None
        if section.context is IncidentSettings and given is not None:
            parts.append((section, section.check(check, given, section.prefix)))
    check.done()
    ctx = _ctx(request)
    for section, values in parts:
        section.write(ctx, context, values)
    return incident_settings_json(context)


def put_section_view(section: Section) -> Any:
    """``PUT`` of one section: check the body whole, write it, answer it."""

    def put_section(context: Any, request: Any) -> Any:
        check = Checker(request)
        values = section.check(check, json_body(request), "")
        check.done()
        section.write(_ctx(request), context, values)
        return section.read(context)

    return put_section


for _section in SECTIONS.values():
    if _section.put is not None:
        _summary, _answer, _schema = _section.put
        _route = f"api.settings.{AREAS[_section.context]}.{_section.name}"
        api.route(_route, f"{BASE}/{AREAS[_section.context]}/{_section.name}", _settings(_section))
        api.add(
            put_section_view(_section),
            _route,
            "PUT",
            P.EDIT,
            _summary,
            response("200", _answer, _schema),
            body=_schema,
        )


# -- groups ----------------------------------------------------------------------------------------


@api.view(
    "api.settings.groups",
    "GET",
    P.VIEW,
    "Support groups",
    response(
        "200",
        "The groups",
        items_schema(GROUP_REF),
    ),
)
def get_groups(context: Any, request: Any) -> dict[str, Any]:
    return {"items": [group_json(group) for group in context.values()]}


def _group(context: Any, request: Any) -> Any:
    group = context.get(request.matchdict["name"])
    if group is None:
        raise HTTPNotFound()
    return group


@api.view(
    "api.settings.group",
    "GET",
    P.VIEW,
    "One support group",
    response("200", "The group", GROUP_REF),
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


@api.view(
    "api.settings.group",
    "PUT",
    P.EDIT,
    "Add the group called {name}, or replace its settings (administrators); "
    "fields left out are cleared",
    {
        **response("200", "The changed group", GROUP_REF),
        **response("201", "The new group", GROUP_REF),
    },
    body=GROUP_REF,
)
def put_group(context: Any, request: Any) -> dict[str, Any]:
    return _save_group(context, request, json_body(request))


@api.view(
    "api.settings.group",
    "PATCH",
    P.EDIT,
    "Change some settings of a support group (administrators)",
    response("200", "The changed group", GROUP_REF),
    body=GROUP_REF,
)
def patch_group(context: Any, request: Any) -> dict[str, Any]:
    group = _group(context, request)
    return _save_group(context, request, {**group_json(group), **json_body(request)})


# -- SLA -------------------------------------------------------------------------------------------


api.read(
    "api.settings.sla",
    P.VIEW,
    "SLA settings: business calendars and policies",
    ("The SLA settings", SLA_SETTINGS_SCHEMA),
    sla_settings_json,
)


@api.view(
    "api.settings.sla.policy",
    "PUT",
    P.EDIT,
    "Replace the SLA policy of a ticket kind, e.g. incident (administrators); "
    "it applies to tickets created from then on",
    response("200", "The policy", POLICY_REF),
    body=POLICY_REF,
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


@api.view(
    "api.settings.sla.calendar",
    "PUT",
    P.EDIT,
    "Add the business calendar called {name}, or replace it (administrators)",
    {
        **response("200", "The calendar", CALENDAR_REF),
        **response("201", "The new calendar", CALENDAR_REF),
    },
    body=CALENDAR_REF,
)
def put_calendar(context: Any, request: Any) -> dict[str, Any]:
    form = ITEM_FORMS["calendar"]
    name = request.matchdict["name"]
    original = name if form.find(context, name) is not None else None
    body = {k: v for k, v in json_body(request).items() if k != "name"}
    if original is None:
        body["name"] = name
    check = Checker(request)
    values = check(form.schema(original), body)
    check.done()
    try:
        form.save(_ctx(request), context, original, values)
    except form.refusals as error:
        raise _refuse({}, error.message) from None
    if original is None:
        request.response.status = 201
        request.response.location = request.route_url("api.settings.sla.calendar", name=name)
    return calendar_json(context.calendar(name))
