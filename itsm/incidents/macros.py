"""Macros: a named set of actions (group, canned reply, tag, status) applied to an incident
in one click. Administrators and the leads of support groups manage them; IT staff apply them.
Each action goes through the usual operation (``actions.transition``, ``add_entry``), so the
workflow, the history and the mails are those of doing it by hand."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from persistent.mapping import PersistentMapping

from itsm.i18n import _
from itsm.incidents import actions
from itsm.incidents.intake import incident_settings
from itsm.incidents.models import Incident, Macro
from itsm.search.catalog import mark_changed
from itsm.security.roles import has_staff_role
from itsm.tickets.context import ActionContext
from itsm.tickets.workflow import MissingFields, NotPermitted

#: The status changes a macro may make: transitions that need at most a text.
TRANSITIONS = ("", "start", "wait", "resume", "resolve", "cancel")
RESOLUTION_CODES = ("fixed", "workaround", "advice", "no_fault", "user_error")
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
TAG = re.compile(r"^[\w.-]{1,40}$")
MACRO_FIELDS = ("key", "title", "group", "canned", "tag", "transition", "resolution_code")


def macros_of(root: Any) -> Mapping[str, Macro]:
    settings = incident_settings(root)
    return settings.macros if settings.macros is not None else {}


def may_manage(ctx: ActionContext) -> bool:
    """Administrators, and the leads of support groups."""
    if "admin" in ctx.roles:
        return True
    groups = ctx.root["settings"]["groups"]
    return ctx.actor is not None and any(g.lead == ctx.actor for g in groups.values())


def check_macro(root: Any, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The macro's fields, cleaned, or :class:`MissingFields` with a message per field."""
    settings = incident_settings(root)
    errors: dict[str, Any] = {}
    values = {k: str(fields.get(k) or "").strip() for k in MACRO_FIELDS}
    if not KEY.match(values["key"]):
        errors["key"] = _("Lower-case letters, digits, - and _ (at most 40).")
    if not values["title"] or len(values["title"]) > 100:
        errors["title"] = _("Required, at most ${n} characters.", mapping={"n": 100})
    if values["group"] and values["group"] not in root["settings"]["groups"]:
        errors["group"] = _("Unknown group.")
    if values["canned"] and values["canned"] not in settings.canned:
        errors["canned"] = _("No such reply.")
    if values["tag"] and not TAG.match(values["tag"]):
        errors["tag"] = _("One word of at most 40 letters, digits, . - or _.")
    if values["transition"] not in TRANSITIONS:
        errors["transition"] = _("Choose one of the options.")
    if not values["resolution_code"]:
        values["resolution_code"] = "advice"
    if values["resolution_code"] not in RESOLUTION_CODES:
        errors["resolution_code"] = _("Choose one of the options.")
    if not any(values[k] for k in ("group", "canned", "tag", "transition")):
        errors["transition"] = _("A macro needs at least one action.")
    if errors:
        raise MissingFields(_("Some fields are not valid."), errors)
    return values


def save_macro(ctx: ActionContext, fields: Mapping[str, Any], original: str | None = None) -> Macro:
    """Add a macro, or change the one called ``original`` (renaming its key if asked)."""
    if not may_manage(ctx):
        raise NotPermitted(_("Only administrators and group leads can manage macros."))
    values = check_macro(ctx.root, fields)
    settings = ctx.root["settings"]["incidents"]
    if settings.macros is None:
        settings.macros = PersistentMapping()
    key = values.pop("key")
    if key != original and key in settings.macros:
        raise MissingFields(_("Some fields are not valid."), {"key": _("This key is taken.")})
    if original and original != key:
        settings.macros.pop(original, None)
    macro = Macro(key, values.pop("title"), **values)
    macro.created_by = ctx.actor
    settings.macros[key] = macro
    return macro


def delete_macro(ctx: ActionContext, key: str) -> bool:
    if not may_manage(ctx):
        raise NotPermitted(_("Only administrators and group leads can manage macros."))
    macros = ctx.root["settings"]["incidents"].macros
    if macros is None or key not in macros:
        return False
    del macros[key]
    return True


def add_tag(ctx: ActionContext, incident: Incident, tag: str) -> bool:
    if not has_staff_role(ctx.roles):
        raise NotPermitted(_("Only IT staff can tag incidents."))
    if tag in incident.tags:
        return False
    incident.update({"tags": (*incident.tags, tag)}, ctx.actor, ctx.now)
    mark_changed(ctx.root, incident)
    return True


def apply_macro(ctx: ActionContext, incident: Incident, key: str, language: str) -> Macro:
    """Apply the macro ``key``: group, canned reply, tag, then the status change."""
    if not has_staff_role(ctx.roles):
        raise NotPermitted(_("Only IT staff can apply macros."))
    macro = macros_of(ctx.root).get(key)
    if macro is None:
        raise MissingFields(_("Some fields are not valid."), {"macro": _("No such macro.")})
    text = actions.canned_text(ctx, incident, macro.canned, language) if macro.canned else ""
    if macro.group and macro.group != incident.group:
        actions.transition(ctx, incident, "assign", {"group": macro.group})
    # "wait" mails its reason as the reply itself: the canned text goes once.
    if text and macro.transition != "wait":
        actions.add_entry(ctx, incident, "reply", text)
    if macro.tag:
        add_tag(ctx, incident, macro.tag)
    if macro.transition:
        reason = text or macro.title
        fields: dict[str, Any] = {"reason": reason, "note": f"macro {macro.key}"}
        if macro.transition == "resolve":
            fields.update(resolution_code=macro.resolution_code, resolution=reason)
        actions.transition(ctx, incident, macro.transition, fields)
    incident.history.record(ctx.now, ctx.actor, "macro", field=macro.key, note=macro.title)
    return macro


def macro_json(macro: Macro) -> dict[str, Any]:
    return {
        "key": macro.key,
        "title": macro.title,
        "group": macro.group or None,
        "canned": macro.canned or None,
        "tag": macro.tag or None,
        "transition": macro.transition or None,
        "resolution_code": macro.resolution_code,
    }
