"""``/api/v1/approvals``: what waits for the caller, and deciding it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from itsm.api.errors import ApiError
from itsm.api.openapi import json_body, response
from itsm.api.scaffold import Endpoints, found_or_404, items_schema
from itsm.approvals.decisions import decide, find_step, waiting_for
from itsm.approvals.delegation import (
    add_delegation,
    clear_delegation,
    delegation_errors,
    delegation_of,
    delegations_of,
    remove_delegation,
    set_delegation,
)
from itsm.approvals.models import PENDING
from itsm.approvals.serialize import step_json
from itsm.i18n import _
from itsm.search.catalog import search
from itsm.security.permissions import P
from itsm.security.roles import is_staff

BASE = "/api/v1/approvals"
STEP_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "example": "REQ-000001-1"},
        "ticket": {"type": "string"},
        "title": {"type": "string"},
        "requester": {"type": "string"},
        "kind": {"type": "string", "enum": ["manager", "group", "people"]},
        "group": {"type": ["string", "null"]},
        "approvers": {"type": "array", "items": {"type": "string"}},
        "mode": {"type": "string", "enum": ["any", "all", "quorum"]},
        "quorum": {"type": "integer", "description": "Approvals the step needs"},
        "progress": {
            "type": "object",
            "description": "Approvals so far of those needed: 2 of 3",
            "properties": {
                "approved": {"type": "integer"},
                "rejected": {"type": "integer"},
                "needed": {"type": "integer"},
            },
        },
        "status": {"type": "string"},
        "decisions": {"type": "array", "items": {"type": "object"}},
    },
}
#: The decisions the API takes under another name too.
DECISIONS = {"approved": "approve", "rejected": "reject"}
DECIDE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["decision"],
    "properties": {
        "decision": {
            "type": "string",
            "enum": ["approve", "reject", "approved", "rejected"],
            "description": "approve or reject (approved / rejected are taken too)",
        },
        "reason": {"type": "string", "maxLength": 2000},
    },
}


DELEGATIONS = "/api/v1/delegations"
api = Endpoints(__name__, ["approvals"])
STEP_REF = api.schema("Approval", STEP_SCHEMA)
step_factory = found_or_404(find_step)
api.route("api.delegations", DELEGATIONS)
api.route("api.approvals", BASE)
api.route("api.approval", BASE + "/{id}", step_factory)


@api.view(
    "api.approvals",
    "GET",
    P.VIEW,
    "Approvals waiting for the caller (mine=1, the default); IT staff may list "
    "every open approval with mine=0",
    response(
        "200",
        "Open approval steps",
        items_schema(STEP_REF, "total"),
    ),
    parameters=[{"name": "mine", "in": "query", "schema": {"type": "integer", "enum": [0, 1]}}],
)
def list_view(context: Any, request: Any) -> dict[str, Any]:
    identity = request.identity
    staff = is_staff(request)
    if request.GET.get("mine", "1") == "0" and staff:
        _total, steps = search(
            request.itsm_root, kind="approval", status=PENDING, sort="created", per_page=200
        )
    else:
        steps = waiting_for(request.itsm_root, identity.login, identity.person.groups)
    items = [step_json(s) for s in steps]
    return {"items": items, "total": len(items)}


api.read("api.approval", P.VIEW, "One approval step", ("The step", STEP_REF), step_json)


api.action(
    "api.approval",
    "POST",
    P.DECIDE,
    "Approve or reject (a rejection needs a reason)",
    ("The step after the decision", STEP_REF),
    lambda ctx, step, body: decide(
        ctx,
        step,
        DECISIONS.get(body["decision"], body["decision"]),
        body.get("reason", ""),
        via="api",
    ),
    lambda ctx, step: step_json(step),
    body=DECIDE_SCHEMA,
)


DELEGATION_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["deputy", "start", "end"],
    "properties": {
        "deputy": {"type": "string", "minLength": 1},
        "start": {"type": "string", "format": "date", "example": "2026-12-01"},
        "end": {"type": "string", "format": "date", "example": "2026-12-14"},
    },
}


DELEGATION_OUT = {
    "type": "object",
    "properties": {
        "deputy": {"type": "string"},
        "start": {"type": "string", "format": "date"},
        "end": {"type": "string", "format": "date"},
    },
}


DELEGATION_REF = api.schema("Delegation", DELEGATION_OUT)


def _delegation_json(delegation: Any) -> dict[str, Any] | None:
    if delegation is None:
        return None
    return {
        "deputy": delegation.deputy,
        "start": delegation.start.isoformat(),
        "end": delegation.end.isoformat(),
    }


def _delegations(request: Any) -> dict[str, Any]:
    root, login = request.itsm_root, request.identity.login
    today = datetime.now(UTC).date()
    return {
        "delegation": _delegation_json(delegation_of(root, login, today)),
        "delegations": [_delegation_json(d) for d in delegations_of(root, login)],
    }


DELEGATIONS_RESPONSE = {
    "type": "object",
    "properties": {
        "delegation": {
            "description": "The delegation active today, else the next one (null: none)",
            "oneOf": [DELEGATION_REF, {"type": "null"}],
        },
        "delegations": {"type": "array", "items": DELEGATION_REF},
    },
}


@api.view(
    "api.delegations",
    "GET",
    P.VIEW,
    "My deputies for approvals while I am away",
    response("200", "The delegations", DELEGATIONS_RESPONSE),
)
def delegation_view(context: Any, request: Any) -> dict[str, Any]:
    return _delegations(request)


def _checked_body(request: Any, replacing: bool) -> tuple[str, date, date]:
    body = json_body(request)
    login = request.identity.login
    dates: dict[str, date | None] = {}
    for name in ("start", "end"):
        try:
            dates[name] = date.fromisoformat(body[name])
        except ValueError:
            dates[name] = None
    fields = delegation_errors(
        request.itsm_root,
        login,
        body["deputy"],
        dates["start"],
        dates["end"],
        today=datetime.now(UTC).date(),
        replacing=replacing,
    )
    if fields:
        raise ApiError(400, "invalid", _("Some fields are not valid."), fields)
    return body["deputy"].strip(), dates["start"], dates["end"]  # type: ignore[return-value]


@api.view(
    "api.delegations",
    "PUT",
    P.VIEW,
    "Name the one deputy who approves in my place from start to end "
    "(inclusive), replacing any other delegation",
    response("200", "The delegations", DELEGATIONS_RESPONSE),
    body=DELEGATION_SCHEMA,
)
def set_delegation_view(context: Any, request: Any) -> dict[str, Any]:
    deputy, start, end = _checked_body(request, replacing=True)
    set_delegation(request.itsm_root, request.identity.login, deputy, start, end)
    return _delegations(request)


@api.view(
    "api.delegations",
    "POST",
    P.VIEW,
    "Add a deputy for another date range (ranges must not overlap)",
    response("201", "The delegations", DELEGATIONS_RESPONSE),
    body=DELEGATION_SCHEMA,
)
def add_delegation_view(context: Any, request: Any) -> dict[str, Any]:
    deputy, start, end = _checked_body(request, replacing=False)
    add_delegation(request.itsm_root, request.identity.login, deputy, start, end)
    request.response.status = 201
    return _delegations(request)


@api.view(
    "api.delegations",
    "DELETE",
    P.VIEW,
    "Stop delegating: the delegation starting on start, or all of them",
    response("200", "The delegations left", DELEGATIONS_RESPONSE),
    parameters=[{"name": "start", "in": "query", "schema": {"type": "string", "format": "date"}}],
)
def clear_delegation_view(context: Any, request: Any) -> dict[str, Any]:
    root, login = request.itsm_root, request.identity.login
    start = request.GET.get("start")
    if start is None:
        clear_delegation(root, login)
        return _delegations(request)
    try:
        day = date.fromisoformat(start)
    except ValueError:
        raise ApiError(400, "invalid", _("Invalid date."), {"start": _("Invalid date.")}) from None
    if not remove_delegation(root, login, day):
        raise ApiError(404, "not_found", _("You have no delegation starting on that day."))
    return _delegations(request)


def includeme(config: Any) -> None:
    api.include(config)
