"""Moving a CI through its lifecycle, and handing it to a person or back to stock.

Every status change goes through :func:`itsm.tickets.workflow.fire` with the CI workflow;
every owner change writes an ``owner`` history record, so :meth:`owners` lists them all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from itsm.cmdb.models import ConfigurationItem
from itsm.cmdb.register import CmdbError, changed, check_owner
from itsm.cmdb.workflow import DEPLOYED, IN_REPAIR, IN_STOCK, WORKFLOW
from itsm.i18n import _
from itsm.security.roles import has_staff_role
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import fire


def set_owner(ctx: ActionContext, ci: ConfigurationItem, login: str | None, on: Any) -> None:
    """Change the owner (and follow their department), with history; no status change."""
    if ci.owner == login:
        return
    note = on.isoformat() if isinstance(on, date) else ""
    ci.history.record(
        ctx.now, ctx.actor, "owner", field="owner", before=ci.owner, after=login, note=note
    )
    ci.owner = login
    if login:
        person = ctx.root["people"].get(login)
        department = getattr(person, "department", "") or ""
        if department and department != ci.department:
            ci.history.record(
                ctx.now,
                ctx.actor,
                "field",
                field="department",
                before=ci.department,
                after=department,
            )
            ci.department = department


def transition(
    ctx: ActionContext, ci: ConfigurationItem, name: str, fields: Mapping[str, Any] | None = None
) -> None:
    """Fire a lifecycle transition; ``deploy`` needs ``owner`` and hands the CI over,
    ``return`` takes it back to stock. Raises TransitionError subclasses."""
    fields = dict(fields or {})
    if name == "deploy":
        check_owner(ctx, fields.get("owner"), getattr(ctx.request, "find_person", None))

    def apply(item: Any, transition: Any, given: Mapping[str, Any], now: Any) -> None:
        if transition.name == "deploy":
            set_owner(ctx, item, given["owner"], given.get("date"))
        elif transition.name in ("return", "retire"):
            set_owner(ctx, item, None, given.get("date"))

    fire(
        WORKFLOW,
        ci,
        name,
        actor=ctx.actor,
        roles=ctx.roles,
        fields=fields,
        now=ctx.now,
        apply=apply,
    )
    changed(ctx.root, ci)


def hand_over(
    ctx: ActionContext,
    ci: ConfigurationItem,
    login: str,
    on: date | None = None,
    resolve: Callable | None = None,
) -> None:
    """Assign ``ci`` to ``login`` (from ``on``): a CI in stock is deployed; one already deployed
    or in repair changes hands; the history keeps every owner."""
    check_owner(ctx, login, resolve)
    if not login:
        raise CmdbError(_("Some fields are not valid."), {"owner": _("Required")})
    if ci.status == IN_STOCK:
        transition(ctx, ci, "deploy", {"owner": login, "date": on})
        return
    if ci.status not in (DEPLOYED, IN_REPAIR):
        raise CmdbError(
            _("Only a CI in stock, deployed or in repair can be handed over."), status=409
        )
    if not has_staff_role(ctx.roles):
        raise CmdbError(_("You may not do this."), status=403)
    set_owner(ctx, ci, login, on)
    ci.updated = ctx.now
    changed(ctx.root, ci)


def return_to_stock(ctx: ActionContext, ci: ConfigurationItem, on: date | None = None) -> None:
    """Take ``ci`` back from its owner into stock."""
    transition(ctx, ci, "return", {"date": on})
