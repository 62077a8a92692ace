"""CMDB test helpers: bearer-token API clients for the demo people, and a small graph."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.incidents.conftest import ApiClient


class CmdbClient(ApiClient):
    def register(self, cls: str = "Laptop", expect: int | str = 201, **fields: Any) -> Any:
        """POST /api/v1/cis; ``fields`` are the body's (``status`` is the CI's)."""
        body = {"class": cls, "name": fields.pop("name", f"{cls} for tests"), **fields}
        return self.post("/api/v1/cis", body, status=expect)

    def find(self, **params: Any) -> dict:
        """GET /api/v1/cis with these query parameters (``status`` is the CI's)."""
        return self.client.get("/api/v1/cis", params=params, headers=self.headers).json

    def relate(self, source: str, type_: str, target: str, status: int | str = 201) -> Any:
        body = {"type": type_, "target": target}
        return self.post(f"/api/v1/cis/{source}/relations", body, status=status)


@pytest.fixture
def api(app: Any) -> Any:
    clients: dict[str, CmdbClient] = {}

    def client(login: str) -> CmdbClient:
        if login not in clients:
            clients[login] = CmdbClient(app, login)
        return clients[login]

    return client
