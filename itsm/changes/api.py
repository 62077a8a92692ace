"""``/api/v1/changes``: raise, list, read and move changes; the calendar and its feed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from itsm.api.errors import ApiError, refusal
from itsm.api.openapi import json_body, paging, query_strings, response
from itsm.api.scaffold import (
    Endpoints,
    container,
    item_in,
    list_page,
    ticket_query,
)
from itsm.changes import actions
from itsm.changes.calendar import calendar_changes, ics_feed
from itsm.changes.feeds import feed_owner, new_feed_secret, reads_all_changes
from itsm.changes.intake import (
    PLAN_ALIASES,
    ChangeError,
    ConflictsNeedOverride,
    create_change,
    parse_time,
)
from itsm.changes.models import PLAN_KINDS, change_settings, set_blackouts
from itsm.changes.risk import QUESTIONS, RISK_CLASSES
from itsm.changes.serialize import change_json
from itsm.changes.standard import TEMPLATES
from itsm.changes.workflow import OUTCOMES, STATES, TYPES, USER_TRANSITIONS
from itsm.i18n import _
from itsm.search.catalog import search
from itsm.security.permissions import P
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import TransitionError

CHANGES = "/api/v1/changes"
CONFLICT_SCHEMA = {
    "type": "object",
    "properties": {
        "kind": {"type": "string", "enum": ["change", "blackout"]},
        "name": {"type": "string", "description": "The other change (number and title) or window"},
        "number": {"type": "string"},
        "cis": {"type": "array", "items": {"type": "string"}},
        "start": {"type": "string"},
        "end": {"type": "string"},
        "status": {
            "type": "string",
            "enum": list(STATES),
            "description": "The other change's state (changes only)",
        },
        "pending": {
            "type": "boolean",
            "description": "The other change is still being assessed or awaiting approval: "
            "noted, but it needs no override reason",
        },
    },
}
PLANS_SCHEMA = {
    "oneOf": [
        {
            "type": "object",
            "additionalProperties": False,
            "description": "Also accepted: implementation_plan, back_out, backout_plan, rollback, "
            "test_plan, testing",
            "properties": {
                kind: {"type": "string", "maxLength": 20000}
                for kind in (*PLAN_KINDS, *PLAN_ALIASES)
            },
        },
        {"type": "string", "maxLength": 20000, "description": "The implementation plan alone"},
    ],
}
RISK_ANSWERS_SCHEMA = {
    "type": "object",
    "description": "Missing answers count as their riskiest choice. Also accepted: yes/no "
    "strings for the yes/no questions, the impact as low/medium/high or 0-3, the complexity as "
    "0-2, and other names for the questions (impact_on_users, rollback_tested, "
    "in_business_hours, ...).",
    "additionalProperties": {"type": ["string", "boolean", "integer", "null"]},
    "properties": {
        key: (
            {"type": ["boolean", "string", "integer"], "example": True}
            if isinstance(next(iter(points)), bool)
            else {
                "type": ["string", "integer"],
                "description": "One of " + ", ".join(str(a) for a in points),
                "example": next(iter(points)),
            }
        )
        for key, (_title, points) in QUESTIONS.items()
    },
}
CHANGE_SCHEMA = {
    "type": "object",
    "properties": {
        "number": {"type": "string", "example": "CHG-000001"},
        "title": {"type": "string"},
        "type": {"type": "string", "enum": list(TYPES)},
        "status": {"type": "string", "enum": list(STATES)},
        "requester": {"type": "string"},
        "cis": {"type": "array", "items": {"type": "string"}},
        "planned_start": {"type": "string", "format": "date-time"},
        "planned_end": {"type": "string", "format": "date-time"},
        "plans": PLANS_SCHEMA,
        "risk_answers": RISK_ANSWERS_SCHEMA,
        "risk_score": {"type": "integer"},
        "risk": {"type": "string", "enum": list(RISK_CLASSES)},
        "affected": {"type": "array", "items": {"type": "string"}},
        "assignee": {"type": ["string", "null"]},
        "template": {"type": ["string", "null"]},
        "raised_from": {"type": ["string", "null"]},
        "problem": {"type": ["string", "null"]},
        "caused_incidents": {"type": "array", "items": {"type": "string"}},
        "overrunning": {
            "type": "boolean",
            "description": "Still implementing after its planned end",
        },
        "conflicts": {"type": "array", "items": CONFLICT_SCHEMA},
        "informed": {
            "type": "array",
            "items": {"type": "string"},
            "description": "The affected people told of the change (POST …/inform)",
        },
        "informed_at": {"type": ["string", "null"], "format": "date-time"},
        "outcome": {"type": ["string", "null"], "enum": [*OUTCOMES, None]},
        "review_required": {"type": "boolean"},
        "approval": {"type": ["object", "null"]},
    },
}
CREATE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "type", "planned_start", "planned_end"],
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 300},
        "description": {"type": "string", "maxLength": 20000},
        "reason": {"type": "string", "maxLength": 5000},
        "type": {"type": "string", "enum": list(TYPES)},
        "cis": {"type": "array", "items": {"type": "string"}, "maxItems": 200},
        "planned_start": {"type": "string", "description": "ISO 8601 with its offset"},
        "planned_end": {"type": "string", "description": "ISO 8601 with its offset"},
        "plans": PLANS_SCHEMA,
        "risk_answers": RISK_ANSWERS_SCHEMA,
        "affected": {"type": "array", "items": {"type": "string"}},
        "group": {"type": "string"},
        "assignee": {"type": "string", "description": "Who implements it (login)"},
        "template": {
            "type": "string",
            "enum": sorted(TEMPLATES),
            "description": "A standard change template: fills in what is left out",
        },
        "raised_from": {"type": "string", "description": "The incident it comes from"},
        "problem": {"type": "string", "description": "The problem it fixes (PRB-000001)"},
        "affected_cis": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Services affected (default: from the CIs' impact)",
        },
        "override_reason": {
            "type": "string",
            "maxLength": 2000,
            "description": "Required when the change collides with a blackout or another change",
        },
        "draft": {"type": "boolean", "description": "Save without submitting"},
    },
}
TRANSITION_SCHEMA = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "enum": list(USER_TRANSITIONS)},
        "reason": {"type": "string", "maxLength": 5000},
        "outcome": {
            "type": "string",
            "description": "One of " + ", ".join(OUTCOMES) + " (also: success, failed, "
            'backed_out, "Successful with issues", ...)',
            "example": "successful",
        },
        "notes": {"type": "string", "maxLength": 10000, "description": "The review's notes"},
        "review_notes": {"type": "string", "maxLength": 10000, "description": "Same as notes"},
        "planned_start": {"type": "string"},
        "planned_end": {"type": "string"},
        "override_reason": {"type": "string", "maxLength": 2000},
    },
}
BLACKOUTS_SCHEMA = {
    "type": "object",
    "required": ["windows"],
    "additionalProperties": False,
    "properties": {
        "windows": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "start", "end"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "start": {"type": "string"},
                    "end": {"type": "string"},
                },
            },
        }
    },
}
FILTER_PARAMS = [
    {"name": n, "in": "query", "schema": {"type": "string"}} for n in ("ci", "group", "risk")
]


api = Endpoints(__name__, ["changes"])
CHANGE_REF = api.schema("Change", CHANGE_SCHEMA)
api.route("api.changes", CHANGES, container("changes"))
# Fixed paths before "{number}", which would match them too.
api.route("api.changes.calendar", CHANGES + "/calendar.ics", container("changes"))
api.route("api.changes.blackouts", CHANGES + "/blackouts", container("changes"))
api.route("api.changes.feed_url", CHANGES + "/calendar/feed", container("changes"))
api.route("api.changes.feed", CHANGES + "/calendar/{secret}.ics", container("changes"))
api.route("api.change", CHANGES + "/{number}", item_in("changes"), ("transitions",))


@api.view(
    "api.changes",
    "GET",
    P.VIEW,
    "Changes (IT staff: all; others: the ones they raised)",
    response("200", "A page of changes"),
    parameters=query_strings("status", "requester", "q")
    + [
        *paging(200),
    ],
)
def list_view(context: Any, request: Any) -> dict[str, Any]:
    query = ticket_query(request, "change", reads_all_changes(request.identity.person.roles))
    return list_page(
        request,
        lambda **page: search(request.itsm_root, sort="created", reverse=True, **page, **query),
        change_json,
    )


@api.view(
    "api.changes",
    "POST",
    P.CREATE,
    "Raise a change (IT staff); it is submitted unless ``draft``",
    response("201", "The new change", CHANGE_REF),
    body=CREATE_SCHEMA,
    description="Standard changes are scheduled at once; normal ones go to the "
    "requester's manager (and, for high risk, the change board); emergency ones to any one "
    "board member. A change colliding with a blackout window or another change on the same "
    "or a related CI needs ``override_reason`` (409 without it).",
)
def create_view(context: Any, request: Any) -> dict[str, Any]:
    body = json_body(request)
    ctx = ActionContext.from_request(request)
    try:
        created = create_change(
            ctx,
            body,
            requester=ctx.actor,
            draft=bool(body.get("draft")),
            channel="api",
            translate=request.localizer.translate,
        )
    except ChangeError as error:
        raise ApiError(error.status, "invalid", error.message, error.fields) from None
    except ConflictsNeedOverride as error:
        request.tm.doom()
        raise refusal(error) from None
    except TransitionError as error:
        raise refusal(error) from None
    request.response.status = 201
    request.response.location = f"{request.application_url}{CHANGES}/{created.number}"
    return change_json(created)


api.read(
    "api.change",
    P.VIEW,
    "One change, with its risk, approval and conflicts",
    ("The change", CHANGE_REF),
    change_json,
)


api.transitions(
    "api.change.transitions",
    P.WORK,
    "submit, schedule (new times), start, complete (outcome), review (notes), "
    "close, cancel (reason)",
    ("The change", CHANGE_REF),
    TRANSITION_SCHEMA,
    actions.transition,
    lambda ctx, change: change_json(change),
    refusals=(ChangeError, TransitionError),
    doom=True,
)


def _feed_changes(request: Any) -> list[Any]:
    params = request.GET
    risk = params.get("risk") or None
    if risk and risk not in RISK_CLASSES:
        raise ApiError(400, "invalid", _("Some fields are not valid."), {"risk": _("Unknown")})
    return calendar_changes(
        request.itsm_root,
        ci=params.get("ci") or None,
        group=params.get("group") or None,
        risk=risk,
    )


@api.view(
    "api.changes.calendar",
    "GET",
    P.VIEW,
    "The change calendar as iCalendar (RFC 5545): scheduled and implementing "
    "changes, and the blackout windows",
    response("200", "text/calendar"),
    parameters=FILTER_PARAMS,
    renderer=None,
)
def calendar_feed_view(context: Any, request: Any) -> Response:
    if not reads_all_changes(request.identity.person.roles):
        raise ApiError(403, "forbidden", _("Only IT staff and the change board see the calendar."))
    return _ics_response(request)


def _ics_response(request: Any) -> Response:
    base = request.registry.itsm_settings.public_url
    text = ics_feed(
        request.itsm_root,
        _feed_changes(request),
        base_url=base,
        host=urlsplit(base).hostname or "itsm",
        now=datetime.now(UTC),
    )
    response = Response(text.encode("utf-8"), content_type="text/calendar", charset="utf-8")
    response.content_disposition = 'inline; filename="changes.ics"'
    response.cache_control = "private, no-store"
    return response


@api.view(
    "api.changes.feed_url",
    "POST",
    P.VIEW,
    "A new personal secret URL of the calendar feed, for calendar programs "
    "(the previous URL stops working)",
    response("200", "The URL", {"type": "object", "properties": {"url": {"type": "string"}}}),
)
def feed_url_view(context: Any, request: Any) -> dict[str, Any]:
    if not reads_all_changes(request.identity.person.roles):
        raise ApiError(403, "forbidden", _("Only IT staff and the change board see the calendar."))
    secret = new_feed_secret(request.itsm_root, request.identity.login)
    base = request.registry.itsm_settings.public_url
    return {"url": f"{base}{CHANGES}/calendar/{secret}.ics"}


@view_config(
    route_name="api.changes.feed",
    request_method="GET",
    permission=NO_PERMISSION_REQUIRED,  # the secret in the URL is the credential
)
def personal_feed_view(context: Any, request: Any) -> Response:
    """Public route: the secret in the URL is the credential (itsm.changes.feeds)."""
    if feed_owner(request.itsm_root, request.matchdict["secret"]) is None:
        raise ApiError(404, "not_found", _("No such calendar feed."))
    return _ics_response(request)


@api.view(
    "api.changes.blackouts",
    "GET",
    P.VIEW,
    "The blackout windows (no changes scheduled without an override)",
    response("200", "The windows"),
)
def blackouts_view(context: Any, request: Any) -> dict[str, Any]:
    windows = change_settings(request.itsm_root).blackouts
    return {
        "windows": [
            {"name": n, "start": s.isoformat(), "end": e.isoformat()} for n, s, e in windows
        ]
    }


@api.view(
    "api.changes.blackouts",
    "PUT",
    P.CONFIGURE,
    "Replace the blackout windows (administrators)",
    response("200", "The windows"),
    body=BLACKOUTS_SCHEMA,
)
def set_blackouts_view(context: Any, request: Any) -> dict[str, Any]:
    windows = []
    try:
        for window in json_body(request)["windows"]:
            start, end = parse_time(window["start"], "start"), parse_time(window["end"], "end")
            if not start < end:
                raise ChangeError(
                    _("Some fields are not valid."), {"end": _("The end must be after the start.")}
                )
            windows.append((window["name"], start, end))
    except ChangeError as error:
        raise ApiError(error.status, "invalid", error.message, error.fields) from None
    set_blackouts(request.itsm_root, windows)
    return blackouts_view(context, request)


def includeme(config: Any) -> None:
    api.include(config)
