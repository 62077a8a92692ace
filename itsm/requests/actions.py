"""What people do to a request after ordering it: send a draft, cancel, close."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from itsm.approvals import decisions as approvals
from itsm.i18n import _
from itsm.requests import fulfilment, intake
from itsm.requests.models import ServiceRequest
from itsm.requests.workflow import CANCELLED, DRAFT, TASK_WORKFLOW, WORKFLOW
from itsm.search.catalog import mark_changed
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import NotAllowedNow, fire

SYSTEM = frozenset({"system"})


def transition(
    ctx: ActionContext, request: ServiceRequest, name: str, fields: Mapping[str, Any]
) -> None:
    """Fire ``name`` (submit, cancel, close, resolve) on ``request``."""
    if name == "submit":
        item = ctx.root["catalog"].get(request.item)
        if request.status != DRAFT or item is None:
            raise NotAllowedNow(_("Only a draft can be sent."))
        WORKFLOW.check(request, name, ctx.roles_on(request), fields, ctx.now)
        intake.submit(ctx, request, item)
        return
    fire(
        WORKFLOW,
        request,
        name,
        actor=ctx.actor,
        roles=ctx.roles_on(request),
        fields=fields,
        now=ctx.now,
        notify=ctx.notify,
        request=ctx.request,
    )
    if name == "resolve":
        fulfilment.delivered(ctx, request)
    if request.status == CANCELLED:
        approvals.cancel(ctx, request)
        for task in request.tasks.values():
            if task.is_open:
                fire(TASK_WORKFLOW, task, "cancel", actor=ctx.actor, roles=SYSTEM, now=ctx.now)
                mark_changed(ctx.root, task)
    mark_changed(ctx.root, request)
