"""``/api/v1/problems`` and ``/api/v1/known-errors``: the same operations and permissions as
the problem pages (IT staff only)."""

from __future__ import annotations

from typing import Any

from itsm.api.errors import refusal
from itsm.api.openapi import json_body, paging, query_strings, response
from itsm.api.scaffold import (
    Endpoints,
    container,
    item_in,
    items_schema,
    list_page,
    page_schema,
    ticket_query,
)
from itsm.problems import actions, knowledge, links
from itsm.problems.figures import problem_figures
from itsm.problems.matching import open_known_errors
from itsm.problems.models import Problem, problem_settings
from itsm.problems.serialize import known_error_json, problem_json, proposal_json
from itsm.problems.workflow import STATES, WORKFLOW
from itsm.search.catalog import search
from itsm.security.permissions import P
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import TransitionError

BASE = "/api/v1/problems"
LEVEL = {"type": "string", "enum": ["high", "medium", "low"]}
NUMBERS = {"type": "array", "items": {"type": "string"}, "maxItems": 500}
WHYS = {"type": "array", "items": {"type": "string", "maxLength": 1000}, "maxItems": 5}
PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "number": {"type": "string", "example": "PRB-000001"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "status": {"type": "string", "enum": list(STATES)},
        "known_error": {
            "type": "boolean",
            "description": "Open, with a root cause and a workaround",
        },
        "impact": LEVEL,
        "urgency": LEVEL,
        "priority": {"type": "integer", "minimum": 1, "maximum": 5},
        "category": {"type": "string"},
        "group": {"type": ["string", "null"]},
        "assignee": {"type": ["string", "null"]},
        "raised_by": {"type": ["string", "null"]},
        "cis": NUMBERS,
        "services": {**NUMBERS, "description": "CIs affected through the linked ones"},
        "affected": {**NUMBERS, "description": "People affected (logins)"},
        "root_cause": {"type": "string"},
        "workaround": {"type": "string"},
        "whys": WHYS,
        "resolution": {"type": "string"},
        "incidents": NUMBERS,
        "changes": NUMBERS,
        "kb_article": {"type": ["string", "null"]},
        "created": {"type": "string", "format": "date-time"},
        "updated": {"type": "string", "format": "date-time"},
        "root_cause_at": {"type": ["string", "null"], "format": "date-time"},
        "resolved_at": {"type": ["string", "null"], "format": "date-time"},
        "closed_at": {"type": ["string", "null"], "format": "date-time"},
        "transitions": {"type": "array", "items": {"type": "string"}},
    },
}
KNOWN_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "number": {"type": "string", "example": "PRB-000001"},
        "title": {"type": "string"},
        "category": {"type": "string"},
        "cis": NUMBERS,
        "root_cause": {"type": "string"},
        "workaround": {"type": "string"},
        "kb_article": {"type": ["string", "null"]},
        "incidents": {"type": "integer", "description": "How many incidents are linked"},
    },
}
FIELDS = {
    "title": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": {"type": "string", "maxLength": 20000},
    "impact": LEVEL,
    "urgency": LEVEL,
    "category": {"type": "string", "maxLength": 100},
    "group": {"type": ["string", "null"]},
    "assignee": {"type": ["string", "null"], "description": "A login of IT staff"},
    "cis": NUMBERS,
    "root_cause": {"type": "string", "maxLength": 20000},
    "workaround": {"type": "string", "maxLength": 20000},
    "whys": WHYS,
}
CREATE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        **FIELDS,
        "incidents": {
            **NUMBERS,
            "description": "Raise it from these incidents (linked at once); the title, "
            "category and CIs default to the first one's",
        },
        "proposal": {"type": "string", "description": "Raise it from the desk's proposal"},
    },
}
PATCH_SCHEMA = {"type": "object", "additionalProperties": False, "properties": FIELDS}
TRANSITION_SCHEMA = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "enum": sorted(WORKFLOW.transitions)},
        "root_cause": {"type": "string", "maxLength": 20000},
        "workaround": {"type": "string", "maxLength": 20000},
        "whys": WHYS,
        "change": {"type": "string", "description": "fix: the change that fixes it"},
        "resolution": {"type": "string", "maxLength": 20000},
        "reason": {"type": "string", "maxLength": 5000},
    },
}
LINK_SCHEMA = {
    "type": "object",
    "required": ["incidents"],
    "additionalProperties": False,
    "properties": {"incidents": NUMBERS},
}
CHANGE_LINK_SCHEMA = {
    "type": "object",
    "required": ["change"],
    "additionalProperties": False,
    "properties": {"change": {"type": "string", "example": "CHG-000001"}},
}
JOURNAL_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["body"],
    "properties": {
        "kind": {"type": "string", "enum": ["note", "worklog"]},
        "body": {"type": "string", "maxLength": 50000},
        "minutes": {"type": "integer", "minimum": 0, "maximum": 10000},
    },
}


api = Endpoints(__name__, ["problems"])
PROBLEM_REF = api.schema("Problem", PROBLEM_SCHEMA)
KNOWN_ERROR_REF = api.schema("KnownError", KNOWN_ERROR_SCHEMA)
api.route("api.problems", BASE, container("problems"))
# Fixed paths before "{number}", which would match them too.
api.route("api.problems.figures", BASE + "/figures", container("problems"))
api.route("api.problems.proposals", BASE + "/proposals", container("problems"))
api.route(
    "api.problem",
    BASE + "/{number}",
    item_in("problems", kind=Problem),
    ("transitions", "incidents", "changes", "journal", "publish"),
)
api.route("api.known_errors", "/api/v1/known-errors", container("problems"))


def _answer(ctx: ActionContext, problem: Problem) -> dict[str, Any]:
    return problem_json(problem, ctx.roles_on(problem))


@api.view(
    "api.problems",
    "GET",
    P.VIEW,
    "Problems (IT staff), newest first",
    response("200", "A page of problems", page_schema(PROBLEM_REF)),
    parameters=query_strings("status", "q") + [*paging(200)],
)
def list_view(context: Any, request: Any) -> dict[str, Any]:
    query = ticket_query(request, "problem", True)
    return list_page(
        request,
        lambda **page: search(request.itsm_root, sort="created", reverse=True, **page, **query),
        problem_json,
    )


@api.view(
    "api.problems",
    "POST",
    P.CREATE,
    "Raise a problem (IT staff), from scratch, from incidents or from a proposal",
    response("201", "The new problem", PROBLEM_REF),
    body=CREATE_SCHEMA,
    body_required=False,
)
def create_view(context: Any, request: Any) -> dict[str, Any]:
    body = dict(json_body(request) or {})
    ctx = ActionContext.from_request(request)
    incidents = body.pop("incidents", ())
    proposal = body.pop("proposal", "")
    try:
        if proposal:
            problem = actions.raise_from_proposal(ctx, proposal, body, channel="api")
        else:
            problem = actions.create_problem(ctx, body, incidents=incidents, channel="api")
    except TransitionError as error:
        request.tm.doom()
        raise refusal(error) from None
    request.response.status = 201
    request.response.location = f"{request.application_url}{BASE}/{problem.number}"
    return _answer(ctx, problem)


@api.view(
    "api.problems.figures",
    "GET",
    P.VIEW,
    "Figures for the reports: incidents per problem, hours from the first incident to the "
    "root cause, open known errors",
    response("200", "The figures"),
)
def figures_view(context: Any, request: Any) -> dict[str, Any]:
    return problem_figures(request.itsm_root)


@api.view(
    "api.problems.proposals",
    "GET",
    P.VIEW,
    "Clusters of similar incidents the desk offers as problems (open ones)",
    response("200", "The proposals", items_schema({"type": "object"}, "total")),
)
def proposals_view(context: Any, request: Any) -> dict[str, Any]:
    stored = problem_settings(request.itsm_root)
    items = [
        proposal_json(p)
        for p in (stored.proposals.values() if stored else ())
        if p.status == "open"
    ]
    return {"items": items, "total": len(items)}


@api.view(
    "api.known_errors",
    "GET",
    P.VIEW,
    "Open known errors (IT staff), matching all the words of ``q``",
    response("200", "Known errors", items_schema(KNOWN_ERROR_REF, "total")),
    parameters=query_strings("q"),
)
def known_errors_view(context: Any, request: Any) -> dict[str, Any]:
    found = open_known_errors(request.itsm_root, request.GET.get("q", "").strip()[:200])
    return {"items": [known_error_json(p) for p in found], "total": len(found)}


@api.view(
    "api.problem",
    "GET",
    P.VIEW,
    "One problem, with the transitions the caller may fire",
    response("200", "The problem", PROBLEM_REF),
)
def get_view(context: Problem, request: Any) -> dict[str, Any]:
    return _answer(ActionContext.from_request(request), context)


def _patch(ctx: ActionContext, problem: Problem, body: dict[str, Any]) -> None:
    actions.set_analysis(ctx, problem, {k: body.pop(k) for k in actions.ANALYSIS if k in body})
    actions.update_fields(ctx, problem, body)


api.action(
    "api.problem",
    "PATCH",
    P.WORK,
    "Change fields and the root cause analysis (root cause, workaround, 5 whys)",
    ("The problem", PROBLEM_REF),
    _patch,
    _answer,
    body=PATCH_SCHEMA,
)
api.transitions(
    "api.problem.transitions",
    P.WORK,
    "investigate, root_cause (root_cause, workaround), fix (change), resolve (resolution; "
    "resolves the linked open incidents), close, reopen (reason), cancel (reason)",
    ("The problem", PROBLEM_REF),
    TRANSITION_SCHEMA,
    actions.transition,
    _answer,
    doom=True,
)
api.action(
    "api.problem.incidents",
    "POST",
    P.WORK,
    "Link incidents to the problem (an incident linked elsewhere moves here)",
    ("The problem", PROBLEM_REF),
    lambda ctx, problem, body: links.link_incidents(ctx, problem, body["incidents"]),
    _answer,
    body=LINK_SCHEMA,
)
api.action(
    "api.problem.changes",
    "POST",
    P.WORK,
    "Link the change that fixes the problem",
    ("The problem", PROBLEM_REF),
    lambda ctx, problem, body: links.link_change(ctx, problem, body["change"]),
    _answer,
    body=CHANGE_LINK_SCHEMA,
)
api.action(
    "api.problem.publish",
    "POST",
    P.WORK,
    "Publish the known error's workaround as a knowledge article for everyone (withdrawn "
    "when the problem is resolved)",
    ("The problem", PROBLEM_REF),
    lambda ctx, problem, body: knowledge.publish(ctx, problem),
    _answer,
)


@api.view(
    "api.problem.journal",
    "GET",
    P.VIEW,
    "Journal entries (internal notes and logged work)",
    response("200", "Entries, oldest first"),
)
def journal_view(context: Problem, request: Any) -> dict[str, Any]:
    from itsm.incidents.serialize import entry_json

    items = [entry_json(e) for e in context.journal]
    return {"items": items, "total": len(items)}


@api.view(
    "api.problem.journal",
    "POST",
    P.WORK,
    "Add an internal note or logged work",
    response("201", "The new entry"),
    body=JOURNAL_SCHEMA,
)
def add_journal_view(context: Problem, request: Any) -> dict[str, Any]:
    from itsm.incidents.serialize import entry_json

    body = json_body(request)
    ctx = ActionContext.from_request(request)
    try:
        entry = actions.add_entry(
            ctx, context, body.get("kind", "note"), body["body"], minutes=body.get("minutes", 0)
        )
    except TransitionError as error:
        raise refusal(error) from None
    request.response.status = 201
    return entry_json(entry)


def includeme(config: Any) -> None:
    api.include(config)
