"""The settings pages under ``/settings/``: administrators change, IT staff read.

Views stay thin: read the form into the schema's structure, let :mod:`itsm.admin.schemas`
check it, let :mod:`itsm.admin.configure` change and audit, redirect with a flash. A refused
form comes back with the typed values and a message next to each field, in a doomed
transaction with status 400, so nothing is half-saved and nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    CannedSchema,
    DefaultsSchema,
    FieldErrors,
    RuleSchema,
    calendar_schema,
    choices,
    deserialize,
    group_schema,
    matrix_cells,
    matrix_schema,
    policy_schema,
)
from itsm.admin.serialize import (
    calendar_json,
    canned_json,
    flatten,
    group_json,
    matrix_json,
    policy_json,
    rule_json,
)
from itsm.folder import Folder
from itsm.i18n import _
from itsm.incidents.models import IncidentSettings
from itsm.incidents.views import LEVEL_TITLES, PRIORITY_TITLES, display_time, flash, iso_time
from itsm.people.groups import STRATEGIES, SupportGroup
from itsm.root import Settings
from itsm.sla.calendar import CalendarError
from itsm.sla.models import SlaSettings
from itsm.sla.policy import PRIORITIES, PolicyError
from itsm.tickets.context import ActionContext
from itsm.tickets.priority import LEVELS

AUDIT_COUNT = 20
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


class FormState:
    """One form's field values by path (the stored ones, or what a refused POST sent), its
    messages by path, and a message for the whole form."""

    def __init__(
        self,
        values: Mapping[str, Any],
        errors: Mapping[str, Any] | None = None,
        message: Any = None,
    ) -> None:
        self.values = dict(values)
        self.errors = dict(errors or {})
        self.message = message or (_("Some fields are not valid.") if self.errors else None)

    def value(self, path: str, default: Any = "") -> Any:
        return self.values.get(path, default)

    def error(self, path: str) -> Any:
        return self.errors.get(path)

    def invalid(self, path: str) -> str:
        """The CSS class of a field: ``is-invalid`` when it has a message."""
        return "is-invalid" if path in self.errors else ""

    def described(self, path: str, *ids: str) -> str | None:
        """``aria-describedby`` of a field: its help text and its message when there is one."""
        refs = [*ids, f"{path}-error"] if path in self.errors else list(ids)
        return " ".join(refs) or None


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


def audit_rows(request: Any, area: str | None) -> list[dict[str, Any]]:
    people = request.itsm_root["people"]
    rows = []
    for entry in audit.latest(request.itsm_root["settings"], area, AUDIT_COUNT):
        person = people.get(entry.actor) if entry.actor else None
        rows.append(
            {
                "at": display_time(entry.at),
                "iso": iso_time(entry.at),
                "who": person.display_name if person is not None else (entry.actor or ""),
                "what": audit.WHAT.get(entry.field, entry.field),
                "subject": entry.note,
                "changes": audit.changes(entry),
            }
        )
    return rows


def common(context: Any, request: Any, area: str | None) -> dict[str, Any]:
    """What every settings page shows: may the reader change things, and the audit."""
    return {
        "can_edit": bool(request.has_permission("edit", context)),
        "audit": audit_rows(request, area),
        "settings_url": request.resource_url(request.itsm_root["settings"]),
    }


def _groups(request: Any) -> list[tuple[str, str]]:
    language = request.locale_name
    groups = request.itsm_root["settings"]["groups"]
    return [(name, group.localized_title(language)) for name, group in groups.items()]


# -- overview --------------------------------------------------------------------------------------


@view_config(
    context=Settings,
    request_method="GET",
    permission="view",
    renderer=PT + "overview.pt",
)
def overview(context: Settings, request: Any) -> dict[str, Any]:
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


# -- incidents: matrix, defaults, rules, canned replies --------------------------------------------


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
        "matrix": forms.get("matrix") or FormState(flatten(matrix_json(context.matrix))),
        "defaults": forms.get("defaults")
        or FormState(
            {
                "default_group": context.default_group,
                "default_category": context.default_category,
            }
        ),
    }


@view_config(
    context=IncidentSettings,
    request_method="GET",
    permission="view",
    renderer=PT + "incidents.pt",
)
def incidents(context: IncidentSettings, request: Any) -> dict[str, Any]:
    return incidents_page(context, request)


@view_config(
    context=IncidentSettings,
    name="matrix",
    request_method="POST",
    permission="edit",
    renderer=PT + "incidents.pt",
)
def save_matrix(context: IncidentSettings, request: Any) -> Any:
    try:
        matrix = checked(request, matrix_schema())
    except FieldErrors as error:
        return incidents_page(context, request, matrix=refused(request, error))
    changed = configure.set_matrix(
        ActionContext.from_request(request), context, matrix_cells(matrix)
    )
    return done(request, changed, _("The priority matrix is saved."), request.resource_url(context))


@view_config(
    context=IncidentSettings,
    name="defaults",
    request_method="POST",
    permission="edit",
    renderer=PT + "incidents.pt",
)
def save_defaults(context: IncidentSettings, request: Any) -> Any:
    try:
        values = checked(request, DefaultsSchema())
    except FieldErrors as error:
        return incidents_page(context, request, defaults=refused(request, error))
    changed = configure.set_defaults(ActionContext.from_request(request), context, values)
    return done(request, changed, _("The defaults are saved."), request.resource_url(context))


def _rule_page(
    context: IncidentSettings, request: Any, original: str | None, form: FormState
) -> dict[str, Any]:
    return {
        **common(context, request, "incidents"),
        "original": original,
        "form": form,
        "groups": _groups(request),
        "categories": context.categories,
        "default_category": context.default_category,
    }


def _find_rule(context: IncidentSettings, name: str) -> Any:
    for rule in context.rules:
        if rule.name == name:
            return rule
    raise HTTPNotFound()


@view_config(
    context=IncidentSettings,
    name="rule",
    request_method="GET",
    permission="view",
    renderer=PT + "rule.pt",
)
def rule_form(context: IncidentSettings, request: Any) -> dict[str, Any]:
    """``@@rule`` a new rule, ``@@rule?name=…`` an existing one."""
    name = request.GET.get("name")
    if not name:
        return _rule_page(context, request, None, FormState({}))
    rule = _find_rule(context, name)
    return _rule_page(context, request, name, FormState(flatten(rule_json(rule))))


@view_config(
    context=IncidentSettings,
    name="rule",
    request_method="POST",
    permission="edit",
    renderer=PT + "rule.pt",
)
def save_rule(context: IncidentSettings, request: Any) -> Any:
    original = request.POST.get("original") or None
    if original is not None:
        _find_rule(context, original)
    try:
        values = checked(request, RuleSchema(), current=original)
    except FieldErrors as error:
        return _rule_page(context, request, original, refused(request, error))
    changed = configure.save_rule(ActionContext.from_request(request), context, original, values)
    message = _("The routing rule “${name}” is saved.", mapping={"name": values["name"]})
    return done(request, changed, message, request.resource_url(context) + "#rules")


@view_config(context=IncidentSettings, name="rule-delete", request_method="POST", permission="edit")
def delete_rule(context: IncidentSettings, request: Any) -> Any:
    name = request.POST.get("name", "")
    _find_rule(context, name)
    configure.delete_rule(ActionContext.from_request(request), context, name)
    message = _("The routing rule “${name}” is deleted.", mapping={"name": name})
    return done(request, True, message, request.resource_url(context) + "#rules")


@view_config(context=IncidentSettings, name="rule-move", request_method="POST", permission="edit")
def move_rule(context: IncidentSettings, request: Any) -> Any:
    name = request.POST.get("name", "")
    _find_rule(context, name)
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if offset is None:
        raise HTTPNotFound()
    changed = configure.move_rule(ActionContext.from_request(request), context, name, offset)
    return done(
        request, changed, _("The order of the rules is saved."), request.resource_url(context)
    )


def _canned_page(
    context: IncidentSettings, request: Any, original: str | None, form: FormState
) -> dict[str, Any]:
    return {
        **common(context, request, "incidents"),
        "original": original,
        "form": form,
        "placeholders": PLACEHOLDER_HELP,
    }


def _find_canned(context: IncidentSettings, key: str) -> Any:
    reply = context.canned.get(key)
    if reply is None:
        raise HTTPNotFound()
    return reply


@view_config(
    context=IncidentSettings,
    name="canned",
    request_method="GET",
    permission="view",
    renderer=PT + "canned.pt",
)
def canned_form(context: IncidentSettings, request: Any) -> dict[str, Any]:
    """``@@canned`` a new reply, ``@@canned?key=…`` an existing one."""
    key = request.GET.get("key")
    if not key:
        return _canned_page(context, request, None, FormState({}))
    reply = _find_canned(context, key)
    values = flatten({"key": key, **canned_json(reply)})
    return _canned_page(context, request, key, FormState(values))


@view_config(
    context=IncidentSettings,
    name="canned",
    request_method="POST",
    permission="edit",
    renderer=PT + "canned.pt",
)
def save_canned(context: IncidentSettings, request: Any) -> Any:
    original = request.POST.get("original") or None
    schema = CannedSchema()
    if original is not None:
        _find_canned(context, original)
        del schema["key"]  # the key of an existing reply stays
    try:
        values = checked(request, schema, current=original)
    except FieldErrors as error:
        form = refused(request, error)
        form.values.setdefault("key", original or "")
        return _canned_page(context, request, original, form)
    changed = configure.save_canned(ActionContext.from_request(request), context, original, values)
    key = original or values["key"]
    message = _("The canned reply “${key}” is saved.", mapping={"key": key})
    return done(request, changed, message, request.resource_url(context) + "#canned")


@view_config(
    context=IncidentSettings, name="canned-delete", request_method="POST", permission="edit"
)
def delete_canned(context: IncidentSettings, request: Any) -> Any:
    key = request.POST.get("key", "")
    _find_canned(context, key)
    configure.delete_canned(ActionContext.from_request(request), context, key)
    message = _("The canned reply “${key}” is deleted.", mapping={"key": key})
    return done(request, True, message, request.resource_url(context) + "#canned")


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


@view_config(
    context=Folder,
    settings_item="groups",
    request_method="GET",
    permission="view",
    renderer=PT + "groups.pt",
)
def groups(context: Folder, request: Any) -> dict[str, Any]:
    return groups_page(context, request)


@view_config(
    context=Folder,
    settings_item="groups",
    request_method="POST",
    permission="edit",
    renderer=PT + "groups.pt",
)
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


@view_config(
    context=SupportGroup,
    request_method="GET",
    permission="view",
    renderer=PT + "group.pt",
)
def group(context: SupportGroup, request: Any) -> dict[str, Any]:
    return group_page(context, request)


@view_config(
    context=SupportGroup,
    request_method="POST",
    permission="edit",
    renderer=PT + "group.pt",
)
def save_group(context: SupportGroup, request: Any) -> Any:
    try:
        values = checked(request, group_schema(new=False), current=context.__name__)
    except FieldErrors as error:
        return group_page(context, request, refused(request, error))
    changed = configure.update_group(ActionContext.from_request(request), context, values)
    message = _("The group “${name}” is saved.", mapping={"name": context.title})
    return done(request, changed, message, request.resource_url(context.__parent__))


# -- SLA -------------------------------------------------------------------------------------------

POLICY_KIND = "incident"


def sla_page(context: SlaSettings, request: Any, policy: FormState | None = None) -> dict:
    current = context.policy(POLICY_KIND)
    return {
        **common(context, request, "sla"),
        "calendars": [calendar_json(c) for c in context.calendars.values()],
        "calendar_names": [*context.calendars.keys(), "24x7"],
        "weekdays": WEEKDAYS,
        "weekday_titles": WEEKDAY_TITLES,
        "priorities": [(p, PRIORITY_TITLES[p]) for p in PRIORITIES],
        "kind": POLICY_KIND,
        "policy": policy or FormState(flatten(policy_json(current)) if current else {}),
    }


@view_config(
    context=SlaSettings,
    request_method="GET",
    permission="view",
    renderer=PT + "sla.pt",
)
def sla(context: SlaSettings, request: Any) -> dict[str, Any]:
    return sla_page(context, request)


@view_config(
    context=SlaSettings,
    name="policy",
    request_method="POST",
    permission="edit",
    renderer=PT + "sla.pt",
)
def save_policy(context: SlaSettings, request: Any) -> Any:
    schema = policy_schema()
    try:
        values = checked(request, schema)
        changed = configure.save_policy(
            ActionContext.from_request(request), context, POLICY_KIND, values
        )
    except FieldErrors as error:
        return sla_page(context, request, refused(request, error))
    except PolicyError as error:
        form = refused(request, error)
        form.values = flatten(posted(schema, request.POST))
        return sla_page(context, request, form)
    return done(
        request,
        changed,
        _("The SLA policy is saved. It applies to incidents reported from now on."),
        request.resource_url(context),
    )


def _calendar_page(
    context: SlaSettings, request: Any, original: str | None, form: FormState
) -> dict[str, Any]:
    return {
        **common(context, request, "sla"),
        "original": original,
        "form": form,
        "weekdays": WEEKDAYS,
        "weekday_titles": WEEKDAY_TITLES,
        "timezones": timezones(),
    }


@cache
def timezones() -> list[str]:
    """IANA time zone names for the calendar form's suggestions (read from disk once)."""
    return sorted(available_timezones())


NEW_CALENDAR = {
    "timezone": "Europe/Moscow",
    **{f"hours.{day}": "09:00-18:00" for day in WEEKDAYS[:5]},
}


@view_config(
    context=SlaSettings,
    name="calendar",
    request_method="GET",
    permission="view",
    renderer=PT + "calendar.pt",
)
def calendar_form(context: SlaSettings, request: Any) -> dict[str, Any]:
    """``@@calendar`` a new calendar, ``@@calendar?name=…`` an existing one."""
    name = request.GET.get("name")
    if not name:
        return _calendar_page(context, request, None, FormState(NEW_CALENDAR))
    calendar = context.calendars.get(name)
    if calendar is None:
        raise HTTPNotFound()
    return _calendar_page(context, request, name, FormState(flatten(calendar_json(calendar))))


@view_config(
    context=SlaSettings,
    name="calendar",
    request_method="POST",
    permission="edit",
    renderer=PT + "calendar.pt",
)
def save_calendar(context: SlaSettings, request: Any) -> Any:
    original = request.POST.get("original") or None
    if original is not None and original not in context.calendars:
        raise HTTPNotFound()
    schema = calendar_schema(new=original is None)
    try:
        values = checked(request, schema)
        name = original or values["name"]
        changed = configure.save_calendar(
            ActionContext.from_request(request), context, name, values, new=original is None
        )
    except (FieldErrors, CalendarError) as error:
        form = refused(request, error)
        if isinstance(error, CalendarError):
            form.values = flatten(posted(schema, request.POST))
        return _calendar_page(context, request, original, form)
    message = _(
        "The calendar “${name}” is saved. It applies to incidents reported from now on.",
        mapping={"name": name},
    )
    return done(request, changed, message, request.resource_url(context))
