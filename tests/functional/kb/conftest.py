"""Helpers for knowledge base tests: JSON clients with bearer tokens, and articles."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.incidents.conftest import ApiClient


@pytest.fixture
def api(app: Any) -> Any:
    clients: dict[str, ApiClient] = {}

    def client(login: str) -> ApiClient:
        if login not in clients:
            clients[login] = ApiClient(app, login)
        return clients[login]

    return client


@pytest.fixture
def write_article(api: Any) -> Any:
    """``write_article(title, body, publish=True, **fields)`` → the article's JSON (as agent)."""

    def make(title: str, body: str = "", publish: bool = True, **fields: Any) -> dict:
        agent = api("agent")
        data = agent.post("/api/v1/kb", {"title": title, "body": body, **fields}, status=201).json
        if publish:
            number = data["number"]
            data = agent.post(
                f"/api/v1/kb/{number}/transitions", {"name": "publish"}, status=200
            ).json
        return data

    return make
