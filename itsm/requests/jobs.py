"""A draft left for ``DRAFT_DAYS`` gets one reminder mail (the draft remembers it)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from itsm.i18n import _
from itsm.notify.notifications import queue_notification
from itsm.requests.workflow import DRAFT
from itsm.search.catalog import flush, search
from itsm.tickets.context import ActionContext

DRAFT_DAYS = 3


def remind_drafts(ctx: ActionContext, days: int = DRAFT_DAYS) -> int:
    cutoff = ctx.now - timedelta(days=days)
    _total, drafts = search(ctx.root, kind="request", status=DRAFT, sort="created", per_page=1000)
    reminded = 0
    for draft in drafts:
        if draft.draft_reminded_at is not None or draft.updated is None or draft.updated > cutoff:
            continue
        draft.draft_reminded_at = ctx.now
        queue_notification(
            ctx.root,
            ctx.registry,
            recipients=[draft.requester],
            template="ticket_event",
            ticket=draft,
            essential=False,
            now=ctx.now,
            summary=_("Your draft is waiting"),
            event=_("You saved this request as a draft; send it when it is complete."),
        )
        reminded += 1
    return reminded


def draft_reminder_job(job: Any) -> str | None:
    def run(root: Any) -> int:
        count = remind_drafts(ActionContext.system(root, job.registry, job.now()))
        flush(root)
        return count

    count = job.transact(run)
    return f"reminded {count}" if count else None
