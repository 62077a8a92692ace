"""R4: 32 clients create tickets at once through the API of a real ``pserve``: every number
unique, 0 duplicates, 0 server errors, and the conflicts per commit counted."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.reliability.harness import (
    Desk,
    Timings,
    copy_demo,
    make_tokens,
    request,
    run_clients,
    transactions,
    with_root,
)

LOGINS = ("employee", "employee2")


@dataclass
class Creates:
    numbers: list[str] = field(default_factory=list)
    stored: int = 0
    timings: Timings = field(default_factory=Timings)
    commits: int = 0
    conflicts: int = 0
    seconds: float = 0.0

    @property
    def duplicates(self) -> int:
        return len(self.numbers) - len(set(self.numbers))

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.timings.statuses.items() if status >= 500)

    @property
    def conflicts_per_commit(self) -> float:
        return self.conflicts / self.commits if self.commits else 0.0


def create_crowd(template: Path, directory: Path, clients: int = 32, each: int = 100) -> Creates:
    copy_demo(template, directory)
    tokens = make_tokens(directory, LOGINS)
    before = sum(1 for _ in transactions(directory))
    desk = Desk(directory)
    desk.start()
    result = Creates()
    try:

        def client(index: int) -> None:
            token = tokens[LOGINS[index % len(LOGINS)]]
            for n in range(each):
                body = {
                    "title": f"R4 {index}-{n}",
                    "description": "",
                    "impact": "low",
                    "urgency": "medium",
                }
                started = time.perf_counter()
                status, answer = request(desk.port, "POST", "/api/v1/incidents", body, token, 120)
                result.timings.record(time.perf_counter() - started, status)
                if status == 201:
                    with result.timings.lock:
                        result.numbers.append(answer["number"])
                else:
                    result.timings.fail(f"{status}: {str(answer)[:200]}")

        started = time.perf_counter()
        run_clients(clients, client, timeout=3600)
        result.seconds = time.perf_counter() - started
    finally:
        desk.stop()
    result.conflicts = desk.conflicts()
    result.commits = sum(1 for _ in transactions(directory)) - before
    result.stored = with_root(directory, lambda root: len(root["incidents"]))
    return result
