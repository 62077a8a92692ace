"""``/api/v1/kb``: search and read articles, vote, count deflections; authors create, change,
move through the workflow and restore versions. Same permissions as the pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from itsm.api.errors import ApiError
from itsm.api.errors import refusal as _refuse
from itsm.api.openapi import json_body, page_args, paging
from itsm.api.openapi import json_request as _json_body
from itsm.api.openapi import response as _ok
from itsm.i18n import _
from itsm.kb import authoring, feedback
from itsm.kb.models import AUDIENCES, LANGUAGES
from itsm.kb.search import search_articles, snippet
from itsm.kb.serialize import article_json, summary_json, version_json
from itsm.kb.workflow import STATES, WORKFLOW
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import TransitionError

BASE = "/api/v1/kb"
NUMBER_PARAM = {"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}
ARTICLE_REF = {"$ref": "#/components/schemas/Article"}
ARTICLE_SCHEMA = {
    "type": "object",
    "properties": {
        "number": {"type": "string", "example": "KB-000001"},
        "title": {"type": "string"},
        "body": {"type": "string", "description": "Markdown"},
        "html": {"type": "string", "description": "The body rendered and sanitised"},
        "status": {"type": "string", "enum": list(STATES)},
        "language": {"type": "string", "enum": list(LANGUAGES)},
        "translation": {"type": ["string", "null"]},
        "audience": {"type": "string", "enum": list(AUDIENCES)},
        "category": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "owner": {"type": ["string", "null"]},
        "review_date": {"type": ["string", "null"], "format": "date"},
        "feedback": {"type": "object"},
    },
}
SUMMARY_SCHEMA = {
    "type": "object",
    "properties": {
        "number": {"type": "string"},
        "title": {"type": "string"},
        "language": {"type": "string"},
        "snippet": {"type": "string", "description": "HTML: escaped text, matches in <mark>"},
        "url": {"type": "string"},
    },
}
FIELDS = {
    "title": {"type": "string", "minLength": 1, "maxLength": authoring.MAX_TITLE},
    "body": {"type": "string", "maxLength": authoring.MAX_BODY},
    "category": {"type": "string", "maxLength": 100},
    "tags": {"type": "array", "items": {"type": "string", "maxLength": 50}, "maxItems": 20},
    "language": {"type": "string", "enum": list(LANGUAGES)},
    "translation": {"type": ["string", "null"]},
    "audience": {"type": "string", "enum": list(AUDIENCES)},
    "owner": {"type": "string"},
    "review_date": {"type": ["string", "null"], "format": "date"},
}
CREATE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        **FIELDS,
        "incident": {
            "type": "string",
            "description": "Prefill from this resolved incident (title, description, solution)",
        },
    },
}
PATCH_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {**FIELDS, "note": {"type": "string", "maxLength": 500}},
}


def kb_factory(request: Any) -> Any:
    return request.itsm_root["kb"]


def article_factory(request: Any) -> Any:
    article = request.itsm_root["kb"].get(request.matchdict["number"].upper())
    if article is None:
        raise HTTPNotFound()
    return article


def _staff(request: Any) -> bool:
    identity = request.identity
    return identity is not None and (identity.has_role("agent") or identity.has_role("admin"))


def _fields(body: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in body.items() if k in FIELDS}
    if fields.get("review_date"):
        try:
            fields["review_date"] = date.fromisoformat(fields["review_date"])
        except ValueError:
            raise ApiError(
                400, "invalid", _("Some fields are not valid."), {"review_date": _("Invalid date.")}
            ) from None
    return fields


def _login(request: Any) -> str | None:
    return request.identity.login if request.identity else None


@view_config(
    route_name="api.kb",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE,
        "summary": "Search articles (employees: published, for everyone), best match first",
        "tags": ["kb"],
        "parameters": [
            {"name": n, "in": "query", "schema": {"type": "string"}} for n in ("q", "tag")
        ]
        + [
            {"name": "language", "in": "query", "schema": {"type": "string", "enum": ["en", "ru"]}},
            {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(STATES)}},
            *paging(100),
        ],
        "responses": _ok(
            "200",
            "A page of articles",
            {
                "type": "object",
                "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/KbHit"}},
                    "total": {"type": "integer"},
                    "page": {"type": "integer"},
                    "per_page": {"type": "integer"},
                },
            },
        ),
    },
)
def list_view(context: Any, request: Any) -> dict[str, Any]:
    params = request.GET
    page, per_page = page_args(params, 20)
    q = params.get("q", "")[:500]
    total, items = search_articles(
        request.itsm_root,
        text=q,
        staff=_staff(request),
        status=params.get("status") or None,
        language=params.get("language") or None,
        tag=(params.get("tag") or "").lower() or None,
        page=page,
        per_page=per_page,
    )
    return {
        "items": [summary_json(a, snippet(a.text, q)) for a in items],
        "total": total,
        "page": page,
        "per_page": per_page,
    }


@view_config(
    route_name="api.kb",
    request_method="POST",
    renderer="json",
    permission="create",
    openapi={
        "path": BASE,
        "summary": "Write a new article (IT staff); it starts as a draft",
        "tags": ["kb"],
        "requestBody": _json_body(CREATE_SCHEMA),
        "responses": _ok("201", "The new article", ARTICLE_REF),
    },
)
def create_view(context: Any, request: Any) -> dict[str, Any]:
    body = json_body(request)
    ctx = ActionContext.from_request(request)
    fields: dict[str, Any] = {}
    try:
        if body.get("incident"):
            incident = request.itsm_root["incidents"].get(body["incident"].upper())
            if incident is None or not request.has_permission("work", incident):
                raise ApiError(
                    400,
                    "invalid",
                    _("Some fields are not valid."),
                    {"incident": _("No such incident.")},
                )
            fields.update(authoring.draft_from_incident(incident))
        fields.update(_fields(body))
        article = authoring.create_article(ctx, fields)
        if body.get("incident"):
            authoring.link_incident(ctx, article, incident)
    except TransitionError as error:
        raise _refuse(error) from None
    request.response.status = 201
    request.response.location = f"{request.application_url}{BASE}/{article.number}"
    return article_json(article, ctx.actor, True)


@view_config(
    route_name="api.kb.article",
    request_method="GET",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE + "/{number}",
        "summary": "One article with its rendered body and the votes",
        "tags": ["kb"],
        "parameters": [NUMBER_PARAM],
        "responses": _ok("200", "The article", ARTICLE_REF),
    },
)
def get_view(context: Any, request: Any) -> dict[str, Any]:
    staff = bool(request.has_permission("edit", context))
    data = article_json(context, _login(request), staff)
    if staff:
        ctx = ActionContext.from_request(request)
        data["transitions"] = [t.name for t in WORKFLOW.available(context.status, ctx.roles)]
    return data


@view_config(
    route_name="api.kb.article",
    request_method="PATCH",
    renderer="json",
    permission="edit",
    openapi={
        "path": BASE + "/{number}",
        "summary": "Change an article (IT staff); a new title or body is kept as a version",
        "tags": ["kb"],
        "parameters": [NUMBER_PARAM],
        "requestBody": _json_body(PATCH_SCHEMA),
        "responses": _ok("200", "The article", ARTICLE_REF),
    },
)
def patch_view(context: Any, request: Any) -> dict[str, Any]:
    body = json_body(request)
    ctx = ActionContext.from_request(request)
    try:
        authoring.update_article(ctx, context, _fields(body), note=body.get("note", ""))
    except TransitionError as error:
        raise _refuse(error) from None
    return article_json(context, ctx.actor, True)


TRANSITION_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "enum": sorted(WORKFLOW.transitions)},
        "note": {"type": "string", "maxLength": 500},
    },
}


@view_config(
    route_name="api.kb.transitions",
    request_method="POST",
    renderer="json",
    permission="edit",
    openapi={
        "path": BASE + "/{number}/transitions",
        "summary": "Move an article: submit, reject, publish, retire, revive (IT staff)",
        "tags": ["kb"],
        "parameters": [NUMBER_PARAM],
        "requestBody": _json_body(TRANSITION_SCHEMA),
        "responses": _ok("200", "The article after the transition", ARTICLE_REF),
    },
)
def transition_view(context: Any, request: Any) -> dict[str, Any]:
    body = json_body(request)
    ctx = ActionContext.from_request(request)
    try:
        authoring.transition(ctx, context, body["name"], body.get("note", ""))
    except TransitionError as error:
        raise _refuse(error) from None
    return article_json(context, ctx.actor, True)


@view_config(
    route_name="api.kb.versions",
    request_method="GET",
    renderer="json",
    permission="edit",
    openapi={
        "path": BASE + "/{number}/versions",
        "summary": "Every saved version of the article, oldest first (IT staff)",
        "tags": ["kb"],
        "parameters": [NUMBER_PARAM],
        "responses": _ok("200", "Versions"),
    },
)
def versions_view(context: Any, request: Any) -> dict[str, Any]:
    items = [version_json(v) for v in context.version_list()]
    return {"items": items, "total": len(items)}


RESTORE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["version"],
    "properties": {"version": {"type": "integer", "minimum": 1}},
}


@view_config(
    route_name="api.kb.restore",
    request_method="POST",
    renderer="json",
    permission="edit",
    openapi={
        "path": BASE + "/{number}/restore",
        "summary": "Make an earlier version current again (saved as a new version)",
        "tags": ["kb"],
        "parameters": [NUMBER_PARAM],
        "requestBody": _json_body(RESTORE_SCHEMA),
        "responses": _ok("200", "The article", ARTICLE_REF),
    },
)
def restore_view(context: Any, request: Any) -> dict[str, Any]:
    ctx = ActionContext.from_request(request)
    try:
        authoring.restore_version(ctx, context, json_body(request)["version"])
    except TransitionError as error:
        raise _refuse(error) from None
    return article_json(context, ctx.actor, True)


VOTE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["helpful"],
    "properties": {"helpful": {"type": "boolean"}},
}


@view_config(
    route_name="api.kb.votes",
    request_method="POST",
    renderer="json",
    permission="vote",
    openapi={
        "path": BASE + "/{number}/votes",
        "summary": "Mark the article helpful or not (one vote per person; a new vote replaces it)",
        "tags": ["kb"],
        "parameters": [NUMBER_PARAM],
        "requestBody": _json_body(VOTE_SCHEMA),
        "responses": _ok("200", "The vote counts"),
    },
)
def vote_view(context: Any, request: Any) -> dict[str, Any]:
    login = _login(request)
    feedback.vote(context, login, json_body(request)["helpful"])
    data = feedback.feedback_json(context, login)
    data.pop("deflections")
    return data


@view_config(
    route_name="api.kb.deflections",
    request_method="POST",
    renderer="json",
    permission="view",
    openapi={
        "path": BASE + "/{number}/deflections",
        "summary": "Count that this suggested article answered the question: the reader left "
        "the report form without sending it (called by the portal's script)",
        "tags": ["kb"],
        "parameters": [NUMBER_PARAM],
        "responses": _ok("202", "Counted"),
    },
)
def deflection_view(context: Any, request: Any) -> dict[str, Any]:
    feedback.deflect(context)
    request.response.status = 202
    return {"number": context.number}


LINK_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["incident"],
    "properties": {"incident": {"type": "string"}},
}


@view_config(
    route_name="api.kb.incidents",
    request_method="POST",
    renderer="json",
    permission="work",
    openapi={
        "path": BASE + "/{number}/incidents",
        "summary": "Link the article to an incident (IT staff)",
        "tags": ["kb"],
        "parameters": [NUMBER_PARAM],
        "requestBody": _json_body(LINK_SCHEMA),
        "responses": _ok("200", "The incident numbers the article is linked to"),
    },
)
def link_view(context: Any, request: Any) -> dict[str, Any]:
    number = json_body(request)["incident"].upper()
    incident = request.itsm_root["incidents"].get(number)
    if incident is None or not request.has_permission("work", incident):
        raise ApiError(
            400, "invalid", _("Some fields are not valid."), {"incident": _("No such incident.")}
        )
    authoring.link_incident(ActionContext.from_request(request), context, incident)
    return {"number": context.number, "incidents": list(context.incidents)}


def includeme(config: Any) -> None:
    config.add_route("api.kb", BASE, factory=kb_factory)
    config.add_route("api.kb.article", BASE + "/{number}", factory=article_factory)
    for name in ("transitions", "versions", "restore", "votes", "deflections", "incidents"):
        config.add_route(f"api.kb.{name}", f"{BASE}/{{number}}/{name}", factory=article_factory)
    config.registry.itsm_openapi.add_schema("Article", ARTICLE_SCHEMA)
    config.registry.itsm_openapi.add_schema("KbHit", SUMMARY_SCHEMA)
    config.scan("itsm.kb.api")
