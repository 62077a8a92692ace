"""Starting an approval, deciding a step, and finding what waits for someone."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from itsm.approvals import notices, routing
from itsm.approvals.events import ApprovalFinished
from itsm.approvals.models import (
    APPROVED,
    CANCELLED,
    PENDING,
    REJECTED,
    WAITING,
    ApprovalProcess,
    ApprovalStep,
    Decision,
)
from itsm.approvals.subjects import subject_text
from itsm.i18n import _
from itsm.search.catalog import mark_changed, new_docid, search
from itsm.tickets.workflow import MissingFields, NotAllowedNow, NotPermitted, UnknownTransition

DECISIONS = ("approve", "reject")
#: The container of each ticket type that has approvals, by number prefix.
CONTAINERS = {"REQ": "requests", "CHG": "changes"}


def start(ctx: Any, ticket: Any, specs: Iterable[Mapping[str, Any]]) -> ApprovalProcess | None:
    """Attach the steps to ``ticket`` and open the first; None when there are no steps."""
    specs = list(specs)
    if not specs:
        return None
    steps = []
    for index, spec in enumerate(specs, start=1):
        fields = routing.resolve(ctx, spec, ticket.requester)
        fields.update(routing.with_deputies(ctx, fields["approvers"], ticket.requester))
        steps.append(ApprovalStep(ticket, index, docid=new_docid(ctx.root), **fields))
    process = ApprovalProcess(tuple(steps))
    ticket.approval = process
    _open(ctx, steps[0])
    for step in steps[1:]:
        mark_changed(ctx.root, step)
    return process


def _open(ctx: Any, step: ApprovalStep) -> None:
    step.status = PENDING
    step.opened_at = ctx.now
    mark_changed(ctx.root, step)
    notices.ask(ctx, step)


def decide(
    ctx: Any,
    step: ApprovalStep,
    decision: str,
    reason: str = "",
    *,
    via: str = "portal",
    actor: str | None = None,
) -> str:
    """Record ``actor``'s (default: ``ctx.actor``) decision; returns the step's status.

    Refusals are :class:`~itsm.tickets.workflow.TransitionError` (400, 403, 409)."""
    login = actor or ctx.actor
    ticket = step.ticket
    if decision not in DECISIONS:
        raise UnknownTransition(
            _("Decide “approve” or “reject”."), {"decision": _("Choose one of the options.")}
        )
    if login and login == ticket.requester:
        raise NotPermitted(subject_text(ticket, "own"))
    if not routing.may_decide(ctx.root, step, login):
        raise NotPermitted(_("You are not an approver of this step."))
    if step.status != PENDING:
        raise NotAllowedNow(_("This approval is no longer open."))
    for_whom = step.stands_in_for(login)
    if step.decided_by(login) or (for_whom and step.decided_by(for_whom)):
        raise NotAllowedNow(_("You have decided on this step already."))
    reason = (reason or "").strip()
    if decision == "reject" and not reason:
        raise MissingFields(_("Give a reason for the rejection."), {"reason": _("Required")})
    step.decisions = (
        *step.decisions,
        Decision(login, decision, ctx.now, reason[:2000], via, on_behalf_of=for_whom),
    )
    if for_whom:
        reason = f"{reason} ({for_whom})" if reason else f"({for_whom})"
    ticket.history.record(
        ctx.now, login, "approval", field=step.id, before=PENDING, after=decision, note=reason[:500]
    )
    ticket.updated = ctx.now
    if step.mode == "quorum":
        outcome = quorum_outcome(step)
        if outcome == APPROVED:
            _approve_step(ctx, step, reason, login)
        elif outcome == REJECTED:
            _reject_step(ctx, step, reason, login)
    elif decision == "reject":
        _reject_step(ctx, step, reason, login)
    elif step.mode == "any" or all(_answered(step, a) for a in step.approvers):
        _approve_step(ctx, step, reason, login)
    mark_changed(ctx.root, step)
    mark_changed(ctx.root, ticket)
    return step.status


def quorum_outcome(step: ApprovalStep) -> str:
    """APPROVED once N approved, REJECTED once the approvers who have not answered can no
    longer make up N, else PENDING."""
    approvals = step.answers("approve")
    if len(approvals) >= step.needed:
        return APPROVED
    answered = approvals | step.answers("reject")
    open_votes = [p for p in step.principals() if p not in answered]
    if len(approvals) + len(open_votes) < step.needed:
        return REJECTED
    return PENDING


def _approve_step(ctx: Any, step: ApprovalStep, reason: str, login: str | None) -> None:
    _close(ctx, step, APPROVED)
    following = next((s for s in step.ticket.approval.steps if s.status == WAITING), None)
    if following is not None:
        _open(ctx, following)
    else:
        _finish(ctx, step.ticket, APPROVED, reason, login)


def _reject_step(ctx: Any, step: ApprovalStep, reason: str, login: str | None) -> None:
    _close(ctx, step, REJECTED)
    for later in step.ticket.approval.steps:
        if later.status == WAITING:
            _close(ctx, later, CANCELLED)
    _finish(ctx, step.ticket, REJECTED, reason, login)


def _answered(step: ApprovalStep, login: str) -> bool:
    """Someone has answered for ``login``: they, or the deputy standing in for them."""
    if step.decided_by(login):
        return True
    if step.stands_in_for(login):  # a deputy is no approver of their own in "all" steps
        return True
    return any(away == login and step.decided_by(deputy) for deputy, away in step.deputies)


def _close(ctx: Any, step: ApprovalStep, status: str) -> None:
    step.status = status
    step.decided_at = ctx.now
    mark_changed(ctx.root, step)


def _finish(ctx: Any, ticket: Any, outcome: str, reason: str, actor: str | None) -> None:
    ticket.approval.status = outcome
    ctx.notify(ApprovalFinished(ticket, outcome, reason, actor, ctx))
    notices.outcome(ctx, ticket, outcome, reason)


def cancel(ctx: Any, ticket: Any) -> None:
    """The ticket was withdrawn: nothing waits for anybody any more."""
    process = getattr(ticket, "approval", None)
    if process is None or process.status != PENDING:
        return
    process.status = CANCELLED
    for step in process.steps:
        if step.status in (PENDING, WAITING):
            _close(ctx, step, CANCELLED)


def find_step(root: Any, step_id: str) -> ApprovalStep | None:
    """``REQ-000001-2`` → the second step of REQ-000001, or None."""
    number, _sep, index = step_id.upper().rpartition("-")
    container = root.get(CONTAINERS.get(number.split("-")[0], "")) if number else None
    if container is None or not index.isdigit():
        return None
    ticket = container.get(number)
    process = getattr(ticket, "approval", None)
    return process.step(int(index)) if process is not None else None


def waiting_for(root: Any, login: str, groups: Iterable[str] = ()) -> list[ApprovalStep]:
    """Open steps ``login`` may decide (named, or through a group), oldest first."""
    found: dict[str, ApprovalStep] = {}
    queries: list[dict[str, Any]] = [{"watcher": login}]
    if groups:
        queries.append({"group": list(groups)})
    for query in queries:
        _total, steps = search(
            root, kind="approval", status=PENDING, sort="created", per_page=200, **query
        )
        for step in steps:
            if routing.may_decide(root, step, login) and not step.decided_by(login):
                found[step.id] = step
    return sorted(found.values(), key=lambda s: s.opened_at or s.ticket.created)
