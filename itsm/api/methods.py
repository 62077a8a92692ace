"""``405 Method Not Allowed`` on the API: a path the OpenAPI description has, asked with a
method it does not declare (``TRACE``, ``PATCH`` where only ``GET`` is), answers 405 with an
``Allow`` header, not 404: found by S1 (schemathesis' "undeclared method" check). Pyramid
raises ``PredicateMismatch`` (a 404) when a route matched but no view takes the method."""

from __future__ import annotations

from typing import Any

from pyramid.exceptions import PredicateMismatch
from pyramid.response import Response
from pyramid.view import exception_view_config

from itsm.api.errors import api_error_response, api_http_exception


def declared_methods(request: Any) -> list[str]:
    """The methods the description declares for the matched route's path (upper case)."""
    route = getattr(request, "matched_route", None)
    if route is None:
        return []
    operations = request.registry.itsm_openapi.paths.get(route.pattern, {})
    return sorted(method.upper() for method in operations)


@exception_view_config(PredicateMismatch, path_info=r"^/api/")
def method_not_allowed(exc: PredicateMismatch, request: Any) -> Response:
    from itsm.i18n import _

    methods = declared_methods(request)
    if not methods or request.method in methods or (request.method == "HEAD" and "GET" in methods):
        return api_http_exception(exc, request)  # another predicate: not found
    response = api_error_response(
        request,
        405,
        "method_not_allowed",
        _("This address takes ${methods} only.", mapping={"methods": ", ".join(methods)}),
    )
    response.headers["Allow"] = ", ".join(methods)
    return response
