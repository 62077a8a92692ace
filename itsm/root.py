"""The ServiceDesk root object, the root factory, and the bootstrap of the resource tree."""

from __future__ import annotations

from typing import Any

import transaction as transaction_module
from BTrees.OOBTree import OOBTree
from pyramid.authorization import ALL_PERMISSIONS, Allow, Authenticated, Deny, Everyone

from itsm.folder import Folder
from itsm.numbering import PREFIXES, Counter

ZODB_ROOT_KEY = "itsm"

#: Containers addressable by URL, in the order the tree is created.
CONTAINERS = (
    "incidents",
    "requests",
    "changes",
    "problems",
    "cmdb",
    "kb",
    "catalog",
    "people",
    "settings",
    "mail",
)
#: Sub-containers of /settings.
SETTINGS_CONTAINERS = ("groups",)


class ServiceDesk(Folder):
    """The root of the resource tree.

    Things that must never be reachable by URL (local accounts, API token hashes, number
    counters, the mail outbox, the worker lease) are attributes, not items.
    """

    title = "Service desk"
    generation = 0
    accounts: Folder | None = None
    tokens: OOBTree | None = None
    counters: OOBTree | None = None
    outbox: Any = None
    worker_lease: Any = None
    catalog: Any = None
    catalog_objects: Any = None

    __acl__ = [
        (Allow, "role:admin", ALL_PERMISSIONS),
        (Allow, Authenticated, "view"),
        (Deny, Everyone, ALL_PERMISSIONS),
    ]


class Settings(Folder):
    """``/settings``: groups, SLA policies, calendars, routing rules, templates."""

    __acl__ = [
        (Allow, "role:admin", ALL_PERMISSIONS),
        (Allow, "role:agent", "view"),
        (Deny, Everyone, ALL_PERMISSIONS),
    ]


class People(Folder):
    """``/people``: person records cached from the directory."""

    __acl__ = [
        (Allow, "role:admin", ALL_PERMISSIONS),
        (Allow, "role:agent", "view"),
        (Allow, "role:manager", "view"),
        (Deny, Everyone, ALL_PERMISSIONS),
    ]


def _container_class(name: str) -> type[Folder]:
    from itsm import containers
    from itsm.incidents.models import Incidents
    from itsm.mailin.models import MailIn

    return {
        "settings": Settings,
        "people": People,
        "incidents": Incidents,
        "kb": containers.KnowledgeBase,
        "cmdb": containers.Cmdb,
        "catalog": containers.ServiceCatalog,
        "requests": containers.Requests,
        "changes": containers.Changes,
        "problems": containers.Problems,
        "mail": MailIn,
    }.get(name, Folder)


def retype_containers(root: ServiceDesk) -> list[str]:
    """Give plain-Folder containers (made by older versions) their typed class, keeping their
    items; returns the names changed. Used by evolve step 2."""
    changed = []
    for name in CONTAINERS:
        old = root.get(name)
        cls = _container_class(name)
        if old is None or type(old) is cls or cls is Folder:
            continue
        new = cls()
        new.data, new._count = old.data, old._count
        for item in new.data.values():
            item.__parent__ = new
        root.data[name] = new
        new.__parent__, new.__name__ = root, name
        changed.append(name)
    return changed


def ensure_tree(root: ServiceDesk) -> list[str]:
    """Create whatever part of the tree is missing; return what was created (idempotent)."""
    from itsm.incidents.models import IncidentSettings
    from itsm.notify.outbox import Outbox
    from itsm.search.catalog import ensure_catalog
    from itsm.sla.models import ensure_sla_settings
    from itsm.worker.lease import Lease

    created: list[str] = []
    for name in CONTAINERS:
        if name not in root:
            root.add(name, _container_class(name)())
            created.append(f"/{name}")
    settings = root["settings"]
    for name in SETTINGS_CONTAINERS:
        if name not in settings:
            settings.add(name, Folder())
            created.append(f"/settings/{name}")
    if root.accounts is None:
        root.accounts = Folder()
        created.append("accounts")
    if root.tokens is None:
        root.tokens = OOBTree()
        created.append("tokens")
    if root.counters is None:
        root.counters = OOBTree()
        created.append("counters")
    for kind in PREFIXES:
        if kind not in root.counters:
            root.counters[kind] = Counter()
    if root.outbox is None:
        root.outbox = Outbox()
        created.append("outbox")
    if root.worker_lease is None:
        root.worker_lease = Lease()
        created.append("worker_lease")
    created += ensure_catalog(root)
    created += ensure_sla_settings(root)
    if "incidents" not in settings:
        settings.add("incidents", IncidentSettings())
        created.append("/settings/incidents")
    return created


def get_or_create_root(zodb_root: Any) -> tuple[ServiceDesk, list[str]]:
    """The ServiceDesk under the ZODB root, created with its tree if missing."""
    app = zodb_root.get(ZODB_ROOT_KEY)
    created: list[str] = []
    if app is None:
        from itsm.evolve.runner import latest_generation

        app = ServiceDesk()
        app.generation = latest_generation()
        zodb_root[ZODB_ROOT_KEY] = app
        created.append("/")
    created += ensure_tree(app)
    return app, created


def bootstrap_database(db: Any) -> list[str]:
    """Make sure the tree exists in ``db``; run once at start-up in its own transaction."""
    tm = transaction_module.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    created: list[str] = []
    try:
        for attempt in tm.attempts(3):
            with attempt:
                _, created = get_or_create_root(conn.root())
    finally:
        conn.close()
    return created


def root_factory(request: Any) -> ServiceDesk:
    """Pyramid's root factory: the ServiceDesk of this request's ZODB connection."""
    return request.itsm_root
