"""The incident page's watchers and macros panel (``incident_workday.pt``) and its forms:
``@@watchers`` (add or remove a watcher), ``@@macro`` (apply a macro)."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import get_renderer
from pyramid.view import view_config

from itsm.i18n import _
from itsm.incidents.macros import apply_macro, macros_of
from itsm.incidents.models import Incident
from itsm.incidents.watchers import add_watcher, remove_watcher
from itsm.security.permissions import P
from itsm.security.roles import has_staff_role
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import TransitionError
from itsm.ui.forms import flash, translate


def workday_panel(request: Any, incident: Incident) -> dict[str, Any]:
    """What the incident page's aside macro needs: watchers, tags, macros."""
    identity = request.identity
    me = identity.login if identity else None
    staff = bool(identity) and has_staff_role(identity.person.roles)
    people = request.itsm_root["people"]
    return {
        "workday": get_renderer("itsm:incidents/templates/incident_workday.pt").implementation(),
        "watchers": [
            {
                "login": w,
                "name": people[w].display_name if w in people else w,
                "removable": staff or me in (incident.requester, w),
            }
            for w in incident.watchers
        ],
        "may_add_watchers": staff or me == incident.requester,
        "lookup_url": request.application_url + "/api/v1/people" if staff else None,
        "macros": sorted(macros_of(request.itsm_root).values(), key=lambda m: m.title.casefold())
        if staff
        else [],
    }


def _refuse(request: Any, incident: Incident, error: TransitionError) -> HTTPSeeOther:
    """Nothing of a refused action is kept; its message shows on the incident."""
    request.tm.doom()
    message = translate(request, error.message)
    details = [translate(request, m) for m in error.fields.values()]
    request.session.flash(" ".join([message, *details]), "danger")
    return HTTPSeeOther(location=request.resource_url(incident))


@view_config(context=Incident, name="watchers", request_method="POST", permission=P.VIEW)
def watchers_view(context: Incident, request: Any) -> HTTPSeeOther:
    post = request.POST
    ctx = ActionContext.from_request(request)
    try:
        if post.get("remove"):
            removed = remove_watcher(ctx, context, post["remove"])
            message = _("The watcher is removed.") if removed else _("Nothing changed.")
        else:
            added = add_watcher(ctx, context, post.get("login", ""), request.directory)
            message = _("The watcher is added.") if added else _("Nothing changed.")
    except TransitionError as error:
        return _refuse(request, context, error)
    flash(request, message)
    return HTTPSeeOther(location=request.resource_url(context) + "#watchers")


@view_config(context=Incident, name="macro", request_method="POST", permission=P.WORK)
def macro_view(context: Incident, request: Any) -> HTTPSeeOther:
    ctx = ActionContext.from_request(request)
    from itsm.incidents.collisions import StaleVersion, check_version

    try:
        check_version(context, request.POST.get("version"), request.itsm_root["people"])
        macro = apply_macro(ctx, context, request.POST.get("macro", ""), request.locale_name)
    except (TransitionError, StaleVersion) as error:
        return _refuse(request, context, error)
    flash(request, _("The macro “${title}” is applied.", mapping={"title": macro.title}))
    return HTTPSeeOther(location=request.resource_url(context))


@view_config(context=Incident, name="watchers", request_method="GET", permission=P.VIEW)
@view_config(context=Incident, name="macro", request_method="GET", permission=P.VIEW)
def panel_get(context: Incident, request: Any) -> HTTPSeeOther:
    return HTTPSeeOther(location=request.resource_url(context))
