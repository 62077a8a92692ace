"""R5: GETs of the queue, ticket and portal pages (and the API) on a real ``pserve`` never
commit: the transactions in ``Data.fs`` are counted before and after (as ``fstail`` shows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import cycle
from pathlib import Path

from tests.reliability.harness import Browser, Desk, copy_demo, make_tokens, request, transactions


@dataclass
class Reads:
    gets: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    new_transactions: list[str] = field(default_factory=list)  # their descriptions


def read_pages(template: Path, directory: Path, gets: int = 1000) -> Reads:
    copy_demo(template, directory)
    tokens = make_tokens(directory, ("employee", "agent"))
    desk = Desk(directory)
    desk.start()
    result = Reads()
    try:
        status, incident = request(
            desk.port,
            "POST",
            "/api/v1/incidents",
            {"title": "Monitor flickers", "description": "", "impact": "low", "urgency": "low"},
            tokens["employee"],
        )
        number = incident["number"]
        request(
            desk.port,
            "POST",
            f"/api/v1/incidents/{number}/journal",
            {"kind": "reply", "body": "Which monitor?"},
            tokens["agent"],
        )
        employee, agent = Browser(desk.port), Browser(desk.port)
        assert employee.login("employee")[0] == 200
        assert agent.login("agent")[0] == 200
        pages = [
            (employee.open, "/"),
            (employee.open, "/incidents/"),
            (employee.open, f"/incidents/{number}/"),
            (employee.open, "/kb/"),
            (employee.open, "/catalog/"),
            (employee.open, "/people/employee/"),
            (agent.open, "/"),
            (agent.open, "/incidents/?queue=open"),
            (agent.open, f"/incidents/{number}/"),
            (agent.open, "/requests/"),
            (agent.open, "/changes/"),
            (api(desk.port, tokens["employee"]), "/api/v1/incidents"),
            (api(desk.port, tokens["agent"]), f"/api/v1/incidents/{number}"),
            (api(desk.port, tokens["agent"]), f"/api/v1/incidents/{number}/journal"),
            (api(desk.port, tokens["agent"]), "/api/v1/me"),
            (api(desk.port, None), "/healthz"),
        ]
        for get, path in pages:  # once before counting: first visits may record the person
            status, text = get(path)
            assert status == 200 and "login-form" not in str(text), (path, status)
        before = {t.tid for t in transactions(directory)}
        for (get, path), _ in zip(cycle(pages), range(gets), strict=False):
            status, _text = get(path)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            result.gets += 1
    finally:
        desk.stop()
    result.new_transactions = [
        t.description.decode("utf-8", "replace") or "(no description)"
        for t in transactions(directory)
        if t.tid not in before
    ]
    return result


def api(port: int, token: str | None):  # noqa: ANN201 - a small adapter
    return lambda path: request(port, "GET", path, None, token)
