"""Role decisions that are not an ACL's: who counts as IT staff.

Access to a resource is its ACL's decision (``request.has_permission(P.WORK, ticket)``). What
remains is choosing what to *show* or which records to list, before there is one resource to
ask about (queues, menus, API list filters); that is this module's one rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: Roles that make someone IT staff; "system" is the desk itself (timers, rules).
STAFF_ROLES = frozenset({"agent", "admin", "system"})


def has_staff_role(roles: Iterable[str]) -> bool:
    """Whether ``roles`` (a person's, or an action context's) include a staff role."""
    return not STAFF_ROLES.isdisjoint(roles)


def is_staff(request: Any) -> bool:
    """Whether the person making ``request`` is IT staff (an agent or an administrator)."""
    identity = request.identity
    return identity is not None and has_staff_role(identity.person.roles)
