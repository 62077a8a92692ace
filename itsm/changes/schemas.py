"""The "raise a change" form (``/changes/new``): a colander schema of what the page posts, and
its translation into the data :func:`itsm.changes.intake.create_change` takes (as the API's)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import colander

from itsm.changes.models import PLAN_KINDS
from itsm.changes.risk import QUESTIONS
from itsm.changes.standard import TEMPLATES
from itsm.changes.workflow import TYPES
from itsm.i18n import _

OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
#: A yes/no question's answers in the form, and what the questionnaire takes.
YES_NO = {"yes": True, "no": False}


def parse_zone(text: str) -> tzinfo | None:
    """``UTC``, ``+03:00``, ``UTC+3`` or a zone name such as ``Europe/Moscow``; None if none."""
    text = (text or "").strip()
    if not text or text.upper() in ("UTC", "GMT", "Z"):
        return UTC
    match = OFFSET.match(text)
    if match:
        sign, hours, minutes = match.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        if delta > timedelta(hours=14):
            return None
        return timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _text(name: str, max_length: int, required: bool = False) -> colander.SchemaNode:
    return colander.SchemaNode(
        colander.String(),
        name=name,
        missing=colander.required if required else "",
        missing_msg=_("Required"),
        validator=colander.Length(
            max=max_length, max_err=_("At most ${max} characters.", mapping={"max": max_length})
        ),
        preparer=lambda v: v.strip() if isinstance(v, str) else v,
    )


def _choice(name: str, choices: Any, required: bool = False) -> colander.SchemaNode:
    return colander.SchemaNode(
        colander.String(),
        name=name,
        missing=colander.required if required else "",
        missing_msg=_("Required"),
        validator=colander.OneOf(list(choices), msg_err=_("Choose one of the options.")),
    )


def change_form_schema() -> colander.SchemaNode:
    """What the form posts, each value a string as typed."""
    schema = colander.SchemaNode(colander.Mapping(unknown="ignore"))
    schema.add(_text("title", 300))
    schema.add(_text("description", 20000))
    schema.add(_text("reason", 5000))
    schema.add(_choice("type", TYPES, required=True))
    schema.add(_choice("template", ["", *TEMPLATES]))
    schema.add(_text("cis", 5000))
    schema.add(_text("planned_start", 40))
    schema.add(_text("planned_end", 40))
    schema.add(_text("timezone", 64))
    for kind in PLAN_KINDS:
        schema.add(_text(f"plan_{kind}", 20000))
    for key, (_title, points) in QUESTIONS.items():
        answers = [a for a in points if isinstance(a, str)] or list(YES_NO)
        schema.add(_choice(f"risk_{key}", ["", *answers]))
    schema.add(_text("affected", 5000))
    schema.add(_text("affected_cis", 5000))
    schema.add(_text("group", 200))
    schema.add(_text("assignee", 100))
    schema.add(_text("override_reason", 2000))
    schema.add(_text("raised_from", 40))
    schema.add(_text("problem", 40))
    return schema


def split_list(text: str, upper: bool = False) -> list[str]:
    """``"a, b; c\\nd"`` -> ``["a", "b", "c", "d"]`` (spaces separate too)."""
    parts = re.split(r"[\s,;]+", text or "")
    return [p.upper() if upper else p for p in parts if p]


def _local_time(text: str, zone: tzinfo) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)


def intake_data(values: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The form's values as the API's body, and the errors only the form can find (times,
    time zone, a standard change without a template)."""
    errors: dict[str, Any] = {}
    zone = parse_zone(values.get("timezone", ""))
    if zone is None:
        errors["timezone"] = _("Not a time zone (e.g. UTC, +03:00, Europe/Moscow).")
        zone = UTC
    times: dict[str, str] = {}
    for name in ("planned_start", "planned_end"):
        parsed = _local_time(values.get(name, ""), zone)
        if not values.get(name):
            errors[name] = _("Required")
        elif parsed is None:
            errors[name] = _("Not a date and time.")
        else:
            times[name] = parsed.isoformat()
    if values.get("type") == "standard" and not values.get("template"):
        errors["template"] = _("Choose the standard change template.")
    if values.get("type") != "standard" and not values.get("title"):
        errors["title"] = _("Required")
    answers: dict[str, Any] = {}
    for key in QUESTIONS:
        answer = values.get(f"risk_{key}", "")
        if answer:
            answers[key] = YES_NO.get(answer, answer)
    data: dict[str, Any] = {
        "title": values.get("title", ""),
        "description": values.get("description", ""),
        "reason": values.get("reason", ""),
        "type": values.get("type", "normal"),
        "cis": split_list(values.get("cis", ""), upper=True),
        "plans": {k: values[f"plan_{k}"] for k in PLAN_KINDS if values.get(f"plan_{k}")},
        "risk_answers": answers,
        "group": values.get("group") or None,
        "assignee": values.get("assignee", ""),
        "override_reason": values.get("override_reason", ""),
        **times,
    }
    if values.get("template"):
        data["template"] = values["template"]
    if values.get("raised_from"):
        data["raised_from"] = values["raised_from"]
    if values.get("problem"):
        data["problem"] = values["problem"]
    if values.get("affected"):
        data["affected"] = split_list(values["affected"])
    if values.get("affected_cis"):
        data["affected_cis"] = split_list(values["affected_cis"], upper=True)
    return data, errors
