"""The audit log's timer: drop entries older than ``itsm.audit.keep_days``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from itsm.audit.record import audit_log, log


def prune_audit(ctx: Any) -> int:
    """One transaction: the entries older than the keep period go (a pack frees them)."""
    cutoff = ctx.now() - timedelta(days=ctx.settings.audit_keep_days)
    dropped = ctx.transact(lambda root: audit_log(root).prune(cutoff))
    if dropped:
        log.info("audit: %d entries older than %s dropped", dropped, cutoff.date())
    return dropped
