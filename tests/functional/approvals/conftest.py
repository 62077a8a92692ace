"""Approval tests use the request tests' JSON clients and helpers."""

from tests.functional.requests.conftest import api  # noqa: F401 - the fixture
