"""Changing the desk's settings, for the admin pages and the API alike.

Each function takes values the schemas (:mod:`itsm.admin.schemas`) have checked, changes only
what differs, records the change in the audit and says whether anything changed. Persistent
attributes are reassigned, never mutated in place, so ZODB sees every change.

Changes apply to what happens next: an open incident keeps the priority, route and SLA
targets it got (its clock holds a copy of the calendar and targets).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from itsm.admin import audit
from itsm.admin.schemas import WEEKDAYS
from itsm.admin.serialize import (
    calendar_json,
    canned_json,
    flatten,
    group_json,
    policy_json,
    rule_json,
)
from itsm.incidents.models import CannedReply
from itsm.incidents.routing import RoutingRule
from itsm.people.groups import SupportGroup
from itsm.sla.calendar import BusinessCalendar
from itsm.sla.policy import MINUTE, SlaPolicy, SlaTarget
from itsm.tickets.priority import LEVELS, validate_matrix


class Missing(KeyError):
    """The rule, reply or calendar to change is gone (someone else deleted it meanwhile)."""


# -- incident settings -----------------------------------------------------------------------------


def _matrix_values(matrix: Mapping[tuple[str, str], int]) -> dict[str, int]:
    return {f"{i}/{u}": matrix[(i, u)] for i in LEVELS for u in LEVELS}


def set_matrix(ctx: Any, settings: Any, cells: Mapping[tuple[str, str], int]) -> bool:
    """Replace the priority matrix ``{(impact, urgency): priority}``."""
    validate_matrix(cells)
    if dict(cells) == dict(settings.matrix):
        return False
    before = _matrix_values(settings.matrix)
    settings.matrix = dict(cells)
    audit.record(ctx, "incidents", "matrix", before=before, after=_matrix_values(cells))
    return True


def set_defaults(ctx: Any, settings: Any, values: Mapping[str, str]) -> bool:
    """The group and category of incidents no rule matches."""
    keys = ("default_group", "default_category")
    before = {key: getattr(settings, key) for key in keys}
    after = {key: values[key] for key in keys}
    if before == after:
        return False
    settings.default_group = after["default_group"]
    settings.default_category = after["default_category"]
    audit.record(ctx, "incidents", "defaults", before=before, after=after)
    return True


def make_rule(values: Mapping[str, Any]) -> RoutingRule:
    return RoutingRule.make(
        values["name"],
        values["group"],
        values.get("category", ""),
        keywords=values.get("keywords", ()),
        departments=values.get("departments", ()),
        ci_classes=values.get("ci_classes", ()),
    )


def _rule_values(rule: RoutingRule) -> dict[str, Any]:
    data = rule_json(rule)
    data.pop("name")
    return {key: ", ".join(v) if isinstance(v, list) else v for key, v in data.items()}


def rule_position(settings: Any, name: str) -> int:
    for position, rule in enumerate(settings.rules):
        if rule.name == name:
            return position
    raise Missing(name)


def save_rule(ctx: Any, settings: Any, original: str | None, values: Mapping[str, Any]) -> bool:
    """Add a rule at the end (``original`` None) or change the rule called ``original``."""
    rule = make_rule(values)
    rules = list(settings.rules)
    if original is None:
        rules.append(rule)
        settings.set_rules(rules)
        audit.record(ctx, "incidents", "rule.added", rule.name, after=_rule_values(rule))
        return True
    position = rule_position(settings, original)
    old = rules[position]
    if old == rule:
        return False
    rules[position] = rule
    settings.set_rules(rules)
    before, after = _rule_values(old), _rule_values(rule)
    if old.name != rule.name:
        before["name"], after["name"] = old.name, rule.name
    audit.record(ctx, "incidents", "rule.changed", rule.name, before=before, after=after)
    return True


def delete_rule(ctx: Any, settings: Any, name: str) -> bool:
    position = rule_position(settings, name)
    rules = list(settings.rules)
    old = rules.pop(position)
    settings.set_rules(rules)
    audit.record(ctx, "incidents", "rule.deleted", name, before=_rule_values(old))
    return True


def move_rule(ctx: Any, settings: Any, name: str, offset: int) -> bool:
    """Move a rule up (-1) or down (+1); the first rule that matches wins."""
    position = rule_position(settings, name)
    target = position + offset
    rules = list(settings.rules)
    if not 0 <= target < len(rules):
        return False
    rules[position], rules[target] = rules[target], rules[position]
    settings.set_rules(rules)
    audit.record(
        ctx,
        "incidents",
        "rule.moved",
        name,
        before={"position": position + 1},
        after={"position": target + 1},
    )
    return True


def _rules_values(rules: Iterable[RoutingRule]) -> dict[str, str]:
    return {
        f"{n}. {rule.name}": " · ".join(v for v in _rule_values(rule).values() if v)
        for n, rule in enumerate(rules, 1)
    }


def replace_rules(ctx: Any, settings: Any, values: Iterable[Mapping[str, Any]]) -> bool:
    """The whole list at once, in order (the API's PUT)."""
    rules = tuple(make_rule(v) for v in values)
    if rules == tuple(settings.rules):
        return False
    before = _rules_values(settings.rules)
    settings.set_rules(rules)
    audit.record(ctx, "incidents", "rules.replaced", before=before, after=_rules_values(rules))
    return True


def make_canned(key: str, values: Mapping[str, str]) -> CannedReply:
    return CannedReply(
        key,
        values["title"],
        values["body"],
        values.get("title_ru", ""),
        values.get("body_ru", ""),
    )


def save_canned(ctx: Any, settings: Any, original: str | None, values: Mapping[str, str]) -> bool:
    """Add a reply (``original`` None) or change the reply ``original`` (its key stays)."""
    key = values["key"] if original is None else original
    reply = make_canned(key, values)
    old = settings.canned.get(key)
    if original is not None and old is None:
        raise Missing(original)
    if old is not None and canned_json(old) == canned_json(reply):
        return False
    settings.canned = {**settings.canned, key: reply}
    if old is None:
        audit.record(ctx, "incidents", "canned.added", key, after=canned_json(reply))
    else:
        before, after = canned_json(old), canned_json(reply)
        audit.record(ctx, "incidents", "canned.changed", key, before=before, after=after)
    return True


def delete_canned(ctx: Any, settings: Any, key: str) -> bool:
    if key not in settings.canned:
        raise Missing(key)
    canned = dict(settings.canned)
    old = canned.pop(key)
    settings.canned = canned
    audit.record(ctx, "incidents", "canned.deleted", key, before=canned_json(old))
    return True


def replace_canned(ctx: Any, settings: Any, values: Mapping[str, Mapping[str, str]]) -> bool:
    """All replies at once (the API's PUT); a reply that did not change keeps its object."""
    canned = {}
    for key, reply_values in values.items():
        reply = make_canned(key, reply_values)
        old = settings.canned.get(key)
        same = old is not None and canned_json(old) == canned_json(reply)
        canned[key] = old if same else reply
    if canned == settings.canned:
        return False
    before = {key: reply.title for key, reply in sorted(settings.canned.items())}
    settings.canned = canned
    after = {key: reply.title for key, reply in sorted(canned.items())}
    audit.record(ctx, "incidents", "canned.replaced", before=before, after=after)
    return True


# -- groups ----------------------------------------------------------------------------------------

GROUP_FIELDS = ("title_ru", "description", "email", "lead", "strategy", "escalation_group", "tier")


def _group_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    fields = {key: values[key] for key in GROUP_FIELDS}
    fields["lead"] = fields["lead"] or None
    fields["escalation_group"] = fields["escalation_group"] or None
    return fields


def _group_values(group: SupportGroup) -> dict[str, Any]:
    data = group_json(group)
    data.pop("title")
    return data


def add_group(ctx: Any, groups: Any, values: Mapping[str, Any]) -> SupportGroup:
    title = values["title"]
    group = groups.add(title, SupportGroup(title, **_group_fields(values)))
    audit.record(ctx, "groups", "group.added", title, after=_group_values(group))
    return group


def update_group(ctx: Any, group: SupportGroup, values: Mapping[str, Any]) -> bool:
    before = _group_values(group)
    for key, value in _group_fields(values).items():
        if getattr(group, key) != value:
            setattr(group, key, value)
    after = _group_values(group)
    if before == after:
        return False
    audit.record(ctx, "groups", "group.changed", group.title, before=before, after=after)
    return True


# -- SLA -------------------------------------------------------------------------------------------


def make_calendar(name: str, values: Mapping[str, Any]) -> BusinessCalendar:
    """CalendarError if the calendar refuses the values."""
    hours = {n: values["hours"][day] for n, day in enumerate(WEEKDAYS)}
    return BusinessCalendar(name, values["timezone"], hours, frozenset(values["holidays"]))


def _calendar_values(calendar: BusinessCalendar) -> dict[str, str]:
    data = calendar_json(calendar)
    data.pop("name")
    return flatten(data)


def save_calendar(ctx: Any, sla: Any, name: str, values: Mapping[str, Any], new: bool) -> bool:
    """Add or change the calendar ``name``; CalendarError if the values make no calendar."""
    calendar = make_calendar(name, values)
    old = sla.calendars.get(name)
    if not new and old is None:
        raise Missing(name)
    if old == calendar:
        return False
    sla.set_calendar(calendar)
    after = _calendar_values(calendar)
    if old is None:
        audit.record(ctx, "sla", "calendar.added", name, after=after)
    else:
        audit.record(
            ctx, "sla", "calendar.changed", name, before=_calendar_values(old), after=after
        )
    return True


def make_policy(name: str, kind: str, values: Mapping[str, Any]) -> SlaPolicy:
    """PolicyError if the policy refuses the values."""
    targets = {
        int(priority): SlaTarget(
            target["response_minutes"] * MINUTE,
            target["resolution_minutes"] * MINUTE,
            business_hours=target["business_hours"],
        )
        for priority, target in values["targets"].items()
    }
    return SlaPolicy(
        name, kind, targets, warn_share=values["warn_percent"] / 100, calendar=values["calendar"]
    )


def _policy_values(policy: SlaPolicy) -> dict[str, str]:
    data = policy_json(policy)
    for key in ("name", "kind"):
        data.pop(key)
    return flatten(data)


def save_policy(ctx: Any, sla: Any, kind: str, values: Mapping[str, Any]) -> bool:
    """Replace the policy of tickets of ``kind``; PolicyError if the values make no policy."""
    old = sla.policy(kind)
    name = old.name if old is not None else kind.capitalize()
    policy = make_policy(name, kind, values)
    if old == policy:
        return False
    sla.set_policy(policy)
    before = _policy_values(old) if old is not None else None
    audit.record(ctx, "sla", "policy.changed", name, before=before, after=_policy_values(policy))
    return True
