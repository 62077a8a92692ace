"""Colander schemas of the settings forms, shared by the admin pages and the JSON API.

A page sends flat fields named by their path (``targets.1.response_minutes``); the API sends the
same structure as JSON. Both are deserialized by the same schema, so a rule the page refuses the
API refuses with the same message. What a value must refer to (an existing group, a person, a
calendar) is bound per request: ``schema.bind(**choices(root))``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from string import Template
from typing import Any

import colander

from itsm.i18n import _
from itsm.people.groups import STRATEGIES
from itsm.search.stemming import stem_words
from itsm.sla.calendar import ALWAYS, BusinessCalendar, CalendarError
from itsm.sla.policy import PRIORITIES
from itsm.tickets.priority import LEVELS

#: Weekday field names, Monday first (``date.weekday()`` order).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: What a canned reply may say between ``${`` and ``}``.
PLACEHOLDERS = ("name", "number", "title", "agent")
#: Longest target: a year, in minutes.
MAX_MINUTES = 366 * 24 * 60
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTERVAL = re.compile(r"^(\S+)\s*-\s*(\S+)$")


class FieldErrors(ValueError):
    """Input that the settings refuse; ``fields`` maps a field path to its message."""

    def __init__(self, fields: Mapping[str, Any], message: Any = None, cstruct: Any = None) -> None:
        super().__init__(dict(fields))
        self.fields = dict(fields)
        self.message = message or _("Some fields are not valid.")
        self.cstruct = cstruct  # what was sent, to show it again


def deserialize(schema: colander.SchemaNode, cstruct: Any, translate: Any, prefix: str = "") -> Any:
    """The appstruct of ``cstruct``, or FieldErrors with translated messages by field path
    (``prefix`` put before each path, for a part of a larger body)."""
    try:
        return schema.deserialize(cstruct)
    except colander.Invalid as invalid:
        fields = {
            prefix + path if path else prefix.rstrip(".") or "body": message
            for path, message in invalid.asdict(translate=translate).items()
        }
        raise FieldErrors(fields, cstruct=cstruct) from None


def choices(root: Any) -> dict[str, Any]:
    """What the schemas check references against: groups, categories, people, calendars."""
    settings = root["settings"]
    incidents = settings["incidents"]
    sla = settings["sla"]
    groups = settings["groups"]
    return {
        "groups": {name: group.escalation_group for name, group in groups.items()},
        "categories": tuple(incidents.categories),
        "people": root["people"],
        "calendars": (*sla.calendars.keys(), ALWAYS.name),
        "rule_names": tuple(rule.name for rule in incidents.rules),
        "canned_keys": tuple(incidents.canned),
        "current": None,  # the name of the rule, reply, group or calendar being edited
    }


# -- types ----------------------------------------------------------------------------------------


class Text(colander.String):
    """A string with surrounding white space removed; blank is missing."""

    def deserialize(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if isinstance(cstruct, str):
            cstruct = cstruct.strip()
        return super().deserialize(node, cstruct)


class Lines(colander.SchemaType):
    """A list of texts: a JSON list, or one text with one item per line (and, where commas
    separate too, comma-separated). Blank items are dropped."""

    def __init__(self, commas: bool = True) -> None:
        self.separator = re.compile(r"[\n,]" if commas else r"\n")

    def serialize(self, node: colander.SchemaNode, appstruct: Any) -> Any:
        return colander.null if appstruct is colander.null else "\n".join(appstruct)

    def deserialize(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if cstruct is colander.null:
            return colander.null
        if isinstance(cstruct, str):
            items: Iterable[Any] = self.separator.split(cstruct)
        elif isinstance(cstruct, list | tuple) and all(isinstance(i, str) for i in cstruct):
            items = cstruct
        else:
            raise colander.Invalid(node, _("A list of texts."))
        return [item.strip() for item in items if item.strip()]


class Dates(Lines):
    """Dates as ``YYYY-MM-DD``, one per line (or a JSON list of such strings)."""

    def __init__(self) -> None:
        super().__init__(commas=False)

    def serialize(self, node: colander.SchemaNode, appstruct: Any) -> Any:
        if appstruct is colander.null:
            return colander.null
        return "\n".join(day.isoformat() for day in sorted(appstruct))

    def deserialize(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        lines = super().deserialize(node, cstruct)
        if lines is colander.null:
            return colander.null
        days, bad = set(), []
        for line in lines:
            try:
                if not _DATE.match(line):
                    raise ValueError(line)
                days.add(date.fromisoformat(line))
            except ValueError:
                bad.append(line)
        if bad:
            raise colander.Invalid(
                node,
                _("Not a date (YYYY-MM-DD): ${value}", mapping={"value": ", ".join(bad)}),
            )
        return sorted(days)


class Intervals(colander.SchemaType):
    """A weekday's working hours as ``"09:00-13:00, 14:00-18:00"``; blank is a day off.

    Checked by :class:`BusinessCalendar` itself, so the page says what the calendar would."""

    def serialize(self, node: colander.SchemaNode, appstruct: Any) -> Any:
        if appstruct is colander.null:
            return colander.null
        return ", ".join(f"{start}-{end}" for start, end in appstruct)

    def deserialize(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if cstruct is colander.null:
            return colander.null
        if not isinstance(cstruct, str):
            raise colander.Invalid(node, _("Working hours as text, like 09:00-13:00, 14:00-18:00."))
        intervals = []
        for part in (p.strip() for p in re.split(r"[,;\n]", cstruct)):
            if not part:
                continue
            match = _INTERVAL.match(part)
            if match is None:
                raise colander.Invalid(
                    node,
                    _(
                        "Write “${value}” as start-end, like 09:00-18:00.",
                        mapping={"value": part},
                    ),
                )
            intervals.append((match.group(1), match.group(2)))
        try:
            checked = BusinessCalendar("check", "UTC", {0: intervals})
        except CalendarError as error:
            raise colander.Invalid(node, error.message) from None
        return checked.intervals(0)


# -- nodes and validators --------------------------------------------------------------------------


def text(
    name: str, max_length: int = 200, required: bool = True, validator: Any = None, **kw: Any
) -> colander.SchemaNode:
    """A text field of at most ``max_length`` characters, checked by ``validator`` too (which
    may be deferred). The pages label their fields themselves, so nodes carry no titles."""
    length = at_most(max_length)
    if isinstance(validator, colander.deferred):
        checks = validator
        validator = colander.deferred(lambda node, kw: all_of(length, checks(node, kw)))
    else:
        validator = all_of(length, validator)
    return colander.SchemaNode(
        Text(),
        name=name,
        missing=colander.required if required else "",
        missing_msg=_("Required"),
        validator=validator,
        **kw,
    )


def integer(name: str, low: int, high: int, **kw: Any) -> colander.SchemaNode:
    message = _("A whole number from ${min} to ${max}.", mapping={"min": low, "max": high})
    return colander.SchemaNode(
        colander.Int(),
        name=name,
        missing_msg=_("Required"),
        validator=colander.Range(low, high, min_err=message, max_err=message),
        **kw,
    )


def all_of(*validators: Any) -> Any:
    return colander.All(*(v for v in validators if v is not None))


def at_most(limit: int) -> colander.Length:
    return colander.Length(max=limit, max_err=_("At most ${n} characters.", mapping={"n": limit}))


def group_choice(kw: Mapping[str, Any], allow_blank: bool = False) -> Any:
    def validate(node: colander.SchemaNode, value: str) -> None:
        if allow_blank and not value:
            return
        if value not in kw["groups"]:
            raise colander.Invalid(node, _("There is no group “${name}”.", mapping={"name": value}))

    return validate


def category_choice(kw: Mapping[str, Any], allow_blank: bool = False) -> Any:
    def validate(node: colander.SchemaNode, value: str) -> None:
        if allow_blank and not value:
            return
        if value not in kw["categories"]:
            raise colander.Invalid(
                node,
                _(
                    "Choose one of the categories: ${choices}.",
                    mapping={"choices": ", ".join(kw["categories"])},
                ),
            )

    return validate


def unique(taken_key: str, message: Any, *also: Any) -> Any:
    """A deferred validator: ``also``, then the name is not taken by another item (``current``,
    the item being edited, keeps its own). ``message`` has a ``${name}``."""

    @colander.deferred
    def deferred(node: colander.SchemaNode, kw: Mapping[str, Any]) -> Any:
        def validate(node: colander.SchemaNode, value: str) -> None:
            if value != kw.get("current") and value in kw[taken_key]:
                raise colander.Invalid(node, _(message, mapping={"name": value}))

        return all_of(*also, validate)

    return deferred


def _no_slash(node: colander.SchemaNode, value: str) -> None:
    # The name is a URL segment: traversal must find the item, not a view or a parent.
    if "/" in value or value.startswith(("@", ".")):
        raise colander.Invalid(node, _("A name may not contain “/” or start with “@” or “.”."))


def _short_items(node: colander.SchemaNode, values: list[str]) -> None:
    if any(len(value) > 200 for value in values):
        raise colander.Invalid(node, _("At most ${n} characters.", mapping={"n": 200}))


def _has_words(node: colander.SchemaNode, values: list[str]) -> None:
    _short_items(node, values)
    empty = [value for value in values if not stem_words(value)]
    if empty:
        raise colander.Invalid(
            node,
            _("No word to match in: ${values}", mapping={"values": ", ".join(empty)}),
        )


def _placeholders(node: colander.SchemaNode, value: str) -> None:
    unknown = []
    for match in Template.pattern.finditer(value):
        name = match.group("named") or match.group("braced")
        if match.group("invalid") is not None or (name and name not in PLACEHOLDERS):
            unknown.append(match.group(0))
    if unknown:
        raise colander.Invalid(
            node,
            _(
                "Unknown placeholder ${found}; use ${allowed}.",
                mapping={
                    "found": ", ".join(unknown),
                    "allowed": ", ".join(f"${{{p}}}" for p in PLACEHOLDERS),
                },
            ),
        )


# -- incident settings -----------------------------------------------------------------------------


def matrix_schema() -> colander.SchemaNode:
    """Priority 1-5 per impact and urgency: ``{"high": {"high": 1, ...}, ...}``."""
    schema = colander.SchemaNode(colander.Mapping(unknown="raise"))
    for impact in LEVELS:
        row = colander.SchemaNode(colander.Mapping(unknown="raise"), name=impact)
        for urgency in LEVELS:
            row.add(integer(urgency, 1, 5))
        schema.add(row)
    return schema


def matrix_cells(appstruct: Mapping[str, Mapping[str, int]]) -> dict[tuple[str, str], int]:
    """The deserialized matrix as ``{(impact, urgency): priority}``."""
    return {(i, u): appstruct[i][u] for i in LEVELS for u in LEVELS}


@colander.deferred
def _deferred_rule_group(node: colander.SchemaNode, kw: Mapping[str, Any]) -> Any:
    return group_choice(kw)


@colander.deferred
def _deferred_rule_category(node: colander.SchemaNode, kw: Mapping[str, Any]) -> Any:
    return category_choice(kw, allow_blank=True)


class RuleSchema(colander.MappingSchema):
    """One routing rule. Keywords and phrases may be English or Russian: they match word stems."""

    name = text(
        "name",
        100,
        validator=unique("rule_names", _("There is a rule called “${name}” already.")),
    )
    group = text("group", validator=_deferred_rule_group)
    category = text("category", required=False, validator=_deferred_rule_category)
    keywords = colander.SchemaNode(Lines(), missing=(), validator=_has_words)
    departments = colander.SchemaNode(Lines(), missing=(), validator=_short_items)
    ci_classes = colander.SchemaNode(Lines(), missing=(), validator=_short_items)

    def validator(self, node: colander.SchemaNode, value: Mapping[str, Any]) -> None:
        """A rule must match on something."""
        if not (value["keywords"] or value["departments"] or value["ci_classes"]):
            error = colander.Invalid(node)
            error["keywords"] = _("Give at least one keyword (or a department or CI class).")
            raise error


def _unique_rule_names(node: colander.SchemaNode, rules: list[Mapping[str, Any]]) -> None:
    seen: set[str] = set()
    error = colander.Invalid(node)
    for position, rule in enumerate(rules):
        if rule["name"] in seen:
            rule_error = colander.Invalid(node.children[0])
            rule_error["name"] = _(
                "There is a rule called “${name}” already.", mapping={"name": rule["name"]}
            )
            error.add(rule_error, position)
        seen.add(rule["name"])
    if error.children:
        raise error


def rules_schema() -> colander.SchemaNode:
    """The whole list of rules (the API replaces it at once; names are unique in the list)."""
    rule = RuleSchema(name="rule").clone()  # class-level nodes are shared: change a copy
    rule["name"].validator = at_most(100)  # unique within the list, checked below
    return colander.SchemaNode(colander.Sequence(), rule, validator=_unique_rule_names)


class CannedSchema(colander.MappingSchema):
    """A canned reply in English and, optionally, Russian."""

    key = text(
        "key",
        40,
        validator=unique(
            "canned_keys",
            _("There is a reply with the key “${name}” already."),
            colander.Regex(
                _KEY, _("Lower-case letters, digits, “-” and “_”, at most 40 characters.")
            ),
        ),
    )
    title = text("title", validator=_placeholders)
    body = text("body", 20000, validator=_placeholders)
    title_ru = text(
        "title_ru",
        required=False,
        validator=_placeholders,
    )
    body_ru = text(
        "body_ru",
        20000,
        required=False,
        validator=_placeholders,
    )


@colander.deferred
def _deferred_default_group(node: colander.SchemaNode, kw: Mapping[str, Any]) -> Any:
    return group_choice(kw)


@colander.deferred
def _deferred_default_category(node: colander.SchemaNode, kw: Mapping[str, Any]) -> Any:
    return category_choice(kw)


class DefaultsSchema(colander.MappingSchema):
    """Where an incident goes when no rule matches."""

    default_group = text("default_group", validator=_deferred_default_group)
    default_category = text("default_category", validator=_deferred_default_category)


# -- groups ----------------------------------------------------------------------------------------


@colander.deferred
def _deferred_lead(node: colander.SchemaNode, kw: Mapping[str, Any]) -> Any:
    def validate(node: colander.SchemaNode, value: str) -> None:
        if value and value not in kw["people"]:
            raise colander.Invalid(
                node,
                _(
                    "No person with the login “${login}” (people appear once they have logged "
                    "in or been synced from the directory).",
                    mapping={"login": value},
                ),
            )

    return validate


@colander.deferred
def _deferred_escalation(node: colander.SchemaNode, kw: Mapping[str, Any]) -> Any:
    def validate(node: colander.SchemaNode, value: str) -> None:
        if not value:
            return
        group_choice(kw)(node, value)
        # Follow the chain from the target: it must not lead back to this group.
        seen, step = {kw.get("current")}, value
        while step:
            if step in seen:
                raise colander.Invalid(
                    node, _("Escalations would go round in a circle back to this group.")
                )
            seen.add(step)
            step = kw["groups"].get(step)

    return validate


class GroupSchema(colander.MappingSchema):
    """A support group. Its title is its name (people belong to groups by title), so it is set
    once, when the group is added."""

    title = text(
        "title",
        100,
        validator=unique("groups", _("There is a group called “${name}” already."), _no_slash),
    )
    title_ru = text("title_ru", 100, required=False)
    description = text("description", 2000, required=False)
    email = text(
        "email",
        required=False,
        validator=colander.Email(_("An email address, like desk@example.com.")),
    )
    lead = text("lead", 100, required=False, validator=_deferred_lead)
    strategy = text(
        "strategy",
        validator=colander.OneOf(STRATEGIES, msg_err=_("Choose one of the options.")),
    )
    escalation_group = text("escalation_group", required=False, validator=_deferred_escalation)
    tier = integer("tier", 1, 9)


def group_schema(new: bool) -> colander.SchemaNode:
    schema = GroupSchema()
    if not new:
        del schema["title"]
    return schema


# -- SLA -------------------------------------------------------------------------------------------


def _timezone(node: colander.SchemaNode, value: str) -> None:
    try:
        BusinessCalendar("check", value)
    except CalendarError as error:
        raise colander.Invalid(node, error.message) from None


WEEKDAY_TITLES = dict(
    zip(
        WEEKDAYS,
        (
            _("Monday"),
            _("Tuesday"),
            _("Wednesday"),
            _("Thursday"),
            _("Friday"),
            _("Saturday"),
            _("Sunday"),
        ),
        strict=True,
    )
)


def hours_schema() -> colander.SchemaNode:
    """Working hours per weekday: ``{"mon": "09:00-18:00", ...}``; a day left out is off."""
    schema = colander.SchemaNode(colander.Mapping(unknown="raise"), name="hours")
    for day in WEEKDAYS:
        schema.add(colander.SchemaNode(Intervals(), name=day, missing=()))
    return schema


class CalendarSchema(colander.MappingSchema):
    """A business calendar: time zone, working hours per weekday, holidays."""

    name = text(
        "name",
        100,
        validator=unique(
            "calendars",
            _("There is a calendar called “${name}” already."),
            _no_slash,
        ),
    )
    timezone = text("timezone", 100, validator=_timezone)
    holidays = colander.SchemaNode(Dates(), missing=())


def calendar_schema(new: bool) -> colander.SchemaNode:
    schema = CalendarSchema()
    schema.add_before("holidays", hours_schema())
    if not new:
        del schema["name"]
    return schema


def _resolution_after_response(node: colander.SchemaNode, value: Mapping[str, Any]) -> None:
    if value["resolution_minutes"] < value["response_minutes"]:
        error = colander.Invalid(node)
        error["resolution_minutes"] = _("Resolution cannot be due before the first response.")
        raise error


@colander.deferred
def _deferred_calendar(node: colander.SchemaNode, kw: Mapping[str, Any]) -> Any:
    return colander.OneOf(kw["calendars"], msg_err=_("Choose one of the options."))


def policy_schema() -> colander.SchemaNode:
    """An SLA policy: targets in minutes per priority, the warning share, the calendar."""
    schema = colander.SchemaNode(colander.Mapping(unknown="raise"))
    targets = colander.SchemaNode(colander.Mapping(unknown="raise"), name="targets")
    for priority in PRIORITIES:
        target = colander.SchemaNode(
            colander.Mapping(unknown="raise"),
            name=str(priority),
            validator=_resolution_after_response,
        )
        target.add(integer("response_minutes", 1, MAX_MINUTES))
        target.add(integer("resolution_minutes", 1, MAX_MINUTES))
        target.add(
            colander.SchemaNode(
                colander.Boolean(true_choices=("on", "true", "1", "yes")),
                name="business_hours",
                missing=False,
            )
        )
        targets.add(target)
    schema.add(targets)
    schema.add(integer("warn_percent", 1, 99))
    schema.add(text("calendar", 100, validator=_deferred_calendar))
    return schema
