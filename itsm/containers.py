"""The typed top-level containers of the tree, so views and ACLs can be registered per type.

Each domain package refines its container's ``__acl__`` here (one class per container); the
classes stay in this module so a package can move without renaming pickled classes.
"""

from __future__ import annotations

from pyramid.authorization import ALL_PERMISSIONS, Allow, Authenticated, Deny, Everyone

from itsm.folder import Folder
from itsm.security.permissions import P

_STAFF_EDIT = [
    (Allow, "role:admin", ALL_PERMISSIONS),
    (Allow, "role:agent", (P.VIEW, P.CREATE, P.EDIT, P.WORK)),
    (Allow, Authenticated, P.VIEW),
    (Deny, Everyone, ALL_PERMISSIONS),
]


class KnowledgeBase(Folder):
    """``/kb``: knowledge articles; each article's ACL decides who reads it."""

    __acl__ = list(_STAFF_EDIT)


class Cmdb(Folder):
    """``/cmdb``: configuration items; employees see their own through each CI's ACL."""

    __acl__ = list(_STAFF_EDIT)


class ServiceCatalog(Folder):
    """``/catalog``: service catalog items (itsm.requests.catalog); everyone who logs in may
    browse and order, administrators maintain them."""

    __acl__ = [
        (Allow, "role:admin", ALL_PERMISSIONS),
        (Allow, Authenticated, (P.VIEW, P.ORDER)),
        (Deny, Everyone, ALL_PERMISSIONS),
    ]


class Requests(Folder):
    """``/requests``: service requests."""

    __acl__ = [
        (Allow, "role:admin", ALL_PERMISSIONS),
        (Allow, "role:agent", (P.VIEW, P.CREATE, P.WORK)),
        (Allow, Authenticated, (P.VIEW, P.CREATE)),
        (Deny, Everyone, ALL_PERMISSIONS),
    ]


class Changes(Folder):
    """``/changes``: requests for change. Only IT staff raise them; everyone may look (the
    list shows others only what they raised); the change board reads the calendar."""

    __acl__ = [
        (Allow, "role:admin", ALL_PERMISSIONS),
        (Allow, "role:agent", (P.VIEW, P.CREATE, P.WORK)),
        (Allow, "role:change_board", P.VIEW),
        (Allow, Authenticated, P.VIEW),
        (Deny, Everyone, ALL_PERMISSIONS),
    ]


class Problems(Folder):
    """``/problems``: problems and known errors, for IT staff only (employees never see them)."""

    __acl__ = [
        (Allow, "role:admin", ALL_PERMISSIONS),
        (Allow, "role:agent", (P.VIEW, P.CREATE, P.WORK)),
        (Deny, Everyone, ALL_PERMISSIONS),
    ]
