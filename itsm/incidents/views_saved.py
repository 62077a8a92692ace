"""Saved views of the queue: save the current filters, rename, share, delete
(``/incidents/@@save-view``, ``/incidents/@@views``)."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.renderers import get_renderer
from pyramid.view import view_config

from itsm.i18n import _
from itsm.incidents.models import Incidents
from itsm.incidents.saved_views import (
    KEYS,
    change_view,
    delete_view,
    get_view,
    save_view,
    visible_to,
)
from itsm.security.permissions import P
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import TransitionError
from itsm.ui.forms import flash

VIEWS_PT = "itsm:incidents/templates/saved_views.pt"


def saved_tabs(request: Any, filters: Any) -> dict[str, Any]:
    """What the queue template's tabs and "save this view" form (``list_saved.pt``) need."""
    person = request.identity.person
    views = visible_to(request.itsm_root, person)
    active = request.GET.get("view", "")
    return {
        "saved": get_renderer("itsm:incidents/templates/list_saved.pt").implementation(),
        "saved_views": [
            {
                "id": v.id,
                "name": v.name,
                "shared": bool(v.group),
                "group": v.group,
                "url": request.resource_url(request.context, query={**v.query, "view": v.id}),
                "active": v.id == active,
            }
            for v in views
        ],
        "saved_filters": {k: getattr(filters, k) for k in KEYS if getattr(filters, k, "")},
        "my_groups": [g for g in person.groups if g in request.itsm_root["settings"]["groups"]],
        "save_url": request.resource_url(request.context, "@@save-view"),
        "views_url": request.resource_url(request.context, "@@views"),
    }


def _page(context: Incidents, request: Any, error: Any = None, errors: Any = None) -> dict:
    person = request.identity.person
    return {
        "views": visible_to(request.itsm_root, person),
        "me": person.login,
        "admin": "admin" in person.roles,
        "my_groups": [g for g in person.groups if g in request.itsm_root["settings"]["groups"]],
        "error": error,
        "errors": errors or {},
        "list_url": request.resource_url(context),
        "view_url": lambda v: request.resource_url(context, query={**v.query, "view": v.id}),
    }


@view_config(
    context=Incidents, name="save-view", request_method="POST", permission=P.WORK, renderer=VIEWS_PT
)
def save_view_page(context: Incidents, request: Any) -> Any:
    post = request.POST
    query = {k: post.get(k, "") for k in KEYS}
    ctx = ActionContext.from_request(request)
    try:
        view = save_view(ctx, post.get("name", ""), query, post.get("share_group", ""))
    except TransitionError as error:
        request.tm.doom()
        request.response.status = error.status
        return _page(context, request, error.message, error.fields)
    flash(request, _("The view “${name}” is saved.", mapping={"name": view.name}))
    return HTTPSeeOther(request.resource_url(context, query={**view.query, "view": view.id}))


@view_config(
    context=Incidents, name="views", request_method="GET", permission=P.WORK, renderer=VIEWS_PT
)
def views_page(context: Incidents, request: Any) -> dict[str, Any]:
    return _page(context, request)


@view_config(
    context=Incidents, name="views", request_method="POST", permission=P.WORK, renderer=VIEWS_PT
)
def change_view_page(context: Incidents, request: Any) -> Any:
    """Rename or reshare (``name``, ``share_group``), or delete (``delete``) the view ``id``."""
    post = request.POST
    view = get_view(request.itsm_root, post.get("id", ""))
    if view is None:
        raise HTTPNotFound()
    ctx = ActionContext.from_request(request)
    try:
        if post.get("delete"):
            delete_view(ctx, view)
            message = _("The view “${name}” is deleted.", mapping={"name": view.name})
        else:
            change_view(ctx, view, name=post.get("name", ""), group=post.get("share_group", ""))
            message = _("The view “${name}” is saved.", mapping={"name": view.name})
    except TransitionError as error:
        request.tm.doom()
        request.response.status = error.status
        return _page(context, request, error.message, error.fields)
    flash(request, message)
    return HTTPSeeOther(request.resource_url(context, "@@views"))


@view_config(context=Incidents, name="save-view", request_method="GET", permission=P.WORK)
def save_view_get(context: Incidents, request: Any) -> HTTPSeeOther:
    return HTTPSeeOther(request.resource_url(context, "@@views"))
