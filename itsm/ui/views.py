"""Site-wide views: home, language switch, error pages."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from pyramid.httpexceptions import HTTPForbidden, HTTPFound, HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import (
    exception_view_config,
    forbidden_view_config,
    notfound_view_config,
    view_config,
)

from itsm.directory.base import DirectoryUnavailable
from itsm.i18n import LANGUAGE_COOKIE, _
from itsm.root import ServiceDesk
from itsm.security.permissions import P
from itsm.ui import home_sections
from itsm.ui.errors import PublicNotFound
from itsm.ui.safe_redirect import local_path
from itsm.ui.tweens import loggable_path, request_id

log = logging.getLogger(__name__)
security_log = logging.getLogger("itsm.security.access")

ROLE_TITLES = {
    "employee": _("Employee"),
    "agent": _("IT staff"),
    "manager": _("Manager"),
    "change_board": _("Change board"),
    "problem_manager": _("Problem manager"),
    "admin": _("Administrator"),
}


@view_config(context=ServiceDesk, renderer="itsm:ui/templates/home.pt", permission=P.VIEW)
def home(context: ServiceDesk, request: Any) -> dict[str, Any]:
    """The home page: the sections packages add (config.add_itsm_home_section), then each
    role's part."""
    identity = request.identity
    person = identity.person
    people = context["people"]
    manager = people.get(person.manager) if person.manager else None
    sections: dict[str, Any] = {"person": person, "manager": manager, "role_titles": ROLE_TITLES}
    for section in home_sections(request.registry):  # the portal, the incident queues, ...
        sections.update(section(request))
    if identity.has_role("manager"):
        sections["team"] = sorted(
            (p for p in people.values() if p.manager == person.login),
            key=lambda p: p.display_name,
        )
        if not sections["team"]:
            try:
                logins = request.directory.reports_of(person.login)
            except DirectoryUnavailable:
                logins = []
            sections["team_logins"] = logins
    if identity.has_role("agent"):
        groups = context["settings"]["groups"]
        sections["groups"] = [g for name, g in groups.items() if name in person.groups]
    if identity.has_role("admin"):
        sections["system"] = {
            "generation": context.generation,
            "people": len(people),
            "accounts": len(context.accounts),
            "directory": request.registry.itsm_settings.directory,
            "scheduler": request.registry.itsm_settings.scheduler,
            "lease": context.worker_lease,
            "outbox": context.outbox,
        }
    return sections


@view_config(
    name="language", context=ServiceDesk, request_method="POST", permission=NO_PERMISSION_REQUIRED
)
def switch_language(context: ServiceDesk, request: Any) -> Any:
    """Remember the chosen language: on the person when logged in, in a cookie otherwise."""
    language = request.POST.get("language", "")
    target = local_path(request, request.POST.get("came_from"))
    response = HTTPSeeOther(location=target)
    if language not in request.registry.itsm_settings.locales:
        return response
    identity = request.identity
    if identity is not None and identity.person.language != language:
        identity.person.language = language
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=request.registry.itsm_settings.cookie_secure,
    )
    return response


def _is_api(request: Any) -> bool:
    return request.path_info.startswith("/api/")


def hidden_from(request: Any) -> bool:
    """Whether the refused request's context is an object the caller may not even see: then
    the answer is the one for an address with nothing at it, so a refusal tells no one that
    someone else's ticket, person or setting exists (RELIABILITY.md S3)."""
    context = getattr(request, "context", None)
    if request.identity is None or context is None:
        return False
    return not request.has_permission(P.VIEW, context)


@forbidden_view_config(renderer="itsm:ui/templates/error.pt")
def forbidden(exc: HTTPForbidden, request: Any) -> Any:
    if request.identity is not None:
        security_log.warning(
            "access denied: %s %s %s for %s from %s",
            request.method,
            loggable_path(request),
            type(getattr(request, "context", None)).__name__,
            request.identity.login,
            request.client_ip,
        )
    if hidden_from(request):
        return notfound(HTTPNotFound(), request)
    if _is_api(request):
        from itsm.api.errors import api_forbidden

        return api_forbidden(exc, request)
    if request.identity is None:
        came_from = request.path_qs if request.method == "GET" else "/"
        query = urlencode({"came_from": came_from})
        return HTTPFound(location=f"{request.application_url}/login?{query}")
    request.response.status = 403
    return {
        "title": _("Access denied"),
        "message": _("You do not have permission to see this page."),
        "rid": None,
    }


#: Paths where a visitor who is not logged in gets the plain 404: files, not objects.
_PLAIN_404_PREFIXES = ("/static/", "/deform-static/", "/healthz")


def asks_login_instead(exc: HTTPNotFound, request: Any) -> bool:
    """Whether a 404 for a visitor who is not logged in is answered as a refusal would be
    (the login page, 401 on the API): otherwise a missing ticket (404) and someone else's
    (the login page) would tell an anonymous visitor which numbers exist (RELIABILITY.md S3).
    After logging in, the same address answers 404 for both."""
    if request.identity is not None or isinstance(exc, PublicNotFound):
        return False
    return not request.path_info.startswith(_PLAIN_404_PREFIXES)


@notfound_view_config(renderer="itsm:ui/templates/error.pt")
def notfound(exc: HTTPNotFound, request: Any) -> Any:
    if asks_login_instead(exc, request):
        if _is_api(request):
            from itsm.api.errors import api_forbidden

            return api_forbidden(exc, request)
        came_from = request.path_qs if request.method == "GET" else "/"
        query = urlencode({"came_from": came_from})
        return HTTPFound(location=f"{request.application_url}/login?{query}")
    if _is_api(request):
        from itsm.api.errors import api_error_response

        return api_error_response(request, 404, "not_found", _("Not found."))
    request.response.status = 404
    return {
        "title": _("Page not found"),
        "message": _("There is nothing at this address."),
        "rid": None,
    }


def _unavailable(exc: Exception, request: Any, message: Any) -> Any:
    log.warning("unavailable: %s (rid=%s)", exc, request_id(request))
    if request.path_info == "/healthz":
        request.response.status = 503
        return render_to_response(
            "json",
            {"status": "unavailable", "storage": {"ok": False, "error": str(exc)[:200]}},
            request=request,
            response=request.response,
        )
    if _is_api(request):
        from itsm.api.errors import api_error_response

        return api_error_response(request, 503, "unavailable", message)
    request.response.status = 503
    request.response.headers["Retry-After"] = "10"
    return {"title": _("Temporarily unavailable"), "message": message, "rid": request_id(request)}


@exception_view_config(DirectoryUnavailable, renderer="itsm:ui/templates/error.pt")
def directory_unavailable(exc: Exception, request: Any) -> Any:
    return _unavailable(exc, request, _("The directory is unavailable, try again shortly."))


@exception_view_config(Exception, renderer="itsm:ui/templates/error.pt")
def server_error(exc: Exception, request: Any) -> Any:
    """Any other error: logged with its traceback, shown with the request id only."""
    if _is_storage_outage(exc):
        # Render as for an anonymous visitor: finding the person would need the database.
        request.environ["itsm.identity"] = None
        return _unavailable(exc, request, _("The database is unavailable, try again shortly."))
    rid = request_id(request)
    from pyramid_retry import is_error_retryable

    if is_error_retryable(request, exc):
        # pyramid_retry discards this response and runs the request again: not an error yet.
        log.info(
            "retrying %s %s after %s (rid=%s)",
            request.method,
            request.path,
            type(exc).__name__,
            rid,
        )
        request.response.status = 503
        return {"title": _("Temporarily unavailable"), "message": "", "rid": rid}
    log.error("error in %s %s (rid=%s)", request.method, request.path, rid, exc_info=exc)
    if _is_api(request):
        from itsm.api.errors import api_error_response

        return api_error_response(
            request,
            500,
            "internal",
            _("Something went wrong (request ${rid}).", mapping={"rid": rid}),
        )
    request.response.status = 500
    return {
        "title": _("Something went wrong"),
        "message": _("The error was recorded. Quote this code when you contact IT."),
        "rid": rid,
    }


def _storage_outage_errors() -> tuple[type[BaseException], ...]:
    """The errors that mean "the database server does not answer": ZEO's lost server, and
    PostgreSQL's (RelStorage) refused or broken connections. A serialization failure is an
    OperationalError too, but a conflict, which pyramid_retry runs again."""
    kinds: list[type[BaseException]] = []
    try:
        from ZEO.Exceptions import ClientDisconnected

        kinds.append(ClientDisconnected)
    except ImportError:  # pragma: no cover
        pass
    try:
        import psycopg2

        kinds += [psycopg2.OperationalError, psycopg2.InterfaceError]
    except ImportError:  # pragma: no cover - RelStorage is optional
        pass
    return tuple(kinds)


def _is_storage_outage(exc: BaseException) -> bool:
    from transaction.interfaces import TransientError

    outage = _storage_outage_errors()
    if isinstance(exc, TransientError) and not isinstance(exc, outage):
        # A conflict, or RelStorage's "could not lock the rows" (which carries PostgreSQL's
        # lock_not_available as its cause): pyramid_retry runs the request again. Taking it
        # for an outage answered 503, and the anonymous identity set below then made the
        # retried request a 401 (found by the R8 check).
        return False
    try:
        from psycopg2.errors import LockNotAvailable
        from psycopg2.extensions import TransactionRollbackError

        busy: tuple[type[BaseException], ...] = (TransactionRollbackError, LockNotAvailable)
    except ImportError:  # pragma: no cover - RelStorage is optional
        busy = ()
    # RelStorage may wrap the driver's error: look along the chain of causes too.
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 5:
        if isinstance(current, outage) and not isinstance(current, busy):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False
