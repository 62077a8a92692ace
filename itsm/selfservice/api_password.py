"""``POST /api/v1/password-reset`` and ``POST /api/v1/password-reset/confirm``.

Public (nobody is logged in when they forget a password) and without CSRF tokens: there is no
ambient credential for a foreign page to ride on, and the bodies must be JSON, which a foreign
page cannot send without a CORS preflight.
"""

from __future__ import annotations

from typing import Any

from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED

from itsm.api import API_PREFIX
from itsm.api.errors import api_error_response
from itsm.api.openapi import json_body, response
from itsm.api.scaffold import Endpoints
from itsm.directory.base import DirectoryUnavailable, PasswordRejected
from itsm.i18n import _
from itsm.selfservice.password import (
    INVALID_TOKEN,
    InvalidToken,
    TooManyRequests,
    confirm_reset,
    refusal_message,
    request_reset,
)

BASE = API_PREFIX + "/password-reset"
ERROR_SCHEMA = {"$ref": "#/components/schemas/Error"}
api = Endpoints(__name__, ["password"])
api.route("api.password_reset", BASE)
api.route("api.password_reset.confirm", BASE + "/confirm")


REQUEST_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["login"],
    "properties": {"login": {"type": "string", "minLength": 1, "maxLength": 256}},
}
CONFIRM_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["token", "password"],
    "properties": {
        "token": {"type": "string", "minLength": 1, "maxLength": 200},
        "password": {"type": "string", "minLength": 1, "maxLength": 1024},
    },
}
STATUS_SCHEMA = {"type": "object", "properties": {"status": {"type": "string"}}}


def _too_many(request: Any) -> Response:
    message = _("Too many requests from your address. Try again later.")
    refused = api_error_response(request, 429, "too_many_requests", message)
    refused.headers["Retry-After"] = "900"
    return refused


def _unavailable(request: Any) -> Response:
    return api_error_response(
        request, 503, "unavailable", _("The directory is unavailable, try again shortly.")
    )


@api.view(
    "api.password_reset",
    "POST",
    NO_PERMISSION_REQUIRED,
    "Ask for a password-reset mail (the same answer for any login)",
    {
        **response("202", "Accepted: a mail goes to the directory's address if it exists"),
        **response("429", "Too many requests from this client address", ERROR_SCHEMA),
    },
    body=REQUEST_SCHEMA,
    security=[],
    require_csrf=False,
)
def request_view(context: Any, request: Any) -> Any:
    # Refusals are returned, not raised: a raised error aborts the transaction, and the
    # attempt's audit record must be kept.
    try:
        request_reset(request, json_body(request)["login"])
    except TooManyRequests:
        return _too_many(request)
    except DirectoryUnavailable:
        return _unavailable(request)
    request.response.status = 202
    return {"status": "accepted"}


@api.view(
    "api.password_reset.confirm",
    "POST",
    NO_PERMISSION_REQUIRED,
    "Set a new password with the token from the reset mail",
    {
        **response("200", "The password is changed", STATUS_SCHEMA),
        **response(
            "400",
            "Invalid or expired token (fields.token), or the directory refused the "
            "password (fields.password has its reason)",
            ERROR_SCHEMA,
        ),
        **response("429", "Too many bad tokens from this client address", ERROR_SCHEMA),
    },
    body=CONFIRM_SCHEMA,
    security=[],
    require_csrf=False,
)
def confirm_view(context: Any, request: Any) -> Any:
    body = json_body(request)
    try:
        confirm_reset(request, body["token"], body["password"])
    except InvalidToken:
        return api_error_response(
            request, 400, "invalid_token", INVALID_TOKEN, {"token": INVALID_TOKEN}
        )
    except TooManyRequests:
        return _too_many(request)
    except PasswordRejected as refused:
        message = refusal_message(refused)
        return api_error_response(request, 400, "password_rejected", message, {"password": message})
    except DirectoryUnavailable:
        return _unavailable(request)
    return {"status": "changed"}


def includeme(config: Any) -> None:
    api.include(config)
    config.add_write_lock_exemption(BASE)  # waits for the directory: see itsm.writelock
