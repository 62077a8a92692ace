"""``/admin``: the administrators' pages that are not settings (audit, inactive people)."""

from __future__ import annotations

from pyramid.authorization import ALL_PERMISSIONS, Allow, Deny, Everyone

from itsm.folder import Folder


class AdminArea(Folder):
    """``/admin``: administrators only; the pages are views on it (``@@audit`` ...)."""

    __acl__ = [
        (Allow, "role:admin", ALL_PERMISSIONS),
        (Deny, Everyone, ALL_PERMISSIONS),
    ]
