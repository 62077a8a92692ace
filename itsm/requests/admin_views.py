"""Administering the service catalog: ``/catalog/@@manage`` lists every item by category,
``/catalog/@@new-item`` adds one, ``/catalog/<slug>/@@edit`` changes one and
``/catalog/<slug>/@@retire`` retires or restores it.

Only administrators hold the "manage" permission on the catalog. As on the settings pages, a
refused form comes back with what was typed and a message next to each field, in a doomed
transaction with status 400, and every change is in the settings audit. Changes apply to new
orders: a request keeps the answers, title and price it was made with.
"""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from itsm.admin import audit
from itsm.containers import ServiceCatalog
from itsm.i18n import _
from itsm.requests.catalog import FIELD_TYPES, CatalogItem
from itsm.requests.definitions import (
    APPROVAL_KINDS,
    AREA,
    AUDIENCE_KINDS,
    FORM_NAMES,
    NEW_ITEM_VALUES,
    add_catalog_item,
    audit_summary,
    change_catalog_item,
    check_item,
    item_values,
    json_text,
)
from itsm.security.permissions import P
from itsm.tickets.context import ActionContext
from itsm.ui.forms import FormState, flash

PT = "itsm:requests/templates/"
APPROVAL_TITLES = {
    "none": _("No approval"),
    "manager": _("The requester's manager"),
    "group": _("A group (e.g. the budget owner)"),
    "manager_group": _("The manager, then a group"),
    "custom": _("As configured (set up by other means; kept unchanged)"),
}
AUDIENCE_TITLES = {
    "everyone": _("Everyone"),
    "department": _("One department"),
    "group": _("Members of a group"),
}
FIELDS_EXAMPLE = json.dumps(
    [
        {
            "name": "model",
            "type": "choice",
            "title": "Model",
            "title_ru": "Модель",
            "required": True,
            "choices": [["standard", "Standard", "Стандартная"], ["other", "Other", "Другая"]],
        },
        {
            "name": "other_model",
            "type": "text",
            "title": "Which model and why",
            "title_ru": "Какая модель и почему",
            "required": True,
            "show_if": {"field": "model", "equals": ["other"]},
        },
        {"name": "signed_form", "type": "file", "title": "Signed form"},
    ],
    ensure_ascii=False,
    indent=2,
)
TASKS_EXAMPLE = json.dumps(
    [
        {"key": "prepare", "group": "Workplace", "title": "Prepare the laptop"},
        {
            "key": "deliver",
            "group": "Workplace",
            "title": "Hand it over",
            "description": "Ask for a signature.",
            "depends_on": ["prepare"],
        },
    ],
    ensure_ascii=False,
    indent=2,
)


def read_form(
    request: Any, item: CatalogItem | None
) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    """``(attributes for the item, the typed values, messages by form field)`` of a POST."""
    post = request.POST
    typed = {k: post.get(k, "").strip() for k in FORM_NAMES}
    typed["fields"] = post.get("fields", "")
    typed["tasks"] = post.get("tasks", "")
    values, errors = check_item(request, typed, item)
    return values, typed, errors


def _page(context: Any, request: Any, item: CatalogItem | None, form: FormState) -> dict[str, Any]:
    catalog = context if item is None else context.__parent__
    approval = form.value("approval")
    approval_choices = list(APPROVAL_KINDS)
    if approval == "custom":
        approval_choices.append("custom")
    return {
        "item": item,
        "form": form,
        "catalog_url": request.resource_url(catalog),
        "manage_url": request.resource_url(catalog, "@@manage"),
        "action": request.resource_url(context, "@@edit" if item is not None else "@@new-item"),
        "approval_choices": [(k, APPROVAL_TITLES[k]) for k in approval_choices],
        "audience_choices": [(k, AUDIENCE_TITLES[k]) for k in AUDIENCE_KINDS],
        "custom_approval": json_text([dict(s) for s in item.approval]) if item else "",
        "groups": list(request.itsm_root["settings"]["groups"].keys()),
        "categories": sorted({i.category for i in _all_items(catalog)}),
        "field_types": FIELD_TYPES,
        "fields_example": FIELDS_EXAMPLE,
        "tasks_example": TASKS_EXAMPLE,
        "error_list": _error_list,
    }


def _error_list(form: FormState, path: str) -> list[Any]:
    """A field's messages as a list (the JSON definitions have one per problem)."""
    error = form.error(path)
    if error is None:
        return []
    return list(error) if isinstance(error, list | tuple) else [error]


def _all_items(catalog: ServiceCatalog) -> list[CatalogItem]:
    found = [i for i in catalog.values() if isinstance(i, CatalogItem)]
    return sorted(found, key=lambda i: (i.category, i.name))


def _refused(request: Any, typed: dict[str, str], errors: dict[str, Any]) -> FormState:
    request.tm.doom()
    request.response.status = 400
    return FormState(typed, errors)


@view_config(
    context=ServiceCatalog,
    name="manage",
    request_method="GET",
    permission=P.MANAGE,
    renderer=PT + "catalog_admin.pt",
)
def manage_view(context: ServiceCatalog, request: Any) -> dict[str, Any]:
    """Every item, retired ones too, grouped by category."""
    items = _all_items(context)
    return {
        "categories": [(c, list(group)) for c, group in groupby(items, key=lambda i: i.category)],
        "locale": request.locale_name,
        "audit": audit.audit_rows(request, AREA),
    }


@view_config(
    context=ServiceCatalog,
    name="new-item",
    request_method=("GET", "POST"),
    permission=P.MANAGE,
    renderer=PT + "catalog_item_admin.pt",
)
def new_item_view(context: ServiceCatalog, request: Any) -> Any:
    if request.method != "POST":
        return _page(context, request, None, FormState(NEW_ITEM_VALUES))
    values, typed, errors = read_form(request, None)
    if errors:
        return _page(context, request, None, _refused(request, typed, errors))
    item = add_catalog_item(request, typed["slug"], values)
    flash(request, _("The item “${name}” is added.", mapping={"name": item.name}))
    return HTTPSeeOther(location=request.resource_url(context, "@@manage"))


@view_config(
    context=CatalogItem,
    name="edit",
    request_method=("GET", "POST"),
    permission=P.MANAGE,
    renderer=PT + "catalog_item_admin.pt",
)
def edit_item_view(context: CatalogItem, request: Any) -> Any:
    if request.method != "POST":
        return _page(context, request, context, FormState(item_values(context)))
    values, typed, errors = read_form(request, context)
    if errors:
        return _page(context, request, context, _refused(request, typed, errors))
    manage_url = request.resource_url(context.__parent__, "@@manage")
    if not change_catalog_item(request, context, values):
        flash(request, _("Nothing changed."), "info")
        return HTTPSeeOther(location=manage_url)
    flash(request, _("The item “${name}” is saved.", mapping={"name": context.name}))
    return HTTPSeeOther(location=manage_url)


@view_config(context=CatalogItem, name="retire", request_method="POST", permission=P.MANAGE)
def retire_view(context: CatalogItem, request: Any) -> HTTPSeeOther:
    """``active=0`` retires (no new orders, gone from the catalog), ``active=1`` restores."""
    active = request.POST.get("active") == "1"
    manage_url = request.resource_url(context.__parent__, "@@manage")
    if context.active == active:
        flash(request, _("Nothing changed."), "info")
        return HTTPSeeOther(location=manage_url)
    before = audit_summary(context)
    context.active = active
    what = "catalog.restored" if active else "catalog.retired"
    audit.record(
        ActionContext.from_request(request),
        AREA,
        what,
        context.slug,
        before,
        audit_summary(context),
    )
    if active:
        flash(
            request, _("The item “${name}” can be ordered again.", mapping={"name": context.name})
        )
    else:
        flash(request, _("The item “${name}” is retired.", mapping={"name": context.name}))
    return HTTPSeeOther(location=manage_url)
