"""Changes react to the end of their approval."""

from __future__ import annotations

from typing import Any

from itsm.changes import intake


def on_approval_finished(event: Any) -> None:
    change = event.ticket
    if getattr(change, "kind", None) != "change":
        return
    if event.outcome == "approved":
        intake.approved(event.ctx, change)
    else:
        intake.rejected(event.ctx, change, event.reason)
