"""Requests react to the end of their approval."""

from __future__ import annotations

from typing import Any

from itsm.requests import intake


def on_approval_finished(event: Any) -> None:
    request = event.ticket
    if getattr(request, "kind", None) != "request":
        return
    if event.outcome == "approved":
        intake.approved(event.ctx, request)
    else:
        intake.rejected(event.ctx, request, event.reason)
