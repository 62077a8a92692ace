"""``/incidents/@@macros``: the macros, managed by administrators and group leads."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from itsm.i18n import _
from itsm.incidents.intake import incident_settings
from itsm.incidents.macros import (
    MACRO_FIELDS,
    RESOLUTION_CODES,
    TRANSITIONS,
    delete_macro,
    macros_of,
    may_manage,
    save_macro,
)
from itsm.incidents.models import Incidents
from itsm.incidents.workflow import RESOLUTION_CODES as CODE_TITLES
from itsm.incidents.workflow import WORKFLOW
from itsm.security.permissions import P
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import TransitionError
from itsm.ui.forms import flash

MACROS_PT = "itsm:incidents/templates/macros.pt"


def _page(request: Any, values: Any = None, error: Any = None, errors: Any = None) -> dict:
    root = request.itsm_root
    ctx = ActionContext.from_request(request)
    settings = incident_settings(root)
    language = request.locale_name
    return {
        "macros": sorted(macros_of(root).values(), key=lambda m: m.title.casefold()),
        "may_manage": may_manage(ctx),
        "groups": list(root["settings"]["groups"]),
        "canned": [(k, r.localized(language)[0]) for k, r in sorted(settings.canned.items())],
        "transitions": [(t, WORKFLOW.transitions[t].title or t if t else "") for t in TRANSITIONS],
        "codes": [(c, CODE_TITLES.get(c, c)) for c in RESOLUTION_CODES],
        "values": values or {},
        "error": error,
        "errors": errors or {},
    }


@view_config(
    context=Incidents, name="macros", request_method="GET", permission=P.WORK, renderer=MACROS_PT
)
def macros_page(context: Incidents, request: Any) -> dict[str, Any]:
    return _page(request)


@view_config(
    context=Incidents, name="macros", request_method="POST", permission=P.WORK, renderer=MACROS_PT
)
def macros_save(context: Incidents, request: Any) -> Any:
    post = request.POST
    ctx = ActionContext.from_request(request)
    values = {k: post.get(k, "") for k in MACRO_FIELDS}
    try:
        if post.get("delete"):
            delete_macro(ctx, post["delete"])
            message = _("The macro is deleted.")
        else:
            original = post.get("original") or None
            if original is None and values["key"].strip() in macros_of(ctx.root):
                original = values["key"].strip()
            macro = save_macro(ctx, values, original)
            message = _("The macro “${title}” is saved.", mapping={"title": macro.title})
    except TransitionError as error:
        request.tm.doom()
        request.response.status = error.status
        return _page(request, values, error.message, error.fields)
    flash(request, message)
    return HTTPSeeOther(location=request.resource_url(context, "@@macros"))
