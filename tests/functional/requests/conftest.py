"""Helpers for service request tests: JSON clients per demo person, orders, mails."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.functional.incidents.conftest import ApiClient

LINK_RE = re.compile(r"(/approvals/(REQ-\d+-\d+)/mail\?token=[A-Za-z0-9_\-]+)")

#: Answers that satisfy each demo item's form.
DEMO_ORDERS = {
    "new-laptop": {"model": "performance", "needed_by": "2026-12-01", "reason": "Old one died"},
    "software-install": {"software": "Inkscape", "computer": "PC-0042"},
    "vpn-access": {"reason": "Working from home"},
    "shared-access": {"system": "crm", "level": "read"},
    "new-phone": {"model": "iphone", "port_number": True},
    "password-reset-desk": {"account": "employee2", "phone": "+7 495 000-00-99"},
    "onboarding": {"new_hire": "Ivan Newman", "start_date": "2026-12-01"},
    "offboarding": {"person": "employee2", "last_day": "2026-12-31"},
}


class RequestClient(ApiClient):
    def order(self, item: str, fields: dict | None = None, status: int | str = 201, **kw: Any):
        body = {"item": item, "fields": DEMO_ORDERS.get(item, {}) if fields is None else fields}
        body.update(kw)
        response = self.post("/api/v1/requests", body, status=status)
        return response.json

    def request(self, number: str, status: int | str = 200) -> Any:
        return self.get(f"/api/v1/requests/{number}", status=status).json

    def tasks(self, number: str) -> list[dict]:
        return self.get(f"/api/v1/requests/{number}/tasks").json["items"]

    def waiting(self) -> list[dict]:
        return self.get("/api/v1/approvals", mine=1).json["items"]

    def decide(self, step: str, decision: str, reason: str = "", status: int | str = 200) -> Any:
        body = {"decision": decision}
        if reason:
            body["reason"] = reason
        return self.post(f"/api/v1/approvals/{step}", body, status=status)

    def work(self, task: str, name: str, status: int | str = 200) -> Any:
        return self.post(f"/api/v1/tasks/{task}/transitions", {"name": name}, status=status)


@pytest.fixture
def api(app: Any) -> Any:
    clients: dict[str, RequestClient] = {}

    def client(login: str) -> RequestClient:
        if login not in clients:
            clients[login] = RequestClient(app, login)
        return clients[login]

    return client


def mails(app: Any, number: str) -> list[tuple[str, str, str, str]]:
    """``(to, kind, subject, text)`` of the mails queued about ``number``."""
    return app.read(
        lambda root: [
            (m.to[0], m.kind, m.subject, m.text) for m in root.outbox if m.ticket == number
        ]
    )


def finish_all_tasks(agent: RequestClient, number: str) -> None:
    """Work the tasks in dependency order, as the desk would."""
    for _round in range(10):
        ready = [t for t in agent.tasks(number) if t["status"] in ("open", "in_progress")]
        if not ready:
            return
        for task in ready:
            agent.work(task["id"], "done")
