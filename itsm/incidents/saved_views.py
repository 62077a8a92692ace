"""Saved views: an agent's queue filters and sort under a name, for themselves or shared with
one of their support groups; shown as tabs beside the built-in queues."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from itsm.i18n import _
from itsm.incidents.models import SavedView, SavedViews
from itsm.security.roles import has_staff_role
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import MissingFields, NotPermitted

#: The list's query keys a view keeps (itsm.incidents.views.ListFilters).
KEYS = ("queue", "status", "priority", "group", "assignee", "category", "q", "sort")
MAX_NAME = 60
MAX_PER_PERSON = 50


def store(root: Any) -> SavedViews | None:
    """The saved views (made at start-up by the tree's setup); None before that."""
    return getattr(root, "itsm_saved_views", None)


def clean_query(query: Mapping[str, Any]) -> dict[str, str]:
    """Only the list's own keys, as short strings, without empty values."""
    return {k: str(query[k])[:200] for k in KEYS if query.get(k) not in (None, "")}


def visible_to(root: Any, person: Any) -> list[SavedView]:
    """The views ``person`` sees as tabs: their own and those shared with their groups."""
    saved = store(root)
    if saved is None or person is None:
        return []
    groups = set(person.groups)
    found = [v for v in saved.views.values() if v.owner == person.login or v.group in groups]
    return sorted(found, key=lambda v: (v.owner != person.login, v.name.casefold()))


def get_view(root: Any, view_id: str) -> SavedView | None:
    saved = store(root)
    return saved.views.get(view_id) if saved is not None and view_id else None


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise MissingFields(_("Some fields are required."), {"name": _("Required")})
    if len(name) > MAX_NAME:
        raise MissingFields(
            _("Some fields are not valid."),
            {"name": _("At most ${n} characters.", mapping={"n": MAX_NAME})},
        )
    return name


def _check_group(ctx: ActionContext, group: str) -> str:
    group = (group or "").strip()
    if not group:
        return ""
    person = ctx.person
    member = person is not None and group in person.groups
    if group not in ctx.root["settings"]["groups"] or not (member or "admin" in ctx.roles):
        raise MissingFields(
            _("Some fields are not valid."), {"group": _("Choose one of your groups.")}
        )
    return group


def save_view(
    ctx: ActionContext, name: str, query: Mapping[str, Any], group: str = ""
) -> SavedView:
    """Save the filters ``query`` under ``name`` (IT staff), shared with ``group`` if given."""
    if not has_staff_role(ctx.roles) or ctx.actor is None:
        raise NotPermitted(_("Only IT staff can save views."))
    saved = store(ctx.root)
    if saved is None:
        raise NotPermitted(_("Saved views are not set up yet; restart the desk."))
    name = _check_name(name)
    group = _check_group(ctx, group)
    own = [v for v in saved.views.values() if v.owner == ctx.actor]
    if len(own) >= MAX_PER_PERSON:
        raise MissingFields(
            _("Some fields are not valid."),
            {"name": _("At most ${n} saved views each.", mapping={"n": MAX_PER_PERSON})},
        )
    view_id = secrets.token_hex(6)  # random keys: two agents saving at once touch two buckets
    view = SavedView(view_id, name, ctx.actor, clean_query(query))
    view.group = group
    view.created = ctx.now
    saved.views[view_id] = view
    return view


def _may_change(ctx: ActionContext, view: SavedView) -> None:
    if ctx.actor != view.owner and "admin" not in ctx.roles:
        raise NotPermitted(_("Only the person who saved a view can change it."))


def change_view(
    ctx: ActionContext,
    view: SavedView,
    *,
    name: str | None = None,
    group: str | None = None,
    query: Mapping[str, Any] | None = None,
) -> SavedView:
    """Rename, share differently or change the filters of ``view`` (its owner, or an admin)."""
    _may_change(ctx, view)
    if name is not None:
        view.name = _check_name(name)
    if group is not None:
        view.group = _check_group(ctx, group)
    if query is not None:
        view.query = clean_query(query)
    return view


def delete_view(ctx: ActionContext, view: SavedView) -> None:
    _may_change(ctx, view)
    del store(ctx.root).views[view.id]


def view_json(view: SavedView) -> dict[str, Any]:
    return {
        "id": view.id,
        "name": view.name,
        "owner": view.owner,
        "group": view.group or None,
        "query": dict(view.query),
    }
