"""The ``/api/v1`` frame: JSON errors, OpenAPI description and validation, ``/me``.

Each domain declares its own endpoints in its ``api.py`` with :mod:`itsm.api.scaffold`: routes,
then views whose OpenAPI operation documents and validates them.
"""

from __future__ import annotations

from typing import Any

from itsm.api.openapi import OpenApiSpec, openapi_deriver

API_PREFIX = "/api/v1"


def includeme(config: Any) -> None:
    config.registry.itsm_openapi = OpenApiSpec("itsm service desk API", "1")
    config.add_view_deriver(openapi_deriver)
    config.scan("itsm.api.errors")
    config.scan("itsm.api.methods")
    from itsm.api.views import api

    api.include(config)
