"""``POST /requests/REQ-…/@@worklog``: IT staff log minutes worked on a service request."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from itsm.i18n import _
from itsm.requests.models import ServiceRequest
from itsm.requests.views import request_view
from itsm.security.permissions import P
from itsm.tickets.context import ActionContext
from itsm.tickets.worklog import WorkLogError, log_work
from itsm.ui.forms import flash


@view_config(context=ServiceRequest, name="worklog", request_method="POST", permission=P.WORK)
def worklog_view(context: ServiceRequest, request: Any) -> Any:
    values = {k: request.POST.get(k, "") for k in ("minutes", "body")}
    try:
        log_work(ActionContext.from_request(request), context, values["minutes"], values["body"])
    except WorkLogError as error:
        request.tm.doom()
        page = request_view(context, request)
        page.update(worklog_values=values, worklog_errors=error.fields)
        response = render_to_response("itsm:requests/templates/request.pt", page, request=request)
        response.status = 400
        return response
    flash(request, _("Work logged."))
    return HTTPSeeOther(request.resource_url(context) + "#worklog")
