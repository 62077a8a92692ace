"""``POST /changes/CHG-…/@@inform``: the change page's "Inform the affected people"."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from itsm.changes.informing import InformRefused, inform_affected
from itsm.changes.models import Change
from itsm.i18n import _
from itsm.security.permissions import P
from itsm.tickets.context import ActionContext
from itsm.ui.forms import flash


@view_config(context=Change, name="inform", request_method="POST", permission=P.WORK)
def inform_view(context: Change, request: Any) -> HTTPSeeOther:
    message = request.POST.get("message", "")
    try:
        people = inform_affected(ActionContext.from_request(request), context, message)
    except InformRefused as refused:
        request.tm.doom()
        flash(request, refused.fields.get("message") or refused.message, "danger")
        return HTTPSeeOther(request.resource_url(context) + "#inform")
    flash(
        request,
        _("${count} affected people were told of the change.", mapping={"count": len(people)}),
    )
    return HTTPSeeOther(request.resource_url(context) + "#inform")
