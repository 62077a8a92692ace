"""Numbered upgrade steps. Append only: a step, once released, never changes.

Each step takes the ServiceDesk root and brings the data from generation N-1 to N. Steps must
be idempotent (a crash between the step and the commit re-runs it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def step_1_baseline(root: Any) -> None:
    """Generation 1 is the first released layout: nothing to change."""


def _typed_containers() -> dict[str, type]:
    """The classes step 2 gives the top-level containers: the layout of generation 2, kept
    here (not read from today's registrations) because a released step never changes."""
    from itsm.containers import Changes, Cmdb, KnowledgeBase, Problems, Requests, ServiceCatalog
    from itsm.incidents.models import Incidents
    from itsm.root import People, Settings

    return {
        "incidents": Incidents,
        "requests": Requests,
        "changes": Changes,
        "problems": Problems,
        "cmdb": Cmdb,
        "kb": KnowledgeBase,
        "catalog": ServiceCatalog,
        "people": People,
        "settings": Settings,
    }


def retype_containers(root: Any) -> list[str]:
    """Give plain-Folder containers (made by older versions) their typed class, keeping their
    items; returns the names changed."""
    changed = []
    for name, cls in _typed_containers().items():
        old = root.get(name)
        if old is None or type(old) is cls:
            continue
        new = cls()
        new.data, new._count = old.data, old._count
        for item in new.data.values():
            item.__parent__ = new
        root.data[name] = new
        new.__parent__, new.__name__ = root, name
        changed.append(name)
    return changed


def step_2_typed_containers(root: Any) -> None:
    """Top-level containers get their own classes (views and ACLs per type); the catalog, the
    SLA settings and the incident settings are made where missing. (The rest of the tree is
    made at start-up, which ``itsm-evolve`` runs before the steps.)"""
    from itsm.incidents.models import IncidentSettings
    from itsm.search.catalog import ensure_catalog
    from itsm.sla.models import ensure_sla_settings

    retype_containers(root)
    ensure_catalog(root)
    if "settings" in root:
        ensure_sla_settings(root)
        if "incidents" not in root["settings"]:
            root["settings"].add("incidents", IncidentSettings())


def step_3_worklists(root: Any) -> None:
    """The pre-sorted lists of open work behind the queues (itsm.search.worklist), filled
    from the catalog's own indexes: no ticket is loaded, so it takes seconds at a million."""
    from itsm.search.catalog import ensure_catalog
    from itsm.search.worklist import build

    ensure_catalog(root)
    build(root)


def step_4_sparse_indexes(root: Any) -> None:
    """Field and keyword indexes become sparse (itsm.search.catalog.SparseFieldIndex): they
    no longer keep the set of documents without a value, which every create wrote to."""
    from itsm.search.catalog import ensure_catalog, sparse_copy

    ensure_catalog(root)
    catalog = root.catalog
    for name in list(catalog.keys()):
        index = catalog[name]
        new = sparse_copy(index)
        if new is not index:
            del catalog[name]
            catalog[name] = new


#: (generation, what it does, function)
STEPS: tuple[tuple[int, str, Callable[[Any], None]], ...] = (
    (1, "baseline layout", step_1_baseline),
    (2, "typed containers, catalog, SLA and incident settings", step_2_typed_containers),
    (3, "pre-sorted lists of open work for the queues", step_3_worklists),
    (
        4,
        "field and keyword indexes without their sets of documents lacking a value",
        step_4_sparse_indexes,
    ),
)
