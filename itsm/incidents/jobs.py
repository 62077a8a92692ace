"""Timers of incident management: auto-close of resolved incidents."""

from __future__ import annotations

from typing import Any

from itsm.incidents.actions import auto_close
from itsm.search.catalog import flush
from itsm.tickets.context import ActionContext


def auto_close_job(ctx: Any) -> str | None:
    """Close incidents resolved more than ``auto_close_days`` ago (requester did not react)."""

    def run(root: Any) -> int:
        closed = auto_close(ActionContext.system(root, ctx.registry, ctx.now()))
        flush(root)
        return closed

    closed = ctx.transact(run)
    return f"closed {closed}" if closed else None
