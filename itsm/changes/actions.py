"""What people do to a change after raising it: the transitions of the API and the page."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from itsm.approvals import decisions as approvals
from itsm.changes import intake
from itsm.changes.models import Change
from itsm.changes.workflow import (
    CANCELLED,
    OUTCOMES,
    USER_TRANSITIONS,
    WORKFLOW,
    normalize_outcome,
)
from itsm.i18n import _
from itsm.search.catalog import mark_changed
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import Transition, UnknownTransition


def transition(ctx: ActionContext, change: Change, name: str, fields: Mapping[str, Any]) -> None:
    """Fire ``name`` (one of :data:`USER_TRANSITIONS`) on ``change``."""
    if name not in USER_TRANSITIONS:
        raise UnknownTransition(
            _("Unknown action: ${name}.", mapping={"name": name}), {"name": _("Unknown")}
        )
    fields = dict(fields)
    if "outcome" in fields:
        fields["outcome"] = normalize_outcome(fields["outcome"])
        if fields["outcome"] not in OUTCOMES:
            message = _(
                "Choose the outcome: successful, successful with issues, failed and backed out."
            )
            raise intake.ChangeError(_("Some fields are not valid."), {"outcome": message})
    if "review_notes" in fields and "notes" not in fields:
        fields["notes"] = fields.pop("review_notes")
    if name == "submit":
        intake.submit(ctx, change, str(fields.get("override_reason", "") or ""))
        return
    roles = ctx.roles_on(change)
    if name == "schedule":
        WORKFLOW.check(change, name, roles, fields, ctx.now)
        start, end = intake.planned_window(
            {
                "planned_start": fields.get("planned_start") or change.planned_start.isoformat(),
                "planned_end": fields.get("planned_end") or change.planned_end.isoformat(),
            }
        )
        intake.check_conflicts(ctx, change, start, end, str(fields.get("override_reason") or ""))
        fields.update(planned_start=start, planned_end=end)
    intake.fire_change(ctx, change, name, roles=roles, fields=fields, apply=_apply)
    if change.status == CANCELLED:
        approvals.cancel(ctx, change)
    mark_changed(ctx.root, change)


def _apply(
    change: Change, transition: Transition, fields: Mapping[str, Any], now: datetime
) -> None:
    if transition.name == "schedule":
        change.planned_start = fields["planned_start"]
        change.planned_end = fields["planned_end"]
    elif transition.name == "complete":
        change.outcome = fields["outcome"]
    elif transition.name == "review":
        change.review_notes = str(fields["notes"])[:10000]
    elif transition.name == "close":
        change.closed_at = now
