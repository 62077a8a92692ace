"""Where the ZODB database of this process is kept."""

from __future__ import annotations

from typing import Any


def get_db(registry: Any) -> Any:
    """The ZODB ``DB`` opened by pyramid_zodbconn from ``zodbconn.uri``.

    pyramid_zodbconn keeps its databases in ``registry._zodb_databases``; this is the one place
    that relies on it.
    """
    return registry._zodb_databases[""]
