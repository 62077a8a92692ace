"""The API's error format: ``{"error": {"code", "message", "fields"}}`` with a 4xx status."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPException
from pyramid.response import Response
from pyramid.view import exception_view_config

STATUS_CODES = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    503: "unavailable",
}


class ApiError(Exception):
    """Raise from an API view to answer with the error format."""

    def __init__(
        self, status: int, code: str, message: Any, fields: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


def api_error_response(
    request: Any, status: int, code: str, message: Any, fields: dict[str, Any] | None = None
) -> Response:
    localizer = request.localizer
    body: dict[str, Any] = {"code": code, "message": localizer.translate(message)}
    if fields:
        body["fields"] = {key: localizer.translate(value) for key, value in fields.items()}
    response = Response(json_body={"error": body}, status=status, charset="utf-8")
    response.content_type = "application/json"
    return response


@exception_view_config(ApiError)
def api_error_view(exc: ApiError, request: Any) -> Response:
    return api_error_response(request, exc.status, exc.code, exc.message, exc.fields)


def api_forbidden(exc: Any, request: Any) -> Response:
    from itsm.i18n import _

    if request.identity is None:
        response = api_error_response(
            request, 401, "unauthorized", _("Log in or send a valid bearer token.")
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="itsm"'
        return response
    reason = getattr(exc, "detail", None) or ""
    if "CSRF" in str(exc) or "csrf" in str(reason).lower():
        return api_error_response(request, 400, "csrf", _("Missing or wrong CSRF token."))
    return api_error_response(request, 403, "forbidden", _("You may not do this."))


@exception_view_config(HTTPException, path_info=r"^/api/")
def api_http_exception(exc: HTTPException, request: Any) -> Response:
    """Other HTTP errors on API paths (405, 400 from CSRF …) in the error format."""
    from pyramid.exceptions import BadCSRFOrigin, BadCSRFToken

    from itsm.i18n import _

    if isinstance(exc, BadCSRFToken):
        return api_error_response(request, 400, "csrf", _("Missing or wrong CSRF token."))
    if isinstance(exc, BadCSRFOrigin):
        return api_error_response(request, 400, "csrf", _("The request comes from another site."))
    if exc.code < 400:
        return exc
    code = STATUS_CODES.get(exc.code, "error")
    return api_error_response(request, exc.code, code, exc.title)


def refusal(error: Any) -> ApiError:
    """The API error for a domain refusal that carries ``status``, ``message`` and ``fields``
    (workflow TransitionError and its kind, the domains' own errors), and a ``code`` or else
    ``invalid``."""
    return ApiError(error.status, getattr(error, "code", "invalid"), error.message, error.fields)
