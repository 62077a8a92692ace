"""The incident page's "caused by change" form (the link lives in itsm.changes.links)."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from itsm.changes.links import set_caused_by
from itsm.i18n import _
from itsm.incidents.models import Incident
from itsm.incidents.views import INCIDENT_PT, Submitted, flash, incident_values
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import TransitionError


@view_config(
    context=Incident,
    name="caused-by-change",
    request_method="POST",
    permission="work",
    renderer=INCIDENT_PT,
)
def caused_by_change(context: Incident, request: Any) -> Any:
    """Link the incident to the change that caused it, or remove the link (empty number)."""
    text = request.POST.get("caused_by_change", "")
    ctx = ActionContext.from_request(request)
    try:
        changed = set_caused_by(ctx, context, text)
    except TransitionError as error:
        request.tm.doom()
        request.response.status = error.status
        submitted = Submitted("caused_by", {"caused_by_change": text}, error.fields, error.message)
        return incident_values(context, request, submitted)
    if not changed:
        message = _("Nothing changed.")
    elif context.caused_by_change:
        message = _("The incident is linked to the change that caused it.")
    else:
        message = _("The link to the change is removed.")
    flash(request, message)
    return HTTPSeeOther(location=request.resource_url(context))


@view_config(context=Incident, name="caused-by-change", request_method="GET", permission="view")
def caused_by_change_get(context: Incident, request: Any) -> HTTPSeeOther:
    return HTTPSeeOther(location=request.resource_url(context))
