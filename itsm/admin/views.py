"""The settings pages under ``/settings/``: administrators change, IT staff read.

Views stay thin: read the form into the schema's structure, let :mod:`itsm.admin.schemas`
check it, let :mod:`itsm.admin.configure` change and audit, redirect with a flash. A refused
form comes back with the typed values and a message next to each field, in a doomed
transaction with status 400, so nothing is half-saved and nothing typed is lost.

The pages (:data:`PAGES`), the forms of the sections and the item forms of
:mod:`itsm.admin.sections` are registered by :func:`add_section_views` from those tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from zoneinfo import available_timezones

import colander
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from itsm.admin import audit, configure
from itsm.admin.schemas import (
    PLACEHOLDERS,
    WEEKDAY_TITLES,
    WEEKDAYS,
    FieldErrors,
    choices,
    deserialize,
    group_schema,
)
from itsm.admin.sections import ITEM_FORMS, POLICY_KIND, SECTIONS, ItemForm, Section
from itsm.admin.serialize import calendar_json, flatten, group_json, policy_json
from itsm.folder import Folder
from itsm.i18n import _
from itsm.incidents.models import IncidentSettings
from itsm.people.groups import STRATEGIES, SupportGroup
from itsm.root import Settings
from itsm.security.permissions import P
from itsm.sla.models import SlaSettings
from itsm.sla.policy import PRIORITIES
from itsm.tickets.context import ActionContext
from itsm.tickets.priority import LEVEL_TITLES, LEVELS, PRIORITY_TITLES
from itsm.ui.forms import FormState, flash

PT = "itsm:admin/templates/"
STRATEGY_TITLES = {
    "round_robin": _("Round robin: each member in turn"),
    "least_loaded": _("Least open work first"),
}
PLACEHOLDER_TITLES = {
    "name": _("the requester's name"),
    "number": _("the incident number"),
    "title": _("the incident title"),
    "agent": _("the name of the agent who replies"),
}
#: ``("${name}", "the requester's name")``: what the pages explain about placeholders.
PLACEHOLDER_HELP = [(f"${{{p}}}", PLACEHOLDER_TITLES[p]) for p in PLACEHOLDERS]


class SettingsItemPredicate:
    """View predicate ``settings_item="groups"``: the context is that item of ``/settings``
    (``/settings/groups`` is a plain Folder, like other containers)."""

    def __init__(self, value: str, config: Any) -> None:
        self.value = value

    def text(self) -> str:
        return f"settings_item = {self.value}"

    phash = text

    def __call__(self, context: Any, request: Any) -> bool:
        parent = getattr(context, "__parent__", None)
        return isinstance(parent, Settings) and getattr(context, "__name__", None) == self.value


def posted(schema: colander.SchemaNode, post: Any, prefix: str = "") -> dict[str, Any]:
    """The schema's structure filled from form fields named by path (``hours.mon``)."""
    cstruct: dict[str, Any] = {}
    for node in schema.children:
        path = prefix + node.name
        if isinstance(node.typ, colander.Mapping):
            cstruct[node.name] = posted(node, post, path + ".")
        elif path in post:
            cstruct[node.name] = post[path]
    return cstruct


def checked(request: Any, schema: colander.SchemaNode, **kw: Any) -> Any:
    """The POST deserialized by ``schema``; FieldErrors (with what was sent) when refused."""
    bound = schema.bind(**{**choices(request.itsm_root), **kw})
    return deserialize(bound, posted(schema, request.POST), request.localizer.translate)


def refused(request: Any, error: Any) -> FormState:
    """The state of a refused form, showing what was sent; the transaction is doomed and the
    status is 400. ``error`` is a FieldErrors, or a CalendarError/PolicyError whose message
    concerns the whole form."""
    request.tm.doom()
    request.response.status = 400
    if isinstance(error, FieldErrors):
        return FormState(flatten(error.cstruct or {}), error.fields, error.message)
    return FormState({}, message=request.localizer.translate(error.message))


def done(request: Any, changed: bool, message: Any, location: str) -> HTTPSeeOther:
    flash(request, message if changed else _("Nothing changed."), "success" if changed else "info")
    return HTTPSeeOther(location=location)


def common(context: Any, request: Any, area: str | None) -> dict[str, Any]:
    """What every settings page shows: may the reader change things, and the audit."""
    return {
        "can_edit": bool(request.has_permission(P.EDIT, context)),
        "audit": audit.audit_rows(request, area),
        "settings_url": request.resource_url(request.itsm_root["settings"]),
    }


def _groups(request: Any) -> list[tuple[str, str]]:
    language = request.locale_name
    groups = request.itsm_root["settings"]["groups"]
    return [(name, group.localized_title(language)) for name, group in groups.items()]


# -- overview --------------------------------------------------------------------------------------


def overview_page(context: Settings, request: Any) -> dict[str, Any]:
    incidents, sla = context["incidents"], context["sla"]
    return {
        **common(context, request, None),
        "incidents": incidents,
        "groups": context["groups"],
        "sla": sla,
        "counts": {
            "rules": len(incidents.rules),
            "canned": len(incidents.canned),
            "groups": len(context["groups"]),
            "calendars": len(sla.calendars),
        },
    }


# -- incidents and SLA: the settings pages, their section forms and item forms ---------------------


def incidents_page(context: IncidentSettings, request: Any, **forms: FormState) -> dict[str, Any]:
    language = request.locale_name
    canned = sorted(context.canned.items(), key=lambda item: item[0])
    return {
        **common(context, request, "incidents"),
        "settings": context,
        "levels": LEVELS,
        "level_titles": LEVEL_TITLES,
        "priorities": PRIORITY_TITLES,
        "rules": context.rules,
        "canned": [(key, reply.localized(language)[0]) for key, reply in canned],
        "groups": _groups(request),
        "group_titles": dict(_groups(request)),
        "categories": context.categories,
        "placeholders": PLACEHOLDER_HELP,
        "matrix": forms.get("matrix") or FormState(flatten(SECTIONS["matrix"].read(context))),
        "defaults": forms.get("defaults") or FormState(SECTIONS["defaults"].read(context)),
    }


@view_config(context=IncidentSettings, name="rule-move", request_method="POST", permission=P.EDIT)
def move_rule(context: IncidentSettings, request: Any) -> Any:
    name = request.POST.get("name", "")
    if ITEM_FORMS["rule"].find(context, name) is None:
        raise HTTPNotFound()
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if offset is None:
        raise HTTPNotFound()
    changed = configure.move_rule(ActionContext.from_request(request), context, name, offset)
    return done(
        request, changed, _("The order of the rules is saved."), request.resource_url(context)
    )


# -- groups ----------------------------------------------------------------------------------------


def _group_choices(request: Any) -> dict[str, Any]:
    people = request.itsm_root["people"]
    agents = sorted(
        (p for p in people.values() if "agent" in p.roles),
        key=lambda p: p.display_name.casefold(),
    )
    return {
        "strategies": [(s, STRATEGY_TITLES.get(s, s)) for s in STRATEGIES],
        "agents": agents,
        "groups": _groups(request),
    }


NEW_GROUP = {"strategy": "least_loaded", "tier": "1"}


def groups_page(context: Folder, request: Any, form: FormState | None = None) -> dict[str, Any]:
    return {
        **common(context, request, "groups"),
        **_group_choices(request),
        "items": list(context.values()),
        "group": None,
        "strategy_titles": STRATEGY_TITLES,
        "people": request.itsm_root["people"],
        "form": form or FormState(NEW_GROUP),
        "language": request.locale_name,
    }


def add_group(context: Folder, request: Any) -> Any:
    try:
        values = checked(request, group_schema(new=True))
    except FieldErrors as error:
        return groups_page(context, request, refused(request, error))
    group = configure.add_group(ActionContext.from_request(request), context, values)
    message = _("The group “${name}” is added.", mapping={"name": group.title})
    return done(request, True, message, request.resource_url(context))


def group_page(context: SupportGroup, request: Any, form: FormState | None = None) -> dict:
    return {
        **common(context, request, "groups"),
        **_group_choices(request),
        "group": context,
        "form": form or FormState(flatten(group_json(context))),
    }


def save_group(context: SupportGroup, request: Any) -> Any:
    try:
        values = checked(request, group_schema(new=False), current=context.__name__)
    except FieldErrors as error:
        return group_page(context, request, refused(request, error))
    changed = configure.update_group(ActionContext.from_request(request), context, values)
    message = _("The group “${name}” is saved.", mapping={"name": context.title})
    return done(request, changed, message, request.resource_url(context.__parent__))


# -- SLA -------------------------------------------------------------------------------------------


def sla_page(context: SlaSettings, request: Any, **forms: FormState) -> dict[str, Any]:
    current = context.policy(POLICY_KIND)
    return {
        **common(context, request, "sla"),
        "calendars": [calendar_json(c) for c in context.calendars.values()],
        "calendar_names": [*context.calendars.keys(), "24x7"],
        "weekdays": WEEKDAYS,
        "weekday_titles": WEEKDAY_TITLES,
        "priorities": [(p, PRIORITY_TITLES[p]) for p in PRIORITIES],
        "kind": POLICY_KIND,
        "policy": forms.get("policy")
        or FormState(flatten(policy_json(current)) if current else {}),
    }


@cache
def timezones() -> list[str]:
    """IANA time zone names for the calendar form's suggestions (read from disk once)."""
    return sorted(available_timezones())


# -- the views made from the sections table ------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """A settings page: ``GET`` renders it, ``save`` (where given) takes its own form's
    ``POST``; the forms of sections and items on it are registered from their tables."""

    name: str  # its template, and the area of the audit it shows
    context: type
    render: Callable[..., dict[str, Any]]
    predicates: Mapping[str, Any] = field(default_factory=dict)
    save: Callable[[Any, Any], Any] | None = None


PAGES = {
    page.name: page
    for page in (
        Page("overview", Settings, overview_page),
        Page("incidents", IncidentSettings, incidents_page),
        Page("sla", SlaSettings, sla_page),
        Page("groups", Folder, groups_page, {"settings_item": "groups"}, save=add_group),
        Page("group", SupportGroup, group_page, save=save_group),
    )
}
#: The page of each settings object's class, where its sections' forms are.
PAGE_OF = {PAGES["incidents"].context: PAGES["incidents"], PAGES["sla"].context: PAGES["sla"]}
#: What an item form's page shows besides the form, by item form.
ITEM_PAGE_EXTRAS: dict[str, Callable[[Any, Any], dict[str, Any]]] = {
    "rule": lambda context, request: {
        "groups": _groups(request),
        "categories": context.categories,
        "default_category": context.default_category,
    },
    "canned": lambda context, request: {"placeholders": PLACEHOLDER_HELP},
    "calendar": lambda context, request: {
        "weekdays": WEEKDAYS,
        "weekday_titles": WEEKDAY_TITLES,
        "timezones": timezones(),
    },
}


def page_view(page: Page) -> Callable[[Any, Any], dict[str, Any]]:
    """``GET`` of a settings page."""

    def show_page(context: Any, request: Any) -> dict[str, Any]:
        return page.render(context, request)

    return show_page


def section_view(section: Section) -> Callable[[Any, Any], Any]:
    """``POST …/@@<section>``: check the form, write the section, or show the page again with
    the refused form."""
    page = PAGE_OF[section.context].render

    def save_section(context: Any, request: Any) -> Any:
        schema = section.schema()
        try:
            values = checked(request, schema)
            changed = section.write(ActionContext.from_request(request), context, values)
        except FieldErrors as error:
            return page(context, request, **{section.name: refused(request, error)})
        except section.refusals as error:
            form = refused(request, error)
            form.values = flatten(posted(schema, request.POST))
            return page(context, request, **{section.name: form})
        return done(request, changed, section.saved, request.resource_url(context))

    return save_section


def item_page(
    item: ItemForm, context: Any, request: Any, original: str | None, form: FormState
) -> dict[str, Any]:
    return {
        **common(context, request, PAGE_OF[item.context].name),
        "original": original,
        "form": form,
        **ITEM_PAGE_EXTRAS[item.name](context, request),
    }


def _existing(item: ItemForm, context: Any, key: str) -> Any:
    found = item.find(context, key)
    if found is None:
        raise HTTPNotFound()
    return found


def item_form_view(item: ItemForm) -> Callable[[Any, Any], Any]:
    """``GET …/@@<item>`` the form of a new item, ``…/@@<item>?<key>=…`` of an existing one."""

    def item_form(context: Any, request: Any) -> dict[str, Any]:
        key = request.GET.get(item.key)
        if not key:
            return item_page(item, context, request, None, FormState(item.new or {}))
        values = item.values(key, _existing(item, context, key))
        return item_page(item, context, request, key, FormState(flatten(values)))

    return item_form


def item_save_view(item: ItemForm) -> Callable[[Any, Any], Any]:
    """``POST …/@@<item>`` with ``original`` (empty: a new item)."""

    def save_item(context: Any, request: Any) -> Any:
        original = request.POST.get("original") or None
        if original is not None:
            _existing(item, context, original)
        schema = item.schema(original)
        try:
            values = checked(request, schema, current=original)
            changed = item.save(ActionContext.from_request(request), context, original, values)
        except FieldErrors as error:
            form = refused(request, error)
            if item.key not in schema:  # the key of an existing item stays: show it
                form.values.setdefault(item.key, original or "")
            return item_page(item, context, request, original, form)
        except item.refusals as error:
            form = refused(request, error)
            form.values = flatten(posted(schema, request.POST))
            return item_page(item, context, request, original, form)
        message = item.saved(values.get(item.key, original))
        return done(request, changed, message, request.resource_url(context) + item.anchor)

    return save_item


def item_delete_view(item: ItemForm) -> Callable[[Any, Any], Any]:
    """``POST …/@@<item>-delete`` with the item's key."""

    def delete_item(context: Any, request: Any) -> Any:
        key = request.POST.get(item.key, "")
        _existing(item, context, key)
        item.delete(ActionContext.from_request(request), context, key)
        return done(request, True, item.deleted(key), request.resource_url(context) + item.anchor)

    return delete_item


def add_section_views(config: Any) -> None:
    """Register the :data:`PAGES`, and the forms of :data:`SECTIONS` and :data:`ITEM_FORMS`
    on them."""
    for page in PAGES.values():
        renderer = PT + page.name + ".pt"
        config.add_view(
            page_view(page),
            context=page.context,
            request_method="GET",
            permission=P.VIEW,
            renderer=renderer,
            **page.predicates,
        )
        if page.save is not None:
            config.add_view(
                page.save,
                context=page.context,
                request_method="POST",
                permission=P.EDIT,
                renderer=renderer,
                **page.predicates,
            )
    for section in SECTIONS.values():
        if section.saved is None:
            continue
        config.add_view(
            section_view(section),
            context=section.context,
            name=section.name,
            request_method="POST",
            permission=P.EDIT,
            renderer=PT + PAGE_OF[section.context].name + ".pt",
        )
    for item in ITEM_FORMS.values():
        template = PT + item.name + ".pt"
        common_args = {"context": item.context, "name": item.name, "renderer": template}
        config.add_view(
            item_form_view(item), request_method="GET", permission=P.VIEW, **common_args
        )
        config.add_view(
            item_save_view(item), request_method="POST", permission=P.EDIT, **common_args
        )
        if item.delete is not None:
            config.add_view(
                item_delete_view(item),
                context=item.context,
                name=item.name + "-delete",
                request_method="POST",
                permission=P.EDIT,
            )
