"""What a domain's ``api.py`` declares its endpoints with.

A domain makes one :class:`Endpoints` (its module and OpenAPI tags), declares its schemas and
routes on it (pattern and route factory, in the order they match), then its views with
:meth:`Endpoints.view`: method, permission, summary, responses and body. The path parameters
come from the route's pattern and the OpenAPI operation from the declaration, so nothing of the
frame is copied into a domain. Reading one object is one declaration, :meth:`Endpoints.read`,
and so are acting on it, :meth:`Endpoints.action`, and a workflow's ``POST …/transitions``,
:meth:`Endpoints.transitions`; a paged list answers :func:`list_page`.

Route factories (:func:`container`, :func:`item_in`, :func:`found_or_404`) give a view its
context, whose ACL then decides, as for the pages; an unknown key answers 404.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from itsm.api.errors import refusal
from itsm.api.openapi import json_body, json_request, page_args, response
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import TransitionError

Factory = Callable[[Any], Any]


def path_param(name: str) -> dict[str, Any]:
    """A required string path parameter."""
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def ref(name: str) -> dict[str, str]:
    """A reference to the schema ``name`` of ``#/components/schemas``."""
    return {"$ref": f"#/components/schemas/{name}"}


#: The ``{number}`` of ``/api/v1/incidents/{number}`` (INC-000123, any case).
NUMBER_PARAM = path_param("number")


# -- route factories -------------------------------------------------------------------------------


def container(*path: str) -> Factory:
    """A route factory: the object at ``path`` below the root (``container("incidents")``,
    ``container("settings", "sla")``)."""

    def factory(request: Any) -> Any:
        found = request.itsm_root
        for name in path:
            found = found[name]
        return found

    return factory


def item_in(*path: str, key: str = "number", kind: type | None = None) -> Factory:
    """A route factory: the item of the container at ``path`` named by the URL's ``{key}``,
    or 404. A ``{number}`` is upper-cased (``inc-000123`` finds INC-000123); ``kind`` refuses
    other objects that share the container."""
    parent = container(*path)

    def factory(request: Any) -> Any:
        name = request.matchdict[key]
        found = parent(request).get(name.upper() if key == "number" else name)
        if found is None or (kind is not None and not isinstance(found, kind)):
            raise HTTPNotFound()
        return found

    return factory


def found_or_404(find: Callable[[Any, str], Any], key: str = "id") -> Factory:
    """A route factory: ``find(root, {key})``, or 404 when it finds nothing."""

    def factory(request: Any) -> Any:
        found = find(request.itsm_root, request.matchdict[key])
        if found is None:
            raise HTTPNotFound()
        return found

    return factory


# -- declaring endpoints ---------------------------------------------------------------------------


class Endpoints:
    """The JSON endpoints of one module: its routes in the order they match, its OpenAPI
    schemas, and a view decorator that documents each view from its route."""

    def __init__(self, module: str, tags: Sequence[str]) -> None:
        self.module = module
        self.tags = list(tags)
        self.routes: dict[str, tuple[str, Factory | None]] = {}
        self.schemas: dict[str, Any] = {}
        self.added: list[tuple[Callable[..., Any], dict[str, Any]]] = []
        self.documented: list[tuple[str, dict[str, Any]]] = []

    def route(
        self, name: str, pattern: str, factory: Factory | None = None, parts: Sequence[str] = ()
    ) -> None:
        """Declare a route, and for each of ``parts`` the route ``<name>.<part>`` at
        ``<pattern>/<part>`` with the same factory. Routes are added in declaration order
        (fixed paths before a ``{placeholder}`` that would match them too)."""
        self.routes[name] = (pattern, factory)
        for part in parts:
            self.routes[f"{name}.{part}"] = (f"{pattern}/{part}", factory)

    def schema(self, name: str, schema: Mapping[str, Any]) -> dict[str, str]:
        """Add a schema to ``#/components/schemas`` and answer a reference to it."""
        self.schemas[name] = schema
        return ref(name)

    def view(self, *args: Any, **kw: Any) -> view_config:
        """A view decorator: ``@api.view(route, method, permission, summary, responses, …)``
        with the arguments of :meth:`settings`."""
        return view_config(**self.settings(*args, **kw))

    def add(self, view: Callable[..., Any], *args: Any, **kw: Any) -> None:
        """Register ``view`` at :meth:`include`, for views made in a loop from a table."""
        self.added.append((view, self.settings(*args, **kw)))

    def settings(
        self,
        route: str,
        method: str,
        permission: str | None,
        summary: str,
        responses: Mapping[str, Any],
        *,
        parameters: Iterable[Mapping[str, Any]] = (),
        body: Mapping[str, Any] | None = None,
        body_required: bool = True,
        body_type: str = "application/json",
        description: str | None = None,
        tags: Sequence[str] | None = None,
        renderer: str | None = "json",
        **options: Any,
    ) -> dict[str, Any]:
        """The view's settings for ``method`` on ``route`` with its OpenAPI operation: the path
        parameters from the route's pattern, then ``parameters``; ``body`` is the JSON request
        schema; other keywords (``security``, ``require_csrf`` …) as for the view or the
        operation. A ``body`` of another ``body_type`` (``message/rfc822``) is the view's to
        read: the operation is documented, and requests are not validated against it."""
        pattern = self.routes[route][0]
        operation: dict[str, Any] = {"path": pattern, "summary": summary}
        if description is not None:
            operation["description"] = description
        operation["tags"] = list(tags or self.tags)
        params = [path_param(n) for n in re.findall(r"{(\w+)}", pattern)] + list(parameters)
        if params:
            operation["parameters"] = params
        validated = body_type == "application/json"
        if body is not None:
            request_body = json_request(body)
            request_body["content"] = {body_type: request_body["content"]["application/json"]}
            request_body["required"] = body_required
            operation["requestBody"] = request_body
        operation["responses"] = dict(responses)
        if "security" in options:
            operation["security"] = options.pop("security")
        settings: dict[str, Any] = {"route_name": route, "request_method": method}
        if renderer is not None:
            settings["renderer"] = renderer
        if permission is not None:
            settings["permission"] = permission
        if not validated:
            self.documented.append((method, operation))
            return {**settings, **options}
        return {**settings, "openapi": operation, **options}

    def read(
        self,
        route: str,
        permission: str,
        summary: str,
        answer: tuple[str, Mapping[str, Any]],
        serialize: Callable[[Any], Any],
    ) -> None:
        """``GET`` on ``route``: its context serialized; ``answer`` documents it
        (``("The change", CHANGE_REF)``)."""

        def read_view(context: Any, request: Any) -> Any:
            return serialize(context)

        self.add(read_view, route, "GET", permission, summary, response("200", *answer))

    def action(
        self,
        route: str,
        method: str,
        permission: str,
        summary: str,
        answer: tuple[str, Mapping[str, Any]],
        act: Callable[[ActionContext, Any, dict[str, Any]], Any],
        serialize: Callable[[ActionContext, Any], Any],
        *,
        body: Mapping[str, Any] | None = None,
        parameters: Iterable[Mapping[str, Any]] = (),
        status: str = "200",
        refusals: tuple[type[Exception], ...] = (TransitionError,),
    ) -> None:
        """An endpoint that acts on its context: ``act(ctx, context, body)``, a refusal in the
        error format, else ``serialize(ctx, context)`` with ``status``; ``answer`` documents it
        (``("The article", ARTICLE_REF)``)."""

        def action_view(context: Any, request: Any) -> Any:
            ctx = ActionContext.from_request(request)
            try:
                act(ctx, context, dict(json_body(request)))
            except refusals as error:
                raise refusal(error) from None
            if status != "200":
                request.response.status = int(status)
            return serialize(ctx, context)

        responses = response(status, *answer)
        self.add(
            action_view,
            route,
            method,
            permission,
            summary,
            responses,
            body=body,
            parameters=parameters,
        )

    def transitions(
        self,
        route: str,
        permission: str,
        summary: str,
        answer: tuple[str, Mapping[str, Any]],
        body: Mapping[str, Any],
        fire: Callable[[ActionContext, Any, str, dict[str, Any]], Any],
        serialize: Callable[[ActionContext, Any], Any],
        refusals: tuple[type[Exception], ...] = (TransitionError,),
        doom: bool = False,
    ) -> None:
        """``POST …/transitions`` ``{"name", …fields}`` on ``route``: :func:`fire_transition`
        with ``fire``; ``answer`` is what it answers (``("The incident", INCIDENT_REF)``)."""

        def transition_view(context: Any, request: Any) -> Any:
            return fire_transition(request, context, fire, serialize, refusals, doom)

        title, schema = answer
        responses = response("200", f"{title} after the transition", schema)
        self.add(transition_view, route, "POST", permission, summary, responses, body=body)

    def include(self, config: Any) -> None:
        """Add the routes and schemas, and scan the module for its views."""
        for name, (pattern, factory) in self.routes.items():
            config.add_route(name, pattern, factory=factory)
        for name, schema in self.schemas.items():
            config.registry.itsm_openapi.add_schema(name, schema)
        for method, operation in self.documented:
            config.registry.itsm_openapi.add(operation["path"], method, operation)
        config.scan(self.module)
        for view, settings in self.added:
            config.add_view(view, **settings)


# -- common view bodies ----------------------------------------------------------------------------


def paged(items: list[Any], total: int, page: int, per_page: int) -> dict[str, Any]:
    """The answer of a list endpoint."""
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def items_schema(item: Mapping[str, Any], *counts: str) -> dict[str, Any]:
    """The schema of ``{"items": [item, …], <count>: n …}`` (``"total"``, ``"page"`` …)."""
    properties: dict[str, Any] = {"items": {"type": "array", "items": item}}
    properties.update({count: {"type": "integer"} for count in counts})
    return {"type": "object", "properties": properties}


def page_schema(item: Mapping[str, Any]) -> dict[str, Any]:
    """The schema of :func:`paged` with ``item`` the schema of one item."""
    return items_schema(item, "total", "page", "per_page")


def list_page(
    request: Any,
    find: Callable[..., tuple[int, Iterable[Any]]],
    serialize: Callable[[Any], Any],
    per_page: int = 50,
) -> dict[str, Any]:
    """A page of a list endpoint: ``find(page=, per_page=)`` answers ``(total, items)`` from
    the catalog, each item is serialized."""
    page, per_page = page_args(request.GET, per_page)
    total, items = find(page=page, per_page=per_page)
    return paged([serialize(i) for i in items], total, page, per_page)


def ticket_query(request: Any, kind: str, staff: bool) -> dict[str, Any]:
    """The catalog query of a ticket list's ``status`` (comma-separated), ``q`` and
    ``requester`` (staff only; others see what they asked for)."""
    params = request.GET
    query: dict[str, Any] = {"kind": kind}
    if params.get("status"):
        query["status"] = [s for s in params["status"].split(",") if s]
    if params.get("q"):
        query["text"] = params["q"]
    if not staff:
        query["requester"] = request.identity.login
    elif params.get("requester"):
        query["requester"] = params["requester"]
    return query


def fire_transition(
    request: Any,
    context: Any,
    fire: Callable[[ActionContext, Any, str, dict[str, Any]], Any],
    answer: Callable[[ActionContext, Any], Any],
    refusals: tuple[type[Exception], ...] = (TransitionError,),
    doom: bool = False,
) -> Any:
    """``POST …/transitions`` ``{"name", …fields}``: ``fire(ctx, context, name, fields)``,
    a refusal (``status``, ``code``, ``message``, ``fields``) in the error format (the
    transaction doomed first with ``doom``), else ``answer(ctx, context)``."""
    body = dict(json_body(request))
    name = body.pop("name")
    ctx = ActionContext.from_request(request)
    try:
        fire(ctx, context, name, body)
    except refusals as error:
        if doom:
            request.tm.doom()
        raise refusal(error) from None
    return answer(ctx, context)
