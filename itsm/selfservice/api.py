"""``/api/v1/announcements``, ``/api/v1/surveys`` and ``/api/v1/incidents/{number}/satisfaction``:
the portal's operations with the same permissions as its pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pyramid.httpexceptions import HTTPNotFound
from pyramid.security import NO_PERMISSION_REQUIRED

from itsm.api.errors import ApiError, refusal
from itsm.api.openapi import json_body, response
from itsm.api.scaffold import Endpoints, item_in, items_schema
from itsm.i18n import _
from itsm.security.permissions import P
from itsm.selfservice import announcements as board_ops
from itsm.selfservice import satisfaction
from itsm.selfservice.announcements import (
    AUDIENCES,
    SEVERITIES,
    AnnouncementBoard,
    AnnouncementInvalid,
    announcement_json,
)

ANNOUNCEMENTS = "/api/v1/announcements"
SURVEYS = "/api/v1/surveys"
SATISFACTION = "/api/v1/incidents/{number}/satisfaction"
REQUEST_SATISFACTION = "/api/v1/requests/{number}/satisfaction"
TIME = {"type": "string", "format": "date-time"}
ANNOUNCEMENT_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "body": {"type": "string", "description": "Plain text"},
        "severity": {"type": "string", "enum": list(SEVERITIES)},
        "audience": {"type": "string", "enum": list(AUDIENCES)},
        "starts": TIME,
        "expires": TIME,
        "state": {"type": "string", "enum": ["scheduled", "current", "expired"]},
        "author": {"type": ["string", "null"]},
        "created": TIME,
        "updated": {"type": ["string", "null"]},
    },
}
_FIELDS = {
    "title": {"type": "string", "minLength": 1, "maxLength": board_ops.TITLE_MAX},
    "body": {"type": "string", "maxLength": board_ops.BODY_MAX},
    "severity": {"type": "string", "enum": list(SEVERITIES)},
    "audience": {"type": "string", "enum": list(AUDIENCES)},
    "starts": {"type": "string", "description": "ISO 8601; default now"},
    "expires": {"type": "string", "description": "ISO 8601; default a week after the start"},
}
CREATE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title"],
    "properties": _FIELDS,
}
PATCH_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {**_FIELDS, "expire_now": {"type": "boolean"}},
}
SCORE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["score"],
    "properties": {
        "score": {"type": "integer", "minimum": 1, "maximum": 5},
        "comment": {"type": "string", "maxLength": satisfaction.COMMENT_MAX},
    },
}
SURVEY_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["token", "score"],
    "properties": {
        "token": {"type": "string", "maxLength": 200},
        **SCORE_SCHEMA["properties"],
    },
}
SATISFACTION_RESULT = {
    "type": "object",
    "properties": {
        "number": {"type": "string"},
        "score": {"type": "integer"},
        "comment": {"type": "string"},
        "at": TIME,
    },
}


def board_factory(request: Any) -> AnnouncementBoard:
    return AnnouncementBoard(request.itsm_root)


api = Endpoints(__name__, ["portal"])
ANNOUNCEMENT_REF = api.schema("Announcement", ANNOUNCEMENT_SCHEMA)
api.route("api.announcements", ANNOUNCEMENTS, board_factory)
api.route("api.announcement", ANNOUNCEMENTS + "/{id}", board_factory)
api.route("api.surveys", SURVEYS)
api.route("api.incident.satisfaction", SATISFACTION, item_in("incidents"))
api.route("api.request.satisfaction", REQUEST_SATISFACTION, item_in("requests"))


def _announcement(request: Any) -> Any:
    announcement = AnnouncementBoard(request.itsm_root).get(request.matchdict["id"])
    if announcement is None:
        raise HTTPNotFound()
    return announcement


def _invalid(error: AnnouncementInvalid) -> ApiError:
    return ApiError(400, "invalid", error.message, error.fields)


@api.view(
    "api.announcements",
    "GET",
    P.VIEW,
    "Announcements shown now; IT staff may ask for all of them (?all=1)",
    response(
        "200",
        "Announcements",
        items_schema(ANNOUNCEMENT_REF, "total"),
    ),
    parameters=[{"name": "all", "in": "query", "schema": {"type": "boolean"}}],
)
def list_announcements(context: AnnouncementBoard, request: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    wants_all = request.GET.get("all", "").lower() in ("1", "true")
    if wants_all and request.has_permission(P.POST, context):
        items = context.all()
    else:
        items = context.current(now)
    return {"items": [announcement_json(a, now) for a in items], "total": len(items)}


@api.view(
    "api.announcements",
    "POST",
    P.POST,
    "Post an announcement (IT staff)",
    response("201", "The new announcement", ANNOUNCEMENT_REF),
    body=CREATE_SCHEMA,
)
def create_announcement(context: AnnouncementBoard, request: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    try:
        announcement = board_ops.post(
            request.itsm_root, json_body(request), request.identity.login, now
        )
    except AnnouncementInvalid as error:
        raise _invalid(error) from None
    request.response.status = 201
    request.response.location = f"{request.application_url}{ANNOUNCEMENTS}/{announcement.key}"
    return announcement_json(announcement, now)


@api.view(
    "api.announcement",
    "GET",
    P.POST,
    "One announcement (IT staff)",
    response("200", "The announcement", ANNOUNCEMENT_REF),
)
def get_announcement(context: AnnouncementBoard, request: Any) -> dict[str, Any]:
    return announcement_json(_announcement(request), datetime.now(UTC))


@api.view(
    "api.announcement",
    "PATCH",
    P.POST,
    "Change an announcement, or take it down with expire_now (IT staff)",
    response("200", "The announcement", ANNOUNCEMENT_REF),
    body=PATCH_SCHEMA,
)
def patch_announcement(context: AnnouncementBoard, request: Any) -> dict[str, Any]:
    announcement = _announcement(request)
    body = dict(json_body(request))
    expire = body.pop("expire_now", False)
    now = datetime.now(UTC)
    actor = request.identity.login
    try:
        if body:
            board_ops.edit(announcement, body, actor, now)
    except AnnouncementInvalid as error:
        raise _invalid(error) from None
    if expire:
        board_ops.expire_now(announcement, actor, now)
    return announcement_json(announcement, now)


@api.view(
    "api.announcement",
    "DELETE",
    P.POST,
    "Delete an announcement (IT staff)",
    response("204", "Deleted"),
)
def delete_announcement(context: AnnouncementBoard, request: Any) -> Any:
    board_ops.remove(request.itsm_root, _announcement(request))
    request.response.status = 204
    return request.response


def _satisfaction_json(ticket: Any) -> dict[str, Any]:
    score, comment, at = ticket.satisfaction
    return {"number": ticket.number, "score": score, "comment": comment, "at": at.isoformat()}


@api.view(
    "api.incident.satisfaction",
    "GET",
    P.VIEW,
    "The requester's rating of an incident (404 while there is none)",
    response("200", "The rating", SATISFACTION_RESULT),
    tags=["incidents", "portal"],
)
@api.view(
    "api.request.satisfaction",
    "GET",
    P.VIEW,
    "The requester's rating of a service request (404 while there is none)",
    response("200", "The rating", SATISFACTION_RESULT),
    tags=["requests", "portal"],
)
def incident_rating(context: Any, request: Any) -> dict[str, Any]:
    if getattr(context, "satisfaction", None) is None:
        raise ApiError(404, "not_found", _("This ticket has not been rated."))
    return _satisfaction_json(context)


@api.view(
    "api.incident.satisfaction",
    "POST",
    P.CONFIRM,
    "Rate a resolved or closed incident, once (its requester)",
    response("201", "The rating", SATISFACTION_RESULT),
    body=SCORE_SCHEMA,
    tags=["incidents", "portal"],
)
@api.view(
    "api.request.satisfaction",
    "POST",
    P.CONFIRM,
    "Rate a resolved or closed service request, once (its requester)",
    response("201", "The rating", SATISFACTION_RESULT),
    body=SCORE_SCHEMA,
    tags=["requests", "portal"],
)
def rate_incident(context: Any, request: Any) -> dict[str, Any]:
    if request.identity.login != context.requester:
        raise ApiError(403, "forbidden", _("Only the requester can rate the ticket."))
    body = json_body(request)
    try:
        satisfaction.record(
            request.itsm_root,
            context,
            body["score"],
            body.get("comment", ""),
            datetime.now(UTC),
        )
    except satisfaction.SurveyRefused as refused:
        raise refusal(refused) from None
    request.response.status = 201
    return _satisfaction_json(context)


@api.view(
    "api.surveys",
    "POST",
    NO_PERMISSION_REQUIRED,
    "Answer the survey of a mailed link (no login: the token is the credential)",
    response("201", "The rating", SATISFACTION_RESULT),
    body=SURVEY_SCHEMA,
    security=[],
    require_csrf=False,
)
def answer_survey(request: Any) -> dict[str, Any]:
    body = json_body(request)
    try:
        ticket = satisfaction.answer_by_token(
            request.itsm_root,
            body["token"],
            body["score"],
            body.get("comment", ""),
            datetime.now(UTC),
        )
    except satisfaction.SurveyRefused as refused:
        raise refusal(refused) from None
    request.response.status = 201
    return _satisfaction_json(ticket)


def includeme(config: Any) -> None:
    api.include(config)
