"""``/password-reset``, ``/password-reset/confirm`` and ``/password-change`` (the UI)."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.security import NO_PERMISSION_REQUIRED, remember
from pyramid.view import view_config

from itsm.directory.base import DirectoryUnavailable, PasswordRejected
from itsm.i18n import _
from itsm.security.login import LoginThrottled
from itsm.selfservice.password import (
    INVALID_TOKEN,
    MAX_LOGIN_LENGTH,
    InvalidToken,
    TooManyRequests,
    change_password,
    check_token,
    confirm_reset,
    policy_of,
    refusal_message,
    request_reset,
)

UNAVAILABLE = _("The directory is unavailable, try again shortly.")
TOO_MANY = _("Too many requests from your address. Try again in 15 minutes.")
MAX_PASSWORD_LENGTH = 1024


def _minutes(request: Any) -> int:
    return int(policy_of(request).ttl.total_seconds() // 60)


def _new_password_error(new: str, again: str) -> Any:
    if not new:
        return _("Enter a new password.")
    if len(new) > MAX_PASSWORD_LENGTH:
        return _("This password is too long.")
    if new != again:
        return _("The two new passwords differ. Type the same password twice.")
    return None


@view_config(
    route_name="password.reset",
    renderer="itsm:selfservice/templates/reset_request.pt",
    permission=NO_PERMISSION_REQUIRED,
)
def reset_request_view(context: Any, request: Any) -> dict[str, Any]:
    """Ask for a reset link. After a POST the page says the same for any login."""
    values: dict[str, Any] = {"sent": False, "error": None, "login": "", "minutes": 0}
    if request.method != "POST":
        return values
    login = request.POST.get("login", "").strip()
    if not login or len(login) > MAX_LOGIN_LENGTH:
        request.response.status = 400
        values["error"] = _("Enter your login.")
        return values
    try:
        request_reset(request, login)
    except TooManyRequests:
        request.response.status = 429
        request.response.headers["Retry-After"] = "900"
        values["error"] = TOO_MANY
        return values
    except DirectoryUnavailable:
        request.response.status = 503
        values["error"] = UNAVAILABLE
        return values
    values.update(sent=True, minutes=_minutes(request))
    return values


@view_config(
    route_name="password.reset.confirm",
    renderer="itsm:selfservice/templates/reset_confirm.pt",
    permission=NO_PERMISSION_REQUIRED,
)
def reset_confirm_view(context: Any, request: Any) -> dict[str, Any]:
    """Choose a new password with the link's token. A GET only reads."""
    # The token is in the URL: never send it on to another page in a Referer.
    request.response.headers["Referrer-Policy"] = "no-referrer"
    token = request.params.get("token", "")
    values: dict[str, Any] = {"token": token, "error": None, "invalid": False, "done": False}
    if request.method != "POST":
        try:
            check_token(request, token)
        except InvalidToken:
            request.response.status = 400
            values.update(invalid=True, error=INVALID_TOKEN)
        return values
    new, again = request.POST.get("password", ""), request.POST.get("password2", "")
    error = _new_password_error(new, again)
    if error is not None:
        request.response.status = 400
        values["error"] = error
        return values
    try:
        confirm_reset(request, token, new)
    except InvalidToken:
        request.response.status = 400
        values.update(invalid=True, error=INVALID_TOKEN)
    except TooManyRequests:
        request.response.status = 429
        request.response.headers["Retry-After"] = "900"
        values["error"] = TOO_MANY
    except PasswordRejected as refused:
        request.response.status = 400
        values["error"] = refusal_message(refused)
    except DirectoryUnavailable:
        request.response.status = 503
        values["error"] = UNAVAILABLE
    else:
        values.update(done=True, token="")
    return values


@view_config(
    route_name="password.change",
    renderer="itsm:selfservice/templates/change_password.pt",
    # Anonymous visitors are sent to the login page by the view itself.
    permission=NO_PERMISSION_REQUIRED,
)
def change_view(context: Any, request: Any) -> Any:
    """A logged-in person changes their password: the current one, the new one twice."""
    identity = request.identity
    if identity is None or identity.via != "session":
        return HTTPSeeOther(location=request.application_url + "/login?came_from=/password-change")
    values: dict[str, Any] = {"error": None}
    if request.method != "POST":
        return values
    login = identity.login
    current = request.POST.get("current_password", "")
    new, again = request.POST.get("password", ""), request.POST.get("password2", "")
    error = _("Enter your current password.") if not current else None
    error = error or _new_password_error(new, again)
    if error is not None:
        request.response.status = 400
        values["error"] = error
        return values
    # Guessing the current password here must cost as much as at the login form.
    throttle = request.registry.itsm_login_throttle
    try:
        wait = throttle.retry_after(login)
        if wait:
            raise LoginThrottled(wait)
        change_password(request, login, current, new)
    except LoginThrottled as throttled:
        request.response.status = 429
        request.response.headers["Retry-After"] = str(throttled.retry_after)
        values["error"] = _(
            "Too many failed attempts. Try again in ${seconds} seconds.",
            mapping={"seconds": throttled.retry_after},
        )
        return values
    except PasswordRejected as refused:
        if refused.code == "wrong_password":
            throttle.failed(login)
        request.response.status = 400
        values["error"] = refusal_message(refused)
        return values
    except DirectoryUnavailable:
        request.response.status = 503
        values["error"] = UNAVAILABLE
        return values
    # Every session ended, this one too: start a fresh one so the person stays logged in here.
    remember(request, login)
    request.session.flash(
        _("Your password has been changed. Your other sessions have been ended."), "success"
    )
    return HTTPSeeOther(location=request.resource_url(identity.person))


def includeme(config: Any) -> None:
    config.include("itsm.selfservice.password")
    config.add_route("password.reset", "/password-reset")
    # Asking for a reset looks the person up in the directory: see itsm.writelock.
    config.add_write_lock_exemption("/password-reset")
    config.add_route("password.reset.confirm", "/password-reset/confirm")
    config.add_route("password.change", "/password-change")
    config.include("itsm.selfservice.api_password")
    config.scan("itsm.selfservice.views_password")
