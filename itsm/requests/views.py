"""Portal pages: the catalog with search, an item's order form, my requests, a request."""

from __future__ import annotations

from typing import Any

import deform
from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from itsm.containers import Requests, ServiceCatalog
from itsm.i18n import _
from itsm.people.lookup import UnknownCaller, caller_login
from itsm.requests import actions, catalog
from itsm.requests.catalog import CatalogItem
from itsm.requests.forms import file_fields, form_for, hidden_fields, request_file
from itsm.requests.fulfilment import work_task
from itsm.requests.intake import OrderError, create_request
from itsm.requests.models import ServiceRequest
from itsm.requests.views_tasks import task_panel
from itsm.requests.workflow import NEXT_STEP, STATE_TITLES, TASK_STATE_TITLES
from itsm.search.catalog import search
from itsm.security.permissions import P
from itsm.tickets.context import ActionContext
from itsm.tickets.journal import AttachmentRefused, make_attachment
from itsm.tickets.workflow import TransitionError
from itsm.ui.downloads import file_response
from itsm.ui.forms import flash, human_size, is_staff, refused_message, translate, uploads

PER_PAGE = 50


@view_config(
    context=ServiceCatalog,
    request_method="GET",
    permission=P.VIEW,
    renderer="itsm:requests/templates/catalog.pt",
)
def catalog_view(context: ServiceCatalog, request: Any) -> dict[str, Any]:
    q = request.GET.get("q", "")
    person = request.identity.person
    found = [i for i in catalog.find(request.itsm_root, q) if i.may_order(person)]
    return {
        "items": found,
        "q": q,
        "locale": request.locale_name,
        "may_manage": bool(request.has_permission(P.MANAGE, context)),
    }


@view_config(
    context=CatalogItem,
    request_method=("GET", "POST"),
    permission=P.ORDER,
    renderer="itsm:requests/templates/order.pt",
)
def order_view(context: CatalogItem, request: Any) -> Any:
    """The item's form, generated from its field definitions; "save as draft" or "send".

    Conditions are decided on what was sent: a hidden field's value never reaches the form's
    validation, so it is neither required nor kept (and the form works without JavaScript)."""
    root = request.itsm_root
    if not context.active:
        raise HTTPNotFound()
    staff = is_staff(request)
    # IT staff may order for a caller: the caller's eligibility is checked when it is sent.
    if not staff and not context.may_order(request.identity.person):
        raise HTTPForbidden()
    form = form_for(
        context, root["people"], request.locale_name, request, get_csrf_token(request), staff
    )
    values = {"item": context, "locale": request.locale_name, "error": None, "staff": staff}
    if request.method != "POST":
        return {**values, "form": form.render()}
    hidden = hidden_fields(context, request.POST)
    sent = [(k, v) for k, v in request.POST.items() if k not in hidden]
    try:
        appstruct = form.validate(sent)
    except deform.ValidationFailure as failure:
        request.response.status = 400
        error = _("Please choose the files again.") if _uploads(context, request) else None
        return {**values, "form": failure.render(), "error": error}
    appstruct.pop("csrf_token", None)
    caller = appstruct.pop("requester", "") if staff else ""
    channel = appstruct.pop("channel", "portal") if staff else "portal"
    ctx = ActionContext.from_request(request)
    try:
        requester = caller_login(request, caller) if staff else ctx.actor
    except UnknownCaller as error:
        request.tm.doom()
        request.response.status = 400
        appstruct.update(requester=caller, channel=channel)
        return {**values, "form": form.render(appstruct), "error": error.message}
    kept = ("csrf_token", "requester", "channel")
    answers = {k: v for k, v in form.schema.serialize(appstruct).items() if k not in kept}
    max_bytes = request.registry.itsm_settings.attachment_max_bytes
    try:
        for name in file_fields(context):
            upload = appstruct.get(name)
            answers[name] = (
                make_attachment(upload.filename, upload.file, max_bytes, upload.type or "")
                if getattr(upload, "file", None) is not None
                else None
            )
        created = create_request(
            ctx,
            context,
            answers,
            requester=requester,
            draft="draft" in request.POST,
            channel=channel,
        )
    except (OrderError, AttachmentRefused) as error:
        request.tm.doom()
        if isinstance(error, AttachmentRefused):
            message = refused_message(request, error)
            request.response.status = 400
        else:
            message = error.message
            request.response.status = error.status
        return {**values, "form": form.render(appstruct), "error": message}
    if created.status == "draft":
        flash(request, _("Draft ${number} saved.", mapping={"number": created.number}))
    else:
        flash(request, _("Request ${number} is registered.", mapping={"number": created.number}))
    return HTTPSeeOther(location=request.resource_url(created))


def _uploads(item: CatalogItem, request: Any) -> list[Any]:
    """The files sent in the item's file fields (none when the form has no file field)."""
    return [f for name in file_fields(item) for f in uploads(request, name)]


@view_config(
    context=Requests,
    request_method="GET",
    permission=P.VIEW,
    renderer="itsm:requests/templates/list.pt",
)
def list_view(context: Requests, request: Any) -> dict[str, Any]:
    """My requests (IT staff: every request, newest first)."""
    identity = request.identity
    staff = is_staff(request)
    page = max(1, int(request.GET.get("page", "1") or 1))
    query: dict[str, Any] = {"kind": "request"}
    if not staff or request.GET.get("mine"):
        query["requester"] = identity.login
    total, found = search(
        request.itsm_root, sort="created", reverse=True, page=page, per_page=PER_PAGE, **query
    )
    return {
        "requests": found,
        "total": total,
        "staff": staff,
        "state_titles": STATE_TITLES,
        "next_step": NEXT_STEP,
    }


@view_config(
    context=ServiceRequest,
    request_method="GET",
    permission=P.VIEW,
    renderer="itsm:requests/templates/request.pt",
)
def request_view(context: ServiceRequest, request: Any) -> dict[str, Any]:
    item = request.itsm_root["catalog"].get(context.item)
    titles = {}
    if item is not None:
        for field in item.fields:
            titles[field["name"]] = (
                field.get("title_ru") if request.locale_name == "ru" else None
            ) or field.get("title", field["name"])
    return {
        "ticket": context,
        "item": item,
        "titles": titles,
        "state_titles": STATE_TITLES,
        "task_titles": TASK_STATE_TITLES,
        "next_step": NEXT_STEP,
        "may_withdraw": bool(request.has_permission(P.WITHDRAW, context)),
        "may_work": bool(request.has_permission(P.WORK, context)),
        **task_panel(context, request),
        "files": _files(context, request),
    }


def may_download(context: ServiceRequest, request: Any) -> bool:
    """Files sent with a request are for its requester and IT staff (not its approvers)."""
    return bool(
        request.has_permission(P.WITHDRAW, context) or request.has_permission(P.WORK, context)
    )


def _files(context: ServiceRequest, request: Any) -> list[dict[str, Any]]:
    """The request's files for its page: name, size, link; empty for readers who may not
    download them."""
    if not context.attachments or not may_download(context, request):
        return []
    return [
        {
            "field": a.__name__,
            "filename": a.filename,
            "size": human_size(a.size),
            "url": request.resource_url(context, "@@file", query={"field": a.__name__}),
        }
        for a in context.attachments
    ]


@view_config(context=ServiceRequest, name="file", request_method="GET", permission=P.VIEW)
def file_view(context: ServiceRequest, request: Any) -> Response:
    """Download a file answer (``?field=signed_form``) as an attachment, never rendered inline."""
    if not may_download(context, request):
        raise HTTPForbidden()
    file = request_file(context, request.GET.get("field", ""))
    if file is None:
        raise HTTPNotFound()
    return file_response(file)


@view_config(context=ServiceRequest, name="transition", request_method="POST", permission=P.VIEW)
def transition_view(context: ServiceRequest, request: Any) -> HTTPSeeOther:
    """Send a draft, cancel with a reason, confirm (close)."""
    ctx = ActionContext.from_request(request)
    fields = {k: request.POST[k] for k in ("reason",) if request.POST.get(k)}
    try:
        actions.transition(ctx, context, request.POST.get("name", ""), fields)
    except (TransitionError, OrderError) as error:
        request.tm.doom()
        flash(request, translate(request, error.message), "danger")
    else:
        flash(request, _("Done."))
    return HTTPSeeOther(location=request.resource_url(context))


@view_config(context=ServiceRequest, name="task", request_method="POST", permission=P.WORK)
def task_view(context: ServiceRequest, request: Any) -> HTTPSeeOther:
    """IT staff work a task from the request page: start, done."""
    task = context.tasks.get(request.POST.get("task", ""))
    if task is None:
        raise HTTPNotFound()
    try:
        work_task(ActionContext.from_request(request), task, request.POST.get("name", ""))
    except TransitionError as error:
        request.tm.doom()
        flash(request, translate(request, error.message), "danger")
    else:
        flash(request, _("Done."))
    return HTTPSeeOther(location=request.resource_url(context))
