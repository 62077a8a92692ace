"""The request tests' JSON clients, for the export tests."""

from tests.functional.requests.conftest import api  # noqa: F401 - the fixture
