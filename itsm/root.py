"""The ServiceDesk root object, the classes of /settings and /people, and the root factory.

The tree under the root is made by :mod:`itsm.tree` from what each package registers."""

from __future__ import annotations

from typing import Any

from BTrees.OOBTree import OOBTree
from pyramid.authorization import ALL_PERMISSIONS, Allow, Authenticated, Deny, Everyone

from itsm.folder import Folder
from itsm.security.permissions import P


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
    telegram_outbox: Any = None  # itsm.chat.telegram
    worker_lease: Any = None
    catalog: Any = None
    catalog_objects: Any = None

    __acl__ = [
        (Allow, "role:admin", ALL_PERMISSIONS),
        (Allow, Authenticated, P.VIEW),
        (Deny, Everyone, ALL_PERMISSIONS),
    ]


class Settings(Folder):
    """``/settings``: groups, SLA policies, calendars, routing rules, templates."""

    __acl__ = [
        (Allow, "role:admin", ALL_PERMISSIONS),
        (Allow, "role:agent", P.VIEW),
        (Deny, Everyone, ALL_PERMISSIONS),
    ]


class People(Folder):
    """``/people``: person records cached from the directory."""

    __acl__ = [
        (Allow, "role:admin", ALL_PERMISSIONS),
        (Allow, "role:agent", P.VIEW),
        (Allow, "role:manager", P.VIEW),
        (Deny, Everyone, ALL_PERMISSIONS),
    ]


def root_factory(request: Any) -> ServiceDesk:
    """Pyramid's root factory: the ServiceDesk of this request's ZODB connection."""
    return request.itsm_root
