"""Request validators are built once per schema (check_schema ran on every request before)."""

from __future__ import annotations

import jsonschema

from itsm.api.openapi import OpenApiSpec


def test_a_schema_gets_one_validator_that_still_finds_errors(monkeypatch):
    spec = OpenApiSpec("t", "1")
    schema = {"type": "integer", "minimum": 1, "maximum": 5}
    checked = []
    original = jsonschema.Draft202012Validator.check_schema
    monkeypatch.setattr(
        jsonschema.Draft202012Validator,
        "check_schema",
        classmethod(lambda cls, s: checked.append(s) or original(s)),
    )
    first = spec.validator(schema)
    assert spec.validator(schema) is first and len(checked) == 1
    error = jsonschema.exceptions.best_match(first.iter_errors(9))
    assert error is not None and error.validator == "maximum"
    assert jsonschema.exceptions.best_match(first.iter_errors(3)) is None
    # An equal but different schema dict is another schema: its own validator.
    assert spec.validator(dict(schema)) is not first
    # The body validator (Draft 7) is kept apart from the query one of the same dict.
    assert isinstance(
        spec.validator(schema, jsonschema.Draft7Validator), jsonschema.Draft7Validator
    )
