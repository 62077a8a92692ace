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
    return get_connection(request).root()[ZODB_ROOT_KEY]


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
