"""``/api/v1/recurring``: recurring work templates (IT staff), and the checks the pages share."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from itsm.api.errors import ApiError
from itsm.api.openapi import json_body, response
from itsm.api.scaffold import Endpoints, found_or_404, items_schema
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
from itsm.security.permissions import P
from itsm.security.roles import is_staff
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


def find_template(root: Any, name: str) -> Any:
    """The recurring template called ``name``, or None."""
    folder = templates(root)
    return folder.get(name) if folder is not None else None


api = Endpoints(__name__, ["requests"])
TEMPLATE_REF = api.schema("RecurringTemplate", TEMPLATE_SCHEMA)
api.route("api.recurring", BASE)
template_factory = found_or_404(find_template)
api.route("api.recurring.one", BASE + "/{id}", template_factory)


@api.view(
    "api.recurring",
    "GET",
    P.VIEW,
    "Recurring work templates (IT staff)",
    response(
        "200",
        "Templates",
        items_schema(TEMPLATE_REF, "total"),
    ),
)
def list_view(context: Any, request: Any) -> dict[str, Any]:
    _staff_only(request)
    root = request.itsm_root
    folder = templates(root)
    items = [template_json(t, root) for t in folder.values()] if folder is not None else []
    return {"items": items, "total": len(items)}


@api.view(
    "api.recurring",
    "POST",
    P.VIEW,
    "Create a recurring template: a catalog item ordered, or a task for a group, "
    "on a schedule in a business calendar's local time",
    response("201", "The template", TEMPLATE_REF),
    body=CREATE_SCHEMA,
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


@api.view(
    "api.recurring.one",
    "GET",
    P.VIEW,
    "One recurring template",
    response("200", "The template", TEMPLATE_REF),
)
def get_view(context: Any, request: Any) -> dict[str, Any]:
    _staff_only(request)
    return template_json(context, request.itsm_root)


@api.view(
    "api.recurring.one",
    "PATCH",
    P.VIEW,
    "Change a recurring template, pause it (active false) or resume it; the "
    "next run is computed again from now",
    response("200", "The template", TEMPLATE_REF),
    body=UPDATE_SCHEMA,
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


@api.view(
    "api.recurring.one",
    "DELETE",
    P.VIEW,
    "Delete a recurring template (what it created stays; to pause, PATCH active false)",
    response("200", "Deleted"),
)
def delete_view(context: Any, request: Any) -> dict[str, Any]:
    _staff_only(request)
    remove_template(request.itsm_root, context.__name__)
    return {"deleted": context.__name__}


def includeme(config: Any) -> None:
    api.include(config)
    config.include("itsm.requests.recurring_views")
