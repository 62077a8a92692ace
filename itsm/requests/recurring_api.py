"""``/api/v1/recurring``: recurring work templates (IT staff), and the checks the pages share."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from itsm.api.errors import ApiError
from itsm.api.openapi import json_body
from itsm.i18n import _
from itsm.requests.catalog import CatalogItem
from itsm.requests.forms import validate_answers
from itsm.requests.recurring import (
    CREATES,
    KINDS,
    add_template,
    calendar_of,
    remove_template,
    schedule_error,
    set_active,
    templates,
    update_template,
)
from itsm.sla.models import get_sla_settings

BASE = "/api/v1/recurring"
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
SCHEDULE = {
    "type": "object",
    "required": ["kind"],
    "additionalProperties": False,
    "properties": {
        "kind": {"type": "string", "enum": list(KINDS)},
        "weekday": {"type": "integer", "minimum": 0, "maximum": 6, "description": "0 = Monday"},
        "time": {"type": "string", "example": "09:00", "description": "Local time, HH:MM"},
    },
}
FIELDS = {
    "title": {"type": "string", "maxLength": 200},
    "creates": {"type": "string", "enum": list(CREATES)},
    "item": {"type": "string", "description": "creates=request: the catalog item"},
    "fields": {"type": "object", "description": "creates=request: the item's form answers"},
    "group": {"type": "string", "description": "creates=task: the support group"},
    "description": {"type": "string", "maxLength": 5000},
    "requester": {"type": "string"},
    "schedule": SCHEDULE,
    "calendar": {
        "type": "string",
        "description": "A business calendar (time zone, working days, holidays); "
        "empty: the calendar of delivery targets",
    },
}
CREATE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "requester", "schedule"],
    "properties": {"id": {"type": "string", "example": "monthly-backup-check"}, **FIELDS},
}
UPDATE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {**FIELDS, "active": {"type": "boolean", "description": "false: paused"}},
}
TEMPLATE_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        **FIELDS,
        "active": {"type": "boolean"},
        "timezone": {"type": "string", "description": "The time zone of the schedule"},
        "last_run": {"type": ["string", "null"], "format": "date-time"},
        "next_run": {"type": ["string", "null"], "format": "date-time"},
        "runs": {"type": "array", "items": {"type": "object"}},
    },
}
TEMPLATE_REF = {"$ref": "#/components/schemas/RecurringTemplate"}
ID_PARAM = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def template_json(template: Any, root: Any = None) -> dict[str, Any]:
    data = {
        "id": template.__name__,
        "title": template.title,
        "creates": template.creates,
        "item": template.item,
        "fields": dict(template.answers),
        "group": template.group,
        "description": template.description,
        "requester": template.requester,
        "schedule": dict(template.schedule),
        "calendar": template.calendar,
        "active": template.active,
        "last_run": _iso(template.last_run),
        "next_run": _iso(template.next_run if template.active else None),
        "runs": [{"at": _iso(at), "number": number} for at, number in template.runs],
    }
    if root is not None:
        data["timezone"] = calendar_of(root, template).timezone
    return data


def is_staff(request: Any) -> bool:
    identity = request.identity
    return identity is not None and (identity.has_role("agent") or identity.has_role("admin"))


def _staff_only(request: Any) -> None:
    if not is_staff(request):
        raise ApiError(403, "forbidden", _("Only IT staff manage recurring requests."))


def calendar_names(root: Any) -> list[str]:
    settings = get_sla_settings(root)
    return sorted(settings.calendars.keys()) if settings is not None else []


def check_template(
    root: Any, body: Mapping[str, Any], template: Any = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(values for add/update_template, {})`` or ``({}, {field: message})`` for a new
    template (``template`` None: ``body`` has everything) or an edit of ``template`` (what
    ``body`` leaves out stays as it was)."""
    fields: dict[str, Any] = {}

    def given(key: str, default: Any) -> Any:
        if key in body:
            return body[key]
        return default

    creates = given("creates", template.creates if template is not None else "request")
    if creates not in CREATES:
        fields["creates"] = _("Choose one of the options.")
    values: dict[str, Any] = {"creates": creates}
    title = str(given("title", template.title if template is not None else "") or "").strip()
    requester = str(given("requester", template.requester if template is not None else ""))
    if requester not in root["people"]:
        fields["requester"] = _("Unknown person.")
    schedule = given("schedule", dict(template.schedule) if template is not None else {})
    problem = schedule_error(schedule) if isinstance(schedule, Mapping) else "kind"
    if problem:
        fields[f"schedule.{problem}"] = _("Invalid value.")
    calendar = str(given("calendar", template.calendar if template is not None else "") or "")
    if calendar and calendar not in calendar_names(root):
        fields["calendar"] = _("No such business calendar.")
    description = str(given("description", template.description if template else "") or "")
    if creates == "request":
        slug = given("item", template.item if template is not None else "")
        item = root["catalog"].get(slug) if isinstance(slug, str) else None
        if not isinstance(item, CatalogItem):
            fields["item"] = _("No such catalog item.")
        else:
            raw = given("fields", dict(template.answers) if template is not None else {})
            answers, errors = validate_answers(item, root["people"], raw or {})
            fields.update(errors)
            values.update(item=item.slug, answers=answers, group="")
            title = title or item.name
    elif creates == "task":
        group = str(given("group", template.group if template is not None else "") or "")
        if group not in root["settings"]["groups"]:
            fields["group"] = _("No such group.")
        if not title:
            fields["title"] = _("Required")
        values.update(group=group, item="", answers={})
    if fields:
        return {}, fields
    values.update(
        title=title[:200],
        requester=requester,
        schedule=dict(schedule),
        calendar=calendar,
        description=description[:5000],
    )
    return values, {}


def check_slug(root: Any, slug: Any) -> Any:
    """Why ``slug`` cannot name a new template, or None."""
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        return _("Lower-case letters, digits and hyphens.")
    folder = templates(root)
    if folder is not None and slug in folder:
        return _("Taken.")
    return None


def template_factory(request: Any) -> Any:
    folder = templates(request.itsm_root)
    found = folder.get(request.matchdict["id"]) if folder is not None else None
    if found is None:
        raise HTTPNotFound()
    return found


def _ok(description: str, schema: dict | None = None) -> dict:
    body: dict[str, Any] = {"description": description}
    if schema is not None:
        body["content"] = {"application/json": {"schema": schema}}
    return {"200": body}


@view_config(
    route_name="api.recurring",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE,
        "summary": "Recurring work templates (IT staff)",
        "tags": ["requests"],
        "responses": _ok(
            "Templates",
            {
                "type": "object",
                "properties": {
                    "items": {"type": "array", "items": TEMPLATE_REF},
                    "total": {"type": "integer"},
                },
            },
        ),
    },
)
def list_view(context: Any, request: Any) -> dict[str, Any]:
    _staff_only(request)
    root = request.itsm_root
    folder = templates(root)
    items = [template_json(t, root) for t in folder.values()] if folder is not None else []
    return {"items": items, "total": len(items)}


@view_config(
    route_name="api.recurring",
    request_method="POST",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE,
        "summary": "Create a recurring template: a catalog item ordered, or a task for a group, "
        "on a schedule in a business calendar's local time",
        "tags": ["requests"],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": CREATE_SCHEMA}},
        },
        "responses": {
            "201": {
                "description": "The template",
                "content": {"application/json": {"schema": TEMPLATE_REF}},
            }
        },
    },
)
def create_view(context: Any, request: Any) -> dict[str, Any]:
    _staff_only(request)
    body = json_body(request)
    root = request.itsm_root
    values, fields = check_template(root, body)
    slug_problem = check_slug(root, body["id"])
    if slug_problem:
        fields["id"] = slug_problem
    if fields:
        raise ApiError(400, "invalid", _("Some fields are not valid."), fields)
    template = add_template(root, body["id"], datetime.now(UTC), **values)
    request.response.status = 201
    return template_json(template, root)


@view_config(
    route_name="api.recurring.one",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE + "/{id}",
        "summary": "One recurring template",
        "tags": ["requests"],
        "parameters": [ID_PARAM],
        "responses": _ok("The template", TEMPLATE_REF),
    },
)
def get_view(context: Any, request: Any) -> dict[str, Any]:
    _staff_only(request)
    return template_json(context, request.itsm_root)


@view_config(
    route_name="api.recurring.one",
    request_method="PATCH",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE + "/{id}",
        "summary": "Change a recurring template, pause it (active false) or resume it; the "
        "next run is computed again from now",
        "tags": ["requests"],
        "parameters": [ID_PARAM],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": UPDATE_SCHEMA}},
        },
        "responses": _ok("The template", TEMPLATE_REF),
    },
)
def update_view(context: Any, request: Any) -> dict[str, Any]:
    _staff_only(request)
    body = json_body(request)
    root = request.itsm_root
    now = datetime.now(UTC)
    values, fields = check_template(root, {k: v for k, v in body.items() if k != "active"}, context)
    if fields:
        raise ApiError(400, "invalid", _("Some fields are not valid."), fields)
    update_template(root, context, now, **values)
    if "active" in body and body["active"] != context.active:
        set_active(root, context, bool(body["active"]), now)
    return template_json(context, root)


@view_config(
    route_name="api.recurring.one",
    request_method="DELETE",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE + "/{id}",
        "summary": "Delete a recurring template (what it created stays; to pause, PATCH "
        "active false)",
        "tags": ["requests"],
        "parameters": [ID_PARAM],
        "responses": _ok("Deleted"),
    },
)
def delete_view(context: Any, request: Any) -> dict[str, Any]:
    _staff_only(request)
    remove_template(request.itsm_root, context.__name__)
    return {"deleted": context.__name__}


def includeme(config: Any) -> None:
    config.add_route("api.recurring", BASE)
    config.add_route("api.recurring.one", BASE + "/{id}", factory=template_factory)
    config.registry.itsm_openapi.add_schema("RecurringTemplate", TEMPLATE_SCHEMA)
    config.scan("itsm.requests.recurring_api")
    config.include("itsm.requests.recurring_views")
