"""Checking a catalog item's definition as an administrator types it: the form's fields, the
fulfilment checklist, approval and audience. Each check returns the clean data and a list of
messages, one per problem, that name the entry they are about ("Field 2 “model”: …").

The catalog operations the admin page and the API share live here too: an item's form values
(:func:`item_values`), the whole check (:func:`check_item`), and adding or changing an item
with its audit record (:func:`add_catalog_item`, :func:`change_catalog_item`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from itsm.admin import audit
from itsm.i18n import _
from itsm.requests.catalog import FIELD_TYPES, CatalogItem, add_item
from itsm.tickets.context import ActionContext

Translate = Callable[[Any], str]
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,59}$")
WORD_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
FIELD_KEYS = frozenset(
    {
        "name",
        "type",
        "title",
        "title_ru",
        "description",
        "description_ru",
        "required",
        "choices",
        "min",
        "max",
        "max_length",
        "show_if",
    }
)
#: ``delivers``: the CMDB class of the hardware the task hands over; ``licence``: the answer
#: field naming the software whose licence seat fulfilment takes (see itsm.requests.assets);
#: ``not_before``: the date field the task waits for (offboarding disables accounts on the day).
TASK_KEYS = frozenset(
    {
        "key",
        "group",
        "title",
        "title_ru",
        "description",
        "depends_on",
        "delivers",
        "licence",
        "not_before",
    }
)
#: Task keys that name one of the item's form fields, and the refusal when they do not.
FIELD_REFERENCES = {
    "licence": _("“licence” names the form field that says which software: ${names}."),
    "not_before": _("“not_before” names the date field the task waits for: ${names}."),
}
FIELD_TEXTS = {"title_ru": 200, "description": 1000, "description_ru": 1000}
TASK_TEXTS = {"title_ru": 200, "description": 5000}
MAX_FIELDS = 40
MAX_TASKS = 40
#: The approval choices of the admin form, and the steps each stands for.
APPROVAL_KINDS = ("none", "manager", "group", "manager_group")
AUDIENCE_KINDS = ("everyone", "department", "group")


def _field_label(index: int, entry: Any) -> Any:
    name = entry.get("name") if isinstance(entry, Mapping) else None
    if isinstance(name, str) and name:
        return _("Field ${n} “${name}”", mapping={"n": index, "name": name})
    return _("Field ${n}", mapping={"n": index})


def _task_label(index: int, entry: Any) -> Any:
    key = entry.get("key") if isinstance(entry, Mapping) else None
    if isinstance(key, str) and key:
        return _("Task ${n} “${name}”", mapping={"n": index, "name": key})
    return _("Task ${n}", mapping={"n": index})


def interpolate(message: Any) -> str:
    """A message without translation (the default ``translate``)."""
    return message.interpolate() if hasattr(message, "interpolate") else str(message)


class Problems:
    """Messages about one entry, each prefixed with the entry's label, translated (a mapping
    value is not translated by the localizer, so the parts are translated first)."""

    def __init__(self, out: list[str], label: Any, translate: Translate) -> None:
        self.out = out
        self.label = translate(label)
        self.translate = translate

    def add(self, message: Any) -> None:
        mapping = {"entry": self.label, "problem": self.translate(message)}
        self.out.append(self.translate(_("${entry}: ${problem}", mapping=mapping)))


def _text(value: Any, limit: int) -> bool:
    return isinstance(value, str) and len(value) <= limit


def _optional_texts(
    entry: Mapping[str, Any], out: dict[str, Any], limits: Mapping[str, int], problems: Problems
) -> None:
    """Copy the optional texts of ``entry`` (stripped, empty ones left out) into ``out``."""
    for key, limit in limits.items():
        if key not in entry:
            continue
        if not _text(entry[key], limit):
            problems.add(
                _(
                    "“${key}” is a text of at most ${n} characters.",
                    mapping={"key": key, "n": limit},
                )
            )
        elif entry[key].strip():
            out[key] = entry[key].strip()


def _choices(entry: Mapping[str, Any], problems: Problems) -> tuple[tuple[str, ...], ...]:
    raw = entry.get("choices")
    if not isinstance(raw, list | tuple) or not raw:
        problems.add(_("a choice field needs a non-empty list “choices”."))
        return ()
    out: list[tuple[str, ...]] = []
    for choice in raw:
        if isinstance(choice, Mapping):
            choice = [choice.get("value"), choice.get("title"), choice.get("title_ru", "")]
        ok = (
            isinstance(choice, list | tuple)
            and 2 <= len(choice) <= 3
            and all(_text(c, 200) for c in choice)
            and choice[0].strip()
            and choice[1].strip()
        )
        if not ok:
            problems.add(
                _(
                    "each choice is [value, title] or [value, title, Russian title], "
                    'e.g. ["other", "Other", "Другая"].'
                )
            )
            return ()
        out.append(tuple(c.strip() for c in choice if c is not None))
    values = [c[0] for c in out]
    if len(set(values)) != len(values):
        problems.add(_("the choices' values must differ."))
    return tuple(out)


def _condition(
    entry: Mapping[str, Any], earlier: Mapping[str, Mapping[str, Any]], problems: Problems
) -> dict[str, Any] | None:
    raw = entry["show_if"]
    if not isinstance(raw, Mapping) or not isinstance(raw.get("field"), str):
        problems.add(
            _(
                '“show_if” is {"field": name, "equals": [values]} or '
                '{"field": name, "checked": true}.'
            )
        )
        return None
    controller = earlier.get(raw["field"])
    if controller is None:
        problems.add(
            _(
                "“show_if” names “${name}”, which is not a field before this one.",
                mapping={"name": raw["field"]},
            )
        )
        return None
    extra = set(raw) - {"field", "equals", "checked"}
    if extra:
        problems.add(_("unknown keys in “show_if”: ${keys}.", mapping={"keys": ", ".join(extra)}))
        return None
    if controller["type"] == "checkbox":
        if not isinstance(raw.get("checked"), bool) or "equals" in raw:
            problems.add(_('a condition on a checkbox is {"checked": true} or false.'))
            return None
        return {"field": raw["field"], "checked": raw["checked"]}
    if controller["type"] == "choice":
        values = raw.get("equals")
        allowed = {c[0] for c in controller.get("choices", ())}
        if isinstance(values, str):
            values = [values]
        if (
            not isinstance(values, list | tuple)
            or not values
            or "checked" in raw
            or not all(isinstance(v, str) and v in allowed for v in values)
        ):
            problems.add(
                _(
                    "“equals” lists values of “${name}”: ${allowed}.",
                    mapping={"name": raw["field"], "allowed": ", ".join(sorted(allowed))},
                )
            )
            return None
        return {"field": raw["field"], "equals": list(values)}
    problems.add(_("a condition may depend only on a choice or a checkbox field."))
    return None


def check_fields(
    data: Any, translate: Translate = interpolate
) -> tuple[tuple[dict[str, Any], ...], list[str]]:
    """The form's field definitions from parsed JSON: ``(fields, messages)``."""
    messages: list[str] = []
    if not isinstance(data, list):
        return (), [translate(_("The fields are a JSON list of objects, one per field."))]
    if len(data) > MAX_FIELDS:
        return (), [translate(_("At most ${n} fields.", mapping={"n": MAX_FIELDS}))]
    fields: list[dict[str, Any]] = []
    seen: dict[str, dict[str, Any]] = {}
    for index, entry in enumerate(data, start=1):
        problems = Problems(messages, _field_label(index, entry), translate)
        if not isinstance(entry, Mapping):
            problems.add(_("not an object."))
            continue
        unknown = sorted(set(entry) - FIELD_KEYS)
        if unknown:
            problems.add(
                _(
                    "unknown keys ${keys}; allowed: ${allowed}.",
                    mapping={"keys": ", ".join(unknown), "allowed": ", ".join(sorted(FIELD_KEYS))},
                )
            )
        name, kind = entry.get("name"), entry.get("type")
        if not isinstance(name, str) or not NAME_RE.match(name):
            problems.add(
                _("“name” is the key: lower-case letters, digits and “_”, starting with a letter.")
            )
            continue
        if name in seen:
            problems.add(_("another field has the same name."))
            continue
        if kind not in FIELD_TYPES:
            problems.add(
                _(
                    "“type” is one of: ${types}.",
                    mapping={"types": ", ".join(FIELD_TYPES)},
                )
            )
            continue
        field: dict[str, Any] = {"name": name, "type": kind}
        if not _text(entry.get("title"), 200) or not entry["title"].strip():
            problems.add(_("“title” (in English) is required, at most 200 characters."))
        else:
            field["title"] = entry["title"].strip()
        _optional_texts(entry, field, FIELD_TEXTS, problems)
        if "required" in entry:
            if not isinstance(entry["required"], bool):
                problems.add(_("“required” is true or false."))
            elif entry["required"]:
                field["required"] = True
        if kind == "choice":
            field["choices"] = _choices(entry, problems)
        elif "choices" in entry:
            problems.add(_("only a choice field has “choices”."))
        for key in ("min", "max"):
            if key in entry:
                value = entry[key]
                if (
                    kind != "number"
                    or isinstance(value, bool)
                    or not isinstance(value, int | float)
                ):
                    problems.add(
                        _("“${key}” is a number, for a number field.", mapping={"key": key})
                    )
                else:
                    field[key] = value
        if "max_length" in entry:
            value = entry["max_length"]
            if (
                kind not in ("text", "textarea")
                or isinstance(value, bool)
                or not isinstance(value, int)
                or not 1 <= value <= 20000
            ):
                problems.add(_("“max_length” is a whole number from 1 to 20000, for text fields."))
            else:
                field["max_length"] = value
        if "show_if" in entry:
            condition = _condition(entry, seen, problems)
            if condition is not None:
                field["show_if"] = condition
        seen[name] = field
        fields.append(field)
    return tuple(fields), messages


def check_tasks(
    data: Any,
    groups: Iterable[str],
    translate: Translate = interpolate,
    field_names: Iterable[str] | None = None,
) -> tuple[tuple[dict[str, Any], ...], list[str]]:
    """The fulfilment checklist from parsed JSON: ``(tasks, messages)``; each task's group is
    one of ``groups`` (the support groups), it depends only on tasks listed before it, and its
    ``licence`` names one of ``field_names`` (the form's fields; None: not checked)."""
    known_groups = list(groups)
    known_fields = None if field_names is None else list(field_names)
    messages: list[str] = []
    if not isinstance(data, list):
        return (), [translate(_("The tasks are a JSON list of objects, one per task."))]
    if len(data) > MAX_TASKS:
        return (), [translate(_("At most ${n} tasks.", mapping={"n": MAX_TASKS}))]
    tasks: list[dict[str, Any]] = []
    keys: set[str] = set()
    for index, entry in enumerate(data, start=1):
        problems = Problems(messages, _task_label(index, entry), translate)
        if not isinstance(entry, Mapping):
            problems.add(_("not an object."))
            continue
        unknown = sorted(set(entry) - TASK_KEYS)
        if unknown:
            problems.add(
                _(
                    "unknown keys ${keys}; allowed: ${allowed}.",
                    mapping={"keys": ", ".join(unknown), "allowed": ", ".join(sorted(TASK_KEYS))},
                )
            )
        key = entry.get("key")
        if not isinstance(key, str) or not KEY_RE.match(key):
            problems.add(_("“key” is required: lower-case letters, digits, “-” and “_”."))
            continue
        if key in keys:
            problems.add(_("another task has the same key."))
            continue
        task: dict[str, Any] = {"key": key}
        if entry.get("group") not in known_groups:
            problems.add(
                _(
                    "“group” is one of the support groups: ${groups}.",
                    mapping={"groups": ", ".join(known_groups)},
                )
            )
        else:
            task["group"] = entry["group"]
        if not _text(entry.get("title"), 200) or not entry["title"].strip():
            problems.add(_("“title” (in English) is required, at most 200 characters."))
        else:
            task["title"] = entry["title"].strip()
        _optional_texts(entry, task, TASK_TEXTS, problems)
        if "delivers" in entry:
            if not _text(entry["delivers"], 100) or not entry["delivers"].strip():
                problems.add(_("“delivers” is the CMDB class of the hardware, like “Laptop”."))
            else:
                task["delivers"] = entry["delivers"].strip()
        for ref, message in FIELD_REFERENCES.items():
            if ref not in entry:
                continue
            if not isinstance(entry[ref], str) or (
                known_fields is not None and entry[ref] not in known_fields
            ):
                names = ", ".join(known_fields or ()) or "—"
                problems.add(_(message, mapping={"names": names}))
            else:
                task[ref] = entry[ref]
        depends = entry.get("depends_on", [])
        if isinstance(depends, str):
            depends = [depends]
        if not isinstance(depends, list | tuple) or not all(d in keys for d in depends):
            problems.add(_("“depends_on” lists keys of tasks before this one."))
            depends = []
        task["depends_on"] = tuple(depends)
        keys.add(key)
        tasks.append(task)
    return tuple(tasks), messages


def approval_steps(kind: str, group: str) -> tuple[dict[str, Any], ...]:
    """The approval steps for the admin form's choice."""
    return {
        "none": (),
        "manager": ({"kind": "manager"},),
        "group": ({"kind": "group", "group": group},),
        "manager_group": ({"kind": "manager"}, {"kind": "group", "group": group}),
    }[kind]


def approval_kind(steps: Iterable[Mapping[str, Any]]) -> tuple[str, str]:
    """``(kind, group)`` of stored steps for the admin form; ``("custom", "")`` for steps the
    form cannot express (a group chosen by an answer, named people)."""
    steps = [dict(s) for s in steps]
    for kind in APPROVAL_KINDS:
        group = next((s.get("group", "") for s in steps if s.get("kind") == "group"), "")
        if [dict(s) for s in approval_steps(kind, group)] == steps:
            return kind, group
    return "custom", ""


def parse_price(text: str) -> tuple[float | None, Any]:
    """``(price, message)`` from the form's text: empty is no price."""
    text = text.strip().replace(",", ".")
    if not text:
        return None, None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _("A price is a number, like 1200 or 99.90.")
    if not value.is_finite() or value < 0 or value > 10**9:
        return None, _("A price is a number, like 1200 or 99.90.")
    return float(round(value, 2)), None


# -- catalog items as the administrator edits them (page and API) ------------------------------

#: The audit area of catalog changes.
AREA = "catalog"

TEXT_LIMITS = {"name": 200, "name_ru": 200, "description": 2000, "description_ru": 2000}


def json_text(data: Any) -> str:
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
        "fields": json_text([dict(f) for f in item.fields]),
        "tasks": json_text([dict(t) for t in item.tasks]),
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


def audit_summary(item: CatalogItem) -> dict[str, str]:
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


def add_catalog_item(request: Any, slug: str, values: dict[str, Any]) -> CatalogItem:
    """Add a checked item to the catalog, audited."""
    item = CatalogItem(slug, **values)
    add_item(request.itsm_root, item)
    ctx = ActionContext.from_request(request)
    audit.record(ctx, AREA, "catalog.added", item.slug, None, audit_summary(item))
    return item


def change_catalog_item(request: Any, item: CatalogItem, values: dict[str, Any]) -> bool:
    """Apply checked values to an item, audited; False when nothing changed."""
    before = audit_summary(item)
    for key, value in values.items():
        setattr(item, key, value)
    after = audit_summary(item)
    if before == after:
        return False
    audit.record(
        ActionContext.from_request(request), AREA, "catalog.changed", item.slug, before, after
    )
    return True
