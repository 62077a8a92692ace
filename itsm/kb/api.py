"""``/api/v1/kb``: search and read articles, vote, count deflections and views; authors
create, change, move through the workflow and restore versions. Same permissions as the
pages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from itsm.api.errors import ApiError, refusal
from itsm.api.openapi import json_body, paging, response
from itsm.api.scaffold import (
    Endpoints,
    container,
    item_in,
    list_page,
    page_schema,
)
from itsm.i18n import _
from itsm.kb import authoring, feedback, readership
from itsm.kb.models import AUDIENCES, LANGUAGES
from itsm.kb.search import search_articles, snippet
from itsm.kb.serialize import article_json, summary_json, version_json
from itsm.kb.workflow import STATES, WORKFLOW
from itsm.security.permissions import P
from itsm.security.roles import is_staff
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import TransitionError

BASE = "/api/v1/kb"
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


api = Endpoints(__name__, ["kb"])
ARTICLE_REF = api.schema("Article", ARTICLE_SCHEMA)
HIT_REF = api.schema("KbHit", SUMMARY_SCHEMA)
api.route("api.kb", BASE, container("kb"))
api.route("api.kb.article", BASE + "/{number}", item_in("kb"))
# The article's own routes are api.kb.<part> (not api.kb.article.<part>).
for _part in ("transitions", "versions", "restore", "votes", "deflections", "views", "incidents"):
    api.route(f"api.kb.{_part}", f"{BASE}/{{number}}/{_part}", item_in("kb"))


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


def _article_json(ctx: ActionContext, article: Any) -> dict[str, Any]:
    """The article as its authors see it."""
    return article_json(article, ctx.actor, True)


def _login(request: Any) -> str | None:
    return request.identity.login if request.identity else None


@api.view(
    "api.kb",
    "GET",
    P.VIEW,
    "Search articles (employees: published, for everyone), best match first",
    response("200", "A page of articles", page_schema(HIT_REF)),
    parameters=[{"name": n, "in": "query", "schema": {"type": "string"}} for n in ("q", "tag")]
    + [
        {"name": "language", "in": "query", "schema": {"type": "string", "enum": ["en", "ru"]}},
        {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(STATES)}},
        *paging(100),
    ],
)
def list_view(context: Any, request: Any) -> dict[str, Any]:
    params = request.GET
    q = params.get("q", "")[:500]
    return list_page(
        request,
        lambda **page: search_articles(
            request.itsm_root,
            text=q,
            staff=is_staff(request),
            status=params.get("status") or None,
            language=params.get("language") or None,
            tag=(params.get("tag") or "").lower() or None,
            **page,
        ),
        lambda article: summary_json(article, snippet(article.text, q)),
        per_page=20,
    )


@api.view(
    "api.kb",
    "POST",
    P.CREATE,
    "Write a new article (IT staff); it starts as a draft",
    response("201", "The new article", ARTICLE_REF),
    body=CREATE_SCHEMA,
)
def create_view(context: Any, request: Any) -> dict[str, Any]:
    body = json_body(request)
    ctx = ActionContext.from_request(request)
    fields: dict[str, Any] = {}
    try:
        if body.get("incident"):
            incident = request.itsm_root["incidents"].get(body["incident"].upper())
            if incident is None or not request.has_permission(P.WORK, incident):
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
        raise refusal(error) from None
    request.response.status = 201
    request.response.location = f"{request.application_url}{BASE}/{article.number}"
    return article_json(article, ctx.actor, True)


@api.view(
    "api.kb.article",
    "GET",
    P.VIEW,
    "One article with its rendered body and the votes",
    response("200", "The article", ARTICLE_REF),
)
def get_view(context: Any, request: Any) -> dict[str, Any]:
    staff = bool(request.has_permission(P.EDIT, context))
    data = article_json(context, _login(request), staff)
    if staff:
        ctx = ActionContext.from_request(request)
        data["transitions"] = [t.name for t in WORKFLOW.available(context.status, ctx.roles)]
    return data


api.action(
    "api.kb.article",
    "PATCH",
    P.EDIT,
    "Change an article (IT staff); a new title or body is kept as a version",
    ("The article", ARTICLE_REF),
    lambda ctx, article, body: authoring.update_article(
        ctx, article, _fields(body), note=body.get("note", "")
    ),
    _article_json,
    body=PATCH_SCHEMA,
)


TRANSITION_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "enum": sorted(WORKFLOW.transitions)},
        "note": {"type": "string", "maxLength": 500},
    },
}


api.transitions(
    "api.kb.transitions",
    P.EDIT,
    "Move an article: submit, reject, publish, retire, revive (IT staff)",
    ("The article", ARTICLE_REF),
    TRANSITION_SCHEMA,
    lambda ctx, article, name, body: authoring.transition(ctx, article, name, body.get("note", "")),
    _article_json,
)


@api.view(
    "api.kb.versions",
    "GET",
    P.EDIT,
    "Every saved version of the article, oldest first (IT staff)",
    response("200", "Versions"),
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


api.action(
    "api.kb.restore",
    "POST",
    P.EDIT,
    "Make an earlier version current again (saved as a new version)",
    ("The article", ARTICLE_REF),
    lambda ctx, article, body: authoring.restore_version(ctx, article, body["version"]),
    _article_json,
    body=RESTORE_SCHEMA,
)


VOTE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["helpful"],
    "properties": {"helpful": {"type": "boolean"}},
}


@api.view(
    "api.kb.votes",
    "POST",
    P.VOTE,
    "Mark the article helpful or not (one vote per person; a new vote replaces it)",
    response("200", "The vote counts"),
    body=VOTE_SCHEMA,
)
def vote_view(context: Any, request: Any) -> dict[str, Any]:
    login = _login(request)
    feedback.vote(context, login, json_body(request)["helpful"])
    data = feedback.feedback_json(context, login)
    data.pop("deflections")
    return data


@api.view(
    "api.kb.deflections",
    "POST",
    P.VIEW,
    "Count that this suggested article answered the question: the reader left "
    "the report form without sending it (called by the portal's script)",
    response("202", "Counted"),
)
def deflection_view(context: Any, request: Any) -> dict[str, Any]:
    feedback.deflect(context)
    request.response.status = 202
    return {"number": context.number}


@api.view(
    "api.kb.views",
    "POST",
    P.VIEW,
    "Count that the caller read the article (for the most viewed articles and deflection: "
    "a second view within 30 minutes counts once; IT staff's views are left out of "
    "deflection). The article page's script counts its own views; this is for other clients",
    response("202", "Whether the view was counted (false: a repeat)"),
)
def views_view(context: Any, request: Any) -> dict[str, Any]:
    counted = readership.record(
        request.itsm_root,
        request.registry,
        request.identity.login,
        readership.VIEW,
        context.number,
        datetime.now(UTC),
        deflection=not is_staff(request),
    )
    request.response.status = 202
    return {"number": context.number, "counted": counted}


LINK_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["incident"],
    "properties": {"incident": {"type": "string"}},
}


@api.view(
    "api.kb.incidents",
    "POST",
    P.WORK,
    "Link the article to an incident (IT staff)",
    response("200", "The incident numbers the article is linked to"),
    body=LINK_SCHEMA,
)
def link_view(context: Any, request: Any) -> dict[str, Any]:
    number = json_body(request)["incident"].upper()
    incident = request.itsm_root["incidents"].get(number)
    if incident is None or not request.has_permission(P.WORK, incident):
        raise ApiError(
            400, "invalid", _("Some fields are not valid."), {"incident": _("No such incident.")}
        )
    authoring.link_incident(ActionContext.from_request(request), context, incident)
    return {"number": context.number, "incidents": list(context.incidents)}


def includeme(config: Any) -> None:
    api.include(config)
