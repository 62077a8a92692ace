"""The settings as a table of sections, from which the settings pages and the API are made.

A :class:`Section` is one part of a settings object that is read and written whole: the
priority matrix, the routing rules, the canned replies, the incident defaults, the SLA policy.
Its colander schema checks it for the page's form (``POST …/@@matrix``) and for the API
(``PUT /api/v1/settings/incidents/matrix``, a part of ``PATCH …/incidents``) alike, its
``read`` answers it and its ``write`` changes and audits it through :mod:`itsm.admin.configure`.

An :class:`ItemForm` is a named item of a settings object with its own form page (a routing
rule, a canned reply, a business calendar): ``@@rule`` for a new one, ``@@rule?name=…`` to
edit, ``@@rule-delete`` where it may be deleted.

:mod:`itsm.admin.views` and :mod:`itsm.admin.api` register their views from these tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import colander

from itsm.admin import configure
from itsm.admin.schemas import (
    WEEKDAYS,
    CannedSchema,
    DefaultsSchema,
    RuleSchema,
    calendar_schema,
    matrix_cells,
    matrix_schema,
    policy_schema,
    rules_schema,
)
from itsm.admin.serialize import (
    calendar_json,
    canned_json,
    incident_settings_json,
    matrix_json,
    policy_json,
    rule_json,
)
from itsm.i18n import _
from itsm.incidents.models import IncidentSettings
from itsm.sla.calendar import CalendarError
from itsm.sla.models import SlaSettings
from itsm.sla.policy import PolicyError

#: The ticket kind whose SLA policy the settings page edits.
POLICY_KIND = "incident"

Check = Callable[[Any, Any, str], Any]


def _check_whole(schema: Callable[[], colander.SchemaNode]) -> Check:
    return lambda check, cstruct, prefix: check(schema(), cstruct, prefix)


def check_canned(check: Any, replies: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """Each reply of ``{key: reply}`` checked on its own, its messages under ``prefix`` + key."""
    return {
        key: check(CannedSchema(), {**entry, "key": key}, f"{prefix}{key}.", current=key)
        for key, entry in replies.items()
    }


@dataclass(frozen=True)
class Section:
    """One part of a settings object, read and written whole."""

    name: str
    #: The settings object's class (its ACL: administrators change, IT staff read).
    context: type
    schema: Callable[[], colander.SchemaNode]
    read: Callable[[Any], Any]
    #: ``write(ctx, settings, values)``: change and audit; True when something changed.
    write: Callable[[Any, Any, Any], bool]
    #: ``check(checker, cstruct, prefix)``: the values, messages collected by the checker.
    check: Check
    #: The page form's message when saved; None: the section has no form of its own.
    saved: Any = None
    #: Domain refusals of ``write`` whose message concerns the whole form.
    refusals: tuple[type[Exception], ...] = ()
    #: ``PUT …/settings/<area>/<name>`` on the API: its summary, the answer's description
    #: and the JSON schema of the body and the answer; None: no endpoint of its own.
    put: tuple[str, str, Any] | None = None
    #: The part of ``PATCH`` on the settings object: ``given(body, settings)`` answers the
    #: cstruct the body gives for this section, or None.
    given: Callable[[Mapping[str, Any], Any], Any] | None = None
    #: Its fields are top-level properties of the settings' JSON (not under its name).
    flat: bool = False

    @property
    def prefix(self) -> str:
        """Where the messages about this section's fields are in a PATCH's refusal."""
        return "" if self.flat else self.name + "."


def _given(name: str) -> Callable[[Mapping[str, Any], Any], Any]:
    return lambda body, settings: body[name] if name in body else None


def _given_defaults(body: Mapping[str, Any], settings: Any) -> Any:
    """Either default alone may be given: the other keeps its value."""
    if "default_group" not in body and "default_category" not in body:
        return None
    current = {
        "default_group": settings.default_group,
        "default_category": settings.default_category,
    }
    return {**current, **body}


RULES_JSON = {"type": "array", "items": {"$ref": "#/components/schemas/RoutingRule"}}
CANNED_JSON = {
    "type": "object",
    "description": "Canned replies by key",
    "additionalProperties": {"$ref": "#/components/schemas/CannedReply"},
}

#: In the order a PATCH applies them (and audits them).
SECTIONS: dict[str, Section] = {
    s.name: s
    for s in (
        Section(
            "matrix",
            IncidentSettings,
            matrix_schema,
            read=lambda settings: matrix_json(settings.matrix),
            write=lambda ctx, settings, values: configure.set_matrix(
                ctx, settings, matrix_cells(values)
            ),
            check=_check_whole(matrix_schema),
            saved=_("The priority matrix is saved."),
            put=(
                "Replace the priority matrix (administrators)",
                "The matrix",
                {"$ref": "#/components/schemas/PriorityMatrix"},
            ),
            given=_given("matrix"),
        ),
        Section(
            "rules",
            IncidentSettings,
            rules_schema,
            read=lambda settings: [rule_json(rule) for rule in settings.rules],
            write=configure.replace_rules,
            check=_check_whole(rules_schema),
            put=(
                "Replace the routing rules, in order: the first that matches wins (administrators)",
                "The rules",
                RULES_JSON,
            ),
            given=_given("rules"),
        ),
        Section(
            "canned",
            IncidentSettings,
            CannedSchema,
            read=lambda settings: incident_settings_json(settings)["canned"],
            write=configure.replace_canned,
            check=check_canned,
            put=(
                "Replace the canned replies (administrators)",
                "The canned replies",
                CANNED_JSON,
            ),
            given=_given("canned"),
        ),
        Section(
            "defaults",
            IncidentSettings,
            DefaultsSchema,
            read=lambda settings: {
                "default_group": settings.default_group,
                "default_category": settings.default_category,
            },
            write=configure.set_defaults,
            check=_check_whole(DefaultsSchema),
            saved=_("The defaults are saved."),
            given=_given_defaults,
            flat=True,
        ),
        Section(
            "policy",
            SlaSettings,
            policy_schema,
            read=lambda settings: policy_json(settings.policy(POLICY_KIND)),
            write=lambda ctx, settings, values: configure.save_policy(
                ctx, settings, POLICY_KIND, values
            ),
            check=_check_whole(policy_schema),
            saved=_("The SLA policy is saved. It applies to incidents reported from now on."),
            refusals=(PolicyError,),
        ),
    )
}


@dataclass(frozen=True)
class ItemForm:
    """A named item of a settings object, with a form page of its own."""

    name: str
    context: type
    #: The query parameter and form field that name the item (``?name=…``, ``key``).
    key: str
    #: ``find(settings, key)``: the item, or None.
    find: Callable[[Any, str], Any]
    #: ``schema(original)``: for a new item (``None``) or the item called ``original``.
    schema: Callable[[str | None], colander.SchemaNode]
    #: The form's values of an item: ``values(key, item)`` (before flattening).
    values: Callable[[str, Any], Mapping[str, Any]]
    #: ``save(ctx, settings, original, values)``: True when something changed.
    save: Callable[[Any, Any, str | None, Any], bool]
    #: The message when saved, with ``${key}`` the item's key (its new name when renamed).
    saved: Callable[[str], Any]
    #: The page the saved item sends back to: ``#rules`` of the settings page.
    anchor: str = ""
    #: Values of the form for a new item.
    new: Mapping[str, Any] | None = None
    #: Domain refusals of ``save`` whose message concerns the whole form.
    refusals: tuple[type[Exception], ...] = ()
    #: ``delete(ctx, settings, key)`` and its message, where items may be deleted.
    delete: Callable[[Any, Any, str], Any] | None = None
    deleted: Callable[[str], Any] | None = None


def _find_rule(settings: Any, name: str) -> Any:
    return next((rule for rule in settings.rules if rule.name == name), None)


def _canned_schema(original: str | None) -> colander.SchemaNode:
    schema = CannedSchema()
    if original is not None:
        del schema["key"]  # the key of an existing reply stays
    return schema


#: A new calendar's form: Moscow time, Monday to Friday 09:00–18:00.
NEW_CALENDAR = {
    "timezone": "Europe/Moscow",
    **{f"hours.{day}": "09:00-18:00" for day in WEEKDAYS[:5]},
}

ITEM_FORMS: dict[str, ItemForm] = {
    f.name: f
    for f in (
        ItemForm(
            "rule",
            IncidentSettings,
            key="name",
            find=_find_rule,
            schema=lambda original: RuleSchema(),
            values=lambda name, rule: rule_json(rule),
            save=configure.save_rule,
            saved=lambda name: _("The routing rule “${name}” is saved.", mapping={"name": name}),
            anchor="#rules",
            delete=configure.delete_rule,
            deleted=lambda name: _(
                "The routing rule “${name}” is deleted.", mapping={"name": name}
            ),
        ),
        ItemForm(
            "canned",
            IncidentSettings,
            key="key",
            find=lambda settings, key: settings.canned.get(key),
            schema=_canned_schema,
            values=lambda key, reply: {"key": key, **canned_json(reply)},
            save=configure.save_canned,
            saved=lambda key: _("The canned reply “${key}” is saved.", mapping={"key": key}),
            anchor="#canned",
            delete=configure.delete_canned,
            deleted=lambda key: _("The canned reply “${key}” is deleted.", mapping={"key": key}),
        ),
        ItemForm(
            "calendar",
            SlaSettings,
            key="name",
            find=lambda settings, name: settings.calendars.get(name),
            schema=lambda original: calendar_schema(new=original is None),
            values=lambda name, calendar: calendar_json(calendar),
            save=lambda ctx, settings, original, values: configure.save_calendar(
                ctx, settings, original or values["name"], values, new=original is None
            ),
            saved=lambda name: _(
                "The calendar “${name}” is saved. It applies to incidents reported from now on.",
                mapping={"name": name},
            ),
            new=NEW_CALENDAR,
            refusals=(CalendarError,),
        ),
    )
}
