"""Approval timers: one reminder after ``remind_hours``, and after ``escalate_hours`` the
step goes to the approvers' managers as well. Computed from stored times, so a worker that
was down catches up once (each step remembers that it was reminded or escalated)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from itsm.approvals import notices
from itsm.approvals.models import PENDING
from itsm.approvals.subjects import subject_text
from itsm.i18n import _
from itsm.notify.notifications import queue_notification
from itsm.search.catalog import flush, mark_changed, search
from itsm.tickets.context import ActionContext


@dataclass(frozen=True)
class ApprovalTiming:
    remind_hours: float = 24.0
    escalate_hours: float = 72.0

    @classmethod
    def from_settings(cls, raw: Any) -> ApprovalTiming:
        return cls(
            float(raw.get("itsm.approvals.remind_hours", cls.remind_hours)),
            float(raw.get("itsm.approvals.escalate_hours", cls.escalate_hours)),
        )


def sweep(ctx: ActionContext, timing: ApprovalTiming) -> tuple[int, int]:
    """Remind and escalate what is due; returns (reminded, escalated)."""
    reminded = escalated = 0
    _total, steps = search(ctx.root, kind="approval", status=PENDING, sort="created", per_page=1000)
    for step in steps:
        if step.opened_at is None:
            continue
        waited = ctx.now - step.opened_at
        if step.escalated_at is None and waited >= timedelta(hours=timing.escalate_hours):
            if escalate(ctx, step):
                escalated += 1
                continue
        if step.reminded_at is None and waited >= timedelta(hours=timing.remind_hours):
            remind(ctx, step)
            reminded += 1
    return reminded, escalated


def remind(ctx: ActionContext, step: Any) -> None:
    step.reminded_at = ctx.now
    waiting = [a for a in step.approvers if not step.decided_by(a)]
    queue_notification(
        ctx.root,
        ctx.registry,
        recipients=waiting,
        template="ticket_event",
        ticket=step.ticket,
        now=ctx.now,
        summary=_("Reminder: approval needed"),
        event=subject_text(step.ticket, "reminder"),
        url=f"{ctx.settings.public_url}/approvals/",
    )


def escalate(ctx: ActionContext, step: Any) -> bool:
    """Add the approvers' managers to the step (and ask them); False when there is none."""
    people = ctx.root["people"]
    requester = step.ticket.requester
    managers = []
    for login in step.approvers:
        person = people.get(login)
        manager = person.manager if person is not None else None
        if manager and manager != requester and manager not in step.approvers:
            managers.append(manager)
    step.escalated_at = ctx.now
    mark_changed(ctx.root, step)
    if not managers:
        return False
    managers = list(dict.fromkeys(managers))
    step.approvers = (*step.approvers, *managers)
    step.ticket.history.record(
        ctx.now, None, "approval", field=step.id, before="escalated", after=",".join(managers)
    )
    notices.ask_people(ctx, step, managers)
    return True


def approval_timers_job(job: Any) -> str | None:
    timing = job.registry.itsm_approval_timing

    def run(root: Any) -> tuple[int, int]:
        result = sweep(ActionContext.system(root, job.registry, job.now()), timing)
        flush(root)
        return result

    reminded, escalated = job.transact(run)
    if reminded or escalated:
        return f"reminded {reminded}, escalated {escalated}"
    return None
