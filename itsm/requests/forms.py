"""Per-item forms: a colander schema generated from the item's field definitions, used by both
the portal's deform form and the JSON API.

A field may carry a condition, ``"show_if"``: ``{"field": "model", "equals": ["other"]}`` (a
choice field's values) or ``{"field": "port_number", "checked": true}`` (a checkbox). The
controlling field comes earlier in the form. A hidden field is not required and its answer is
dropped; a field whose controlling field is hidden is hidden too.

A ``file`` field's answer is, while an order is checked, the uploaded file (an
:class:`~itsm.tickets.journal.Attachment`); :func:`keep_files` then puts the file on the request
(``request.attachments``, named by the field) and leaves its file name as the answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import colander
import deform

from itsm.i18n import _
from itsm.tickets.journal import Attachment
from itsm.ui.forms import human_size, upload_size

#: Raw values that mean a checkbox is ticked (deform posts "true"; the API sends true).
CHECKED = frozenset({"true", "on", "1", "True"})


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


def condition_of(field: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The field's ``show_if`` condition, or None for a field that is always shown."""
    condition = field.get("show_if")
    return condition if isinstance(condition, Mapping) and condition.get("field") else None


def _is_checked(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value in CHECKED)


def _holds(condition: Mapping[str, Any], value: Any) -> bool:
    if "checked" in condition:
        return _is_checked(value) == bool(condition["checked"])
    if value is None or value is colander.null:
        return False
    return str(value) in {str(v) for v in condition.get("equals", ())}


def visible_fields(fields: Iterable[Mapping[str, Any]], values: Mapping[str, Any]) -> set[str]:
    """The names of the fields shown for the raw ``values`` (form fields or API answers)."""
    shown: set[str] = set()
    for field in fields:
        condition = condition_of(field)
        if condition is None:
            shown.add(field["name"])
            continue
        controller = condition["field"]
        value = values.get(controller) if controller in shown else None
        if _holds(condition, value):
            shown.add(field["name"])
    return shown


def hidden_fields(item: Any, values: Mapping[str, Any]) -> set[str]:
    """The names of the item's fields that ``values`` hide (their answers are dropped)."""
    return {f["name"] for f in item.fields} - visible_fields(item.fields, values)


class FileAnswer(colander.SchemaType):
    """A file field: an upload (webob FieldStorage), a stored Attachment, or the file name of
    a file already kept on the request (a draft being sent). Nothing serializes back: a browser
    never lets a page pre-fill a file input."""

    def serialize(self, node: colander.SchemaNode, appstruct: Any) -> Any:
        return colander.null

    def deserialize(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if cstruct is colander.null or cstruct is None or cstruct == "":
            return colander.null
        if isinstance(cstruct, str | Attachment):
            return cstruct
        if getattr(cstruct, "filename", None) and hasattr(cstruct, "file"):
            return cstruct
        raise colander.Invalid(node, _("Not a file."))


class FileWidget(deform.widget.Widget):
    """A plain ``<input type=file>``: works without JavaScript, keeps no temporary store."""

    template = "itsm:requests/templates/deform/file.pt"
    readonly_template = template
    attributes: Mapping[str, str] | None = None

    def serialize(self, field: Any, cstruct: Any, **kw: Any) -> str:
        values = self.get_template_values(field, cstruct, kw)
        return field.renderer(self.template, **values)

    def deserialize(self, field: Any, pstruct: Any) -> Any:
        # An empty file input still sends a part; webob turns it into "".
        if getattr(pstruct, "filename", None) and hasattr(pstruct, "file"):
            return pstruct
        return colander.null


def _file_size_validator(max_bytes: int | None) -> Any:
    def validate(node: Any, value: Any) -> None:
        if max_bytes is None or isinstance(value, str):
            return
        size = value.size if isinstance(value, Attachment) else upload_size(value)
        if size > max_bytes:
            raise colander.Invalid(
                node,
                _(
                    "Too large: ${names}. Each file may have at most ${size}. "
                    "Choose the files again.",
                    mapping={"names": value.filename, "size": human_size(max_bytes)},
                ),
            )

    return validate


def _widget_attributes(field: Mapping[str, Any]) -> dict[str, str]:
    """``data-show-if`` on a conditional field's input: what conditional.js reads."""
    condition = condition_of(field)
    if condition is None:
        return {}
    return {"data-show-if": json.dumps(dict(condition), ensure_ascii=False)}


def _node(
    field: Mapping[str, Any],
    people: Any,
    locale: str,
    draft: bool,
    shown: bool | None,
    max_bytes: int | None,
) -> colander.SchemaNode:
    """One field's node. ``shown``: None when the answers are not known yet (a blank form: a
    conditional field is then not marked required), else whether the condition holds."""
    kind = field["type"]
    title = _title(field, locale)
    conditional = condition_of(field) is not None
    required = bool(field.get("required")) and not draft and (not conditional or bool(shown))
    missing = colander.required if required else colander.null
    attributes = _widget_attributes(field)
    css = "itsm-conditional" if conditional else None
    kw: dict[str, Any] = {"name": field["name"], "title": title, "missing": missing}
    if field.get("description"):
        description = field.get("description_ru") if locale == "ru" else None
        kw["description"] = description or field["description"]
    if kind in ("text", "textarea"):
        limit = int(field.get("max_length", 5000 if kind == "textarea" else 200))
        if kind == "textarea":
            widget = deform.widget.TextAreaWidget(rows=4, attributes=attributes)
        else:
            widget = deform.widget.TextInputWidget(attributes=attributes)
        widget.item_css_class = css
        return colander.SchemaNode(
            colander.String(), validator=colander.Length(max=limit), widget=widget, **kw
        )
    if kind == "choice":
        choices = _choices(field, locale)
        widget = deform.widget.SelectWidget(
            values=[("", "—"), *choices], attributes=attributes, item_css_class=css
        )
        return colander.SchemaNode(
            colander.String(),
            validator=colander.OneOf([value for value, _t in choices]),
            widget=widget,
            **kw,
        )
    if kind == "person":
        widget = deform.widget.TextInputWidget(attributes=attributes, item_css_class=css)
        return colander.SchemaNode(
            colander.String(), validator=_person_validator(people), widget=widget, **kw
        )
    if kind == "date":
        widget = deform.widget.TextInputWidget(
            placeholder="YYYY-MM-DD", attributes=attributes, item_css_class=css
        )
        return colander.SchemaNode(colander.Date(), widget=widget, **kw)
    if kind == "number":
        widget = deform.widget.TextInputWidget(attributes=attributes, item_css_class=css)
        return colander.SchemaNode(
            colander.Decimal(),
            validator=colander.Range(min=field.get("min"), max=field.get("max")),
            widget=widget,
            **kw,
        )
    if kind == "file":
        if max_bytes is not None and "description" not in kw:
            kw["description"] = _(
                "One file, at most ${size}.", mapping={"size": human_size(max_bytes)}
            )
        widget = FileWidget(attributes=attributes, item_css_class=css)
        return colander.SchemaNode(
            FileAnswer(), validator=_file_size_validator(max_bytes), widget=widget, **kw
        )
    # checkbox: a required checkbox must be ticked (e.g. "I have verified the caller").
    kw["missing"] = False
    validator = colander.OneOf([True]) if required else None
    widget = deform.widget.CheckboxWidget(attributes=attributes, item_css_class=css)
    return colander.SchemaNode(colander.Boolean(), validator=validator, widget=widget, **kw)


def item_schema(
    item: Any,
    people: Any,
    locale: str = "en",
    draft: bool = False,
    values: Mapping[str, Any] | None = None,
    max_bytes: int | None = None,
) -> Any:
    """The item's form; ``draft`` relaxes "required" so a draft can be saved half-filled.

    ``values`` are the raw answers the conditions are decided on (None for a blank form)."""
    shown = visible_fields(item.fields, values) if values is not None else None
    schema = colander.SchemaNode(colander.Mapping(unknown="raise"))
    for field in item.fields:
        visible = None if shown is None else field["name"] in shown
        schema.add(_node(field, people, locale, draft, visible, max_bytes))
    return schema


def validate_answers(
    item: Any, people: Any, answers: Mapping[str, Any], draft: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(answers as stored, {}`` or ``({}, {field: message})``. Stored answers are JSON
    friendly: dates as ISO strings, numbers as int or float; a new file stays an Attachment
    until :func:`keep_files` puts it on the request. Answers to hidden fields are dropped."""
    known = {f["name"] for f in item.fields}
    errors: dict[str, Any] = {k: _("Unknown field.") for k in answers if k not in known}
    cstruct = {k: ("" if v is None else v) for k, v in answers.items() if k in known}
    for key, value in list(cstruct.items()):
        if isinstance(value, bool):
            cstruct[key] = "true" if value else "false"
        elif isinstance(value, int | float):
            cstruct[key] = str(value)
    hidden = hidden_fields(item, cstruct)
    for key in hidden:
        cstruct.pop(key, None)
    schema = item_schema(item, people, draft=draft, values=cstruct)
    try:
        appstruct = schema.deserialize(cstruct)
    except colander.Invalid as error:
        errors.update({_field_name(k): v for k, v in error.asdict().items()})
    if errors:
        return {}, errors
    return {
        k: _plain(v) for k, v in appstruct.items() if v is not colander.null and k not in hidden
    }, {}


def _field_name(key: str) -> str:
    return key.split(".")[-1] or "fields"


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def file_fields(item: Any) -> list[str]:
    """The names of the item's file fields."""
    return [f["name"] for f in item.fields if f.get("type") == "file"]


def keep_files(request: Any, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Put the new files among ``answers`` on ``request.attachments`` (one per field, named
    by it) and return the answers with each file's name in its place."""
    stored = dict(answers)
    kept = {a.__name__: a for a in request.attachments}
    for name, value in answers.items():
        if isinstance(value, Attachment):
            value.__name__ = name
            value.__parent__ = request
            kept[name] = value
            stored[name] = value.filename
    request.attachments = tuple(kept[name] for name in kept if name in stored)
    return stored


def request_file(request: Any, name: str) -> Attachment | None:
    """The file answering field ``name`` of a request, if one was sent."""
    for attachment in request.attachments:
        if attachment.__name__ == name:
            return attachment
    return None


def form_for(
    item: Any, people: Any, locale: str, request: Any, csrf_token: str, caller: bool = False
) -> deform.Form:
    """The order form; its ``csrf_token`` field is what Pyramid's CSRF check reads. On a POST
    the conditions are decided on what was sent. With ``caller`` (IT staff ordering for
    someone) the caller's fields come first (``itsm.people.schemas.caller_nodes``)."""
    values = request.POST if request.method == "POST" else None
    schema = item_schema(
        item,
        people,
        locale,
        draft="draft" in request.POST,
        values=values,
        max_bytes=request.registry.itsm_settings.attachment_max_bytes,
    )
    if caller:
        from itsm.people.schemas import caller_nodes

        for position, node in enumerate(caller_nodes(request)):
            schema.insert(position, node)
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
