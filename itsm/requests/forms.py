"""Per-item forms: a colander schema generated from the item's field definitions, used by both
the portal's deform form and the JSON API."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import colander
import deform

from itsm.i18n import _


def _title(field: Mapping[str, Any], locale: str) -> str:
    if locale == "ru" and field.get("title_ru"):
        return field["title_ru"]
    return field.get("title") or field["name"]


def _choices(field: Mapping[str, Any], locale: str) -> list[tuple[str, str]]:
    out = []
    for choice in field.get("choices", ()):
        value, title, *rest = choice
        out.append((value, rest[0] if locale == "ru" and rest and rest[0] else title))
    return out


def _person_validator(people: Any) -> Any:
    def validate(node: Any, value: str) -> None:
        if value not in people:
            raise colander.Invalid(node, _("Unknown person."))

    return validate


def _node(field: Mapping[str, Any], people: Any, locale: str, draft: bool) -> colander.SchemaNode:
    kind = field["type"]
    title = _title(field, locale)
    required = bool(field.get("required")) and not draft
    missing = colander.required if required else colander.null
    kw: dict[str, Any] = {"name": field["name"], "title": title, "missing": missing}
    if kind in ("text", "textarea"):
        widget = deform.widget.TextAreaWidget(rows=4) if kind == "textarea" else None
        limit = int(field.get("max_length", 5000 if kind == "textarea" else 200))
        return colander.SchemaNode(
            colander.String(), validator=colander.Length(max=limit), widget=widget, **kw
        )
    if kind == "choice":
        choices = _choices(field, locale)
        return colander.SchemaNode(
            colander.String(),
            validator=colander.OneOf([value for value, _t in choices]),
            widget=deform.widget.SelectWidget(values=[("", "—"), *choices]),
            **kw,
        )
    if kind == "person":
        return colander.SchemaNode(colander.String(), validator=_person_validator(people), **kw)
    if kind == "date":
        widget = deform.widget.TextInputWidget(placeholder="YYYY-MM-DD")
        return colander.SchemaNode(colander.Date(), widget=widget, **kw)
    if kind == "number":
        return colander.SchemaNode(
            colander.Decimal(),
            validator=colander.Range(min=field.get("min"), max=field.get("max")),
            **kw,
        )
    # checkbox: a required checkbox must be ticked (e.g. "I have verified the caller").
    kw["missing"] = False
    validator = colander.OneOf([True]) if required else None
    return colander.SchemaNode(
        colander.Boolean(), validator=validator, widget=deform.widget.CheckboxWidget(), **kw
    )


def item_schema(item: Any, people: Any, locale: str = "en", draft: bool = False) -> Any:
    """The item's form; ``draft`` relaxes "required" so a draft can be saved half-filled."""
    schema = colander.SchemaNode(colander.Mapping(unknown="raise"))
    for field in item.fields:
        schema.add(_node(field, people, locale, draft))
    return schema


def validate_answers(
    item: Any, people: Any, answers: Mapping[str, Any], draft: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(answers as stored, {}`` or ``({}, {field: message})``. Stored answers are JSON
    friendly: dates as ISO strings, numbers as int or float."""
    schema = item_schema(item, people, draft=draft)
    known = {child.name for child in schema.children}
    errors: dict[str, Any] = {k: _("Unknown field.") for k in answers if k not in known}
    cstruct = {k: ("" if v is None else v) for k, v in answers.items() if k in known}
    for key, value in list(cstruct.items()):
        if isinstance(value, bool):
            cstruct[key] = "true" if value else "false"
        elif isinstance(value, int | float):
            cstruct[key] = str(value)
    try:
        appstruct = schema.deserialize(cstruct)
    except colander.Invalid as error:
        errors.update({_field_name(k): v for k, v in error.asdict().items()})
    if errors:
        return {}, errors
    return {k: _plain(v) for k, v in appstruct.items() if v is not colander.null}, {}


def _field_name(key: str) -> str:
    return key.split(".")[-1] or "fields"


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def form_for(item: Any, people: Any, locale: str, request: Any, csrf_token: str) -> deform.Form:
    """The order form; its ``csrf_token`` field is what Pyramid's CSRF check reads."""
    schema = item_schema(item, people, locale, draft="draft" in request.POST)
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="csrf_token",
            widget=deform.widget.HiddenWidget(),
            default=csrf_token,
            missing="",
        )
    )
    return deform.Form(
        schema,
        buttons=(
            deform.Button("submit", _("Send the request")),
            deform.Button("draft", _("Save as draft"), css_class="btn-outline-secondary"),
        ),
        formid="order-form",
    )
