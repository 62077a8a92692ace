"""The incident page's "link to this known error" (the banner lives in the incident page)."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from itsm.i18n import _
from itsm.incidents.models import Incident
from itsm.problems import actions
from itsm.problems.models import Problem
from itsm.security.permissions import P
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import TransitionError
from itsm.ui.forms import flash


@view_config(context=Incident, name="known-error", request_method="POST", permission=P.WORK)
def link_known_error(context: Incident, request: Any) -> HTTPSeeOther:
    """The incident joins the known error's problem; the page opens with the workaround in the
    reply box, for the agent to send (or edit) as a public reply."""
    problem = request.itsm_root["problems"].get(request.POST.get("problem", "").strip().upper())
    if not isinstance(problem, Problem):
        raise HTTPNotFound()
    try:
        actions.apply_known_error(ActionContext.from_request(request), problem, context)
    except TransitionError as error:
        request.tm.doom()
        flash(request, error.message, "danger")
        return HTTPSeeOther(location=request.resource_url(context))
    flash(
        request,
        _(
            "Linked to ${number}. The workaround is in the reply box: check it and send it.",
            mapping={"number": problem.number},
        ),
    )
    url = request.resource_url(context, query={"draft": "known-error"}, anchor="reply-form")
    return HTTPSeeOther(location=url)


@view_config(context=Incident, name="known-error", request_method="GET", permission=P.VIEW)
def link_known_error_get(context: Incident, request: Any) -> HTTPSeeOther:
    return HTTPSeeOther(location=request.resource_url(context))
