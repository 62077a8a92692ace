"""Recurring work pages (IT staff): list, create, edit, pause/resume and delete templates.

The pages check their input with the API's :func:`~itsm.requests.recurring_api.check_template`,
so a template made here and one made through ``/api/v1/recurring`` obey the same rules.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from itsm.admin.schemas import WEEKDAY_TITLES
from itsm.admin.schemas import WEEKDAYS as ADMIN_WEEKDAYS
from itsm.i18n import _
from itsm.requests.catalog import items as catalog_items
from itsm.requests.recurring import (
    add_template,
    calendar_of,
    remove_template,
    set_active,
    templates,
    update_template,
)
from itsm.requests.recurring_api import (
    calendar_names,
    check_slug,
    check_template,
    template_factory,
)
from itsm.security.permissions import P
from itsm.ui.forms import flash, translate

LIST_PT = "itsm:requests/templates/recurring_list.pt"
FORM_PT = "itsm:requests/templates/recurring_form.pt"
WEEKDAYS = tuple(WEEKDAY_TITLES[day] for day in ADMIN_WEEKDAYS)  # Monday first
SCHEDULE_KINDS = (
    ("daily", _("Every day")),
    ("working_days", _("Every working day")),
    ("weekly", _("Every week on")),
    ("monthly_first_working_day", _("First working day of the month")),
)
#: Item fields the page can fill in (a file cannot be stored in a template).
PAGE_FIELD_TYPES = ("text", "textarea", "choice", "person", "date", "number", "checkbox")


def settings_factory(request: Any) -> Any:
    """The pages' context: ``/settings``, whose ACL lets IT staff (only) view."""
    return request.itsm_root["settings"]


def local_time(root: Any, template: Any, value: datetime | None) -> str:
    """``2026-12-07 09:00 Europe/Moscow``: a time in the template's calendar zone."""
    if value is None:
        return "—"
    zone = calendar_of(root, template).zone
    return f"{value.astimezone(zone).strftime('%Y-%m-%d %H:%M')} {zone.key}"


def describe_schedule(request: Any, schedule: Any) -> str:
    kind = schedule.get("kind")
    names = dict(SCHEDULE_KINDS)
    text = translate(request, names.get(kind, kind))
    if kind == "weekly" and schedule.get("weekday") in range(7):
        text += " " + translate(request, WEEKDAYS[schedule["weekday"]])
    return f"{text}, {schedule.get('time', '09:00')}"


@view_config(route_name="recurring.list", request_method="GET", permission=P.VIEW, renderer=LIST_PT)
def list_view(context: Any, request: Any) -> dict[str, Any]:
    root = request.itsm_root
    folder = templates(root)
    rows = []
    for template in folder.values() if folder is not None else ():
        rows.append(
            {
                "template": template,
                "schedule": describe_schedule(request, template.schedule),
                "next_run": local_time(root, template, template.next_run)
                if template.active
                else "—",
                "last_run": local_time(root, template, template.last_run),
                "what": _what(root, template),
            }
        )
    return {"rows": rows}


def _what(root: Any, template: Any) -> str:
    if template.creates == "task":
        return template.group
    item = root["catalog"].get(template.item)
    return item.name if item is not None else template.item


def _form_values(request: Any, template: Any = None) -> dict[str, Any]:
    if template is None:
        return {
            "id": "",
            "title": "",
            "creates": "request",
            "item": "",
            "fields": {},
            "group": "",
            "description": "",
            "requester": request.identity.login,
            "kind": "monthly_first_working_day",
            "weekday": "0",
            "time": "09:00",
            "calendar": "",
        }
    return {
        "id": template.__name__,
        "title": template.title,
        "creates": template.creates,
        "item": template.item,
        "fields": {k: "" if v is None else str(v) for k, v in template.answers.items()},
        "group": template.group,
        "description": template.description,
        "requester": template.requester,
        "kind": template.schedule.get("kind", "daily"),
        "weekday": str(template.schedule.get("weekday", 0)),
        "time": template.schedule.get("time", "09:00"),
        "calendar": template.calendar,
    }


def _posted(request: Any) -> dict[str, Any]:
    post = request.POST
    values = {
        name: post.get(name, "").strip()
        for name in (
            "id",
            "title",
            "creates",
            "item",
            "group",
            "description",
            "requester",
            "kind",
            "weekday",
            "time",
            "calendar",
        )
    }
    values["fields"] = {
        key[len("field.") :]: value.strip()
        for key, value in post.items()
        if key.startswith("field.") and isinstance(value, str)
    }
    return values


def _body(root: Any, values: dict[str, Any]) -> dict[str, Any]:
    """The page's strings as the API's JSON body."""
    schedule: dict[str, Any] = {"kind": values["kind"], "time": values["time"]}
    if values["kind"] == "weekly":
        weekday = values["weekday"]
        schedule["weekday"] = int(weekday) if weekday.isdigit() else weekday
    body: dict[str, Any] = {
        "title": values["title"],
        "creates": values["creates"],
        "requester": values["requester"],
        "schedule": schedule,
        "calendar": values["calendar"],
        "description": values["description"],
    }
    if values["creates"] == "task":
        body["group"] = values["group"]
    else:
        body["item"] = values["item"]
        item = root["catalog"].get(values["item"])
        known = {f["name"]: f for f in getattr(item, "fields", ())}
        answers: dict[str, Any] = {}
        for name, value in values["fields"].items():
            field = known.get(name)
            if field is None or value == "":
                continue
            answers[name] = (value == "on") if field["type"] == "checkbox" else value
        body["fields"] = answers
    return body


def _page(request: Any, values: dict[str, Any], template: Any = None, **extra: Any) -> dict:
    root = request.itsm_root
    people = root["people"]
    item = root["catalog"].get(values["item"]) if values["item"] else None
    fields = [f for f in getattr(item, "fields", ()) if f.get("type") in PAGE_FIELD_TYPES]
    page = {
        "template": template,
        "form": values,
        "errors": {},
        "message": None,
        "catalog": [(i.slug, i.name) for i in catalog_items(root)],
        "item_fields": fields,
        "groups": sorted(root["settings"]["groups"].keys()),
        "people": [
            (p.login, p.display_name)
            for p in sorted(people.values(), key=lambda p: p.display_name.casefold())
        ][:500],
        "calendars": calendar_names(root),
        "kinds": SCHEDULE_KINDS,
        "weekdays": list(enumerate(WEEKDAYS)),
        "field_title": lambda f: (
            (f.get("title_ru") if request.locale_name == "ru" and f.get("title_ru") else None)
            or f.get("title")
            or f["name"]
        ),
        "next_run": local_time(root, template, template.next_run)
        if template is not None and template.active
        else None,
    }
    page.update(extra)
    return page


def _invalid(request: Any, values: dict[str, Any], errors: dict, template: Any = None) -> dict:
    request.response.status = 400
    shown = {}
    for key, message in errors.items():
        name = key.split(".", 1)[1] if key.startswith("schedule.") else key
        if name == "weekday" or name == "time" or name == "kind":
            shown[name] = translate(request, message)
        elif name in ("id", "title", "creates", "item", "group", "requester", "calendar"):
            shown[name] = translate(request, message)
        else:  # an answer of the item's form
            shown["field." + name] = translate(request, message)
    return _page(
        request,
        values,
        template,
        errors=shown,
        message=translate(request, _("Some fields are not valid.")),
    )


@view_config(route_name="recurring.new", request_method="GET", permission=P.VIEW, renderer=FORM_PT)
def new_view(context: Any, request: Any) -> dict[str, Any]:
    values = _form_values(request)
    if request.GET.get("item"):
        values["item"] = request.GET["item"]
    return _page(request, values)


@view_config(route_name="recurring.new", request_method="POST", permission=P.VIEW, renderer=FORM_PT)
def create_view(context: Any, request: Any) -> Any:
    root = request.itsm_root
    values = _posted(request)
    if "pick" in request.POST:  # another catalog item chosen: show its form, save nothing
        return _page(request, values)
    body = _body(root, values)
    checked, errors = check_template(root, body)
    slug_problem = check_slug(root, values["id"])
    if slug_problem:
        errors["id"] = slug_problem
    if errors:
        return _invalid(request, values, errors)
    template = add_template(root, values["id"], datetime.now(UTC), **checked)
    flash(request, _("The recurring template is saved."))
    return HTTPSeeOther(location=request.route_url("recurring.edit", id=template.__name__))


@view_config(route_name="recurring.edit", request_method="GET", permission=P.VIEW, renderer=FORM_PT)
def edit_view(context: Any, request: Any) -> dict[str, Any]:
    return _page(request, _form_values(request, context), context)


@view_config(
    route_name="recurring.edit", request_method="POST", permission=P.VIEW, renderer=FORM_PT
)
def update_view(context: Any, request: Any) -> Any:
    root = request.itsm_root
    values = _posted(request)
    values["id"] = context.__name__
    if "pick" in request.POST:
        return _page(request, values, context)
    checked, errors = check_template(root, _body(root, values), context)
    if errors:
        return _invalid(request, values, errors, context)
    update_template(root, context, datetime.now(UTC), **checked)
    flash(request, _("The recurring template is saved."))
    return HTTPSeeOther(location=request.route_url("recurring.edit", id=context.__name__))


@view_config(route_name="recurring.action", request_method="POST", permission=P.VIEW)
def action_view(context: Any, request: Any) -> HTTPSeeOther:
    root = request.itsm_root
    action = request.POST.get("action", "")
    now = datetime.now(UTC)
    if action == "pause":
        set_active(root, context, False, now)
        flash(request, _("Paused: nothing is created until you resume it."))
    elif action == "resume":
        set_active(root, context, True, now)
        flash(request, _("Resumed: the next run is counted from now."))
    elif action == "delete":
        remove_template(root, context.__name__)
        flash(request, _("The recurring template is deleted."))
    else:
        flash(request, _("Choose one of the options."), "danger")
        request.tm.doom()
    return HTTPSeeOther(location=request.route_url("recurring.list"))


def includeme(config: Any) -> None:
    config.add_route("recurring.list", "/recurring/", factory=settings_factory)
    config.add_route("recurring.new", "/recurring/new", factory=settings_factory)
    config.add_route("recurring.edit", "/recurring/{id}/", factory=template_factory)
    config.add_route("recurring.action", "/recurring/{id}/action", factory=template_factory)
    config.scan("itsm.requests.recurring_views")
