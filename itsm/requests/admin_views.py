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
from itsm.admin.views import FormState, audit_rows
from itsm.containers import ServiceCatalog
from itsm.i18n import _
from itsm.incidents.views import flash
from itsm.requests.catalog import FIELD_TYPES, CatalogItem, add_item
from itsm.requests.definitions import (
    APPROVAL_KINDS,
    AUDIENCE_KINDS,
    SLUG_RE,
    WORD_RE,
    approval_kind,
    approval_steps,
    check_fields,
    check_tasks,
    parse_price,
)
from itsm.tickets.context import ActionContext

PT = "itsm:requests/templates/"
AREA = "catalog"
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
TEXT_LIMITS = {"name": 200, "name_ru": 200, "description": 2000, "description_ru": 2000}


def _json_text(data: Any) -> str:
    """Stored definitions as the JSON an administrator edits (tuples become lists)."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=list)


def item_values(item: CatalogItem) -> dict[str, Any]:
    """The edit form's values of a stored item."""
    kind, group = approval_kind(item.approval)
    audience = dict(item.audience)
    return {
        "name": item.name,
        "name_ru": item.name_ru,
        "description": item.description,
        "description_ru": item.description_ru,
        "category": item.category,
        "icon": item.icon,
        "price": "" if item.price is None else f"{item.price:.2f}",
        "delivery_days": str(item.delivery_days),
        "audience": audience.get("kind", "everyone"),
        "audience_department": audience.get("department", ""),
        "audience_group": audience.get("group", ""),
        "approval": kind,
        "approval_group": group,
        "fields": _json_text([dict(f) for f in item.fields]),
        "tasks": _json_text([dict(t) for t in item.tasks]),
    }


def _parse_json(text: str, translate: Any) -> tuple[Any, list[str]]:
    if not text.strip():
        return [], []
    try:
        return json.loads(text), []
    except ValueError as error:
        line, column = getattr(error, "lineno", 1), getattr(error, "colno", 1)
        detail = getattr(error, "msg", str(error))
        message = _(
            "Not valid JSON: line ${line}, column ${column}: ${detail}.",
            mapping={"line": line, "column": column, "detail": detail},
        )
        return None, [translate(message)]


#: The form's values for a new item.
NEW_ITEM_VALUES = {
    "category": "general",
    "icon": "box",
    "delivery_days": "5",
    "audience": "everyone",
    "approval": "none",
    "fields": "[]",
    "tasks": "[]",
}
FORM_NAMES = (
    "slug",
    *TEXT_LIMITS,
    "category",
    "icon",
    "price",
    "delivery_days",
    "audience",
    "audience_department",
    "audience_group",
    "approval",
    "approval_group",
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


def check_item(
    request: Any, typed: dict[str, str], item: CatalogItem | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(attributes for the item, messages by form field)`` of the form's values (strings;
    ``fields`` and ``tasks`` JSON text); ``item`` is None for a new one."""
    translate = request.localizer.translate
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    if item is None:
        slug = typed["slug"]
        if not SLUG_RE.match(slug):
            errors["slug"] = _("Lower-case letters, digits and “-”, 2 to 60 characters.")
        elif slug in request.itsm_root["catalog"]:
            errors["slug"] = _("Another item has this identifier.")
    for key, limit in TEXT_LIMITS.items():
        if len(typed[key]) > limit:
            errors[key] = _("At most ${n} characters.", mapping={"n": limit})
        values[key] = typed[key]
    if not typed["name"]:
        errors["name"] = _("Required")
    for key in ("category", "icon"):
        if not WORD_RE.match(typed[key]):
            errors[key] = _("Lower-case letters, digits, “-” and “_”, up to 40 characters.")
        values[key] = typed[key]
    price, message = parse_price(typed["price"])
    if message:
        errors["price"] = message
    values["price"] = price
    try:
        days = int(typed["delivery_days"])
    except ValueError:
        days = 0
    if not 1 <= days <= 365:
        errors["delivery_days"] = _("A whole number of days from 1 to 365.")
    values["delivery_days"] = days
    kind = typed["audience"]
    if kind not in AUDIENCE_KINDS:
        errors["audience"] = _("Choose one of the options.")
    elif kind == "everyone":
        values["audience"] = {"kind": "everyone"}
    else:
        target = typed[f"audience_{kind}"]
        if not target or len(target) > 200:
            errors[f"audience_{kind}"] = _("Name the department or group.")
        values["audience"] = {"kind": kind, kind: target}
    kind, group = typed["approval"], typed["approval_group"]
    if kind == "custom" and item is not None and approval_kind(item.approval)[0] == "custom":
        pass  # steps the form cannot show stay as they are
    elif kind not in APPROVAL_KINDS:
        errors["approval"] = _("Choose one of the options.")
    else:
        if kind in ("group", "manager_group") and (not group or len(group) > 200):
            errors["approval_group"] = _("Name the group that approves.")
        values["approval"] = approval_steps(kind, group)
    data, messages = _parse_json(typed["fields"], translate)
    if not messages:
        values["fields"], messages = check_fields(data, translate)
    if messages:
        errors["fields"] = messages
    data, messages = _parse_json(typed["tasks"], translate)
    if not messages:
        groups = list(request.itsm_root["settings"]["groups"].keys())
        # with broken fields the licence field cannot be checked yet
        names = None if "fields" in errors else [f["name"] for f in values["fields"]]
        values["tasks"], messages = check_tasks(data, groups, translate, names)
    if messages:
        errors["tasks"] = messages
    return values, errors


def _summary(item: CatalogItem) -> dict[str, str]:
    """What the audit keeps of an item: display strings."""
    values = item_values(item)
    return {
        **{k: values[k] for k in ("name", "name_ru", "category", "icon", "price")},
        "delivery_days": values["delivery_days"],
        "audience": json.dumps(dict(item.audience), ensure_ascii=False),
        "approval": json.dumps([dict(s) for s in item.approval], ensure_ascii=False),
        "fields": json.dumps([dict(f) for f in item.fields], ensure_ascii=False, default=list),
        "tasks": json.dumps([dict(t) for t in item.tasks], ensure_ascii=False, default=list),
        "active": "yes" if item.active else "no",
    }


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
        "custom_approval": _json_text([dict(s) for s in item.approval]) if item else "",
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


def add_catalog_item(request: Any, slug: str, values: dict[str, Any]) -> CatalogItem:
    """Add a checked item to the catalog, audited."""
    item = CatalogItem(slug, **values)
    add_item(request.itsm_root, item)
    ctx = ActionContext.from_request(request)
    audit.record(ctx, AREA, "catalog.added", item.slug, None, _summary(item))
    return item


def change_catalog_item(request: Any, item: CatalogItem, values: dict[str, Any]) -> bool:
    """Apply checked values to an item, audited; False when nothing changed."""
    before = _summary(item)
    for key, value in values.items():
        setattr(item, key, value)
    after = _summary(item)
    if before == after:
        return False
    audit.record(
        ActionContext.from_request(request), AREA, "catalog.changed", item.slug, before, after
    )
    return True


@view_config(
    context=ServiceCatalog,
    name="manage",
    request_method="GET",
    permission="manage",
    renderer=PT + "catalog_admin.pt",
)
def manage_view(context: ServiceCatalog, request: Any) -> dict[str, Any]:
    """Every item, retired ones too, grouped by category."""
    items = _all_items(context)
    return {
        "categories": [(c, list(group)) for c, group in groupby(items, key=lambda i: i.category)],
        "locale": request.locale_name,
        "audit": audit_rows(request, AREA),
    }


@view_config(
    context=ServiceCatalog,
    name="new-item",
    request_method=("GET", "POST"),
    permission="manage",
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
    permission="manage",
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


@view_config(context=CatalogItem, name="retire", request_method="POST", permission="manage")
def retire_view(context: CatalogItem, request: Any) -> HTTPSeeOther:
    """``active=0`` retires (no new orders, gone from the catalog), ``active=1`` restores."""
    active = request.POST.get("active") == "1"
    manage_url = request.resource_url(context.__parent__, "@@manage")
    if context.active == active:
        flash(request, _("Nothing changed."), "info")
        return HTTPSeeOther(location=manage_url)
    before = _summary(context)
    context.active = active
    what = "catalog.restored" if active else "catalog.retired"
    audit.record(
        ActionContext.from_request(request), AREA, what, context.slug, before, _summary(context)
    )
    if active:
        flash(
            request, _("The item “${name}” can be ordered again.", mapping={"name": context.name})
        )
    else:
        flash(request, _("The item “${name}” is retired.", mapping={"name": context.name}))
    return HTTPSeeOther(location=manage_url)
