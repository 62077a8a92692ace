"""An incident's reported fields have one set of rules: the report form's (colander).

The API's JSON body schema is derived from them and intake (mail, API) checks with them, so
the three cannot drift apart.
"""

import colander
import pytest

from itsm.incidents.api import CREATE_SCHEMA, PATCH_SCHEMA
from itsm.incidents.intake import validate
from itsm.incidents.schemas import LEVELS, REPORTED_FIELDS, ReportSchema, json_property


def form_errors(**values):
    """What the report form says about ``values``."""
    cstruct = {"title": "T", "description": "", "impact": "low", "urgency": "low", **values}
    try:
        ReportSchema().bind(csrf_token="x", max_bytes=1).deserialize(cstruct)
    except colander.Invalid as error:
        return {k: v for k, v in error.asdict().items() if k in REPORTED_FIELDS}
    return {}


def messages(errors):
    return {key: (str(msg), dict(msg.mapping or {}).get("n")) for key, msg in errors.items()}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, {}),
        ({"title": ""}, {"title": ("Required", None)}),
        ({"title": "   "}, {"title": ("Required", None)}),
        ({"title": "x" * 200}, {}),
        ({"title": "x" * 201}, {"title": ("At most ${n} characters.", 200)}),
        ({"description": "d" * 20001}, {"description": ("At most ${n} characters.", 20000)}),
        ({"impact": "huge"}, {"impact": ("Choose one of the options.", None)}),
        ({"urgency": ""}, {"urgency": ("Choose one of the options.", None)}),
    ],
)
def test_intake_gives_the_messages_it_always_gave(fields, expected):
    values = {"title": "Printer", "description": "", "impact": "low", "urgency": "medium"}
    values.update(fields)
    assert messages(validate(**values)) == expected


@pytest.mark.parametrize(
    "fields",
    [{"title": "x" * 201}, {"description": "d" * 20001}, {"impact": "huge"}, {"urgency": "x"}],
)
def test_intake_and_the_form_say_the_same(fields):
    values = {"title": "Printer", "description": "", "impact": "low", "urgency": "medium"}
    values.update(fields)
    assert {k: v.interpolate() for k, v in validate(**values).items()} == {
        k: str(v) for k, v in form_errors(**fields).items()
    }


def test_the_api_body_schemas_are_derived_from_the_form():
    properties = CREATE_SCHEMA["properties"]
    assert properties["title"] == {"type": "string", "minLength": 1, "maxLength": 200}
    assert properties["description"] == {"type": "string", "maxLength": 20000}
    for name in ("impact", "urgency"):
        assert properties[name] == {"type": "string", "enum": ["high", "medium", "low"]}
        assert PATCH_SCHEMA["properties"][name] == properties[name]
    assert PATCH_SCHEMA["properties"]["title"] == properties["title"]
    for name in REPORTED_FIELDS:
        assert json_property(name) == properties[name]


def test_form_choices_and_api_levels_are_the_same_levels():
    schema = ReportSchema()
    for name in ("impact", "urgency"):
        assert tuple(schema[name].validator.choices) == LEVELS
