"""``/api/v1/recurring``: recurring request templates (IT staff)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from itsm.api.errors import ApiError
from itsm.api.openapi import json_body
from itsm.i18n import _
from itsm.requests.catalog import CatalogItem
from itsm.requests.forms import validate_answers
from itsm.requests.recurring import add_template, schedule_error, templates

BASE = "/api/v1/recurring"
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
SCHEDULE = {
    "type": "object",
    "required": ["kind"],
    "properties": {
        "kind": {"type": "string", "enum": ["daily", "weekly", "monthly_first_working_day"]},
        "weekday": {"type": "integer", "minimum": 0, "maximum": 6},
        "time": {"type": "string", "example": "09:00"},
    },
}
CREATE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "item", "requester", "schedule"],
    "properties": {
        "id": {"type": "string", "example": "monthly-backup-check"},
        "title": {"type": "string", "maxLength": 200},
        "item": {"type": "string"},
        "fields": {"type": "object"},
        "requester": {"type": "string"},
        "schedule": SCHEDULE,
    },
}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def template_json(template: Any) -> dict[str, Any]:
    return {
        "id": template.__name__,
        "title": template.title,
        "item": template.item,
        "fields": dict(template.answers),
        "requester": template.requester,
        "schedule": dict(template.schedule),
        "active": template.active,
        "last_run": _iso(template.last_run),
        "next_run": _iso(template.next_run),
        "runs": [{"at": _iso(at), "number": number} for at, number in template.runs],
    }


def _staff_only(request: Any) -> None:
    identity = request.identity
    if not (identity.has_role("agent") or identity.has_role("admin")):
        raise ApiError(403, "forbidden", _("Only IT staff manage recurring requests."))


def template_factory(request: Any) -> Any:
    folder = templates(request.itsm_root)
    found = folder.get(request.matchdict["id"]) if folder is not None else None
    if found is None:
        raise HTTPNotFound()
    return found


def _ok(description: str) -> dict:
    return {"200": {"description": description}}


@view_config(
    route_name="api.recurring",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE,
        "summary": "Recurring request templates (IT staff)",
        "tags": ["requests"],
        "responses": _ok("Templates"),
    },
)
def list_view(context: Any, request: Any) -> dict[str, Any]:
    _staff_only(request)
    folder = templates(request.itsm_root)
    items = [template_json(t) for t in folder.values()] if folder is not None else []
    return {"items": items, "total": len(items)}


@view_config(
    route_name="api.recurring",
    request_method="POST",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE,
        "summary": "Create a recurring template: a catalog item ordered on a schedule (UTC)",
        "tags": ["requests"],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": CREATE_SCHEMA}},
        },
        "responses": {"201": {"description": "The template"}},
    },
)
def create_view(context: Any, request: Any) -> dict[str, Any]:
    _staff_only(request)
    body = json_body(request)
    root = request.itsm_root
    fields: dict[str, Any] = {}
    item = root["catalog"].get(body["item"])
    if not isinstance(item, CatalogItem):
        fields["item"] = _("No such catalog item.")
    if body["requester"] not in root["people"]:
        fields["requester"] = _("Unknown person.")
    if not SLUG_RE.match(body["id"]):
        fields["id"] = _("Lower-case letters, digits and hyphens.")
    else:
        folder = templates(root)
        if folder is not None and body["id"] in folder:
            fields["id"] = _("Taken.")
    problem = schedule_error(body["schedule"])
    if problem:
        fields[f"schedule.{problem}"] = _("Invalid value.")
    answers: dict[str, Any] = {}
    if isinstance(item, CatalogItem):
        answers, errors = validate_answers(item, root["people"], body.get("fields", {}))
        fields.update(errors)
    if fields:
        raise ApiError(400, "invalid", _("Some fields are not valid."), fields)
    template = add_template(
        root,
        body["id"],
        datetime.now(UTC),
        title=body.get("title") or item.name,
        item=item.slug,
        answers=answers,
        requester=body["requester"],
        schedule=dict(body["schedule"]),
    )
    request.response.status = 201
    return template_json(template)


@view_config(
    route_name="api.recurring.one",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE + "/{id}",
        "summary": "One recurring template",
        "tags": ["requests"],
        "parameters": [
            {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
        ],
        "responses": _ok("The template"),
    },
)
def get_view(context: Any, request: Any) -> dict[str, Any]:
    _staff_only(request)
    return template_json(context)


@view_config(
    route_name="api.recurring.one",
    request_method="DELETE",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE + "/{id}",
        "summary": "Stop a recurring template (kept, inactive)",
        "tags": ["requests"],
        "parameters": [
            {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
        ],
        "responses": _ok("The template"),
    },
)
def stop_view(context: Any, request: Any) -> dict[str, Any]:
    _staff_only(request)
    context.active = False
    return template_json(context)


def includeme(config: Any) -> None:
    config.add_route("api.recurring", BASE)
    config.add_route("api.recurring.one", BASE + "/{id}", factory=template_factory)
    config.scan("itsm.requests.recurring_api")
