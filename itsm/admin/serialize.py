"""Settings as plain data: what the API answers and what the settings forms start from.

The shapes are the ones :mod:`itsm.admin.schemas` accepts, so a client can GET, change a value
and PUT the same structure back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from itsm.admin.schemas import WEEKDAYS
from itsm.tickets.priority import LEVELS


def matrix_json(matrix: Mapping[tuple[str, str], int]) -> dict[str, dict[str, int]]:
    return {impact: {urgency: matrix[(impact, urgency)] for urgency in LEVELS} for impact in LEVELS}


def rule_json(rule: Any) -> dict[str, Any]:
    return {
        "name": rule.name,
        "group": rule.group,
        "category": rule.category,
        "keywords": list(rule.keywords),
        "departments": list(rule.departments),
        "ci_classes": list(rule.ci_classes),
    }


def canned_json(reply: Any) -> dict[str, str]:
    return {
        "title": reply.title,
        "body": reply.body,
        "title_ru": reply.title_ru,
        "body_ru": reply.body_ru,
    }


def incident_settings_json(settings: Any) -> dict[str, Any]:
    return {
        "matrix": matrix_json(settings.matrix),
        "rules": [rule_json(rule) for rule in settings.rules],
        "canned": {key: canned_json(reply) for key, reply in sorted(settings.canned.items())},
        "categories": list(settings.categories),
        "default_group": settings.default_group,
        "default_category": settings.default_category,
    }


def group_json(group: Any) -> dict[str, Any]:
    return {
        "title": group.title,
        "title_ru": group.title_ru,
        "description": group.description,
        "email": group.email,
        "lead": group.lead or "",
        "strategy": group.strategy,
        "escalation_group": group.escalation_group or "",
        "tier": group.tier,
    }


def intervals_text(intervals: Any) -> str:
    """``(("09:00", "13:00"), ("14:00", "18:00"))`` -> ``"09:00-13:00, 14:00-18:00"``."""
    return ", ".join(f"{start}-{end}" for start, end in intervals)


def calendar_json(calendar: Any) -> dict[str, Any]:
    return {
        "name": calendar.name,
        "timezone": calendar.timezone,
        "hours": {day: intervals_text(calendar.intervals(n)) for n, day in enumerate(WEEKDAYS)},
        "holidays": [day.isoformat() for day in sorted(calendar.holidays)],
    }


def minutes(seconds: float) -> int:
    return round(seconds / 60)


def policy_json(policy: Any) -> dict[str, Any]:
    return {
        "name": policy.name,
        "kind": policy.kind,
        "targets": {
            str(priority): {
                "response_minutes": minutes(target.response_seconds),
                "resolution_minutes": minutes(target.resolution_seconds),
                "business_hours": target.business_hours,
            }
            for priority, target in policy.targets
        },
        "warn_percent": round(policy.warn_share * 100),
        "calendar": policy.calendar,
    }


def sla_settings_json(settings: Any) -> dict[str, Any]:
    return {
        "calendars": {name: calendar_json(cal) for name, cal in settings.calendars.items()},
        "policies": {kind: policy_json(policy) for kind, policy in settings.policies.items()},
    }


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested data as form fields named by path: ``{"targets.1.response_minutes": "15"}``.
    Lists become one item per line; booleans stay booleans (checkboxes)."""
    fields: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            fields.update(flatten(value, path + "."))
        elif isinstance(value, list | tuple):
            fields[path] = "\n".join(str(v) for v in value)
        elif isinstance(value, bool):
            fields[path] = value
        else:
            fields[path] = "" if value is None else str(value)
    return fields
