"""The employee portal's pages: announcements and satisfaction surveys.

The portal's home sections and "Waiting for me" are built in :mod:`itsm.selfservice.portal`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from itsm.i18n import _
from itsm.incidents.models import Incident
from itsm.requests.models import ServiceRequest
from itsm.root import ServiceDesk
from itsm.security.permissions import P
from itsm.selfservice import announcements as board_ops
from itsm.selfservice import satisfaction
from itsm.selfservice.announcements import (
    AUDIENCES,
    SEVERITIES,
    AnnouncementBoard,
    AnnouncementInvalid,
)
from itsm.ui.forms import display_time, iso_time

ANNOUNCEMENTS_PT = "itsm:selfservice/templates/portal_announcements.pt"
SURVEY_PT = "itsm:selfservice/templates/portal_survey.pt"


# -- announcements ------------------------------------------------------------------------------


def _local_input(value: datetime | None) -> str:
    """A ``datetime-local`` input value, in UTC."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") if value else ""


def _announcement_page(
    request: Any,
    board: AnnouncementBoard,
    *,
    editing: Any = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, Any] | None = None,
    message: Any = None,
) -> dict[str, Any]:
    now = datetime.now(UTC)
    can_post = bool(request.has_permission(P.POST, board))
    if values is None:
        if editing is not None:
            values = {
                "title": editing.title,
                "body": editing.body,
                "severity": editing.severity,
                "audience": editing.audience,
                "starts": _local_input(editing.starts),
                "expires": _local_input(editing.expires),
            }
        else:
            values = {"severity": "info", "audience": "everyone"}
    return {
        "board_current": board.current(now),
        "board_all": board.all() if can_post else [],
        "can_post": can_post,
        "editing": editing,
        "values": values,
        "errors": errors or {},
        "message": message,
        "severities": SEVERITIES,
        "audiences": AUDIENCES,
        "now": now,
        "display_time": display_time,
        "iso_time": iso_time,
        "state_titles": {
            "scheduled": _("Scheduled"),
            "current": _("Shown now"),
            "expired": _("Expired"),
        },
        "page_url": request.application_url + "/announcements",
    }


@view_config(
    context=ServiceDesk,
    name="announcements",
    request_method="GET",
    permission=P.VIEW,
    renderer=ANNOUNCEMENTS_PT,
)
def announcements_page(context: ServiceDesk, request: Any) -> dict[str, Any]:
    """Current announcements for everyone; IT staff also see all of them, post and edit."""
    board = AnnouncementBoard(context)
    editing = None
    key = request.GET.get("edit")
    if key:
        if not request.has_permission(P.POST, board):
            raise HTTPForbidden()
        editing = board.get(key)
        if editing is None:
            raise HTTPNotFound()
    return _announcement_page(request, board, editing=editing)


@view_config(
    context=ServiceDesk,
    name="announcements",
    request_method="POST",
    permission=P.VIEW,
    renderer=ANNOUNCEMENTS_PT,
)
def announcements_post(context: ServiceDesk, request: Any) -> Any:
    """Post (``action=create``), change (``update``) or take down (``expire``); IT staff."""
    board = AnnouncementBoard(context)
    if not request.has_permission(P.POST, board):
        raise HTTPForbidden()
    post = request.POST
    action = post.get("action", "create")
    now = datetime.now(UTC)
    actor = request.identity.login
    page_url = request.application_url + "/announcements"
    values = {name: post.get(name, "") for name in board_ops.FIELDS}
    if action == "create":
        try:
            board_ops.post(context, values, actor, now)
        except AnnouncementInvalid as error:
            return _refused(request, board, None, values, error)
        request.session.flash(_("The announcement is posted."), "success")
        return HTTPSeeOther(location=page_url)
    announcement = board.get(post.get("id", ""))
    if announcement is None:
        raise HTTPNotFound()
    if action == "update":
        try:
            board_ops.edit(announcement, values, actor, now)
        except AnnouncementInvalid as error:
            return _refused(request, board, announcement, values, error)
        request.session.flash(_("The announcement is saved."), "success")
    elif action == "expire":
        board_ops.expire_now(announcement, actor, now)
        request.session.flash(_("The announcement is no longer shown."), "success")
    else:
        raise HTTPNotFound()
    return HTTPSeeOther(location=page_url)


def _refused(
    request: Any,
    board: AnnouncementBoard,
    editing: Any,
    values: dict[str, Any],
    error: AnnouncementInvalid,
) -> dict[str, Any]:
    request.tm.doom()
    request.response.status = 400
    return _announcement_page(
        request, board, editing=editing, values=values, errors=error.fields, message=error.message
    )


# -- satisfaction -------------------------------------------------------------------------------


def _survey_values(request: Any, ticket: Any, **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "ticket": ticket,
        "scores": satisfaction.SCORE_TITLES,
        "token": None,
        "action": None,
        "done": False,
        "invalid": None,
        "message": None,
        "errors": {},
        "score": "",
        "comment": "",
    }
    values.update(extra)
    return values


@view_config(
    context=ServiceDesk,
    name="survey",
    request_method="GET",
    renderer=SURVEY_PT,
    permission=NO_PERMISSION_REQUIRED,
)
def survey_page(context: ServiceDesk, request: Any) -> dict[str, Any]:
    """The mailed link: no login needed; a bad link says the same whatever made it bad."""
    token = request.GET.get("token", "")
    request.response.headers["Cache-Control"] = "no-store"
    now = datetime.now(UTC)
    survey = satisfaction.find_survey(context, token, now)
    if survey is None:
        request.response.status = 404
        return _survey_values(request, None, invalid=satisfaction.INVALID_LINK)
    action = request.application_url + "/survey?" + urlencode({"token": token})
    return _survey_values(request, survey.ticket, token=token, action=action)


# The token in the link is a 256-bit secret a forged cross-site form cannot know, and the
# visitor may have no session at all: the token is the CSRF protection here.
@view_config(
    context=ServiceDesk,
    name="survey",
    request_method="POST",
    renderer=SURVEY_PT,
    require_csrf=False,
    permission=NO_PERMISSION_REQUIRED,
)
def survey_answer(context: ServiceDesk, request: Any) -> dict[str, Any]:
    token = request.POST.get("token") or request.GET.get("token", "")
    score, comment = request.POST.get("score", ""), request.POST.get("comment", "")
    request.response.headers["Cache-Control"] = "no-store"
    now = datetime.now(UTC)
    try:
        ticket = satisfaction.answer_by_token(context, token, score, comment, now)
    except satisfaction.SurveyRefused as refused:
        request.tm.doom()
        request.response.status = refused.status
        survey = satisfaction.find_survey(context, token, now) if refused.fields else None
        if survey is None:
            return _survey_values(request, None, invalid=satisfaction.INVALID_LINK)
        action = request.application_url + "/survey?" + urlencode({"token": token})
        return _survey_values(
            request,
            survey.ticket,
            token=token,
            action=action,
            message=refused.message,
            errors=refused.fields,
            score=score,
            comment=comment,
        )
    return _survey_values(request, ticket, done=True)


@view_config(
    context=Incident,
    name="satisfaction",
    request_method="GET",
    permission=P.CONFIRM,
    renderer=SURVEY_PT,
)
@view_config(
    context=ServiceRequest,
    name="satisfaction",
    request_method="GET",
    permission=P.CONFIRM,
    renderer=SURVEY_PT,
)
def incident_survey_page(context: Incident, request: Any) -> dict[str, Any]:
    """The same question in the portal, for the logged-in requester."""
    if not satisfaction.can_rate(context, request.identity.login):
        return _survey_values(request, context, done=context.satisfaction is not None)
    return _survey_values(request, context, action=request.resource_url(context, "@@satisfaction"))


@view_config(
    context=Incident,
    name="satisfaction",
    request_method="POST",
    permission=P.CONFIRM,
    renderer=SURVEY_PT,
)
@view_config(
    context=ServiceRequest,
    name="satisfaction",
    request_method="POST",
    permission=P.CONFIRM,
    renderer=SURVEY_PT,
)
def incident_survey_answer(context: Incident, request: Any) -> Any:
    score, comment = request.POST.get("score", ""), request.POST.get("comment", "")
    now = datetime.now(UTC)
    if request.identity.login != context.requester:
        raise HTTPForbidden()
    try:
        satisfaction.record(request.itsm_root, context, score, comment, now)
    except satisfaction.SurveyRefused as refused:
        request.tm.doom()
        request.response.status = refused.status
        return _survey_values(
            request,
            context,
            action=request.resource_url(context, "@@satisfaction")
            if refused.status == 400
            else None,
            done=refused.status != 400,
            message=refused.message,
            errors=refused.fields or {},
            score=score,
            comment=comment,
        )
    request.session.flash(_("Thank you for your answer."), "success")
    return HTTPSeeOther(location=request.resource_url(context))
