"""Helpers for incident tests: API clients with bearer tokens for the demo people."""

from __future__ import annotations

from typing import Any

import pytest


class ApiClient:
    """A WebTest client that speaks JSON with a bearer token."""

    def __init__(self, app: Any, login: str) -> None:
        from itsm.security.tokens import create_token

        self.login = login
        self.token = app.write(lambda root: create_token(root.tokens, login, "test"))
        self.client = app.client()
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, status: int | str = 200, **params: Any) -> Any:
        return self.client.get(path, params=params, headers=self.headers, status=status)

    def post(self, path: str, body: dict, status: int | str = "*") -> Any:
        return self.client.post_json(path, body, headers=self.headers, status=status)

    def patch(self, path: str, body: dict, status: int | str = "*") -> Any:
        return self.client.patch_json(path, body, headers=self.headers, status=status)

    def report(self, title: str = "Printer is broken", **fields: Any) -> dict:
        body = {"title": title, "description": "", "impact": "low", "urgency": "medium"}
        body.update(fields)
        return self.post("/api/v1/incidents", body, status=201).json

    def fire(self, number: str, name: str, status: int | str = 200, **fields: Any) -> Any:
        return self.post(
            f"/api/v1/incidents/{number}/transitions", {"name": name, **fields}, status=status
        )


@pytest.fixture
def api(app: Any) -> Any:
    clients: dict[str, ApiClient] = {}

    def client(login: str) -> ApiClient:
        if login not in clients:
            clients[login] = ApiClient(app, login)
        return clients[login]

    return client
