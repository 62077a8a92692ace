"""The request's ZODB root, and start-up work on the database (tree, worker)."""

from __future__ import annotations

import logging
from typing import Any

from pyramid_zodbconn import get_connection

from itsm.db import ZODB_ROOT_KEY, get_db
from itsm.root import ServiceDesk, root_factory
from itsm.tree import bootstrap_database

log = logging.getLogger(__name__)


def storage_connected(storage: Any) -> bool:
    """False while a client storage (ZEO) has lost its server. Objects in the connection's
    cache would still load then, so without this check pages and /healthz served stale data
    as if all was well; FileStorage and RelStorage have no such state."""
    is_connected = getattr(storage, "is_connected", None)
    return is_connected is None or bool(is_connected())


def itsm_root(request: Any) -> ServiceDesk:
    if not storage_connected(get_db(request.registry).storage):
        from ZEO.Exceptions import ClientDisconnected

        raise ClientDisconnected("the database server is not connected")
    try:
        conn = get_connection(request)
    except Exception:
        _close_half_opened(request)
        raise
    return conn.root()[ZODB_ROOT_KEY]


def _close_half_opened(request: Any) -> None:
    """Close the connection a failed ``DB.open()`` left behind.

    ``DB.open()`` registers the new connection with the request's explicit transaction
    manager, which, the transaction being begun already, makes it poll the storage at once.
    When the database server is down (RelStorage: PostgreSQL stopped) that raises out of
    ``DB.open()``, so pyramid_zodbconn never gets the connection to close: each request of an
    outage left an open connection, with its object cache, behind (found by the R14 check).
    """
    db = get_db(request.registry)
    tm = getattr(request, "tm", None)
    primary = getattr(request, "_primary_zodb_conn", None)
    for conn in list(db.pool.all):
        if tm is not None and conn.transaction_manager is tm and conn is not primary:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - the server is gone; the pool forgets it anyway
                log.warning("could not close a half-opened connection", exc_info=True)


def after_start(registry: Any) -> None:
    """Create the tree when the database is new, then start the embedded timers if asked."""
    db = get_db(registry)
    created = bootstrap_database(db, registry)
    registry.itsm_bootstrap_created = created
    if created:
        log.info("created the resource tree: %s", ", ".join(created))
    if registry.itsm_settings.scheduler == "embedded":
        from itsm.worker.scheduler import start_embedded

        start_embedded(registry, db)


def includeme(config: Any) -> None:
    config.add_request_method(itsm_root, "itsm_root", reify=True)
    config.set_root_factory(root_factory)
