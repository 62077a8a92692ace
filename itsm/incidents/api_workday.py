"""The agent's working day in the API: bulk actions, saved views, watchers, macros, canned
replies, and the incident's version (``ETag`` on GET, ``If-Match`` on changes: 412)."""

from __future__ import annotations

from typing import Any

from pyramid.events import ContextFound, subscriber
from pyramid.httpexceptions import HTTPNotFound

from itsm.api.errors import ApiError, refusal
from itsm.api.openapi import json_body, response
from itsm.api.scaffold import Endpoints, container, item_in, items_schema
from itsm.i18n import _
from itsm.incidents import actions
from itsm.incidents.bulk import OPERATIONS, STATUS_TRANSITIONS, BulkRefused, bulk_update
from itsm.incidents.intake import incident_settings
from itsm.incidents.macros import (
    TRANSITIONS,
    apply_macro,
    delete_macro,
    macro_json,
    macros_of,
    save_macro,
)
from itsm.incidents.models import Incident
from itsm.incidents.saved_views import (
    KEYS,
    change_view,
    delete_view,
    get_view,
    save_view,
    view_json,
    visible_to,
)
from itsm.incidents.serialize import incident_json
from itsm.incidents.watchers import add_watcher, remove_watcher
from itsm.security.permissions import P
from itsm.security.roles import has_staff_role
from itsm.tickets.bulk import MAX_TICKETS
from itsm.tickets.context import ActionContext
from itsm.tickets.presence import etag_of, if_match_fails
from itsm.tickets.workflow import TransitionError

BASE = "/api/v1/incidents"
UNSAFE = frozenset({"POST", "PATCH", "PUT", "DELETE"})

api = Endpoints(__name__, ["incidents"])
OUTCOME_REF = api.schema(
    "BulkOutcome",
    {
        "type": "object",
        "properties": {
            "number": {"type": "string"},
            "done": {"type": "boolean"},
            "message": {"type": "string"},
            "changed": {"type": "array", "items": {"type": "string"}},
            "details": {"type": "array", "items": {"type": "string"}},
        },
    },
)
VIEW_REF = api.schema(
    "SavedView",
    {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "owner": {"type": "string"},
            "group": {"type": ["string", "null"]},
            "query": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
)
MACRO_REF = api.schema(
    "Macro",
    {
        "type": "object",
        "properties": {
            "key": {"type": "string"},
            "title": {"type": "string"},
            "group": {"type": ["string", "null"]},
            "canned": {"type": ["string", "null"]},
            "tag": {"type": ["string", "null"]},
            "transition": {"type": ["string", "null"]},
            "resolution_code": {"type": "string"},
        },
    },
)
CANNED_REF = api.schema(
    "CannedReplyText",
    {
        "type": "object",
        "properties": {
            "key": {"type": "string"},
            "title": {"type": "string"},
            "body": {"type": "string"},
        },
    },
)
INCIDENT = {"$ref": "#/components/schemas/Incident"}

# Fixed paths before the incidents' own ``{number}`` route would match them.
api.route("api.incidents.bulk", BASE + "/bulk", container("incidents"))
api.route("api.views", "/api/v1/views", container("incidents"))
api.route("api.view", "/api/v1/views/{id}", container("incidents"))
api.route("api.macros", "/api/v1/macros", container("incidents"))
api.route("api.macro", "/api/v1/macros/{key}", container("incidents"))
api.route("api.canned", "/api/v1/canned-replies", container("incidents"))
api.route("api.incident.watchers", BASE + "/{number}/watchers", item_in("incidents"))
api.route("api.incident.watcher", BASE + "/{number}/watchers/{login}", item_in("incidents"))
api.route("api.incident.macro", BASE + "/{number}/macro", item_in("incidents"))
api.route("api.incident.canned", BASE + "/{number}/canned/{key}", item_in("incidents"))


def _staff(request: Any) -> None:
    # The containers' ACL lets every employee VIEW /incidents; these are IT staff's.
    if not has_staff_role(request.identity.person.roles):
        raise ApiError(403, "forbidden", _("Only IT staff can do this."))


# -- the incident's version ----------------------------------------------------------------------


@subscriber(ContextFound)
def check_if_match(event: Any) -> None:
    """``If-Match`` on any change to an incident through the API: 412 when it names another
    version (no header: no check); every answer about one incident carries its ``ETag``."""
    request = event.request
    context = request.context
    route = getattr(request.matched_route, "name", "")
    if not isinstance(context, Incident) or not route.startswith("api.incident"):
        return
    if request.method in UNSAFE and if_match_fails(request.headers.get("If-Match"), context):
        raise ApiError(
            412,
            "precondition_failed",
            _(
                "The incident changed since you read it (ETag ${etag}). Read it again, then "
                "send your change.",
                mapping={"etag": etag_of(context)},
            ),
        )

    def add_etag(request: Any, response: Any) -> None:
        if response.status_code < 400:
            response.headers["ETag"] = etag_of(context)

    request.add_response_callback(add_etag)


# -- bulk -----------------------------------------------------------------------------------------

BULK_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["operation"],
    "properties": {
        "operation": {"type": "string", "enum": sorted(OPERATIONS)},
        "numbers": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_TICKETS},
        "query": {
            "type": "object",
            "description": "Instead of numbers: every incident these list filters find",
            "additionalProperties": {"type": "string"},
        },
        "assignee": {"type": "string"},
        "group": {"type": "string"},
        "priority": {"type": "integer", "minimum": 1, "maximum": 5},
        "transition": {"type": "string", "enum": list(STATUS_TRANSITIONS)},
        "reason": {"type": "string", "maxLength": 5000},
        "resolution_code": {"type": "string"},
        "resolution": {"type": "string", "maxLength": 20000},
        "body": {"type": "string", "maxLength": 50000},
        "problem": {"type": "string"},
        "parent": {"type": "string"},
    },
}


@api.view(
    "api.incidents.bulk",
    "POST",
    P.WORK,
    "Do one action to many incidents (IT staff): batches of 100, checked per incident",
    response(
        "200",
        "One outcome per incident: what changed, or why it was refused",
        {
            **items_schema(OUTCOME_REF, "done", "refused"),
        },
    ),
    body=BULK_SCHEMA,
)
def bulk_api(context: Any, request: Any) -> dict[str, Any]:
    _staff(request)
    body = dict(json_body(request))
    numbers = body.pop("numbers", None)
    query = body.pop("query", None)
    operation = body.pop("operation")
    if query is not None and numbers is None:
        from itsm.incidents.queries import list_incidents

        params = {k: str(v) for k, v in query.items() if k in KEYS}
        _total, items = list_incidents(request, params, page=1, per_page=MAX_TICKETS)
        numbers = [i.number for i in items]
    if not numbers:
        raise ApiError(400, "invalid", _("Some fields are required."), {"numbers": _("Required")})
    try:
        outcomes = bulk_update(request, numbers, operation, body)
    except BulkRefused as error:
        raise refusal(error) from None
    translate = request.localizer.translate
    items = [
        {
            "number": o.number,
            "done": o.done,
            "message": translate(o.message),
            "changed": o.changed,
            "details": [translate(d) for d in o.details],
        }
        for o in outcomes
    ]
    done = sum(1 for o in outcomes if o.done)
    return {"items": items, "done": done, "refused": len(outcomes) - done}


# -- saved views ----------------------------------------------------------------------------------

VIEW_BODY = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "maxLength": 60},
        "group": {"type": "string", "description": "Share with this support group ('' = only me)"},
        "query": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def _view_or_404(request: Any) -> Any:
    view = get_view(request.itsm_root, request.matchdict["id"])
    person = request.identity.person
    if view is None or (view.owner != person.login and view.group not in person.groups):
        if "admin" not in person.roles or view is None:
            raise HTTPNotFound()
    return view


@api.view(
    "api.views",
    "GET",
    P.WORK,
    "My saved views and those shared with my groups (IT staff)",
    response("200", "Saved views", items_schema(VIEW_REF, "total")),
)
def views_api(context: Any, request: Any) -> dict[str, Any]:
    _staff(request)
    items = [view_json(v) for v in visible_to(request.itsm_root, request.identity.person)]
    return {"items": items, "total": len(items)}


@api.view(
    "api.views",
    "POST",
    P.WORK,
    "Save list filters under a name",
    response("201", "The saved view", VIEW_REF),
    body={**VIEW_BODY, "required": ["name"]},
)
def save_view_api(context: Any, request: Any) -> dict[str, Any]:
    _staff(request)
    body = json_body(request)
    ctx = ActionContext.from_request(request)
    try:
        view = save_view(ctx, body["name"], body.get("query", {}), body.get("group", ""))
    except TransitionError as error:
        raise refusal(error) from None
    request.response.status = 201
    return view_json(view)


@api.view(
    "api.view",
    "PATCH",
    P.WORK,
    "Rename, reshare or change a saved view (its owner)",
    response("200", "The saved view", VIEW_REF),
    body=VIEW_BODY,
)
def change_view_api(context: Any, request: Any) -> dict[str, Any]:
    _staff(request)
    view = _view_or_404(request)
    body = json_body(request)
    ctx = ActionContext.from_request(request)
    try:
        change_view(
            ctx, view, name=body.get("name"), group=body.get("group"), query=body.get("query")
        )
    except TransitionError as error:
        raise refusal(error) from None
    return view_json(view)


@api.view(
    "api.view", "DELETE", P.WORK, "Delete a saved view (its owner)", response("204", "Deleted")
)
def delete_view_api(context: Any, request: Any) -> Any:
    _staff(request)
    view = _view_or_404(request)
    try:
        delete_view(ActionContext.from_request(request), view)
    except TransitionError as error:
        raise refusal(error) from None
    request.response.status = 204
    return request.response


# -- watchers -------------------------------------------------------------------------------------


@api.view(
    "api.incident.watchers",
    "GET",
    P.VIEW,
    "Who gets the incident's public updates besides the requester",
    response("200", "Watchers' logins", {"type": "object"}),
)
def watchers_api(context: Any, request: Any) -> dict[str, Any]:
    return {"items": list(context.watchers), "total": len(context.watchers)}


@api.view(
    "api.incident.watchers",
    "POST",
    P.VIEW,
    "Add a watcher (the requester and IT staff)",
    response("200", "The incident", INCIDENT),
    body={
        "type": "object",
        "additionalProperties": False,
        "required": ["login"],
        "properties": {"login": {"type": "string", "maxLength": 100}},
    },
)
def add_watcher_api(context: Any, request: Any) -> dict[str, Any]:
    ctx = ActionContext.from_request(request)
    try:
        add_watcher(ctx, context, json_body(request)["login"], request.directory)
    except TransitionError as error:
        raise refusal(error) from None
    return incident_json(context, ctx.now)


@api.view(
    "api.incident.watcher",
    "DELETE",
    P.VIEW,
    "Remove a watcher (the requester, IT staff, or the watcher themselves)",
    response("200", "The incident", INCIDENT),
)
def remove_watcher_api(context: Any, request: Any) -> dict[str, Any]:
    ctx = ActionContext.from_request(request)
    try:
        remove_watcher(ctx, context, request.matchdict["login"])
    except TransitionError as error:
        raise refusal(error) from None
    return incident_json(context, ctx.now)


# -- macros and canned replies --------------------------------------------------------------------

MACRO_BODY = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "key": {"type": "string", "maxLength": 40},
        "title": {"type": "string", "maxLength": 100},
        "group": {"type": "string"},
        "canned": {"type": "string"},
        "tag": {"type": "string", "maxLength": 40},
        "transition": {"type": "string", "enum": list(TRANSITIONS)},
        "resolution_code": {"type": "string"},
    },
}


@api.view(
    "api.macros",
    "GET",
    P.WORK,
    "The macros (IT staff)",
    response("200", "Macros by title", items_schema(MACRO_REF, "total")),
)
def macros_api(context: Any, request: Any) -> dict[str, Any]:
    _staff(request)
    macros = sorted(macros_of(request.itsm_root).values(), key=lambda m: m.title.casefold())
    return {"items": [macro_json(m) for m in macros], "total": len(macros)}


@api.view(
    "api.macros",
    "POST",
    P.WORK,
    "Add a macro (administrators and group leads)",
    response("201", "The macro", MACRO_REF),
    body={**MACRO_BODY, "required": ["key", "title"]},
)
def add_macro_api(context: Any, request: Any) -> dict[str, Any]:
    _staff(request)
    ctx = ActionContext.from_request(request)
    body = json_body(request)
    if body["key"] in macros_of(ctx.root):
        raise ApiError(
            409, "conflict", _("Some fields are not valid."), {"key": _("This key is taken.")}
        )
    try:
        macro = save_macro(ctx, body)
    except TransitionError as error:
        raise refusal(error) from None
    request.response.status = 201
    return macro_json(macro)


@api.view(
    "api.macro",
    "PUT",
    P.WORK,
    "Replace a macro (administrators and group leads)",
    response("200", "The macro", MACRO_REF),
    body={**MACRO_BODY, "required": ["title"]},
)
def put_macro_api(context: Any, request: Any) -> dict[str, Any]:
    _staff(request)
    key = request.matchdict["key"]
    if key not in macros_of(request.itsm_root):
        raise HTTPNotFound()
    ctx = ActionContext.from_request(request)
    try:
        macro = save_macro(
            ctx, {**json_body(request), "key": json_body(request).get("key", key)}, key
        )
    except TransitionError as error:
        raise refusal(error) from None
    return macro_json(macro)


@api.view(
    "api.macro",
    "DELETE",
    P.WORK,
    "Delete a macro (administrators and group leads)",
    response("204", "Deleted"),
)
def delete_macro_api(context: Any, request: Any) -> Any:
    _staff(request)
    try:
        found = delete_macro(ActionContext.from_request(request), request.matchdict["key"])
    except TransitionError as error:
        raise refusal(error) from None
    if not found:
        raise HTTPNotFound()
    request.response.status = 204
    return request.response


@api.view(
    "api.incident.macro",
    "POST",
    P.WORK,
    "Apply a macro to the incident (IT staff)",
    response("200", "The incident", INCIDENT),
    body={
        "type": "object",
        "additionalProperties": False,
        "required": ["macro"],
        "properties": {"macro": {"type": "string"}},
    },
)
def apply_macro_api(context: Any, request: Any) -> dict[str, Any]:
    ctx = ActionContext.from_request(request)
    try:
        apply_macro(ctx, context, json_body(request)["macro"], request.locale_name)
    except TransitionError as error:
        request.tm.doom()
        raise refusal(error) from None
    return incident_json(context, ctx.now)


@api.view(
    "api.canned",
    "GET",
    P.WORK,
    "The canned replies in the caller's language (IT staff; administrators change them "
    "with PUT /api/v1/settings/incidents/canned)",
    response("200", "Canned replies", items_schema(CANNED_REF, "total")),
)
def canned_api(context: Any, request: Any) -> dict[str, Any]:
    _staff(request)
    settings = incident_settings(request.itsm_root)
    items = []
    for key, reply in sorted(settings.canned.items()):
        title, body = reply.localized(request.locale_name)
        items.append({"key": key, "title": title, "body": body})
    return {"items": items, "total": len(items)}


@api.view(
    "api.incident.canned",
    "GET",
    P.WORK,
    "A canned reply with this incident's placeholders filled in (to send as a reply)",
    response("200", "The text", CANNED_REF),
)
def canned_for_incident_api(context: Any, request: Any) -> dict[str, Any]:
    ctx = ActionContext.from_request(request)
    key = request.matchdict["key"]
    try:
        body = actions.canned_text(ctx, context, key, request.locale_name)
    except TransitionError as error:
        raise refusal(error) from None
    title = incident_settings(ctx.root).canned[key].localized(request.locale_name)[0]
    return {"key": key, "title": title, "body": body}


def includeme(config: Any) -> None:
    api.include(config)
