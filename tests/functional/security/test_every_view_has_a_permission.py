"""Every view names the permission it needs; the public ones say so explicitly.

A view registered without ``permission=`` falls back to the default permission (``P.VIEW``),
which is easy to miss when reading the code; so each view states what it needs: a member of
``P`` (``itsm.security.permissions``), or ``NO_PERMISSION_REQUIRED`` for the pages anyone may
open (login, logout, health, password reset, mailed links, the OpenAPI description ...).
"""

from __future__ import annotations

from typing import Any

import pytest
from pyramid.interfaces import IDefaultPermission
from pyramid.security import NO_PERMISSION_REQUIRED

from itsm.security.permissions import P

#: Views the app does not register itself, by module and function name, with the reason.
ALLOWED_WITHOUT_PERMISSION = {
    # Pyramid's own view for an HTTP exception used as a context: exception views are never
    # secured, and traversal never finds an exception as a context.
    ("pyramid.httpexceptions", "default_exceptionresponse_view"): "Pyramid's default",
}


def _views(registry: Any) -> list[tuple[Any, list[Any]]]:
    found = []
    for entry in registry.introspector.get_category("views"):
        view = entry["introspectable"]
        permissions = [r["value"] for r in entry["related"] if r.category_name == "permissions"]
        found.append((view, permissions))
    return found


def _where(view: Any) -> str:
    func = view["callable"]
    where = f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', func)}"
    return f"{where} (context={view['context']}, name={view['name']!r}, route={view['route_name']})"


def test_views_are_closed_unless_they_name_a_permission(app):
    assert app.registry.queryUtility(IDefaultPermission) == P.VIEW


def test_every_view_names_a_member_of_p_or_no_permission_required(app):
    views = _views(app.registry)
    assert len(views) > 100, "the view introspection found too few views"
    missing, unknown = [], []
    for view, permissions in views:
        func = view["callable"]
        key = (getattr(func, "__module__", ""), getattr(func, "__name__", ""))
        if view["exception_only"] or key in ALLOWED_WITHOUT_PERMISSION:
            continue
        if not permissions:
            missing.append(_where(view))
            continue
        for permission in permissions:
            if permission != NO_PERMISSION_REQUIRED and permission not in set(P):
                unknown.append(f"{_where(view)}: {permission!r}")
    assert not missing, "views without a permission:\n" + "\n".join(sorted(missing))
    assert not unknown, "permissions that are not members of P:\n" + "\n".join(sorted(unknown))


PUBLIC = [
    "/login",
    "/logout",
    "/healthz",
    "/password-reset",
    "/api/v1/openapi.json",
    "/api/v1/docs",
]


@pytest.mark.parametrize("path", PUBLIC)
def test_public_pages_open_without_logging_in(client, path):
    response = client.get(path, expect_errors=True)
    assert response.status_int in (200, 503), (path, response.status)


def test_a_page_with_a_permission_still_asks_anonymous_visitors_to_log_in(client):
    response = client.get("/incidents/", expect_errors=True)
    assert response.status_int in (302, 303, 403), response.status
