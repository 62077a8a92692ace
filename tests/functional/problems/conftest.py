"""Helpers for problem tests: JSON clients per demo person (bearer tokens), problems, mails."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from itsm.worker.jobs import JobContext
from tests.functional.incidents.conftest import ApiClient

BASE = "/api/v1/problems"


class ProblemClient(ApiClient):
    def raise_problem(self, status: int | str = 201, **body: Any) -> Any:
        return self.post(BASE, body, status=status).json

    def problem(self, number: str, status: int | str = 200) -> Any:
        return self.get(f"{BASE}/{number}", status=status).json

    def move(self, number: str, name: str, status: int | str = 200, **fields: Any) -> Any:
        return self.post(f"{BASE}/{number}/transitions", {"name": name, **fields}, status=status)

    def incident(self, number: str) -> Any:
        return self.get(f"/api/v1/incidents/{number}").json


@pytest.fixture
def api(app: Any) -> Callable[[str], ProblemClient]:
    clients: dict[str, ProblemClient] = {}

    def client(login: str) -> ProblemClient:
        if login not in clients:
            clients[login] = ProblemClient(app, login)
        return clients[login]

    return client


def job_context(app: Any, now: datetime) -> JobContext:
    """The worker's context on a controlled clock."""
    return JobContext(app.registry, app.db, now=lambda: now)


def ci_number(app: Any, name: str) -> str:
    return app.read(lambda root: next(ci.number for ci in root["cmdb"].values() if ci.name == name))


def mails(app: Any, kind: str | None = None) -> list[tuple[str, str, str]]:
    """``(to, kind, subject)`` of every queued mail (of ``kind``)."""

    def read(root: Any) -> list[tuple[str, str, str]]:
        return [
            (m.to[0], m.kind, m.subject)
            for m in root.outbox.pending.values()
            if kind is None or m.kind == kind
        ]

    return app.read(read)
