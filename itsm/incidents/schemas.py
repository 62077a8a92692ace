"""Forms of incident management (colander schemas, rendered and validated by deform)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import colander
import deform

from itsm.i18n import _
from itsm.people.schemas import caller_nodes
from itsm.ui.forms import human_size, upload_size

#: "How bad is it?": what the person reporting sees for each impact level.
IMPACT_CHOICES = (
    ("low", _("Only me")),
    ("medium", _("My team")),
    ("high", _("The whole company")),
)
#: "How urgent?": what the person reporting sees for each urgency level.
URGENCY_CHOICES = (
    ("high", _("It blocks my work")),
    ("medium", _("It slows me down")),
    ("low", _("It can wait")),
)
#: Impact and urgency levels, in the order the API lists them.
LEVELS = ("high", "medium", "low")
MAX_FILES = 10
#: At most this many configuration items a report may be about (``?ci=`` in its link).
MAX_CIS = 20


@colander.deferred
def deferred_csrf(node: colander.SchemaNode, kw: dict) -> str:
    return kw["csrf_token"]


class Files(colander.SchemaType):
    """A list of uploaded files (webob FieldStorage objects); nothing to serialize back,
    since a browser never lets a page pre-fill a file input."""

    def serialize(self, node: colander.SchemaNode, appstruct: Any) -> Any:
        return colander.null

    def deserialize(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if cstruct is colander.null or not cstruct:
            return []
        return list(cstruct)


class MultiFileWidget(deform.widget.Widget):
    """A plain ``<input type=file multiple>``: works without JavaScript, keeps no temp store.

    The input sits in a peppercorn sequence, so every chosen file arrives in one list."""

    template = "itsm:incidents/templates/deform/files.pt"
    readonly_template = template
    accept: str | None = None

    def serialize(self, field: Any, cstruct: Any, **kw: Any) -> str:
        values = self.get_template_values(field, cstruct, kw)
        return field.renderer(self.template, **values)

    def deserialize(self, field: Any, pstruct: Any) -> Any:
        if pstruct is colander.null or not pstruct:
            return colander.null
        if not isinstance(pstruct, list | tuple):
            pstruct = [pstruct]
        # An empty file input still sends a part; webob turns it into "".
        return [p for p in pstruct if getattr(p, "filename", None) and hasattr(p, "file")]


@colander.deferred
def deferred_files_validator(node: colander.SchemaNode, kw: dict) -> Any:
    max_bytes = int(kw["max_bytes"])

    def validate(node: colander.SchemaNode, files: list[Any]) -> None:
        if len(files) > MAX_FILES:
            raise colander.Invalid(
                node, _("At most ${n} files at a time.", mapping={"n": MAX_FILES})
            )
        too_big = [f.filename for f in files if upload_size(f) > max_bytes]
        if too_big:
            raise colander.Invalid(
                node,
                _(
                    "Too large: ${names}. Each file may have at most ${size}. "
                    "Choose the files again.",
                    mapping={"names": ", ".join(too_big), "size": human_size(max_bytes)},
                ),
            )

    return validate


class ReportSchema(colander.Schema):
    """The employee's report form (``/incidents/new``)."""

    title = colander.SchemaNode(
        colander.String(),
        title=_("What is not working?"),
        description=_("A short summary, e.g. “The printer on floor 3 jams”."),
        validator=colander.Length(
            min=1,
            max=200,
            min_err=_("Required"),
            max_err=_("At most ${n} characters.", mapping={"n": 200}),
        ),
        widget=deform.widget.TextInputWidget(
            attributes={"maxlength": "200", "autocomplete": "off", "data-kb-query": "title"}
        ),
    )
    description = colander.SchemaNode(
        colander.String(),
        title=_("Describe it"),
        description=_("What happened, what you expected, any error message."),
        missing="",
        validator=colander.Length(
            max=20000, max_err=_("At most ${n} characters.", mapping={"n": 20000})
        ),
        widget=deform.widget.TextAreaWidget(rows=6),
    )
    impact = colander.SchemaNode(
        colander.String(),
        title=_("How bad is it?"),
        validator=colander.OneOf(LEVELS, msg_err=_("Choose one of the options.")),
        default="low",
        widget=deform.widget.RadioChoiceWidget(values=IMPACT_CHOICES, inline=True),
    )
    urgency = colander.SchemaNode(
        colander.String(),
        title=_("How urgent?"),
        validator=colander.OneOf(LEVELS, msg_err=_("Choose one of the options.")),
        default="medium",
        widget=deform.widget.RadioChoiceWidget(values=URGENCY_CHOICES, inline=True),
    )
    attachments = colander.SchemaNode(
        Files(),
        title=_("Attachments"),
        description=_("Screenshots or files that show the problem (optional)."),
        missing=[],
        validator=deferred_files_validator,
        widget=MultiFileWidget(),
    )
    ci = colander.SchemaNode(
        colander.String(),
        widget=deform.widget.HiddenWidget(),
        missing="",  # "CI-000001,CI-000002": what the report is about; the view checks them
        title="",
    )
    csrf_token = colander.SchemaNode(
        colander.String(),
        widget=deform.widget.HiddenWidget(),
        default=deferred_csrf,
        missing="",  # checked by the view, which keeps the typed text on a stale token
        title="",
    )


#: The report's own fields: their rules are the form's, the JSON API's and intake's.
REPORTED_FIELDS = ("title", "description", "impact", "urgency")
_REPORT = ReportSchema()


def field_errors(values: Mapping[str, Any]) -> dict[str, Any]:
    """The messages, by field, for the values in ``values`` (among :data:`REPORTED_FIELDS`)
    that break the report form's rules; the same messages the form shows."""
    errors: dict[str, Any] = {}
    for name, value in values.items():
        node = _REPORT[name]
        try:
            node.validator(node, value)
        except colander.Invalid as error:
            errors[name] = error.msg
    return errors


def json_property(name: str) -> dict[str, Any]:
    """The JSON schema of the report form's field ``name``, for the API's request bodies."""
    validator = _REPORT[name].validator
    if isinstance(validator, colander.OneOf):
        return {"type": "string", "enum": list(validator.choices)}
    prop: dict[str, Any] = {"type": "string"}
    if validator.min is not None:
        prop["minLength"] = validator.min
    if validator.max is not None:
        prop["maxLength"] = validator.max
    return prop


def report_form(request: Any, action: str, staff: bool = False) -> deform.Form:
    """The report form bound to this request's CSRF token and attachment limit; IT staff get
    the caller's fields first (:func:`caller_nodes`)."""
    from pyramid.csrf import get_csrf_token

    schema = ReportSchema().bind(
        csrf_token=get_csrf_token(request),
        max_bytes=request.registry.itsm_settings.attachment_max_bytes,
    )
    if staff:
        for position, node in enumerate(caller_nodes(request)):
            schema.insert(position, node)
    return deform.Form(
        schema,
        action=action,
        formid="report-form",
        buttons=(deform.Button("submit", _("Report the incident")),),
    )
