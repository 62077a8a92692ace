"""The OpenAPI 3 description, assembled from the views that declare an ``openapi`` option,
and the validation of requests against it.

One source of truth: a view's request schema is both documented and enforced, so the
description cannot drift from what the code accepts.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from itsm.api.errors import ApiError
from itsm.i18n import _

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}


#: The string formats the request validators check (jsonschema's own: date, email …).
FORMATS = jsonschema.FormatChecker()

#: What holds for every operation (RELIABILITY.md S3, S4).
API_NOTES = (
    "Authenticate with a bearer token or the session cookie. With the cookie, POST, PUT, "
    "PATCH and DELETE also need the session's CSRF token in the X-CSRF-Token header, and an "
    "Origin header, when sent, must be the desk's own: otherwise 400 with the error code "
    "`csrf`. An object the caller may not see answers 404, exactly as one that does not exist; "
    "403 means the caller sees the object but may not do this to it."
)


class OpenApiSpec:
    """Operations collected at configuration time."""

    def __init__(self, title: str, version: str) -> None:
        self.title = title
        self.version = version
        self.paths: dict[str, dict[str, Any]] = {}
        self.schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
        # Validators built once per schema (by identity: operations keep their schema dicts
        # for the life of the app). Building one runs check_schema against the metaschema,
        # which cost a list request more than validating its parameters.
        self._validators: dict[tuple[int, Any], tuple[Any, Any]] = {}

    def validator(self, schema: dict[str, Any], cls: Any = None) -> Any:
        """The jsonschema validator of ``schema`` (with the components inlined), made once;
        ``cls`` None picks the class as ``jsonschema.validate`` does (and checks the schema)."""
        kept = self._validators.get((id(schema), cls))
        if kept is not None and kept[0] is schema:
            return kept[1]
        full = _resolver_schema(self, schema)
        chosen = cls
        if chosen is None:
            chosen = jsonschema.validators.validator_for(full)
            chosen.check_schema(full)
        # Formats checked too ("date": 2026-12-04), which schemathesis found unchecked (S1).
        validator = chosen(full, format_checker=FORMATS)
        self._validators[(id(schema), cls)] = (schema, validator)
        return validator

    def add(self, path: str, method: str, operation: dict[str, Any]) -> None:
        self.paths.setdefault(path, {})[method.lower()] = operation

    def add_schema(self, name: str, schema: dict[str, Any]) -> None:
        self.schemas[name] = schema

    def document(self, server_url: str) -> dict[str, Any]:
        """The OpenAPI description of every registered operation."""
        paths = {}
        for path, ops in sorted(self.paths.items()):
            paths[path] = {}
            for method, op in ops.items():
                op = {k: v for k, v in op.items() if k not in ("path", "body", "query")}
                responses = dict(op.get("responses", {}))
                responses.setdefault(
                    "4XX",
                    {
                        "description": "Error",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                )
                op["responses"] = responses
                paths[path][method] = op
        return {
            "openapi": "3.0.3",
            "info": {"title": self.title, "version": self.version, "description": API_NOTES},
            "servers": [{"url": server_url}],
            "paths": paths,
            "components": {
                "schemas": self.schemas,
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer"},
                    "cookie": {"type": "apiKey", "in": "cookie", "name": "itsm_session"},
                },
            },
            "security": [{"bearer": []}, {"cookie": []}],
        }


def _resolver_schema(spec: OpenApiSpec, schema: dict[str, Any]) -> dict[str, Any]:
    """Inline ``#/components/schemas`` references for jsonschema."""
    return {**schema, "components": {"schemas": spec.schemas}}


def _field_errors(error: jsonschema.ValidationError) -> tuple[str, Any]:
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        key = f"{path}.{missing}" if path else missing
        return key, _("Required")
    if error.validator == "additionalProperties":
        return path or "body", _("Unknown field: ${detail}", mapping={"detail": error.message})
    if error.validator == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        return path or "body", _("Must be one of: ${allowed}", mapping={"allowed": allowed})
    if error.validator == "type":
        return path or "body", _("Wrong type: ${detail}", mapping={"detail": error.validator_value})
    if error.validator in ("maxLength", "minLength", "maximum", "minimum", "pattern", "format"):
        return path or "body", _("Invalid value: ${detail}", mapping={"detail": error.message})
    return path or "body", _("Invalid value: ${detail}", mapping={"detail": error.message})


def _coerce_query(value: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "integer":
        try:
            return int(value)
        except ValueError:
            return value
    if kind == "boolean":
        return {"1": True, "true": True, "0": False, "false": False}.get(value.lower(), value)
    return value


def validate_request(spec: OpenApiSpec, operation: dict[str, Any], request: Any) -> None:
    """Raise ApiError(400) with per-field messages when the request does not match."""
    fields: dict[str, Any] = {}
    for param in operation.get("parameters", []):
        if param.get("in") != "query":
            continue
        name, schema = param["name"], param.get("schema", {})
        if name not in request.GET:
            if param.get("required"):
                fields[name] = _("Required")
            continue
        value = _coerce_query(request.GET[name], schema)
        # As jsonschema.validate(value, schema), with the validator kept.
        err = jsonschema.exceptions.best_match(spec.validator(schema).iter_errors(value))
        if err is not None:
            fields[name] = _field_errors(err)[1]
    body_spec = operation.get("requestBody")
    if body_spec is not None:
        schema = body_spec["content"]["application/json"]["schema"]
        if not request.body:
            if body_spec.get("required"):
                raise ApiError(400, "invalid", _("A JSON body is required."))
            request.environ["itsm.json"] = {}
        else:
            if "json" not in (request.content_type or ""):
                raise ApiError(415, "unsupported_media_type", _("Send JSON (application/json)."))
            try:
                body = json.loads(request.body)
            except (ValueError, UnicodeDecodeError):
                raise ApiError(400, "invalid", _("The body is not valid JSON.")) from None
            validator = spec.validator(schema, jsonschema.Draft7Validator)
            for err in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path)):
                key, message = _field_errors(err)
                fields.setdefault(key, message)
            request.environ["itsm.json"] = body
    if fields:
        raise ApiError(400, "invalid", _("Some fields are not valid."), fields)


def openapi_deriver(view: Any, info: Any) -> Any:
    """View deriver: ``openapi={...}`` on a view documents it and validates its requests."""
    operation = info.options.get("openapi")
    if operation is None:
        return view
    spec: OpenApiSpec = info.registry.itsm_openapi
    methods = info.options.get("request_method") or ("GET",)
    if isinstance(methods, str):
        methods = (methods,)
    for method in methods:
        spec.add(operation["path"], method, operation)

    def validating_view(context: Any, request: Any) -> Any:
        validate_request(spec, operation, request)
        return view(context, request)

    return validating_view


openapi_deriver.options = ("openapi",)  # type: ignore[attr-defined]


def json_body(request: Any) -> dict[str, Any]:
    """The validated JSON body of an API request."""
    return request.environ.get("itsm.json", {})


def response(code: str, description: str, schema: dict | None = None) -> dict[str, Any]:
    """An operation's ``responses`` entry, with a JSON schema when given."""
    body: dict[str, Any] = {"description": description}
    if schema is not None:
        body["content"] = {"application/json": {"schema": schema}}
    return {code: body}


def json_request(schema: dict) -> dict[str, Any]:
    """A required JSON ``requestBody`` with ``schema``."""
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def query_strings(*names: str) -> list[dict[str, Any]]:
    """Optional string query parameters."""
    return [{"name": n, "in": "query", "schema": {"type": "string"}} for n in names]


def paging(max_per_page: int = 200) -> list[dict[str, Any]]:
    """The ``page`` and ``per_page`` query parameters every list endpoint takes."""
    return [
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
        {
            "name": "per_page",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": max_per_page},
        },
    ]


def page_args(params: Any, per_page: int = 50) -> tuple[int, int]:
    """``(page, per_page)`` from validated query parameters."""
    return int(params.get("page", 1)), int(params.get("per_page", per_page))
