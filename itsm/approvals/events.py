"""What the approval machinery tells the domain that owns the ticket."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class ApprovalFinished:
    """Every step approved (``outcome`` "approved") or one rejected ("rejected")."""

    ticket: Any
    outcome: str
    reason: str
    actor: str | None
    ctx: Any
