"""``/login`` and ``/logout``."""

from __future__ import annotations

from typing import Any

import deform
from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from itsm.directory.base import DirectoryUnavailable
from itsm.i18n import _
from itsm.root import ServiceDesk
from itsm.security.login import LoginRefused, LoginThrottled, log_in, log_out
from itsm.security.schemas import LoginSchema
from itsm.ui.safe_redirect import local_path


def _form(request: Any) -> deform.Form:
    schema = LoginSchema().bind(csrf_token=get_csrf_token(request))
    return deform.Form(
        schema,
        action=request.application_url + "/login",
        formid="login-form",
        buttons=(deform.Button("submit", _("Log in")),),
    )


@view_config(
    name="login",
    context=ServiceDesk,
    renderer="itsm:ui/templates/login.pt",
    require_csrf=False,
    permission=NO_PERMISSION_REQUIRED,
)
def login_view(context: ServiceDesk, request: Any) -> Any:
    """Show the login form and log in. CSRF is checked here by hand: the token is part of the
    deform schema so that a failed check re-renders the form instead of a bare 400."""
    form = _form(request)
    came_from = request.params.get("came_from", "/")
    if request.identity is not None and request.method == "GET":
        return HTTPSeeOther(location=local_path(request, came_from))
    error = None
    if request.method == "POST":
        try:
            appstruct = form.validate(request.POST.items())
        except deform.ValidationFailure as failure:
            request.response.status = 400
            return {"form": failure.render(), "error": _("Enter your login and password.")}
        if appstruct["csrf_token"] != get_csrf_token(request):
            request.response.status = 400
            error = _("Your session expired. Please try again.")
        else:
            try:
                log_in(request, appstruct["login"], appstruct["password"])
                return HTTPSeeOther(location=local_path(request, appstruct["came_from"]))
            except LoginRefused:
                error = _("Wrong login or password.")
            except LoginThrottled as throttled:
                request.response.status = 429
                request.response.headers["Retry-After"] = str(throttled.retry_after)
                error = _(
                    "Too many failed attempts. Try again in ${seconds} seconds.",
                    mapping={"seconds": throttled.retry_after},
                )
            except DirectoryUnavailable:
                request.response.status = 503
                error = _("The directory is unavailable, try again shortly.")
        # Never echo the password back; keep the login.
        appstruct = {"login": request.POST.get("login", ""), "came_from": came_from}
        return {"form": form.render(appstruct), "error": error}
    return {"form": form.render({"came_from": came_from}), "error": None}


@view_config(
    name="logout", context=ServiceDesk, request_method="POST", permission=NO_PERMISSION_REQUIRED
)
def logout_view(context: ServiceDesk, request: Any) -> Any:
    log_out(request)
    request.session.flash(_("You have logged out."), "info")
    return HTTPSeeOther(location=request.application_url + "/login")


@view_config(
    name="logout",
    context=ServiceDesk,
    request_method="GET",
    renderer="itsm:ui/templates/logout.pt",
    permission=NO_PERMISSION_REQUIRED,
)
def logout_confirm(context: ServiceDesk, request: Any) -> dict[str, Any]:
    return {}
