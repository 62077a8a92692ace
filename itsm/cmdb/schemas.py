"""Colander schemas generated from a CI class definition: one schema for the API, the forms
and the import, so all three accept and refuse the same values."""

from __future__ import annotations

from typing import Any

import colander
import deform

from itsm.cmdb.classes import CiClass, FieldDef
from itsm.cmdb.workflow import STATE_TITLES, STATES
from itsm.i18n import _

#: The fields every CI has, besides its class's own (name, type, title).
BASE_FIELDS = (
    "name",
    "serial",
    "status",
    "owner",
    "location",
    "department",
    "purchase_date",
    "warranty_end",
    "cost",
    "notes",
)
TRUE_WORDS = ("true", "1", "yes", "y", "да", "д", "on")
FALSE_WORDS = ("false", "0", "no", "n", "нет", "н", "off", "")


class Flag(colander.Boolean):
    """A boolean that reads yes/no in English and Russian and refuses anything else."""

    def __init__(self) -> None:
        super().__init__(false_choices=FALSE_WORDS, true_choices=TRUE_WORDS)


class Day(colander.Date):
    """An ISO date, or the Russian ``31.12.2025`` that spreadsheets export."""

    def deserialize(self, node: Any, cstruct: Any) -> Any:
        if isinstance(cstruct, str):
            parts = cstruct.strip().split(".")
            if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[2]) == 4:
                cstruct = f"{parts[2]}-{int(parts[1]):02d}-{int(parts[0]):02d}"
        return super().deserialize(node, cstruct)


def _max(n: int) -> colander.Length:
    return colander.Length(max=n, max_err=_("At most ${n} characters.", mapping={"n": n}))


def _string(title: Any, required: bool = False, max_len: int = 200, **kw: Any) -> Any:
    if required:
        validator = colander.All(colander.Length(min=1, min_err=_("Required")), _max(max_len))
        return colander.SchemaNode(colander.String(), title=title, validator=validator, **kw)
    return colander.SchemaNode(
        colander.String(), title=title, missing="", validator=_max(max_len), **kw
    )


def field_node(definition: FieldDef, language: str = "en") -> colander.SchemaNode:
    """The schema node of one class field."""
    title = definition.title_ru if language == "ru" and definition.title_ru else definition.title
    missing: Any = colander.required if definition.required else None
    kw: dict[str, Any] = {"name": definition.name, "title": title, "missing": missing}
    if definition.type == "int":
        return colander.SchemaNode(colander.Int(), **kw)
    if definition.type == "date":
        return colander.SchemaNode(Day(), **kw)
    if definition.type == "bool":
        kw["missing"] = False if not definition.required else colander.required
        return colander.SchemaNode(Flag(), widget=deform.widget.CheckboxWidget(), **kw)
    if definition.type == "choice":
        values = [("", "—")] + [(c, c) for c in definition.choices]
        return colander.SchemaNode(
            colander.String(),
            validator=colander.OneOf(definition.choices, msg_err=_("Choose one of the options.")),
            widget=deform.widget.SelectWidget(values=values),
            **kw,
        )
    if definition.required:
        kw["validator"] = colander.All(colander.Length(min=1, min_err=_("Required")), _max(500))
    else:
        kw["validator"] = _max(500)
    return colander.SchemaNode(colander.String(), **kw)


def ci_schema(
    ci_class: CiClass, language: str = "en", *, with_status: bool = True
) -> colander.Schema:
    """The schema of a CI of ``ci_class``: the base fields, then a mapping ``fields`` with the
    class's own. Serialised values are strings (forms, CSV); deserialised ones are typed."""
    schema = colander.Schema()
    schema.add(_string(_("Name"), required=True, name="name"))
    schema.add(
        _string(_("Serial number / asset tag"), required=ci_class.serial_required, name="serial")
    )
    if with_status:
        schema.add(
            colander.SchemaNode(
                colander.String(),
                name="status",
                title=_("Status"),
                missing="ordered",
                validator=colander.OneOf(STATES, msg_err=_("Choose one of the options.")),
                widget=deform.widget.SelectWidget(values=list(STATE_TITLES.items())),
            )
        )
    schema.add(_string(_("Owner (login)"), name="owner", max_len=100))
    schema.add(_string(_("Location"), name="location"))
    schema.add(_string(_("Department"), name="department"))
    schema.add(colander.SchemaNode(Day(), name="purchase_date", title=_("Purchased"), missing=None))
    schema.add(
        colander.SchemaNode(Day(), name="warranty_end", title=_("Warranty ends"), missing=None)
    )
    schema.add(
        colander.SchemaNode(
            colander.Decimal(quant="0.01"),
            name="cost",
            title=_("Cost"),
            missing=None,
            validator=colander.Range(min=0, min_err=_("Must not be negative.")),
        )
    )
    schema.add(
        _string(
            _("Notes"), name="notes", max_len=20000, widget=deform.widget.TextAreaWidget(rows=4)
        )
    )
    fields = colander.SchemaNode(colander.Mapping(unknown="raise"), name="fields", title="")
    for definition in ci_class.fields:
        fields.add(field_node(definition, language))
    schema.add(fields)
    return schema


def flatten_errors(invalid: colander.Invalid) -> dict[str, Any]:
    """``{"serial": msg, "fields.imei": msg}`` → keys without the ``fields.`` prefix."""
    errors = {}
    for key, message in invalid.asdict().items():
        errors[key.removeprefix("fields.")] = message
    return errors


def to_cstruct(value: Any) -> Any:
    """A JSON/CSV value → what colander deserialises (strings; colander.null for empty)."""
    if value is None or value == "":
        return colander.null
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value
