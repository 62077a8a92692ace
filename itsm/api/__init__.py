"""The ``/api/v1`` frame: JSON errors, OpenAPI description and validation, ``/me``.

Each domain adds its own endpoints in its ``api.py`` with ``openapi={...}`` on the view.
"""

from __future__ import annotations

from typing import Any

from itsm.api.openapi import OpenApiSpec, openapi_deriver

API_PREFIX = "/api/v1"


def includeme(config: Any) -> None:
    config.registry.itsm_openapi = OpenApiSpec("itsm service desk API", "1")
    config.add_view_deriver(openapi_deriver)
    config.add_route("api.me", API_PREFIX + "/me")
    config.add_route("api.openapi", API_PREFIX + "/openapi.json")
    config.add_route("api.docs", API_PREFIX + "/docs")
    config.add_route("api.tokens", API_PREFIX + "/me/tokens")
    config.scan("itsm.api")
