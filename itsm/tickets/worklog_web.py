"""The work log on the web, for every ticket kind that logs work with :func:`log_work`
(requests and changes): ``GET|POST /api/v1/<folder>/{number}/journal`` and the ticket page's
``@@worklog`` form. One declaration per kind, so the two kinds cannot drift apart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response

from itsm.api.openapi import response
from itsm.api.scaffold import Endpoints, item_in
from itsm.i18n import _
from itsm.security.permissions import P
from itsm.tickets.context import ActionContext
from itsm.tickets.worklog import MAX_MINUTES, WorkLogError, entry_json, log_work
from itsm.ui.forms import flash

WORKLOG_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "kind": {"type": "string", "enum": ["worklog", "note"], "default": "worklog"},
        "body": {"type": "string", "maxLength": 50000},
        "minutes": {"type": "integer", "minimum": 0, "maximum": MAX_MINUTES},
    },
}
JOURNAL = {
    "type": "object",
    "properties": {"items": {"type": "array", "items": {"type": "object"}}, "total": {}},
}


def journal_json(ticket: Any) -> dict[str, Any]:
    """A ticket's journal as the API answers it: entries oldest first and the minutes summed."""
    items = [entry_json(e) for e in ticket.journal]
    return {"items": items, "total": len(items), "minutes": ticket.journal.total_minutes()}


def journal_endpoints(folder: str, route: str, noun: str) -> Endpoints:
    """``GET|POST /api/v1/<folder>/{number}/journal`` on the route ``route``; ``noun`` names the
    kind in the OpenAPI summaries (``"change"``)."""
    api = Endpoints(__name__, [folder])
    api.route(route, f"/api/v1/{folder}/{{number}}/journal", item_in(folder))
    api.add(
        lambda context, request: journal_json(context),
        route,
        "GET",
        P.WORK,
        f"The {noun}'s work log and internal notes (IT staff)",
        response("200", "The entries, oldest first", JOURNAL),
    )
    api.action(
        route,
        "POST",
        P.WORK,
        f"Log work on a {noun}: minutes and a note (counted by the time report)",
        ("The entries", JOURNAL),
        lambda ctx, ticket, body: log_work(
            ctx, ticket, body.get("minutes", 0), body.get("body", ""), body.get("kind", "worklog")
        ),
        lambda ctx, ticket: journal_json(ticket),
        body=WORKLOG_SCHEMA,
        status="201",
        refusals=(WorkLogError,),
    )
    return api


def add_worklog_form(
    config: Any, kind: type, page: Callable[[Any, Any], dict[str, Any]], template: str
) -> None:
    """``POST <ticket>/@@worklog`` for ``kind``: log the minutes and go back to the page, or
    draw ``template`` with ``page(context, request)`` and the field errors (400), nothing kept."""

    def worklog_view(context: Any, request: Any) -> Any:
        values = {k: request.POST.get(k, "") for k in ("minutes", "body")}
        try:
            ctx = ActionContext.from_request(request)
            log_work(ctx, context, values["minutes"], values["body"])
        except WorkLogError as error:
            request.tm.doom()
            shown = page(context, request)
            shown.update(worklog_values=values, worklog_errors=error.fields)
            answer = render_to_response(template, shown, request=request)
            answer.status = 400
            return answer
        flash(request, _("Work logged."))
        return HTTPSeeOther(request.resource_url(context) + "#worklog")

    config.add_view(
        worklog_view, context=kind, name="worklog", request_method="POST", permission=P.WORK
    )


def include_worklog(
    config: Any,
    *,
    folder: str,
    route: str,
    noun: str,
    kind: type,
    page: Callable[[Any, Any], dict[str, Any]],
    template: str,
) -> None:
    """Both: the journal endpoints and the page's form for one ticket kind."""
    endpoints = journal_endpoints(folder, route, noun)
    for name, (pattern, factory) in endpoints.routes.items():
        config.add_route(name, pattern, factory=factory)
    for view, settings in endpoints.added:
        config.add_view(view, **settings)
    add_worklog_form(config, kind, page, template)
