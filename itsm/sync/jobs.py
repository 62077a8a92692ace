"""The ``directory_sync`` timer (every ``itsm.ldap.sync_interval_minutes``)."""

from __future__ import annotations

from typing import Any

from itsm.directory import make_directory
from itsm.directory.base import DirectoryUnavailable
from itsm.sync.run import SyncOutcome, log, synchronize


def directory_sync(ctx: Any) -> SyncOutcome | None:
    """One sync; a directory that does not answer is tried again next time."""
    directory = make_directory(ctx.registry, None)
    try:
        return synchronize(ctx.transact, directory, ctx.settings, now=ctx.now())
    except DirectoryUnavailable as exc:
        log.warning("directory sync: the directory is unavailable (%s); next run retries", exc)
        return None
