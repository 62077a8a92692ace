"""Ordering from the catalog: validate the item's form, number the request, send it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from itsm.approvals import decisions as approvals
from itsm.events import ObjectCreated
from itsm.i18n import _
from itsm.notify.notifications import queue_notification
from itsm.numbering import allocate_number
from itsm.requests import fulfilment, target
from itsm.requests.catalog import CatalogItem
from itsm.requests.forms import keep_files, validate_answers
from itsm.requests.models import ServiceRequest
from itsm.requests.workflow import AWAITING_APPROVAL, DRAFT, WORKFLOW
from itsm.search.catalog import mark_changed, new_docid
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import fire

SYSTEM = frozenset({"system"})


class OrderError(ValueError):
    """The order cannot be accepted; ``fields`` says which answers are wrong."""

    def __init__(self, message: Any, fields: dict[str, Any], status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields
        self.status = status


def create_request(
    ctx: ActionContext,
    item: CatalogItem,
    answers: Mapping[str, Any],
    *,
    requester: str,
    draft: bool = False,
    channel: str = "portal",
    parent: ServiceRequest | None = None,
) -> ServiceRequest:
    """Create a request for ``item``; unless ``draft``, send it on (approval or fulfilment)."""
    root = ctx.root
    person = root["people"].get(requester)
    if parent is None and not item.may_order(person):
        raise OrderError(_("You may not order this item."), {}, status=403)
    stored, errors = validate_answers(item, root["people"], answers, draft=draft)
    if errors:
        raise OrderError(_("Some fields are not valid."), errors)
    number = allocate_number(root._p_jar.db(), "request")
    request = ServiceRequest(number, int(number.split("-")[1]), new_docid(root), ctx.now)
    request.item = item.slug
    request.title = item.name
    stored = keep_files(request, stored)  # new files go to request.attachments
    request.description = _describe(item, stored)
    request.answers = stored
    request.requester = requester
    request.channel = channel
    request.category = item.category
    request.price = item.price
    request.status = DRAFT
    if parent is not None:
        request.parent = parent.number
        parent.children = (*parent.children, number)
    root["requests"].add(number, request)
    if parent is None:
        item.count_order()
    request.history.record(ctx.now, ctx.actor, "created", note=channel)
    mark_changed(root, request)
    ctx.notify(ObjectCreated(request, ctx.request))
    if not draft:
        submit(ctx, request, item, skip_approval=parent is not None)
    return request


def _describe(item: CatalogItem, answers: Mapping[str, Any]) -> str:
    titles = {f["name"]: f.get("title") or f["name"] for f in item.fields}
    return "\n".join(f"{titles.get(k, k)}: {v}" for k, v in answers.items() if v not in ("", None))


def update_draft(ctx: ActionContext, request: ServiceRequest, answers: Mapping[str, Any]) -> None:
    item = ctx.root["catalog"][request.item]
    stored, errors = validate_answers(item, ctx.root["people"], answers, draft=True)
    if errors:
        raise OrderError(_("Some fields are not valid."), errors)
    stored = keep_files(request, stored)
    request.answers = stored
    request.description = _describe(item, stored)
    request.updated = ctx.now
    mark_changed(ctx.root, request)


def submit(
    ctx: ActionContext, request: ServiceRequest, item: CatalogItem, skip_approval: bool = False
) -> None:
    """Send a draft: the required answers are checked now; approval starts, or fulfilment.
    Answers to fields an administrator removed from the item since the draft was saved are
    dropped: nobody can see or change them any more."""
    known = {f["name"] for f in item.fields}
    if any(k not in known for k in request.answers):
        request.answers = {k: v for k, v in request.answers.items() if k in known}
    _stored, errors = validate_answers(item, ctx.root["people"], request.answers)
    if errors:
        raise OrderError(_("Some fields are not valid."), errors)
    fire(
        WORKFLOW,
        request,
        "submit",
        actor=ctx.actor,
        roles=ctx.roles_on(request) | SYSTEM,
        now=ctx.now,
        notify=ctx.notify,
        request=ctx.request,
    )
    queue_notification(
        ctx.root,
        ctx.registry,
        recipients=[request.requester],
        template="ticket_event",
        ticket=request,
        now=ctx.now,
        event="received",
        actor=ctx.actor,
    )
    specs = [] if skip_approval else [_concrete(spec, request) for spec in item.approval]
    if specs and approvals.start(ctx, request, specs) is not None:
        mark_changed(ctx.root, request)
        return
    approved(ctx, request, _("No approval needed."))


def _concrete(spec: Mapping[str, Any], request: ServiceRequest) -> dict[str, Any]:
    """A step whose group depends on an answer (the system's owner) becomes a plain one."""
    spec = dict(spec)
    if "by_field" in spec:
        value = request.answers.get(spec.pop("by_field"))
        groups = spec.pop("groups", {})
        spec["group"] = groups.get(value) or spec.get("group") or "Service Desk"
    return spec


def approved(ctx: ActionContext, request: ServiceRequest, note: Any = "") -> None:
    """Approval done (or none needed): move on and create the fulfilment tasks."""
    assert request.status == AWAITING_APPROVAL
    fire(
        WORKFLOW,
        request,
        "approve",
        actor=ctx.actor,
        roles=SYSTEM,
        fields={"note": note} if isinstance(note, str) else {},
        now=ctx.now,
        notify=ctx.notify,
        request=ctx.request,
    )
    item = ctx.root["catalog"].get(request.item)
    if item is not None:
        target.start_clock(ctx, request, item.delivery_days)
    fulfilment.start(ctx, request)
    if item is not None:
        _order_bundle(ctx, request, item)
    mark_changed(ctx.root, request)


def _order_bundle(ctx: ActionContext, request: ServiceRequest, item: CatalogItem) -> None:
    """A bundle's child requests, one per entry whose item still exists, with the answers
    the bundle passes on (:func:`itsm.requests.fulfilment.bundle_answers`)."""
    for child in item.bundle:
        child_item = ctx.root["catalog"].get(child["item"])
        if child_item is not None:
            child_request = create_request(
                ctx,
                child_item,
                fulfilment.bundle_answers(child_item, child, request.answers),
                requester=request.requester,
                channel=request.channel,
                parent=request,
            )
            child_request.inherited = dict(request.answers)


def rejected(ctx: ActionContext, request: ServiceRequest, reason: str) -> None:
    fire(
        WORKFLOW,
        request,
        "reject",
        actor=ctx.actor,
        roles=SYSTEM,
        fields={"reason": reason},
        now=ctx.now,
        notify=ctx.notify,
        request=ctx.request,
    )
    mark_changed(ctx.root, request)
