"""The bootstrap of the resource tree: what each package needs in the database.

Packages register their part in ``includeme``, as they register their timers::

    config.add_itsm_container("incidents", Incidents)          # /incidents
    config.add_itsm_container("settings/incidents", IncidentSettings)
    config.add_itsm_root_attribute("outbox", Outbox)           # not reachable by URL
    config.add_itsm_setup("sla", ensure_sla_settings)          # anything else, idempotent

:func:`ensure_tree` creates whatever of that is missing: at start-up (:func:`bootstrap_database`),
in ``itsm-init``, and after ``itsm-evolve``'s steps (the command loads the app first). Containers
come first, in the order they were registered (a parent before its children), then the root
attributes and setups in theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from itsm.db import ZODB_ROOT_KEY, run_in_transaction
from itsm.evolve.runner import latest_generation
from itsm.root import ServiceDesk

#: A setup: ``func(root)`` creates what is missing and returns what it created.
Setup = Callable[[ServiceDesk], list[str]]


@dataclass
class TreeParts:
    """What the packages registered: containers by path, setups by name (both in order)."""

    containers: dict[str, Callable[[], Any]] = field(default_factory=dict)
    setups: dict[str, Setup] = field(default_factory=dict)


def tree_parts(registry: Any) -> TreeParts:
    parts = getattr(registry, "itsm_tree", None)
    if parts is None:
        raise LookupError("itsm.tree is not included: no parts of the tree are registered")
    return parts


def add_itsm_container(config: Any, path: str, factory: Callable[[], Any]) -> None:
    """Configurator directive: the tree has ``factory()`` at ``path`` (``"kb"`` for /kb,
    ``"settings/groups"`` for an item of /settings; the parent registered first)."""
    parts = tree_parts(config.registry)
    parent = path.rpartition("/")[0]
    if parent and parent not in parts.containers:
        raise ValueError(f"register /{parent} before /{path}")
    parts.containers[path] = factory


def add_itsm_root_attribute(config: Any, name: str, factory: Callable[[], Any]) -> None:
    """Configurator directive: the root's attribute ``name`` (a thing no URL reaches, such as
    the outbox) is ``factory()`` once created."""

    def setup(root: ServiceDesk) -> list[str]:
        if getattr(root, name, None) is not None:
            return []
        setattr(root, name, factory())
        return [name]

    add_itsm_setup(config, name, setup)


def add_itsm_setup(config: Any, name: str, func: Setup) -> None:
    """Configurator directive: ``func(root)`` makes what else a package needs (idempotent;
    returns what it created, e.g. ``["catalog"]``)."""
    tree_parts(config.registry).setups[name] = func


def ensure_tree(root: ServiceDesk, registry: Any) -> list[str]:
    """Create whatever registered part of the tree is missing; return what was created
    (idempotent)."""
    parts = tree_parts(registry)
    created: list[str] = []
    for path, factory in parts.containers.items():
        parent_path, _, name = path.rpartition("/")
        parent: Any = root
        for step in filter(None, parent_path.split("/")):
            parent = parent[step]
        if name not in parent:
            parent.add(name, factory())
            created.append(f"/{path}")
    for setup in parts.setups.values():
        created += setup(root)
    return created


def get_or_create_root(zodb_root: Any, registry: Any) -> tuple[ServiceDesk, list[str]]:
    """The ServiceDesk under the ZODB root, created with its tree if missing.

    A new root starts at the latest generation: it has the current layout, no step to run.
    """
    app = zodb_root.get(ZODB_ROOT_KEY)
    created: list[str] = []
    if app is None:
        app = ServiceDesk()
        app.generation = latest_generation()
        zodb_root[ZODB_ROOT_KEY] = app
        created.append("/")
    created += ensure_tree(app, registry)
    return app, created


def bootstrap_database(db: Any, registry: Any) -> list[str]:
    """Make sure the tree exists in ``db``; run once at start-up in its own transaction."""
    return run_in_transaction(
        db, lambda zodb_root: get_or_create_root(zodb_root, registry)[1], root_key=None
    )


def includeme(config: Any) -> None:
    """The directives, and the part of the tree that belongs to no package: /settings and
    the number counters."""
    from itsm.numbering import ensure_counters
    from itsm.root import Settings

    if getattr(config.registry, "itsm_tree", None) is None:
        config.registry.itsm_tree = TreeParts()
    config.add_directive("add_itsm_container", add_itsm_container)
    config.add_directive("add_itsm_root_attribute", add_itsm_root_attribute)
    config.add_directive("add_itsm_setup", add_itsm_setup)
    config.add_itsm_container("settings", Settings)
    config.add_itsm_setup("counters", ensure_counters)
