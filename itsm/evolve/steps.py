"""Numbered upgrade steps. Append only: a step, once released, never changes.

Each step takes the ServiceDesk root and brings the data from generation N-1 to N. Steps must
be idempotent (a crash between the step and the commit re-runs it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def step_1_baseline(root: Any) -> None:
    """Generation 1 is the first released layout: nothing to change."""


def step_2_typed_containers(root: Any) -> None:
    """Top-level containers get their own classes (views and ACLs per type)."""
    from itsm.root import ensure_tree, retype_containers

    retype_containers(root)
    ensure_tree(root)


#: (generation, what it does, function)
STEPS: tuple[tuple[int, str, Callable[[Any], None]], ...] = (
    (1, "baseline layout", step_1_baseline),
    (2, "typed containers, catalog, SLA and incident settings", step_2_typed_containers),
)
